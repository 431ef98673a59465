"""The one script behind the bundle's two programs (see desktop/launcher.py)."""

import sys

from desktop.launcher import bundle_main

if __name__ == "__main__":
    sys.exit(bundle_main())
