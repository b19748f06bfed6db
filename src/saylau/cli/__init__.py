"""The ``saylau`` command: thin shells over the rules, the definitions and the stores.

One module per family of commands; importing them registers them on the group.
"""

import saylau.cli.publish  # noqa: F401  (registers export and press)
from saylau.cli import allocate, definitions, serve, store  # noqa: F401  (they register commands)
from saylau.cli.app import cli, main

__all__ = ["cli", "main"]
