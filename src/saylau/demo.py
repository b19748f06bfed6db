"""The bundled Kazakhstan 2023 example as a live store: what ``saylau demo`` serves and what the
browser tests drive.

``withhold`` keeps the protocols of some polling stations out of the store, so that the site
can be watched filling up as they arrive (election night rather than the morning after). The
stations held back are chosen by a seeded shuffle, so every run holds back the same ones.

The example is the whole ballot day (the Mazhilis and 223 maslikhats: 3,131 contests, about
50,000 protocols), and ``saylau demo`` builds its store at every start. Its protocol files are
read as tables (:class:`~saylau.protocol_table.ProtocolTable`), their bounds and control
relations checked on whole columns (:func:`saylau.intake.checks.evaluate`) and stored with
:meth:`~saylau.store.Store.submit_tables`: no Python object per protocol but for the stations
held back. A file that does not pass is read again by the definition's own reader
(:func:`saylau.spec.load`), which says what is wrong with it, line by line.
"""

from __future__ import annotations

import csv
import gzip
import io
import random
import re
from pathlib import Path
from typing import Any

import numpy as np

from saylau import spec
from saylau.errors import InputError
from saylau.model import MAX_COUNT, Election, Protocol
from saylau.protocol_table import ProtocolTable

#: Where an installed wheel has the example: package data, copied from examples/kz-2023 by setup.py.
PACKAGED = Path(__file__).resolve().parent / "data" / "kz-2023"
#: Where a checkout has it (an editable install reads it there: nothing is copied).
CHECKOUT = Path(__file__).resolve().parents[2] / "examples" / "kz-2023"
ACTOR = "saylau demo"
#: A file's counts, joined by commas: each 1 to 10 ASCII digits.
_COUNTS = re.compile(r"[0-9]{1,10}(?:,[0-9]{1,10})*")
SOURCE = "examples/kz-2023"


def example() -> Path:
    """The folder of the bundled Kazakhstan 2023 example: the wheel's copy, else the checkout's."""
    for folder in (PACKAGED, CHECKOUT):
        if (folder / spec.DEFINITION).exists():
            return folder
    raise InputError(f"the bundled example is missing (neither {PACKAGED} nor {CHECKOUT})")


def withheld_stations(election: Election, withhold: int, seed: int = 2023) -> set[str]:
    """The ``withhold`` stations whose protocols the demo keeps back (the same ones every run)."""
    ids = sorted(s.id for s in election.stations)
    return set(random.Random(seed).sample(ids, min(withhold, len(ids))))


def build(
    db: str | Path, *, withhold: int = 0, status: str = "final", election: Election | None = None
) -> list[Protocol]:
    """Create the store ``db`` (which must not exist yet) from the example and submit its
    protocols, except those of ``withhold`` stations. Returns the withheld protocols, which a
    caller can submit later to show results arriving. ``election`` is the example as
    :func:`saylau.spec.load` read it already (``saylau demo`` has, to print its results): its
    protocols are then not read again."""
    from saylau.protocol_table import tables_of
    from saylau.store import Store

    directory = example()
    if election is not None and election.protocols:
        tables = tables_of(election.protocols)
    else:
        election = spec.load(directory, protocols=False)
        read = protocol_tables(directory, election)
        if read is None:  # a file that does not pass: the definition's reader says why (raises)
            election = spec.load(directory)
            read = tables_of(election.protocols)
        tables = read
    held = withheld_stations(election, withhold)
    kept, back = split(tables, held)
    store = Store.create(db, spec.Files(directory), actor=ACTOR)
    try:
        store.submit_tables(kept, actor=ACTOR, status=status, source=SOURCE)
    finally:
        store.close()
    return [p for table in back for p in table.protocols()]


def terminal_part(doc: dict[str, Any], bodies: int = 1) -> tuple[dict[str, Any], str]:
    """What ``saylau demo`` prints before it serves: the results document (:func:`saylau.results.
    as_json`) of its first ``bodies`` bodies (the Mazhilis), and one line on the others. The
    whole day is 224 bodies and 3,110 single-mandate districts: thousands of lines, and a second
    and a half of rich's tables, before the address of the site that shows them all."""
    keep = list(doc["bodies"])[:bodies]
    part = {
        **doc,
        "bodies": {k: doc["bodies"][k] for k in keep},
        "contests": [c for c in doc["contests"] if c["body"] in keep],
    }
    rest = [b for k, b in doc["bodies"].items() if k not in keep]
    if not rest:
        return part, ""
    seats = sum(b["size"] for b in rest)
    return part, f"{len(rest):,} more bodies ({seats:,} seats) are on the website, and in saylau results"


def split(tables: list[ProtocolTable], held: set[str]) -> tuple[list[ProtocolTable], list[ProtocolTable]]:
    """Each table's rows of stations not in ``held``, and of those in it (tables without rows
    left out), in the order given."""
    kept: list[ProtocolTable] = []
    back: list[ProtocolTable] = []
    for table in tables:
        mine = np.array([s in held for s in table.stations], dtype=bool) if held else None
        if mine is None or not mine.any():
            kept.append(table)
            continue
        for rows, out in ((np.flatnonzero(~mine), kept), (np.flatnonzero(mine), back)):
            if rows.size:
                out.append(table.take(rows))
    return kept, back


def protocol_tables(directory: Path, election: Election) -> list[ProtocolTable] | None:
    """The definition's protocol files as tables, checked as its reader checks them (a declared
    contest, options on its ballot, known stations, whole numbers of at most 10 digits, the
    bounds and the form's error relations), on whole columns; None at the first file that does
    not pass, or of a shape this reader leaves to the definition's (a derived line to store)."""
    from saylau.intake.checks import evaluate
    from saylau.protocols import load_form

    form = load_form(election.form)
    contests = {c.id for c in election.contests}
    stations = election.station_by_id
    ballots = election.ballots
    out: list[ProtocolTable] = []
    for path in sorted((directory / "protocols").iterdir()):
        contest = path.name.removesuffix(".gz").removesuffix(".csv")
        if not path.name.endswith((".csv", ".csv.gz")):
            continue
        if contest not in contests:
            return None
        data = path.read_bytes()
        text = (gzip.decompress(data) if path.name.endswith(".gz") else data).decode("utf-8-sig")
        rows = [row for row in csv.reader(io.StringIO(text, newline="")) if row]
        if not rows or rows[0][:1] != ["station"]:
            return None
        header = rows[0][1:]
        nlines = sum(1 for name in header if name in form.lines)
        lines, options = tuple(header[:nlines]), tuple(header[nlines:])
        required = {name for name in form.lines if name in form.required}
        if not required <= set(lines) or not set(options) <= set(ballots[contest]):
            return None
        body = rows[1:]
        width = len(header) + 1
        if any(len(row) != width for row in body):
            return None
        ids = tuple(row[0] for row in body)
        if not _COUNTS.fullmatch(",".join(",".join(row[1:]) for row in body)) or len(set(ids)) != len(ids):
            return None
        figures = np.array([row[1:] for row in body], dtype=np.int64).reshape(len(body), len(header))
        if figures.size and figures.max() > MAX_COUNT:
            return None
        try:
            listed = np.array([stations[s].registered for s in ids], dtype=np.int64)
        except KeyError:
            return None
        columns = list(np.ascontiguousarray(figures.T))
        verdict = evaluate(lines + options, nlines, columns, listed, election.voter_lists, form)
        if verdict.failing.any() or verdict.stored:
            return None
        out.append(ProtocolTable(contest, ids, lines, options, figures))
    return out
