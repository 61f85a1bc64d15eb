"""`python -m bot`: the command-line interface."""

import sys

from bot.cli import main

sys.exit(main())
