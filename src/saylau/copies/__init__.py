"""Observers' copies of posted protocols, and the parallel count made from them.

An observer copies (and photographs) the protocol a commission posts at its station; the largest
observer missions found their evidence by comparing those copies with what the commission later
published, one station at a time. :mod:`saylau.copies.compare` does that comparison for every copy
at once, over the same integer tables the tally reads. A copy never changes the official count.
"""

from saylau.copies.compare import (
    Comparison,
    CopyTable,
    Difference,
    ParallelCount,
    StationVerdict,
    compare,
    corrected_tables,
)

__all__ = [
    "Comparison",
    "CopyTable",
    "Difference",
    "ParallelCount",
    "StationVerdict",
    "compare",
    "corrected_tables",
]
