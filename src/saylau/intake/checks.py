"""The bounds and control relations of every row of a contest at once, on columns of NumPy integers.

A national file is 100,000 rows that almost all hold: the relations and the bounds of
:mod:`saylau.bounds` are evaluated on a matrix of every row at once, and only the rows that fail
are checked again one by one (:func:`saylau.bounds.protocol_breaches`, the form's relations), to
say which bound or relation fails with which numbers. Numbers too large for int64 take the
one-by-one path throughout, so the verdict never depends on which path was taken. The columnar
reader (:mod:`saylau.intake.arrow`) asks the same :func:`evaluate` of its columns, so the two
readers cannot come to differ on what holds.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from saylau.bounds import BALLOT_LINES, COUNTED_LINES, REGISTERED, protocol_breaches
from saylau.intake.columns import Plan
from saylau.intake.rejects import Rejects, RowProblem
from saylau.intake.rows import Rows
from saylau.model import Election, Protocol, Station, VoterLists
from saylau.protocols import OPTIONS, Form, Sum, warnings

_NP_OPS = {"=": np.equal, "<=": np.less_equal, ">=": np.greater_equal}


def accept(
    plan: Plan,
    election: Election,
    form: Form,
    duplicates: dict[int, RowProblem],
    rows: Rows,
    rejects: Rejects,
) -> tuple[list[Protocol], list[str]]:
    """The plan's rows as protocols, and the breaches of warning relations among them; rows that
    break a bound or an error relation, or that a later row duplicates (``duplicates``, by line),
    go to ``rejects`` with the row as sent, found again in ``rows``."""
    if not plan.rows:
        return [], []
    try:
        failing, warned, stored, derived = _row_verdict(plan, election, form)
    except OverflowError:
        failing, warned, stored, derived = None, None, (), []
    lines, options = plan.names[: plan.nlines], plan.names[plan.nlines :]
    nlines, cid = plan.nlines, plan.contest.id
    lists = election.voter_lists
    found = plan.rows
    out = []
    listed_warnings: list[str] = []
    back: list[tuple[int, str, list[RowProblem], Protocol]] = []  # rows to send back, once found again
    for i, item in enumerate(found):
        assert item is not None
        line, sid, values = item
        found[i] = None  # a million rows: each one's numbers go as its protocol comes
        own = dict(zip(lines, values, strict=False))
        if failing is None:
            own = form.complete(own)
        else:
            own.update(zip(stored, derived[i], strict=True))
            derived[i] = []
        protocol = Protocol(sid, cid, own, dict(zip(options, values[nlines:], strict=True)))
        problems = []
        if failing is None or i in failing:
            problems = breaches(protocol, election.station_by_id.get(sid), lists, form)
        if line in duplicates:
            problems.append(duplicates[line])
        if problems:
            back.append((line, sid, problems, protocol))
            continue
        out.append(protocol)
        if warned is None or i in warned:
            listed_warnings.extend(warned_about(protocol, form, rows.where(line)))
    if back:
        sent = rows.find({line for line, *_ in back})
        for line, sid, problems, protocol in back:
            rejects.add(line, sid, sent[line], problems, contest=cid, protocol=protocol)
    return out, listed_warnings


def _row_verdict(
    plan: Plan, election: Election, form: Form
) -> tuple[set[int] | None, set[int] | None, tuple[str, ...], list[list[int]]]:
    """:func:`evaluate` of the rows a row-by-row reading kept: the rows failing an error relation
    or a bound, those breaching a warning one, the derived lines kept and their values by row."""
    rows = plan.rows
    matrix = np.array([r[2] for r in rows if r], dtype=np.int64).reshape(len(rows), len(plan.names))
    station_by_id = election.station_by_id
    listed = np.array([station_by_id[r[1]].registered for r in rows if r], dtype=np.int64)
    figures = list(np.ascontiguousarray(matrix.T))
    verdict = evaluate(plan.names, plan.nlines, figures, listed, election.voter_lists, form)
    derived = np.column_stack(verdict.derived).tolist() if verdict.stored else [[]] * len(rows)
    return (
        set(np.flatnonzero(verdict.failing).tolist()),
        set(np.flatnonzero(verdict.warned).tolist()),
        verdict.stored,
        derived,
    )


def warned_about(protocol: Protocol, form: Form, where: str) -> list[str]:
    """The breaches of warning relations of one accepted protocol, as ``Intake.warnings`` lists
    them: one place for both readers, so their warnings read alike."""
    return [f"{where}: station {protocol.station}: {w}" for w in warnings(protocol, form)]


def breaches(protocol: Protocol, station: Station | None, lists: VoterLists, form: Form) -> list[RowProblem]:
    """Every bound of :mod:`saylau.bounds` and every error relation of the form that one
    protocol breaks, with its numbers: the one-by-one path."""
    out = [RowProblem.of_breach(b) for b in protocol_breaches(protocol, station, lists)]
    values = form.values(protocol)
    out += [RowProblem.of_relation(rel, values) for rel in form.checked(set(values)) if not rel.holds(values)]
    return out


@dataclass(frozen=True)
class Verdict:
    """What the columns of a contest's rows say, row by row (both readers act on it alike)."""

    #: rows breaking a bound or an error relation: to be checked again one by one, for the message
    failing: np.ndarray
    #: rows breaching a warning relation
    warned: np.ndarray
    #: the derived lines a protocol keeps (those not summing the options), and their columns
    stored: tuple[str, ...]
    derived: list[np.ndarray]


