"""``python -m batchctl``: the same as the ``batchctl`` console script."""

import sys

from batchctl.cli import main

sys.exit(main())
