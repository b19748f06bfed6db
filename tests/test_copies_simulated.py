"""saylau.copies.simulated: figures rewritten after the count are found where a copy exists, only there."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from saylau.copies import CopyTable, compare
from saylau.copies.model import CopyIn
from saylau.copies.simulated import Rewritten, moved_votes, rewrite_with_copies
from saylau.errors import InputError
from saylau.protocol_table import ProtocolTable

LINES = ("issued", "found", "invalid", "against_all")
OPTIONS = ("a", "b", "c", "d")
T0 = datetime(2023, 3, 19, 20, 0, tzinfo=UTC)


def table_of(votes: np.ndarray, options: Sequence[str] = OPTIONS) -> ProtocolTable:
    """A consistent table: found = invalid + against all + the options' votes; issued >= found."""
    rng = np.random.default_rng(len(votes))
    n = len(votes)
    invalid = rng.integers(0, 10, n)
    against = rng.integers(0, 20, n)
    found = invalid + against + votes.sum(axis=1)
    issued = found + rng.integers(0, 3, n)
    figures = np.column_stack([issued, found, invalid, against, votes])
    return ProtocolTable("list", tuple(f"S{i:04d}" for i in range(n)), LINES, tuple(options), figures)


def copy_table(copies: Sequence[CopyIn], lines: Sequence[str], options: Sequence[str]) -> CopyTable:
    """Copies as the comparison takes them (a figure not given: MISSING)."""
    figures = np.array(
        [[c.lines.get(x, -1) for x in lines] + [c.votes.get(x, -1) for x in options] for c in copies],
        dtype=np.int64,
    ).reshape(len(copies), len(lines) + len(options))
    return CopyTable(
        copies[0].contest if copies else "list",
        tuple(range(1, len(copies) + 1)),
        tuple(c.station for c in copies),
        tuple("observer" for _ in copies),
        tuple(T0 for _ in copies),
        tuple(lines),
        tuple(options),
        figures,
    )


def published(table: ProtocolTable, made: Rewritten) -> ProtocolTable:
    """What the commission publishes: the count, with the rewritten stations' rows replaced."""
    figures = table.figures.copy()
    for station, row in zip(made.table.stations, made.table.figures, strict=True):
        figures[table.stations.index(station)] = row
    return ProtocolTable(table.contest, table.stations, table.lines, table.options, figures)


def check(table: ProtocolTable, made: Rewritten) -> None:
    """The properties the parallel count rests on, for one rewrite."""
    official = published(table, made)
    count = compare([official], [copy_table(made.copies, table.lines, table.options)])
    found = {c.station for c in count.differing()}
    assert found == set(made.rewritten) & set(made.copied)
    for c in count.differing():
        assert c.differences and all(d.kind == "option" for d in c.differences)
        moved = count.stations[(c.station, table.contest)].moved
        assert sum(moved.values()) == 0 and any(v > 0 for v in moved.values())
    # every rewritten row: the lines as counted, the option votes' total as counted, a vote moved
    assert made.table.stations == tuple(s for s in table.stations if s in set(made.rewritten))
    rows = [table.stations.index(s) for s in made.table.stations]
    before, after = table.figures[rows], made.table.figures
    nlines = len(table.lines)
    assert (before[:, :nlines] == after[:, :nlines]).all()
    assert (before[:, nlines:].sum(axis=1) == after[:, nlines:].sum(axis=1)).all()
    assert (after >= 0).all() and (before != after).any(axis=1).all()
    # the copies: one per copied station, the honest figures, every line and option given
    assert [c.station for c in made.copies] == list(made.copied)
    for c in made.copies:
        row = table.figures[table.stations.index(c.station)].tolist()
        assert list(c.lines.values()) + list(c.votes.values()) == row
        assert tuple(c.lines) == table.lines and tuple(c.votes) == table.options
        assert c.contest == table.contest


@pytest.fixture
def table() -> ProtocolTable:
    rng = np.random.default_rng(7)
    votes = rng.multinomial(400, [0.4, 0.3, 0.2, 0.1], size=200)
    return table_of(votes)


def test_rewritten_stations_with_a_copy_are_found_and_no_other(table: ProtocolTable) -> None:
    made = rewrite_with_copies(table, seed=1, copy_share=0.25, rewritten_copied=10, rewritten_uncopied=15)
    assert len(made.copied) == 50 and len(made.rewritten) == 25
    assert len(set(made.rewritten) & set(made.copied)) == 10
    assert made.copied == tuple(sorted(made.copied)) and made.rewritten == tuple(sorted(made.rewritten))
    assert [c.where for c in made.copies[:2]] == ["simulated copy 1", "simulated copy 2"]
    check(table, made)
    # the default party is the one with most votes: "a" gains, every other loses floor(10%)
    rows = [table.stations.index(s) for s in made.table.stations]
    change = made.table.votes - table.votes[rows]
    assert (change[:, 0] > 0).all() and (change[:, 1:] == -np.floor(0.1 * table.votes[rows][:, 1:])).all()


def test_deterministic_for_a_seed(table: ProtocolTable) -> None:
    one = rewrite_with_copies(table, seed=3, copy_share=0.1, rewritten_copied=5, rewritten_uncopied=5)
    again = rewrite_with_copies(table, seed=3, copy_share=0.1, rewritten_copied=5, rewritten_uncopied=5)
    other = rewrite_with_copies(table, seed=4, copy_share=0.1, rewritten_copied=5, rewritten_uncopied=5)
    assert (one.copied, one.rewritten, one.copies) == (again.copied, again.rewritten, again.copies)
    assert (one.table.figures == again.table.figures).all()
    assert one.copied != other.copied and one.rewritten != other.rewritten


