"""``saylau allocate``: seats from a vote file, by any method, threshold and tie rule.

The rules come from the options or from a rules file (``--rules``, the keys of a contest's
``[contests.rules]`` in election.toml); either way saylau.definition.rules_toml reads them, as it
reads an election's, so a count run here and one declared in a definition are the same count.

Only what the options' help names is imported with the module: the reader of rules files (with
the whole schema of election definitions behind it) when the command runs, and rich only for a
table, so ``saylau allocate --help`` and ``--json`` do not wait for what they never use.
"""

from __future__ import annotations

import json
from fractions import Fraction
from typing import TYPE_CHECKING

import click
from click.core import ParameterSource

from saylau.cli.app import cli
from saylau.cli.terminal import plain_console
from saylau.errors import InputError
from saylau.rules.apportion import METHODS
from saylau.rules.ties import PRESETS

if TYPE_CHECKING:
    from rich.console import Console

    from saylau.rules.party_list import ListResult, ListRules

#: The options that declare the rules, which a --rules file declares instead (by its own keys).
RULE_OPTIONS = (
    "method",
    "threshold",
    "threshold_base",
    "first_divisor",
    "tie_rule",
    "seed",
    "drawn",
    "min_parties",
    "admitted_weight",
    "alliances",
    "exempt",
    "alternative_district_seats",
    "district_seats",
)


@cli.command("allocate")
@click.argument("votes_csv", metavar="VOTES.csv")
@click.option("--seats", type=int, default=None, help="Seats to share (a whole number >= 0).")
@click.option(
    "--method",
    default=None,
    help=f"Apportionment method: {', '.join(METHODS)}.",
)
@click.option(
    "--rules",
    "rules_file",
    default=None,
    metavar="RULES.toml",
    help="The rules as a file: the keys of [contests.rules] of election.toml (docs/election-format.md), "
    "seats and drawn; instead of --method and the options after it.",
)
@click.option("--threshold", default="0", show_default=True, help="0.05, 5% or 1/150.")
@click.option(
    "--threshold-base",
    default="valid",
    show_default=True,
    help="valid (against all included), parties, or cast (invalid included).",
)
@click.option("--first-divisor", default=None, help="First divisor, e.g. 1.4 or 1.2.")
@click.option(
    "--tie-rule",
    default="lots",
    show_default=True,
    help=f"How ties are broken: {', '.join(PRESETS)}. Rows are in registration order.",
)
@click.option("--seed", default="0", show_default=True, help="Published seed for lots.")
@click.option("--drawn", default=None, help="Comma-separated order drawn by the commission.")
@click.option(
    "--min-parties",
    default=0,
    type=int,
    help="Admit the next largest lists until this many share the seats.",
)
@click.option(
    "--admitted-weight",
    default="1",
    show_default=True,
    help="Correction index for lists admitted by --min-parties (Kazakhstan: 0.7).",
)
@click.option(
    "--alliance",
    "alliances",
    multiple=True,
    metavar="A,B",
    help="Lists that count as one when seats are shared, then share theirs (repeatable; "
    "a surplus-vote agreement, an apparentement).",
)
@click.option(
    "--exempt",
    default=None,
    metavar="A,B",
    help="Lists with no threshold (a national minority's party: BWahlG § 4(2)).",
)
@click.option(
    "--alternative-district-seats",
    type=int,
    default=None,
    help="A list with this many district seats takes part whatever its share (with --district-seats).",
)
@click.option(
    "--district-seats",
    default=None,
    metavar="A=3,B=1",
    help="District seats each list won, for --alternative-district-seats.",
)
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
def allocate_command(
    votes_csv: str,
    seats: int | None,
    method: str | None,
    rules_file: str | None,
    threshold: str,
    threshold_base: str,
    first_divisor: str | None,
    tie_rule: str,
    seed: str,
    drawn: str | None,
    min_parties: int,
    admitted_weight: str,
    alliances: tuple[str, ...],
    exempt: str | None,
    alternative_district_seats: int | None,
    district_seats: str | None,
    as_json: bool,
) -> None:
    """Share seats among the lists of VOTES.csv (name,votes[,kind]; - for stdin)."""
    from saylau.definition.rules_toml import read_allocation
    from saylau.io.votes_csv import read_votes
    from saylau.rules.party_list import allocate

    if seats is not None and seats < 0:
        raise InputError(f"--seats must be a whole number >= 0, got {seats}")
    if rules_file is not None:
        context = click.get_current_context()
        given = [
            f"--{name.replace('_', '-')}"
            for name in RULE_OPTIONS
            if context.get_parameter_source(name) == ParameterSource.COMMANDLINE
        ]
        if given:
            raise InputError(f"--rules declares the rules; give {', '.join(given)} in {rules_file}, not here")
        rules, won = read_allocation(rules_file, seats=seats)
    else:
        if seats is None:
            raise InputError("missing option --seats (or --rules with seats)")
        if method is None:
            raise InputError("missing option --method (or --rules)")
        rules = _rules_of_options(
            seats,
            method,
            threshold,
            threshold_base,
            first_divisor,
            tie_rule,
            seed,
            drawn,
            min_parties,
            admitted_weight,
            alliances,
            exempt,
            alternative_district_seats,
        )
        won = _district_seats(district_seats, alternative_district_seats)
    ballots = read_votes(votes_csv)
    named = [*rules.threshold.per_party, *won]
    strangers = [n for n in named if n not in ballots.parties]
    if strangers:
        raise InputError(f"{strangers[0]!r} is named in the rules but is no list of {votes_csv}")
    result = allocate(ballots, rules, district_seats=won)
    if as_json:
        click.echo(json.dumps(result.as_dict(), ensure_ascii=False, indent=2))
    else:
        print_allocation(result, plain_console())


