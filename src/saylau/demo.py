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

The files are read once (:func:`load`): the definition is parsed from the very bytes the store
will keep, so that :meth:`~saylau.store.Store.create` and the server's
:meth:`~saylau.store.Store.election` find it parsed already (:func:`saylau.spec.load` keeps an
election by the hash of its bytes), and ``saylau demo`` prints its results from the same tables
it stores.
"""

from __future__ import annotations

import csv
import gzip
import io
import random
import re
import tomllib
from dataclasses import dataclass
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


@dataclass(frozen=True)
class Example:
    """The example as read once: its files (the bytes a store keeps), its election (parsed from
    those bytes, without protocols unless a file needed the definition's reader) and its protocols
    as tables."""

    files: spec.Files
    election: Election
    tables: list[ProtocolTable]


def load(directory: Path | None = None) -> Example:
    """The definition in ``directory`` (the bundled example by default), every file read once.

    Its protocol files are read as tables (:func:`protocol_tables`); when one does not pass, the
    definition's own reader reads them all (:func:`saylau.spec.load`, which raises with what is
    wrong, line by line, or reads a shape the tables leave to it)."""
    from saylau.protocol_table import tables_of

    files = spec.Files(data=spec.Files(directory or example()).snapshot())
    election = spec.load(files, protocols=False)
    tables = protocol_tables(files, election)
    if tables is None:
        election = spec.load(files)
        tables = tables_of(election.protocols)
    return Example(files, election, tables)


def build(
    db: str | Path, *, withhold: int = 0, status: str = "final", read: Example | None = None
) -> list[Protocol]:
    """Create the store ``db`` (which must not exist yet) from the example and submit its
    protocols, except those of ``withhold`` stations. Returns the withheld protocols, which a
    caller can submit later to show results arriving. ``read`` is the example as :func:`load`
    read it already (``saylau demo`` has, to print its results): its files are then not read
    again, nor its definition parsed again."""
    from saylau.store import Store

    read = read or load()
    held = withheld_stations(read.election, withhold)
    kept, back = split(read.tables, held)
    store = Store.create(db, read.files, actor=ACTOR)
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


def protocol_tables(files: spec.Files | Path, election: Election) -> list[ProtocolTable] | None:
    """The definition's protocol files (``files``: a definition directory, or its bytes) as
    tables, checked as its reader checks them (a declared contest, options on its ballot, known
    stations, whole numbers of at most 10 digits, the bounds and the form's error relations), on
    whole columns; None at the first file that does not pass, or of a shape this reader leaves to
    the definition's (a derived line to store)."""
    from saylau.intake.checks import evaluate
    from saylau.protocols import load_form

    if not isinstance(files, spec.Files):
        files = spec.Files(Path(files))
    try:  # the folder [files] names, as the definition's reader reads it (loaded once already)
        folder = tomllib.loads(files.read(spec.DEFINITION).decode("utf-8"))["files"].get("protocols")
    except (KeyError, AttributeError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        return None
    if not folder:
        return []
    if not isinstance(folder, str) or not files.is_dir(folder):
        return None
    form = load_form(election.form)
    contests = {c.id for c in election.contests}
    stations = election.station_by_id
    ballots = election.ballots
    out: list[ProtocolTable] = []
    # The checks are row by row and read the lines and the options' sum: the files sharing their
    # lines are checked together (3,110 districts: a few calls instead of one per file).
    checked: dict[tuple[str, ...], tuple[list[np.ndarray], list[np.ndarray]]] = {}
    for name in files.listdir(folder):
        contest = name.removesuffix(".gz").removesuffix(".csv")
        if not name.endswith((".csv", ".csv.gz")):
            continue
        if contest not in contests:
            return None
        data = files.read(f"{folder}/{name}")
        text = (gzip.decompress(data) if name.endswith(".gz") else data).decode("utf-8-sig")
        rows = [row for row in csv.reader(io.StringIO(text, newline="")) if row]
        if not rows or rows[0][:1] != ["station"] or len(set(rows[0])) != len(rows[0]):
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
        counts = ",".join(",".join(row[1:]) for row in body)
        if not _COUNTS.fullmatch(counts) or len(set(ids)) != len(ids):
            return None
        # Digits and commas only (just checked): NumPy reads them all at once.
        figures = np.fromstring(counts, dtype=np.int64, sep=",")
        if figures.size != len(body) * len(header):
            return None
        figures = figures.reshape(len(body), len(header))
        if figures.size and figures.max() > MAX_COUNT:
            return None
        try:
            listed = np.array([stations[s].registered for s in ids], dtype=np.int64)
        except KeyError:
            return None
        group = checked.setdefault(lines, ([], []))
        group[0].append(
            np.concatenate((figures[:, :nlines], figures[:, nlines:].sum(axis=1, keepdims=True)), axis=1)
        )
        group[1].append(listed)
        figures.flags.writeable = False  # the table's own (no copy made of it)
        out.append(ProtocolTable(contest, ids, lines, options, figures))
    for lines, (parts, listed_parts) in checked.items():
        together = np.concatenate(parts)  # each file's lines, then its options' sum
        columns = list(np.ascontiguousarray(together.T))
        names = (*lines, "")  # the options' sum stands for the options: the checks read no more
        verdict = evaluate(
            names, len(lines), columns, np.concatenate(listed_parts), election.voter_lists, form
        )
        if verdict.failing.any() or verdict.stored:
            return None
    return out
