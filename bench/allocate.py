"""Seat allocation speed: saylau against votelib 0.4.0, same inputs, same seats, one run.

Why the benchmark is shaped this way:

* Two workloads matter in practice. An election night or an audit counts one
  election at a time (single-call latency, ``allocate``: threshold then
  apportionment, one exact count). A seat projection from partial results
  re-runs that count on thousands of perturbed versions of the votes (batch
  throughput, ``apportion_batch``). Both are measured.
* The peer is votelib 0.4.0 from PyPI, the maintained Python library for
  these rules. Both libraries get the same votes for every version, and the
  seats are compared on every version either one is timed on: a speed figure
  for a different answer would be worthless.
* The election is real: the 2023 Kazakhstan Mazhilis list tier (69 seats, Hare
  quota with largest remainders, 5% threshold on party votes plus "against
  all"). D'Hondt, Sainte-Lague and Huntington-Hill on the same votes add
  breadth. The perturbations (3% multiplicative normal noise on every count,
  "against all" included, seeded) move a list across the threshold in some
  versions, so the threshold is exercised, not only the apportionment.
* votelib is given no extra work. Its peer is the shortest composition of its
  own evaluators: ``RelativeThreshold(5%, accept_equal=True)`` over the votes
  *including* an "against all" row (votelib takes the base as the sum of what
  it is given), then "against all" is dropped from the lists that passed, then
  ``LargestRemainder``/``HighestAverages`` apportions. ``Conditioned`` would do
  the same but calls ``inspect.signature`` on every evaluation, which roughly
  doubles votelib's Hare latency, so it is not used. votelib's inputs (dicts of
  Python ints) are built before timing; saylau's timed single call includes
  building its ``Ballots``.
* votelib 0.4.0's ``huntington_hill`` divisor returns a ``Decimal``, which its
  own ``HighestAverages`` cannot divide by (``Fraction(int, Decimal)`` raises
  TypeError), and a divisor of 0 drops a list instead of seating it first. The
  peer therefore passes a divisor returning the same 28-digit Decimal square
  root as a Fraction, and the first seat of every eligible list as
  ``prev_gains``, which is how votelib's documentation says to use it.
* Timing is timeit-style (garbage collector off, best of several repeats).
  votelib's batch runs on every version without ``--quick``; with ``--quick`` it
  runs on the first 1,000 versions and is scaled to versions per second (the
  output says so). saylau's batch always runs all 10,000.

* One compensatory system is timed too, batch only: New Zealand's 2023 House
  (120 seats, Sainte-Laguë, 5% of the party votes or one electorate, overhang
  kept: 122 seats). saylau runs ``saylau.rules.mixed_batch.compensatory_batch``
  on 10,000 versions of the party votes (the same 3% noise; the electorates held
  as won); votelib runs its own composition of evaluators per version:
  ``AlternativeThresholds([RelativeThreshold(5%, accept_equal=True),
  PreviousGainThreshold(AbsoluteThreshold(1))])``, then
  ``AdjustedSeatCount(AllowOverhang(HighestAverages('sainte_lague')),
  HighestAverages('sainte_lague'))`` with the electorates as ``prev_gains`` and
  the seats of winners outside the eligible parties taken off the 120. Seats are
  asserted identical on every version votelib ran.

Run ``python bench/allocate.py [--quick]``; the last line is
``speedup_vs_votelib=<batch ratio, Hare>``, the one before it
``mmp_speedup_vs_votelib=<batch ratio, New Zealand MMP>``.
"""

from __future__ import annotations

import argparse
import json
import time
import timeit
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from pathlib import Path

import numpy as np
from votelib.evaluate.core import AdjustedSeatCount, AllowOverhang
from votelib.evaluate.proportional import HighestAverages, LargestRemainder
from votelib.evaluate.threshold import (
    AbsoluteThreshold,
    AlternativeThresholds,
    PreviousGainThreshold,
    RelativeThreshold,
)

from saylau.rules.batch import apportion_batch
from saylau.rules.mixed_batch import compensatory_batch
from saylau.rules.new_zealand import NewZealandRules
from saylau.rules.party_list import ListRules, allocate
from saylau.rules.thresholds import Ballots, Threshold

