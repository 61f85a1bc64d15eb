"""`python -m bot`: the command-line interface."""

import sys

from bot.cli import main

try:
    sys.exit(main())
except ModuleNotFoundError as missing:
    if (missing.name or "").split(".")[0] == "bot":
        raise  # a bug of ours, not a missing install
    # Run from a checkout before installing: say what to do, not a traceback.
    print(f"bot: the package {missing.name!r} is not installed. From the repository root run: pip install .",
          file=sys.stderr)
    sys.exit(2)
