"""The Rich console the commands print their tables to.

A table's cells and titles are names from a definition (parties, candidates, contests, places):
labels a commission wrote, which may hold square brackets ("Ivanov [independent]"). Rich reads
brackets in a string as its markup by default and drops what it takes for a style, so a name
would lose part of itself without a word. Here every string is printed as it is; the few lines
that are styled on purpose say so (``markup=True``) and escape what they quote.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from rich.console import Console


def plain_console() -> Console:
    """A console that prints strings as they are (no markup read in them)."""
    from rich.console import Console

    return Console(markup=False)
