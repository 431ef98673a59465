"""``python -m desktop`` runs the command line (and, without arguments, the app)."""

from desktop.cli import main

raise SystemExit(main())
