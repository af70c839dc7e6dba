"""``python -m needsmap.cli``."""

import sys

from needsmap.cli import main

sys.exit(main())
