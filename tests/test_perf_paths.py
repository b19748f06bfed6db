"""The fast paths give exactly what the plain ones give.

``Tally.extend`` sums a batch by territory before adding it up the tree, where ``apply`` adds
each protocol at every level; ``counts_text`` fills a template, where ``counts`` writes each
pair; the definition's CSV tables are read as lists, no longer as dicts. These tests hold the
fast paths to the plain ones, option order and error messages included.
"""

from __future__ import annotations

import dataclasses
import gzip
import random
from pathlib import Path

import pytest

from saylau import spec
from saylau.errors import DefinitionError, InputError
from saylau.model import Protocol
from saylau.store.canonical import counts, counts_text
from saylau.tally import Tally

TINY = Path(__file__).parent / "data" / "tiny"


def _one_by_one(tally: Tally, protocols: list[Protocol]) -> Tally:
    for p in protocols:
        tally.apply(p)
    return tally


def _all_totals(tally: Tally) -> dict:
    """Every total, with its options in their order (dict equality alone ignores order)."""
    return {key: (t, list(t.votes.items())) for key, t in tally._totals.items()}


def _random_protocols(election, rng: random.Random, n: int) -> list[Protocol]:
    stations = [s.id for s in election.stations] + ["nowhere"]
    contests = [c.id for c in election.contests]
    options = ["a", "b", "c1", "c2", "c3", "x", "y"]
    out = []
    for _ in range(n):
        chosen = rng.sample(options, rng.randint(0, len(options)))
        out.append(
            Protocol(
                rng.choice(stations),
                rng.choice(contests),
                {
                    "registered": rng.randint(0, 900),
                    "issued": rng.randint(0, 900),
                    "invalid": rng.randint(0, 9),
                },
                {o: rng.randint(0, 300) for o in chosen},
            )
        )
    return out


@pytest.mark.parametrize("seed", range(12))
def test_extend_equals_apply_one_by_one_options_in_the_same_order(seed: int) -> None:
    election = spec.load(TINY)
    rng = random.Random(seed)
    batches = [_random_protocols(election, rng, rng.randint(0, 40)) for _ in range(3)]
    fast, slow = Tally(election), Tally(election)
    for batch in batches:  # later batches correct earlier ones: the same stations come back
        fast.extend(batch)
        _one_by_one(slow, batch)
        assert _all_totals(fast) == _all_totals(slow)
        assert fast._current == slow._current
    fast.apply(batches[0][0] if batches[0] else election.protocols[0])
    _one_by_one(slow, [batches[0][0] if batches[0] else election.protocols[0]])
    assert _all_totals(fast) == _all_totals(slow)


def test_extend_keeps_what_it_read_when_the_protocols_run_out_with_an_error() -> None:
    election = spec.load(TINY)
    protocols = list(election.protocols)

    def failing():
        yield from protocols[:3]
        raise RuntimeError("the source broke")

    fast = Tally(election)
    with pytest.raises(RuntimeError):
        fast.extend(failing())
    assert _all_totals(fast) == _all_totals(_one_by_one(Tally(election), protocols[:3]))


def test_expected_stations_per_total_are_those_of_a_count_station_by_station() -> None:
    election = spec.load(TINY)
    tally = Tally(election)
    for contest in election.contests:
        stations = [s for s in election.stations if contest.id in tally._contests_of[s.id]]
        assert tally.contest(contest.id).stations == len(stations)
        for t in election.territories:
            under = [s for s in stations if t.id in tally._above[s.id]]
            assert tally.territory(contest.id, t.id).stations == len(under)


@pytest.mark.parametrize(
    "values",
    [
        {},
        {"a": 1},
        {"z": 3, "a": 10**20, "ж": 0, "b": -4},
        {"a%d": 5, "%s": 2, 'q"': 7, "\\": 1},
        {"x": True, "y": 1},
        {"x": 1.0, "y": 1},
        {"x": 1, "y": None},
        {1: 2, "a": 3},
    ],
)
def test_counts_text_is_counts(values: dict) -> None:
    for _ in range(2):  # the second time from the cached template
        try:
            expected: object = counts(values, "protocol S/c")[1]
        except InputError as e:
            expected = ("error", str(e))
        try:
            got: object = counts_text(values, "protocol S/c")
        except InputError as e:
            got = ("error", str(e))
        assert got == expected


def _write_definition(tmp_path: Path, stations: str) -> Path:
    root = tmp_path / "election"
    root.mkdir()
    for p in TINY.iterdir():
        if p.is_file() and p.name != "stations.csv":
            (root / p.name).write_bytes(p.read_bytes())
    if (TINY / "protocols").is_dir():
        (root / "protocols").mkdir()
        for p in (TINY / "protocols").iterdir():
            (root / "protocols" / p.name).write_bytes(p.read_bytes())
    (root / "stations.csv").write_text(stations, encoding="utf-8")
    return root


def test_station_rows_problems_as_before(tmp_path: Path) -> None:
    """Blank lines skipped; short, long and malformed rows named by line, as the dict reader did."""
    good = (TINY / "stations.csv").read_text(encoding="utf-8")
    header, *rows = good.splitlines()
    text = "\n".join([header, rows[0], "", " " + rows[1] + " ", "S9", rows[2] + ",extra", *rows[3:]]) + "\n"
    with pytest.raises(DefinitionError) as caught:
        spec.load(_write_definition(tmp_path, text))
    problems = "\n".join(caught.value.problems)
    assert "stations.csv:5: wrong number of fields" in problems
    assert "stations.csv:6: wrong number of fields" in problems


def test_stations_strip_values_and_gzip(tmp_path: Path) -> None:
    good = (TINY / "stations.csv").read_text(encoding="utf-8")
    header, *rows = good.splitlines()
    spaced = "\n".join([header, *(",".join(f" {c} " for c in r.split(",")) for r in rows)]) + "\n"
    loaded = spec.load(_write_definition(tmp_path, spaced))
    assert loaded.stations == spec.load(TINY).stations
    assert gzip.decompress(gzip.compress(spaced.encode())) == spaced.encode()
    assert dataclasses.asdict(loaded)["stations"] == dataclasses.asdict(spec.load(TINY))["stations"]
