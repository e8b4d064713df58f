"""`python -m symback ...` runs the symback command."""

import sys

from .cli import main

sys.exit(main())