def _rules_of_options(
    seats: int,
    method: str,
    threshold: str,
    threshold_base: str,
    first_divisor: str | None,
    tie_rule: str,
    seed: str,
    drawn: str | None,
    min_parties: int,
    admitted_weight: str,
    alliances: tuple[str, ...],
    exempt: str | None = None,
    alternative_district_seats: int | None = None,
) -> ListRules:
    """The options, each checked with a message naming it, read as a rules table is read."""
    from saylau.definition.rules_toml import list_rules
    from saylau.rules.quotas import QUOTAS
    from saylau.rules.thresholds import BASES, parse_fraction

    if method not in METHODS:
        raise InputError(f"unknown method {method!r}; expected one of {', '.join(METHODS)}")
    if threshold_base not in BASES:
        raise InputError(f"--threshold-base must be one of {', '.join(BASES)}, got {threshold_base!r}")
    share = parse_fraction(threshold, what="--threshold")
    if not 0 <= share < 1:
        raise InputError(f"--threshold must be in [0, 1), got {threshold}")
    divisor: Fraction | None = None
    if first_divisor is not None:
        if method in QUOTAS:
            raise InputError(f"--first-divisor applies to divisor methods, not to {method}")
        divisor = parse_fraction(first_divisor, what="--first-divisor")
        if divisor < 0:
            raise InputError(f"--first-divisor must not be negative, got {first_divisor}")
    weight = parse_fraction(admitted_weight, what="--admitted-weight")
    if not 0 < weight <= 1:
        raise InputError(f"--admitted-weight must be in (0, 1], got {admitted_weight}")
    if min_parties < 0:
        raise InputError(f"--min-parties must be >= 0, got {min_parties}")
    if tie_rule not in PRESETS:
        raise InputError(f"unknown --tie-rule {tie_rule!r}; expected one of {', '.join(PRESETS)}")
    groups = tuple(tuple(n.strip() for n in a.split(",") if n.strip()) for a in alliances)
    for given, group in zip(alliances, groups, strict=True):
        if len(group) < 2:
            raise InputError(f"--alliance needs at least two comma-separated lists, got {given!r}")
    table: dict[str, object] = {
        "method": method,
        "threshold": share,
        "threshold_base": threshold_base,
        "ties": tie_rule,
        "seed": seed,
        "drawn": [n.strip() for n in drawn.split(",")] if drawn else [],
        "min_parties": min_parties,
        "admitted_weight": weight,
        "alliances": groups,
    }
    if divisor is not None:
        table["first_divisor"] = divisor
    if exempt:
        table["exempt"] = [n.strip() for n in exempt.split(",") if n.strip()]
    if alternative_district_seats is not None:
        if alternative_district_seats < 1:
            raise InputError(
                f"--alternative-district-seats must be at least 1, got {alternative_district_seats}"
            )
        table["alternative_district_seats"] = alternative_district_seats
    rules, problems = list_rules(table, seats=seats)
    if rules is None:
        raise InputError("; ".join(why for _, why in problems))
    return rules


