"""Seat projections from partial results: stratified ratio estimation, bootstrap, exact seats.

Pure functions, no I/O. :func:`project` estimates every contest's final totals from the
stations reported so far, resamples them, and counts every replicate with the rules that
decide real seats; :func:`saylau.projection.report.as_json` gives the public document (the
API's ``GET /api/v1/projection`` and ``saylau project --json``). docs/projection.md gives the
formulas and what the validation against real elections shows.
"""

from saylau.projection.project import REPLICATES, SEED, ContestProjection, Projection, project
from saylau.projection.strata import MIN_REPORTED

__all__ = ["MIN_REPORTED", "REPLICATES", "SEED", "ContestProjection", "Projection", "project"]
