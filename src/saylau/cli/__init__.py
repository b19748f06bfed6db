"""The ``saylau`` command: thin shells over the rules, the definitions and the stores.

One module per family of commands; each registers its commands on the group when imported,
and the group imports a module only when one of its commands is run (saylau.cli.app.COMMANDS),
so a command starts without the libraries of the others.
"""

from saylau.cli.app import cli, main

__all__ = ["cli", "main"]
