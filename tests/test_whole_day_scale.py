"""What a day of 3,000 districts (examples/kz-2023: the Mazhilis and 223 maslikhats) asks of
the code that once saw 29: the shortcuts taken for it give what the long way gives."""

from __future__ import annotations

import numpy as np

from saylau.projection.seats import DistrictWinners, district_winners
from saylau.rules.majority import DistrictRules, decide
from saylau.rules.ties import TiePolicy
from saylau.store.store import _contest_batches


def test_contests_are_read_a_batch_at_a_time_not_one_query_each():
    counts = [(f"d{i:04d}", 16) for i in range(3000)] + [("list", 10_418)]
    batches = list(_contest_batches(counts))
    assert [c for b in batches for c in b] == [c for c, _ in counts]
    assert len(batches) == 4  # 1,000 contests a query at most
    big = list(_contest_batches([("a", 900_000), ("b", 10), ("c", 900_000)]))
    assert big == [["a"], ["b"], ["c"]]  # 820,000 rows a query at most, a bigger contest alone


def test_plurality_replicates_read_at_once_are_what_decide_says_of_each():
    """The projection's replicates of a plurality district: the one with the most votes, nobody
    when no one has any, and a tie for first left to :func:`decide` (its drawing)."""
    rng = np.random.default_rng(7)
    rules = DistrictRules(kind="plurality", against_all_rule="ignore", ties=TiePolicy(criteria=("drawn",)))
    seen: set[str] = set()
    for k in (1, 2, 3, 5):
        votes = rng.integers(0, 4, (400, k))  # small counts: ties and empty rows are common
        against, invalid = rng.integers(0, 3, 400), rng.integers(0, 3, 400)
        issued = votes.sum(axis=1) + against + invalid
        candidates = [f"c{i}" for i in range(k)]
        got = district_winners(rules, candidates, votes, against, invalid, issued, issued + 5)
        each = [
            decide(
                dict(zip(candidates, map(int, row), strict=True)),
                rules,
                against_all=int(a),
                invalid=int(i),
                voted=int(v),
                registered=int(v) + 5,
            )
            for row, a, i, v in zip(votes, against, invalid, issued, strict=True)
        ]
        assert got == DistrictWinners(tuple(o.winner for o in each), tuple(o.status for o in each))
        seen |= set(got.statuses)
    assert seen == {"elected", "no_votes", "tie_unresolved"}  # every path was taken