REFERENCE = Path("/work/shared/reference/kz-2023.json")
AGAINST_ALL = "against all"
METHODS = ("hare", "dhondt", "sainte-lague", "huntington-hill")
HEADLINE = "hare"
VERSIONS = 10_000
SEED = 2023
NOISE = 0.03

Seats = dict[str, int]


@dataclass(frozen=True)
class Election:
    name: str
    parties: dict[str, int]
    against_all: int
    seats: int
    share: Fraction
    source: str


@dataclass(frozen=True)
class Mode:
    votelib_versions: int  # how many versions votelib's batch is timed (and checked) on
    single_target: float  # seconds one timed run of single calls should last
    repeat: int  # timed runs of single calls, best taken
    batch_repeat: int  # timed runs of each batch, best taken


QUICK = Mode(votelib_versions=1_000, single_target=0.1, repeat=5, batch_repeat=5)
FULL = Mode(votelib_versions=VERSIONS, single_target=0.2, repeat=9, batch_repeat=5)


@dataclass(frozen=True)
class Figures:
    method: str
    saylau_us: float
    votelib_us: float
    saylau_per_s: float
    votelib_per_s: float
    checked: int

    @property
    def single_ratio(self) -> float:
        return self.votelib_us / self.saylau_us

    @property
    def batch_ratio(self) -> float:
        return self.saylau_per_s / self.votelib_per_s


def load_election() -> Election:
    """The reference file when it is there, else the same published figures."""
    if REFERENCE.exists():
        ref = json.loads(REFERENCE.read_text(encoding="utf-8"))
        return Election(
            name="Kazakhstan 2023 Mazhilis, list tier",
            parties={p: int(v) for p, v in ref["votes"].items()},
            against_all=int(ref["other_counts"]["against_all"]),
            seats=int(ref["seats"]["party_list"]),
            share=Fraction(ref["threshold"]["value_percent"]) / 100,
            source=str(REFERENCE),
        )
    return Election(
        name="Kazakhstan 2023 Mazhilis, list tier",
        parties={
            "Amanat": 3431510,
            "Auyl": 693938,
            "Respublica": 547154,
            "Ak Zhol": 535139,
            "People's Party": 432920,
            "NSDP": 331058,
            "Baytaq": 146431,
        },
        against_all=248291,
        seats=69,
        share=Fraction(5, 100),
        source="constants in bench/allocate.py",
    )


def perturbed(election: Election, n: int, seed: int) -> np.ndarray:
    """``n`` versions of every count (lists, then against all) with seeded noise."""
    counts = np.array([*election.parties.values(), election.against_all], dtype=np.float64)
    factors = np.random.default_rng(seed).normal(1.0, NOISE, size=(n, counts.size))
    return np.rint(np.clip(counts * factors, 0, None)).astype(np.int64)


def threshold_moves(versions: np.ndarray, share: Fraction) -> int:
    """How many versions pass a different set of lists than the first version does."""
    base = versions.sum(axis=1)
    passed = versions[:, :-1] * share.denominator >= (base * share.numerator)[:, None]
    return int((passed != passed[0]).any(axis=1).sum())


# --- the two peers -------------------------------------------------------------------------


def saylau_single(election: Election, method: str) -> Callable[[Seats, int], Seats]:
    rules = ListRules(election.seats, method, Threshold(election.share, base="valid"))

    def count(parties: Seats, against_all: int) -> Seats:
        return allocate(Ballots(parties, against_all=against_all), rules).seats

    return count


def _hh_divisor(order: int) -> Fraction:
    """votelib's ``huntington_hill`` (a 28-digit Decimal square root), as a Fraction."""
    return Fraction(Decimal(order * (order + 1)).sqrt())


class _FirstSeatEach:
    """Huntington-Hill in votelib: each list's first seat as ``prev_gains``, then the rest."""

    def __init__(self) -> None:
        self.inner = HighestAverages(_hh_divisor)

    def evaluate(self, votes: Seats, n_seats: int) -> Seats:
        first = {p: 1 for p, v in votes.items() if v > 0}
        rest = self.inner.evaluate(votes, n_seats, prev_gains=first)
        return {p: 1 + rest.get(p, 0) for p in first}


