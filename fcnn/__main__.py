"""``python -m fcnn COMMAND``: the command line of fcnn.cli."""

import sys

from .cli import main

if __name__ == "__main__":
    sys.exit(main())
