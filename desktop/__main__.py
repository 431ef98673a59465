"""``python -m desktop`` runs the command line (and, without arguments, the app)."""

from desktop.cli import main

if __name__ == "__main__":
    raise SystemExit(main())