def _votelib_apportioner(method: str) -> object:
    if method == "hare":
        return LargestRemainder("hare")
    if method == "dhondt":
        return HighestAverages("d_hondt")
    if method == "sainte-lague":
        return HighestAverages("sainte_lague")
    if method == "huntington-hill":
        return _FirstSeatEach()
    raise ValueError(f"no votelib peer for {method!r}")


def votelib_single(election: Election, method: str) -> Callable[[Seats], Seats]:
    """votelib's threshold on lists + against all, against all dropped, then apportionment."""
    threshold = RelativeThreshold(election.share, accept_equal=True)
    apportioner = _votelib_apportioner(method)
    seats = election.seats

    def count(votes: Seats) -> Seats:
        passed = threshold.evaluate(votes)
        return apportioner.evaluate({p: votes[p] for p in passed if p != AGAINST_ALL}, seats)

    return count


# --- timing and checking -------------------------------------------------------------------


def calls_per_run(fn: Callable[[], object], target: float) -> int:
    """How many calls make one timed run last about ``target`` seconds."""
    start = time.perf_counter()
    for _ in range(10):
        fn()
    return max(1, int(target * 10 / (time.perf_counter() - start)))


def interleaved_best(runs: list[tuple[Callable[[], object], int]], repeat: int) -> list[float]:
    """Seconds per call of each ``(fn, calls)``: timeit's way, best of ``repeat`` runs.

    The runs of the two libraries alternate, so both meet the same noise of a shared
    machine (it changes speed by up to 2x for seconds at a time).
    """
    timers = [(timeit.Timer(fn), calls) for fn, calls in runs]
    best = [float("inf")] * len(runs)
    for _ in range(repeat):
        for i, (timer, calls) in enumerate(timers):
            best[i] = min(best[i], timer.timeit(calls) / calls)
    return best


def same_seats(names: list[str], saylau: Seats, votelib: Seats, where: str) -> None:
    """votelib omits lists without seats and would name a Tie; neither may differ."""
    extra = set(votelib) - set(names)
    mine = [saylau.get(p, 0) for p in names]
    theirs = [votelib.get(p, 0) for p in names]
    if extra or mine != theirs:
        raise AssertionError(f"{where}: saylau {mine} != votelib {theirs} (extra keys {extra})")


def single_figures(election: Election, method: str, mode: Mode) -> tuple[float, float]:
    names = list(election.parties)
    mine = saylau_single(election, method)
    theirs = votelib_single(election, method)
    votes = {**election.parties, AGAINST_ALL: election.against_all}
    same_seats(names, mine(election.parties, election.against_all), theirs(votes), "single")
    fns = [lambda: mine(election.parties, election.against_all), lambda: theirs(votes)]
    runs = [(fn, calls_per_run(fn, mode.single_target)) for fn in fns]
    saylau_s, votelib_s = interleaved_best(runs, mode.repeat)
    return saylau_s * 1e6, votelib_s * 1e6


def batch_figures(
    election: Election, method: str, versions: np.ndarray, mode: Mode
) -> tuple[float, float, int]:
    names = list(election.parties)
    lists, against = versions[:, :-1], versions[:, -1]
    out: list[np.ndarray] = []

    def run_saylau() -> None:
        out[:] = [
            apportion_batch(
                lists,
                election.seats,
                method,
                threshold=election.share,
                base_extra=against,
                names=names,
            )
        ]

    theirs = votelib_single(election, method)
    keys = [*names, AGAINST_ALL]
    rows = versions[: mode.votelib_versions].tolist()
    sample = [dict(zip(keys, row, strict=True)) for row in rows]
    results: list[Seats] = []

    def run_votelib() -> None:
        results[:] = [theirs(v) for v in sample]

    saylau_s, votelib_s = interleaved_best([(run_saylau, 1), (run_votelib, 1)], mode.batch_repeat)
    for i, seats in enumerate(results):
        same_seats(names, dict(zip(names, out[0][i].tolist(), strict=True)), seats, f"version {i}")
    return len(versions) / saylau_s, len(sample) / votelib_s, len(results)


