"""Election definitions: a directory of TOML and CSV files -> :class:`saylau.model.Election`.

The format is docs/election-format.md. Loading checks everything it reads, every key of every
TOML table against its schema included, and collects every problem as one line
``file:line: field: what was expected``, so ``saylau check`` can list them all and a commission
can fix them in one pass. This is the public entry point; the work is split by job in
:mod:`saylau.definition`.
"""

from __future__ import annotations

from saylau.definition.files import Files
from saylau.definition.loader import check, load, no_cyclic_gc
from saylau.definition.tables import DEFINITION, LEVELS, region_of

__all__ = ["DEFINITION", "LEVELS", "Files", "check", "load", "no_cyclic_gc", "region_of"]