def evaluate(
    names: tuple[str, ...],
    nlines: int,
    figures: Sequence[np.ndarray],
    listed: np.ndarray,
    lists: VoterLists,
    form: Form,
) -> Verdict:
    """The bounds and relations of every row at once: ``figures`` holds the column of each of
    ``names`` (``nlines`` form lines, then the options; each contiguous, as NumPy is fastest on),
    one row per protocol, and ``listed`` the voters on the list of each row's station. Every
    count is from 0 to ``MAX_COUNT``, so no sum overflows."""
    rows = len(listed)
    columns = dict(zip(names[:nlines], figures[:nlines], strict=True))
    columns[OPTIONS] = sum(figures[nlines:], np.zeros(rows, dtype=np.int64))
    stored = []
    for d in form.derived:
        if d.name not in columns and all(t.name in columns for t in d.sum):
            columns[d.name] = _column_sum(d.sum, columns)
            if all(t.name != OPTIONS for t in d.sum):
                stored.append(d.name)
    failing = _out_of_bounds(listed, lists, columns)
    warned = np.zeros(rows, dtype=bool)
    for severity, marked in (("error", failing), ("warning", warned)):
        for rel in form.checked(set(columns), severity):
            marked |= ~_NP_OPS[rel.op](_column_sum(rel.left, columns), _column_sum(rel.right, columns))
    return Verdict(failing, warned, tuple(stored), [columns[d] for d in stored])


def _out_of_bounds(listed: np.ndarray, lists: VoterLists, columns: dict[str, np.ndarray]) -> np.ndarray:
    """The rows whose registered voters are outside the station's list range, or with more
    ballots than the list allows, at once (the integer range was checked as each row was
    read); their messages come from :func:`saylau.bounds.protocol_breaches`."""
    low, high = lists.range_array(listed)
    cap = lists.ballots_array(listed)
    out = np.zeros(len(listed), dtype=bool)
    if REGISTERED in columns:
        out |= (columns[REGISTERED] < low) | (columns[REGISTERED] > high)
    for name in BALLOT_LINES:
        if name in columns:
            out |= columns[name] > cap
    counted = columns[OPTIONS] + sum((columns[n] for n in COUNTED_LINES if n in columns), np.int64(0))
    out |= counted > cap
    return out


def _column_sum(terms: Sum, columns: dict[str, np.ndarray]) -> np.ndarray:
    total = columns[terms[0].name] * terms[0].sign
    for t in terms[1:]:
        total = total + columns[t.name] if t.sign > 0 else total - columns[t.name]
    return total
