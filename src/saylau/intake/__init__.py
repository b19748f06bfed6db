"""Protocol intake: a commission's file of station protocols -> checked protocols, rejects, problems.

Commissions send what their software writes: CSV (plain, gzipped or in a zip),
or JSON; with their own headers (the Russian CEC's change from year to year).
A mapping file (TOML) says which column is which form line, party or candidate,
how the station id is built (``"{region}|{tik}|{uik}"``) and which columns to
ignore, so another country's file is a new mapping, not new code.

Nothing here raises on bad input. A file that cannot be read as a whole (not
found, too large, truncated, not UTF-8, empty, an unknown column ...) gives
file-level ``problems``; a row that cannot be accepted becomes a :class:`Reject`
whose reasons are data (:class:`RowProblem`: a code, the line, the relation, the
figures) and read, in one line each, as the station, the line and what is wrong.
:func:`write_rejects` writes those rows back with an ``errors`` column: the
commission fixes them and resends.

One job a module: :mod:`~saylau.intake.mapping` (mapping files),
:mod:`~saylau.intake.sources` (bytes: kind, limits, decompression),
:mod:`~saylau.intake.rows` (CSV and JSON text -> header and rows),
:mod:`~saylau.intake.columns` (the header -> which column is which),
:mod:`~saylau.intake.reader` (every row once, :func:`read_protocols`),
:mod:`~saylau.intake.arrow` (a clean CSV file as columns, no row loop; anything else goes to the
reader, which says what is wrong),
:mod:`~saylau.intake.checks` (bounds and relations on NumPy columns of all rows at once),
:mod:`~saylau.intake.rejects` (rows sent back).
"""

from saylau.errors import MappingError
from saylau.intake.mapping import CONTEST_COLUMN, STATION_COLUMN, Mapping, load_mapping
from saylau.intake.reader import PROGRESS_EVERY, Intake, read_protocols, read_sent
from saylau.intake.rejects import ERRORS_COLUMN, Reject, RowProblem, write_rejects
from saylau.intake.sources import DEFAULT_MAX_BYTES, SUFFIXES, UPLOAD_LIMITS, Limits, kind_of, unknown_kind

__all__ = [
    "CONTEST_COLUMN",
    "DEFAULT_MAX_BYTES",
    "ERRORS_COLUMN",
    "PROGRESS_EVERY",
    "STATION_COLUMN",
    "SUFFIXES",
    "UPLOAD_LIMITS",
    "Intake",
    "Limits",
    "Mapping",
    "MappingError",
    "Reject",
    "RowProblem",
    "kind_of",
    "load_mapping",
    "read_protocols",
    "read_sent",
    "unknown_kind",
    "write_rejects",
]
