"""The ``saylau`` command: thin shells over the rules, the definitions and the stores.

One module per family of commands; importing them registers them on the group.
"""

from saylau.cli import (  # noqa: F401  (they register their commands)
    allocate,
    backup,
    definitions,
    forensics,
    keys,
    projection,
    publish,
    publish_site,
    serve,
    stations,
    store,
    verify,
    witness,
)
from saylau.cli.app import cli, main

__all__ = ["cli", "main"]
