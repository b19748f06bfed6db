"""Arrow's memory handed back to the system after a large file is read.

pyarrow allocates from its own pool (mimalloc here), which keeps the pages a parse used for the
next one: after a million-row file, 230 MB that neither Python nor Arrow uses any more stay in
the process for as long as it runs, at the moment an import goes on to prepare and store what it
read. Small files are left alone: the pool's reuse is what makes them cheap.
"""

from __future__ import annotations

#: Rows read from one file from which the pool is asked to hand back what it no longer uses.
LARGE = 100_000


def release_after(rows: int) -> None:
    """Hand back the pool's unused memory when ``rows`` rows were just read (and let go of)."""
    if rows < LARGE:
        return
    import pyarrow as pa

    pa.default_memory_pool().release_unused()