def test_a_chosen_party_and_strength(table: ProtocolTable) -> None:
    made = rewrite_with_copies(table, seed=2, copy_share=1, rewritten_copied=20, party="d", strength=0.5)
    assert len(made.copied) == 200 and len(made.rewritten) == 20
    rows = [table.stations.index(s) for s in made.table.stations]
    change = made.table.votes - table.votes[rows]
    assert (change[:, 3] == np.floor(0.5 * table.votes[rows][:, :3]).sum(axis=1)).all()
    check(table, made)


def test_at_least_one_vote_moves() -> None:
    # one vote for another party: floor(10%) is 0, so that vote moves
    table = table_of(np.array([[9, 1, 0, 0], [5, 0, 0, 0], [3, 0, 2, 1]]))
    made = rewrite_with_copies(table, seed=0, copy_share=1, rewritten_copied=2)
    assert made.rewritten == ("S0000", "S0002")
    assert made.table.votes.tolist() == [[10, 0, 0, 0], [4, 0, 1, 1]]
    check(table, made)
    with pytest.raises(InputError) as e:
        rewrite_with_copies(table, seed=0, copy_share=1, rewritten_copied=3)
    assert str(e.value) == (
        "cannot rewrite 3 copied stations: 3 are copied and 2 of them have votes for other options "
        "than 'a' (at most 2 possible)"
    )


def test_moved_votes_row_by_row() -> None:
    votes = np.array([[10, 20, 0], [0, 0, 0], [1, 0, 3], [0, 25, 25]])
    change = moved_votes(votes, np.array([0, 0, 2, 1]), 0.1)
    assert change.tolist() == [[2, -2, 0], [0, 0, 0], [-1, 0, 1], [0, 2, -2]]
    assert (change.sum(axis=1) == 0).all() and ((votes + change) >= 0).all()


@pytest.mark.parametrize(
    ("kw", "says"),
    [
        ({"copy_share": 0.0}, "copy_share must be a fraction in (0, 1], got 0.0"),
        ({"copy_share": 1.5}, "copy_share must be a fraction in (0, 1], got 1.5"),
        ({"copy_share": float("nan")}, "copy_share must be a fraction in (0, 1]"),
        ({"rewritten_copied": -1}, "rewritten_copied must be a whole number >= 0, got -1"),
        ({"rewritten_uncopied": -2}, "rewritten_uncopied must be a whole number >= 0, got -2"),
        ({"rewritten_copied": 2.0}, "rewritten_copied must be a whole number >= 0, got 2.0"),
        ({"rewritten_copied": 21}, "cannot rewrite 21 copied stations: 20 are copied"),
        ({"rewritten_uncopied": 181}, "cannot rewrite 181 uncopied stations: 180 are uncopied"),
        ({"party": "z"}, "unknown party 'z': contest list has the options a, b, c, d"),
        ({"strength": 0}, "strength must be a fraction in (0, 1], got 0"),
        ({"strength": 1.01}, "strength must be a fraction in (0, 1], got 1.01"),
        ({"seed": -1}, "seed must be a whole number >= 0, got -1"),
    ],
)
def test_bad_parameters(table: ProtocolTable, kw: dict[str, object], says: str) -> None:
    args: dict[str, object] = {"seed": 0, "copy_share": 0.1, "rewritten_copied": 1}
    args.update(kw)
    with pytest.raises(InputError) as e:
        rewrite_with_copies(table, **args)  # type: ignore[arg-type]
    assert str(e.value).startswith(says)


def test_one_option_cannot_be_rewritten() -> None:
    table = ProtocolTable("solo", ("S1",), ("found",), ("a",), np.array([[3, 3]]))
    with pytest.raises(InputError, match="has 1 option"):
        rewrite_with_copies(table, seed=0, copy_share=1, rewritten_copied=0)


@settings(max_examples=80, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    stations=st.integers(1, 120),
    options=st.integers(2, 6),
    share=st.floats(0.01, 1.0),
    copied_part=st.floats(0.0, 1.0),
    uncopied_part=st.floats(0.0, 1.0),
    strength=st.floats(0.01, 1.0),
    party=st.integers(0, 5),
)
def test_property_found_is_exactly_rewritten_and_copied(
    seed: int,
    stations: int,
    options: int,
    share: float,
    copied_part: float,
    uncopied_part: float,
    strength: float,
    party: int,
) -> None:
    rng = np.random.default_rng(seed)
    votes = rng.integers(0, 60, size=(stations, options)) * (rng.random((stations, options)) < 0.7)
    table = table_of(votes, [f"o{j}" for j in range(options)])
    target = f"o{party % options}"
    column = party % options
    movable = votes.sum(axis=1) - votes[:, column] > 0
    k = round(share * stations)
    # how many of each kind can be rewritten is only known once the copies are drawn: ask for a
    # share of the most possible, then check the refusal for one more than possible
    probe = rewrite_with_copies(table, seed=seed, copy_share=share, rewritten_copied=0, party=target)
    copied = np.isin(np.array(table.stations), probe.copied)
    assert int(copied.sum()) == k
    can_copied = int((copied & movable).sum())
    can_uncopied = int((~copied & movable).sum())
    made = rewrite_with_copies(
        table,
        seed=seed,
        copy_share=share,
        rewritten_copied=int(copied_part * can_copied),
        rewritten_uncopied=int(uncopied_part * can_uncopied),
        party=target,
        strength=strength,
    )
    assert made.copied == probe.copied and made.copies == probe.copies
    assert len(made.rewritten) == int(copied_part * can_copied) + int(uncopied_part * can_uncopied)
    check(table, made)
    with pytest.raises(InputError, match=f"at most {can_copied} possible"):
        rewrite_with_copies(table, seed=seed, copy_share=share, rewritten_copied=can_copied + 1, party=target)
