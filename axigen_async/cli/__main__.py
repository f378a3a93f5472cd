"""``python -m axigen_async.cli``: the same as the ``axigen-async`` script."""

import sys

from axigen_async.cli import main

if __name__ == "__main__":
    sys.exit(main())
