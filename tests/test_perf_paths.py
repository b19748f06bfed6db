"""The fast paths give exactly what the plain ones give.

``Tally.extend`` sums a batch by territory before adding it up the tree, where ``apply`` adds
each protocol at every level; ``counts_text`` fills a template (and leaves anything unusual to
``counts``), where ``counts`` writes each pair; the definition's CSV tables are read as lists,
no longer as dicts. These tests hold the fast paths to the plain ones, option order and error
messages included.
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
            got: object = counts_text(values) or counts(values, "protocol S/c")[1]
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


# -- intake: rows are not kept, and found again when one goes back --------------------------------

GOOD = TINY / "protocols" / "council-list.csv"


def _rows_of(text: str) -> list[list[str]]:
    import csv
    import io

    return list(csv.reader(io.StringIO(text, newline=""), strict=True))


@pytest.mark.parametrize("newline", ["\n", "\r\n", "\r"])
def test_rows_sent_back_are_the_rows_as_sent_after_many_others(tmp_path: Path, newline: str) -> None:
    """A failing relation and a duplicate at the end of a long file: the rows are read again."""
    from saylau.intake import read_protocols

    election = spec.load(TINY)
    header, *rows = GOOD.read_text(encoding="utf-8").splitlines()
    unknown = [f"X{i}," + rows[0].split(",", 1)[1] for i in range(3000)]  # rejected as they come
    good = [*rows, rows[0]]  # S1 twice: both rows go back
    good[1] = good[1].replace(",200,", ",199,", 1)  # S2: a relation fails
    good[2] = '"' + good[2].replace(",", '","') + '"'  # quoted cells read the same
    text = newline.join([header, *unknown, *good]) + newline
    (tmp_path / "long.csv").write_bytes(text.encode("utf-8"))
    intake = read_protocols(tmp_path / "long.csv", election, contest="council-list")
    expected = _rows_of(text)
    names = expected[0]
    for reject in intake.rejects:
        assert reject.row == dict(zip(names, expected[reject.line - 1], strict=True)), reject.line
    checked = {r.line: r for r in intake.rejects if r.protocol is not None}
    assert sorted(checked) == [3002, 3003], "S1 (a duplicate) and S2 (a relation) after 3,000 rows"
    assert [p.station for p in intake.protocols] == ["S3", "S4"]


def test_json_rows_sent_back_are_found_again(tmp_path: Path) -> None:
    import csv
    import json

    from saylau.intake import read_protocols

    election = spec.load(TINY)
    with GOOD.open(encoding="utf-8") as f:
        rows = [{k: (v if k == "station" else int(v)) for k, v in row.items()} for row in csv.DictReader(f)]
    rows[1]["a"] -= 1  # S2's relation fails
    (tmp_path / "p.json").write_text(json.dumps(rows), encoding="utf-8")
    intake = read_protocols(tmp_path / "p.json", election, contest="council-list")
    (reject,) = intake.rejects
    assert reject.line == 2 and reject.station == "S2"
    assert reject.row == {k: str(v) for k, v in rows[1].items()}
    assert len(intake.protocols) == 3


def test_tally_knows_each_stations_region_and_the_voters_under_each_territory() -> None:
    """What turnout by time of day needs of the definition, computed once with the tally."""
    from saylau.tally import chain_of

    for election in (spec.load(TINY), spec.load(Path(__file__).parents[1] / "examples" / "kz-2023")):
        tally = Tally(election)
        parents = {t.id: t.parent for t in election.territories}
        level = {t.id: t.level for t in election.territories}
        under: dict[str, int] = {}
        for s in election.stations:
            chain = chain_of(s.territory, parents)
            assert tally.region_of(s.id) == next((t for t in chain if level.get(t) == "region"), None)
            for t in chain:
                under[t] = under.get(t, 0) + s.registered
        assert all(tally.registered_under(t.id) == under.get(t.id, 0) for t in election.territories)
        assert all(tally.registered_at(s.id) == s.registered for s in election.stations)
        assert tally.region_of("no such station") is None and tally.registered_under("nowhere") == 0
        assert tally.registered_at("no such station") is None
