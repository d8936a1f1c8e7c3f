"""``python -m palettekit``: the command line (see :mod:`palettekit.cli`)."""

import sys

from .cli import main

if __name__ == "__main__":
    sys.exit(main())
