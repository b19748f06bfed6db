"""Seats of every bootstrap replicate, decided by the code that decides real seats.

A list contest's replicates go through :func:`saylau.rules.thresholds.eligibility` (who passes,
one call per replicate: cheap) and then all at once through
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
from saylau.rules.thresholds import Ballots, eligibility
from saylau.rules.ties import TiePolicy


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
    eligible = np.zeros((n, p), dtype=bool)
    scalar: list[int] = []
    for r in range(n):
        ballots = Ballots(
            {party: int(v) for party, v in zip(parties, votes[r], strict=True)},
            against_all=int(against_all[r]),
            invalid=int(invalid[r]),
        )
        elig = eligibility(ballots, rules.threshold, ties=rules.ties)
        chosen = set(elig.eligible)
        eligible[r] = [party in chosen for party in parties]
        if elig.admitted or not elig.eligible or rules.alliances:  # the batch knows no alliances
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
