"""Seats of every bootstrap replicate, decided by the code that decides real seats.

A list contest's replicates are sorted by who passes the threshold (every replicate at once, the
comparison :func:`saylau.rules.thresholds.eligibility` makes; a replicate where fewer lists pass
than the rules' minimum goes through that function itself) and then counted all at once by
:func:`saylau.rules.batch.apportion_batch` on the eligible lists' votes, which gives exactly the
seats of the scalar count. A replicate where the rules admit a list below the threshold (a
minimum number of lists, with its weight), or where no list passes, is counted by
:func:`saylau.rules.party_list.allocate` itself. A district's replicates each go through
:func:`saylau.rules.majority.decide`. Nothing here decides a seat on its own.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from saylau.rules.batch import apportion_batch
from saylau.rules.majority import DistrictRules, decide
from saylau.rules.party_list import ListRules, allocate
from saylau.rules.thresholds import Ballots, Threshold, eligibility
from saylau.rules.ties import TiePolicy

#: Products below this stay exact in int64 (the threshold's comparison, done on whole matrices).
_INT64_SAFE = 2**62


@dataclass(frozen=True)
class ListSeats:
    seats: np.ndarray  # (R, lists) seats per replicate
    eligible: np.ndarray  # (R, lists) bool: passed the threshold (or was admitted)


def list_seats(
    rules: ListRules,
    parties: Sequence[str],
    votes: np.ndarray,
    against_all: np.ndarray,
    invalid: np.ndarray,
) -> ListSeats:
    """Seats of each row of ``votes`` (replicates x lists) under ``rules``, exactly."""
    n, p = votes.shape
    eligible, settled = _passing(rules.threshold, parties, votes, against_all, invalid)
    scalar: list[int] = list(range(n)) if rules.alliances else []  # the batch knows no alliances
    for r in np.flatnonzero(~settled).tolist():
        ballots = Ballots(
            {party: int(v) for party, v in zip(parties, votes[r], strict=True)},
            against_all=int(against_all[r]),
            invalid=int(invalid[r]),
        )
        elig = eligibility(ballots, rules.threshold, ties=rules.ties)
        chosen = set(elig.eligible)
        eligible[r] = [party in chosen for party in parties]
        if (elig.admitted or not elig.eligible) and not rules.alliances:
            scalar.append(r)
    masked = np.where(eligible, votes, 0).astype(np.int64)
    batch = np.ones(n, dtype=bool)
    batch[scalar] = False
    ties = TiePolicy(
        criteria=rules.ties.criteria,
        seed=rules.ties.seed,
        registration=rules.ties.registration or tuple(parties),
        drawn=rules.ties.drawn,
    )
    seats = np.zeros((n, p), dtype=np.int64)
    seats[batch] = apportion_batch(
        masked[batch],
        rules.seats,
        rules.method,
        first_divisor=rules.first_divisor,
        names=list(parties),
        ties=ties,
    )
    for r in scalar:
        ballots = Ballots(
            {party: int(v) for party, v in zip(parties, votes[r], strict=True)},
            against_all=int(against_all[r]),
            invalid=int(invalid[r]),
        )
        result = allocate(ballots, rules)
        seats[r] = [result.seats.get(party, 0) for party in parties]
    return ListSeats(seats=seats, eligible=eligible)


def _passing(
    threshold: Threshold,
    parties: Sequence[str],
    votes: np.ndarray,
    against_all: np.ndarray,
    invalid: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """Who passes the threshold in each replicate, and which replicates that settles.

    The comparison of :func:`~saylau.rules.thresholds.eligibility` (``votes * den >= num * base``,
    votes above zero, a list's own threshold where it has one), made on the whole matrix in
    int64. A replicate is settled when at least one list and at least ``min_parties`` pass: no
    list is admitted below the threshold and no tie is drawn, so the comparison is the whole
    answer. The rest, and every replicate when a product could leave int64 or the district-seat
    alternative could apply, are left to that function.
    """
    n, width = votes.shape
    unsettled = np.zeros((n, width), dtype=bool), np.zeros(n, dtype=bool)
    needs = [threshold.per_party.get(party, threshold.share) for party in parties]
    alt = threshold.alternative_district_seats
    if n == 0 or width == 0 or (alt is not None and alt <= 0):  # no district seats won here: 0 >= alt
        return unsettled
    if not all(np.issubdtype(a.dtype, np.integer) for a in (votes, against_all, invalid)):
        return unsettled  # refused by eligibility's own checks
    try:
        every = np.concatenate([votes, against_all[:, None], invalid[:, None]], axis=1).astype(np.int64)
    except (OverflowError, TypeError, ValueError):  # figures beyond int64, or not integers at all
        return unsettled
    num = max(need.numerator for need in needs)
    den = max(need.denominator for need in needs)
    if every.min() < 0 or int(every.max()) * (width + 2) * max(num, den, 1) >= _INT64_SAFE:
        return unsettled  # refused there, or counted exactly in Python integers
    votes = every[:, :width]
    base = votes.sum(axis=1)
    if threshold.base in ("valid", "cast"):
        base = base + every[:, width]
    if threshold.base == "cast":
        base = base + every[:, width + 1]
    nums = np.array([need.numerator for need in needs], dtype=np.int64)
    dens = np.array([need.denominator for need in needs], dtype=np.int64)
    passes = (votes > 0) & (votes * dens >= nums * base[:, None])
    count = passes.sum(axis=1)
    return passes, (count >= max(threshold.min_parties, 1))


@dataclass(frozen=True)
class DistrictWinners:
    winners: tuple[str | None, ...]  # per replicate: the winner's candidate id, if elected
    statuses: tuple[str, ...]  # per replicate: elected | runoff | against_all | ...


def district_winners(
    rules: DistrictRules,
    candidates: Sequence[str],
    votes: np.ndarray,
    against_all: np.ndarray,
    invalid: np.ndarray,
    issued: np.ndarray,
    registered: np.ndarray,
) -> DistrictWinners:
    """The outcome of each replicate of a district, by :func:`decide`.

    Plurality with "against all" counting for nobody and no minimum turnout (Kazakhstan's rule)
    elects the one candidate with the most votes, or nobody when no one has any: that is read off
    the whole matrix at once, and only a replicate tied for first is given to :func:`decide`. A
    day of 3,000 districts is 3 million replicates, a minute one by one."""
    fast: np.ndarray | None = None
    if (
        rules.kind == "plurality"
        and rules.against_all_rule == "ignore"
        and rules.min_turnout is None
        and votes.ndim == 2
        and votes.shape[1] > 0
        and np.issubdtype(votes.dtype, np.integer)
        and (votes >= 0).all()
        and (against_all >= 0).all()
        and (invalid >= 0).all()
    ):
        top = votes.max(axis=1)
        alone = (votes == top[:, None]).sum(axis=1) == 1
        fast = alone | (top == 0)
        names = np.array([*candidates, None], dtype=object)
        first = np.where(top > 0, votes.argmax(axis=1), len(candidates))
        winners: list[str | None] = names[first].tolist()
        statuses: list[str] = np.where(top > 0, "elected", "no_votes").tolist()
    else:
        winners, statuses = [None] * votes.shape[0], [""] * votes.shape[0]
    for r in range(votes.shape[0]):
        if fast is not None and fast[r]:
            continue
        outcome = decide(
            {c: int(v) for c, v in zip(candidates, votes[r], strict=True)},
            rules,
            against_all=int(against_all[r]),
            invalid=int(invalid[r]),
            voted=int(issued[r]),
            registered=int(registered[r]),
        )
        winners[r] = outcome.winner
        statuses[r] = outcome.status
    return DistrictWinners(tuple(winners), tuple(statuses))