# --- a compensatory system: New Zealand 2023, overhang kept --------------------------------

#: Party votes and electorates won, 2023 official result (Electoral Commission, "Summary of
#: Overall Results", 3 Nov 2023); as in tests/data/elections/new-zealand-2023-*.json.
NZ_2023_VOTES = {
    "National Party": 1085851,
    "Labour Party": 767540,
    "Green Party": 330907,
    "ACT New Zealand": 246473,
    "New Zealand First Party": 173553,
    "Te Pāti Māori": 87844,
    "The Opportunities Party (TOP)": 63344,
    "New Zealand Loyal": 34478,
    "NewZeal": 16126,
    "Aotearoa Legalise Cannabis Party": 13025,
    "Freedoms NZ": 9586,
    "DemocracyNZ": 6786,
    "Animal Justice Party": 5018,
    "New Conservatives": 4532,
    "Women’s Rights Party": 2513,
    "Leighton Baker Party": 2105,
    "New Nation Party": 1530,
}
NZ_2023_ELECTORATES = {
    "National Party": 43,
    "Labour Party": 17,
    "Green Party": 3,
    "ACT New Zealand": 2,
    "Te Pāti Māori": 6,
}
NZ_2023_OFFICIAL = {
    "National Party": 48,
    "Labour Party": 34,
    "Green Party": 15,
    "ACT New Zealand": 11,
    "New Zealand First Party": 8,
}


def votelib_mmp(seats: int) -> Callable[[Seats, Seats], Seats]:
    """votelib's own composition for MMP with overhang kept (its docs: "the system used in New
    Zealand"), after its OR of a vote threshold and a previous-gain (electorate) threshold."""
    threshold = AlternativeThresholds(
        [RelativeThreshold(Fraction(5, 100), accept_equal=True), PreviousGainThreshold(AbsoluteThreshold(1))]
    )
    evaluator = AdjustedSeatCount(
        AllowOverhang(HighestAverages("sainte_lague")), HighestAverages("sainte_lague")
    )

    def count(votes: Seats, electorates: Seats) -> Seats:
        passed = threshold.evaluate(votes, prev_gains=electorates)
        outside = sum(n for p, n in electorates.items() if p not in passed)
        gains = {p: n for p, n in electorates.items() if p in passed}
        # votelib returns the seats gained on top of prev_gains: the list seats
        listed = evaluator.evaluate({p: votes[p] for p in passed}, seats - outside, prev_gains=gains)
        return {p: electorates.get(p, 0) + listed.get(p, 0) for p in votes}

    return count


def mmp_figures(mode: Mode) -> tuple[float, float, int]:
    """Versions per second of each batch, and how many versions were checked seat by seat."""
    names = list(NZ_2023_VOTES)
    won = [NZ_2023_ELECTORATES.get(p, 0) for p in names]
    counts = np.array(list(NZ_2023_VOTES.values()), dtype=np.float64)
    factors = np.random.default_rng(SEED).normal(1.0, NOISE, size=(VERSIONS, counts.size))
    versions = np.rint(np.clip(counts * factors, 0, None)).astype(np.int64)
    rules = NewZealandRules()
    out: list[np.ndarray] = []

    def run_saylau() -> None:
        out[:] = [
            compensatory_batch(
                versions, won, rules.seats, threshold=rules.threshold, names=names, ties=rules.ties
            )
        ]

    theirs = votelib_mmp(rules.seats)
    sample = [dict(zip(names, row, strict=True)) for row in versions[: mode.votelib_versions].tolist()]
    results: list[Seats] = []

    def run_votelib() -> None:
        results[:] = [theirs(v, NZ_2023_ELECTORATES) for v in sample]

    saylau_s, votelib_s = interleaved_best([(run_saylau, 1), (run_votelib, 1)], mode.batch_repeat)
    for i, seats in enumerate(results):
        same_seats(names, dict(zip(names, out[0][i].tolist(), strict=True)), seats, f"MMP version {i}")
    actual = np.array([list(NZ_2023_VOTES.values())], dtype=np.int64)
    first = compensatory_batch(actual, won, rules.seats, threshold=rules.threshold)
    official = dict(zip(names, first[0].tolist(), strict=True))  # the real votes: the official 122 seats
    assert {p: n for p, n in official.items() if n} == {**NZ_2023_OFFICIAL, "Te Pāti Māori": 6}
    return len(versions) / saylau_s, len(sample) / votelib_s, len(results)