def _district_seats(text: str | None, alternative: int | None) -> dict[str, int]:
    """``A=3,B=1`` as seats per list; read only with --alternative-district-seats, which uses it."""
    if text is None:
        if alternative is not None:
            raise InputError("--alternative-district-seats needs --district-seats (the seats each list won)")
        return {}
    if alternative is None:
        raise InputError("--district-seats is read with --alternative-district-seats: give both")
    won: dict[str, int] = {}
    for item in text.split(","):
        name, sep, raw = item.partition("=")
        name, raw = name.strip(), raw.strip()
        if not sep or not name or not raw.isdigit() or not raw.isascii():
            raise InputError(f"--district-seats: expected list=seats (A=3), got {item.strip()!r}")
        if name in won:
            raise InputError(f"--district-seats: {name!r} is given twice")
        won[name] = int(raw)
    return won


def print_allocation(result: ListResult, console: Console) -> None:
    from rich.table import Table

    from saylau.rules.party_list import decimal_text

    a, e = result.apportionment, result.eligibility
    table = Table(title=f"{result.rules.seats} seats by {a.method}", show_footer=True)
    table.add_column("list", footer="total")
    table.add_column("votes", justify="right", footer=f"{e.base_total:,}")
    table.add_column(f"% of {result.rules.threshold.base}", justify="right")
    table.add_column("eligible", justify="center")
    table.add_column("seats", justify="right", footer=str(sum(a.seats.values())))
    for name, votes in result.ballots.parties.items():
        table.add_row(
            name,
            f"{votes:,}",
            decimal_text(e.shares[name] * 100, 2),
            "yes" if name in e.eligible else "no",
            str(a.seats[name]),
        )
    if result.ballots.against_all:
        base = e.base_total or 1
        share = Fraction(result.ballots.against_all * 100, base)
        table.add_row("against all", f"{result.ballots.against_all:,}", decimal_text(share, 2))
    console.print(table)
    if a.quota is not None:
        console.print(f"quota: {a.quota} = {decimal_text(a.quota, 6)}")
    else:
        console.print(f"divisors: {', '.join(a.divisors)} ...; last seat at {a.last_average}")
    for o in result.alliances:
        shared = ", ".join(f"{m} {n}" for m, n in o.member_seats.items())
        if o.formed:
            console.print(f"alliance {o.id}: {o.votes:,} votes, {o.seats} seat(s): {shared}")
        else:
            console.print(f"alliance {o.id}: not formed ({o.note})")
    for tie in result.ties:
        outcome = ", ".join(tie.winners) if tie.resolved else "unresolved"
        console.print(
            f"tie on {tie.kind} {tie.value} among {', '.join(tie.tied)} for {tie.places} "
            f"place(s): {outcome} ({' then '.join(tie.criteria)}; {tie.detail})"
        )
    for note in a.notes:
        console.print(f"note: {note}")
    if a.unallocated:
        console.print(f"[bold]{a.unallocated} seat(s) not yet allocated[/bold]", markup=True)