# --- report --------------------------------------------------------------------------------


def header(election: Election, versions: np.ndarray, mode: Mode) -> list[str]:
    pct = float(election.share * 100)
    moved = threshold_moves(versions, election.share)
    scaled = (
        f"votelib batch timed on the first {mode.votelib_versions:,} of {len(versions):,} "
        "versions and scaled to versions/s (--quick)"
        if mode.votelib_versions < len(versions)
        else f"votelib batch timed on all {len(versions):,} versions"
    )
    return [
        f"{election.name}: {election.seats} seats, {pct:g}% threshold on lists + against all",
        f"votes from {election.source}",
        f"{len(versions):,} versions: {NOISE:.0%} normal noise on every count, seed {SEED}; "
        f"the set of lists over the threshold changes in {moved:,}",
        scaled,
        "seats asserted identical on the single election and on every version votelib ran",
    ]


COLUMNS = (
    ("method", 16),
    ("single: saylau us", 18),
    ("votelib us", 11),
    ("x", 7),
    ("batch: saylau /s", 17),
    ("votelib /s", 11),
    ("x", 8),
    ("checked", 9),
)


def _row(cells: tuple[str, ...]) -> str:
    """The first cell left-aligned, the figures right-aligned, in the widths of COLUMNS."""
    widths = [w for _, w in COLUMNS]
    return f"{cells[0]:<{widths[0]}}" + "".join(
        f"{c:>{w}}" for c, w in zip(cells[1:], widths[1:], strict=True)
    )


def table(rows: list[Figures]) -> list[str]:
    """One row per method; x is votelib's time over saylau's (above 1: saylau is faster)."""
    lines = [_row(tuple(name for name, _ in COLUMNS))]
    for r in rows:
        cells = (
            r.method,
            f"{r.saylau_us:.1f}",
            f"{r.votelib_us:.1f}",
            f"{r.single_ratio:.2f}x",
            f"{r.saylau_per_s:,.0f}",
            f"{r.votelib_per_s:,.0f}",
            f"{r.batch_ratio:.1f}x",
            f"{r.checked:,}",
        )
        lines.append(_row(cells))
    return lines


def goals(rows: list[Figures]) -> list[str]:
    lines = []
    for r in rows:
        batch = "met" if r.batch_ratio >= 100 else "NOT met"
        single = "met" if r.single_ratio >= 1 else "NOT met"
        lines.append(
            f"goals {r.method}: batch >= 100x votelib {batch} ({r.batch_ratio:.1f}x); "
            f"single call no slower than votelib {single} ({r.single_ratio:.2f}x)"
        )
    return lines


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a run of under 30 seconds")
    mode = QUICK if parser.parse_args(argv).quick else FULL
    election = load_election()
    versions = perturbed(election, VERSIONS, SEED)
    print("\n".join(header(election, versions, mode)), flush=True)
    rows = []
    for method in METHODS:
        saylau_us, votelib_us = single_figures(election, method, mode)
        per_s = batch_figures(election, method, versions, mode)
        rows.append(Figures(method, saylau_us, votelib_us, *per_s))
    print("\n".join(table(rows) + goals(rows)))
    mine, theirs, checked = mmp_figures(mode)
    print(
        f"compensatory, New Zealand 2023 MMP (overhang kept, 122 seats), batch: saylau {mine:,.0f}/s, "
        f"votelib {theirs:,.0f}/s, {mine / theirs:.1f}x, {checked:,} versions checked"
    )
    print(f"mmp_speedup_vs_votelib={mine / theirs:.1f}")
    headline = next(r for r in rows if r.method == HEADLINE)
    print(f"speedup_vs_votelib={headline.batch_ratio:.1f}")


if __name__ == "__main__":
    main()
