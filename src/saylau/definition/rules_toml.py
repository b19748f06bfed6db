"""Rules tables -> :mod:`saylau.rules` objects, one reading for every place rules are written.

A contest's ``rules`` in election.toml (a preset name or a table), the rules file of
``saylau allocate --rules`` and its command-line options all end here, so a count declared in a
definition and the same count run from the command line cannot mean different things. The
tables come checked by :mod:`saylau.definition.schema` (known keys, typed values, exact
fractions); what is left is what depends on several keys at once, reported as ``(key, why)``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from fractions import Fraction
from pathlib import Path
from typing import Any

from saylau.composition import SYSTEMS as COMPENSATIONS
from saylau.composition import System
from saylau.definition.keys import check, label_of, suggest
from saylau.definition.schema import ALLOCATE_RULES
from saylau.definition.toml_lines import TomlLines, parse_toml
from saylau.errors import DefinitionError, SaylauError
from saylau.model import Body, Compensation, Contest
from saylau.rules.divisors import DIVISORS
from saylau.rules.majority import DistrictRules
from saylau.rules.party_list import ListRules
from saylau.rules.quotas import QUOTAS
from saylau.rules.systems import SYSTEMS
from saylau.rules.thresholds import Threshold
from saylau.rules.ties import TiePolicy

#: What only several keys together can be wrong about, each as (key, why); key "" for the table.
KeyProblems = list[tuple[str, str]]


def list_rules(
    table: Mapping[str, Any], *, seats: int, registration: tuple[str, ...] = ()
) -> tuple[ListRules | None, KeyProblems]:
    """A list contest's rules from a checked table; ``registration`` orders the lists for ties.

    None without problems when the method is missing: the schema has said so already."""
    if "method" not in table:
        return None, []
    method = str(table["method"])
    first = table.get("first_divisor")
    if first is not None and method in QUOTAS:
        return None, [("first_divisor", f"a first divisor applies to divisor methods, not to {method}")]
    threshold, problems = threshold_of(table)
    if problems:
        return None, problems
    try:
        rules = ListRules(
            seats=seats,
            method=method,
            threshold=threshold,
            first_divisor=first,
            ties=TiePolicy.named(
                table.get("ties", "lots"),
                seed=str(table.get("seed", "0")),
                registration=registration,
                drawn=tuple(table.get("drawn", ())),
            ),
            alliances=tuple(tuple(group) for group in table.get("alliances", ())),
            alliance_method=table.get("alliance_method"),
        )
    except SaylauError as e:  # the schema let through what the rules refuse: say so, at the table
        return None, [("", str(e))]
    return rules, []


def threshold_of(table: Mapping[str, Any], default: Threshold | None = None) -> tuple[Threshold, KeyProblems]:
    """The threshold a rules table (or ``[bodies.compensation]``) declares, over a law's ``default``.

    ``exempt`` lists have no threshold (a national minority's party: BWahlG § 4(2), Poland's
    Sejm); ``party_thresholds`` gives named lists their own (a coalition's higher one);
    ``alternative_district_seats`` lets in a list with that many district seats."""
    base = default or Threshold()
    exempt: list[str] = table.get("exempt", [])
    own: dict[str, Fraction] = dict(table.get("party_thresholds", {}))
    both = [p for p in exempt if p in own]
    if both:
        return base, [
            ("exempt", f"party {both[0]!r} is exempt and has a threshold of its own (party_thresholds)")
        ]
    twice = [p for n, p in enumerate(exempt) if p in exempt[:n]]
    if twice:
        return base, [("exempt", f"party {twice[0]!r} is named twice")]
    try:
        return Threshold(
            share=table.get("threshold", base.share),
            base=table.get("threshold_base", base.base),
            alternative_district_seats=table.get(
                "alternative_district_seats", base.alternative_district_seats
            ),
            per_party={**base.per_party, **own, **dict.fromkeys(exempt, Fraction(0))},
            min_parties=table.get("min_parties", base.min_parties),
            admitted_weight=table.get("admitted_weight", base.admitted_weight),
        ), []
    except SaylauError as e:
        return base, [("", str(e))]


def district_rules(table: Mapping[str, Any]) -> tuple[DistrictRules | None, KeyProblems]:
    """Single-mandate rules from a checked table (plurality, against all ignored, by default).

    A majority and its base mean something only with a second round: beside plurality they
    are refused, not ignored (the count would otherwise run as if they were not written)."""
    kind = table.get("kind", "plurality")
    if kind != "two-round":
        for key in ("majority_base", "majority"):
            if key in table:
                return None, [(key, f'{key} applies to kind = "two-round", not to {kind}')]
    try:
        return DistrictRules(
            kind=kind,
            against_all_rule=table.get("against_all", "ignore"),
            majority=table.get("majority", Fraction(1, 2)),
            majority_base=table.get("majority_base", "valid"),
            min_turnout=table.get("min_turnout"),
            ties=TiePolicy.named(table.get("ties", "lots-required"), seed=str(table.get("seed", "0"))),
        ), []
    except SaylauError as e:
        return None, [("", str(e))]


def compensation(
    table: Mapping[str, Any], *, body: Body, contests: tuple[Contest, ...], parties: set[str]
) -> tuple[Compensation | None, KeyProblems]:
    """``[bodies.compensation]`` checked against the body's contests: which contest is the party
    vote, which are the districts, and that the seats add up as the system's law says.

    Every contest of the body is in one tier; a key the system does not read is refused, not
    ignored (a ``placement`` beside New Zealand's system would otherwise change nothing)."""
    name = table.get("system")
    if name is None:  # missing or refused: the schema has said so
        return None, []
    system = COMPENSATIONS[name]
    problems: KeyProblems = []
    allowed = system.keys | {"system", "list", "districts", "law"}
    for key in table:
        if key not in allowed:
            takes = ", ".join(sorted(allowed - {"system"}))
            problems.append((key, f"{key} does not apply to system {name!r} (it reads {takes})"))
    table = {key: value for key, value in table.items() if key in allowed}  # each refusal said once
    mine = {c.id: c for c in contests if c.body == body.id}
    listed, list_problems = _list_tier(table.get("list"), system, body, mine)
    problems += list_problems
    districts, district_problems = _district_tier(table, system, body, mine)
    problems += district_problems
    won: dict[str, int] = dict(table.get("district_seats", {}))
    for key in ("exempt", "party_thresholds", "district_seats"):
        for party in table.get(key, ()):
            if party not in parties:
                known = suggest(party, parties)
                problems.append(
                    (key, f"unknown party {party!r}; expected a party id of election.toml{known}")
                )
    leveling = table.get("leveling_seats", 0)
    placement = table.get("placement", system.placement)
    if listed is not None:
        if "leveling_seats" in table:
            problems.append(
                ("leveling_seats", "the list contest shares the whole house: it has no leveling seats")
            )
        if "placement" in table:
            problems.append(
                ("placement", "leveling seats are placed in the districts where there is no list contest")
            )
        placement = None
    elif "list" not in table and districts and system.list_contest != "required":
        if "leveling_seats" not in table:
            problems.append(("leveling_seats", "missing field: the seats beyond the districts' (Norway: 19)"))
        total = sum(mine[d].seats for d in districts) + leveling
        if leveling and total != body.seats:
            problems.append(
                (
                    "leveling_seats",
                    f"the districts' {total - leveling} seats and {leveling} leveling seats are {total}, "
                    f"not the {body.seats} seats of body {body.id!r}",
                )
            )
        if placement is not None and leveling != len(districts):
            problems.append(
                (
                    "placement" if "placement" in table else "leveling_seats",
                    f"{placement} gives each district one leveling seat: {leveling} leveling seats "
                    f"for {len(districts)} districts",
                )
            )
        problems += _same_district_rules(districts, mine, placement)
    if won and districts:
        problems.append(
            (
                "district_seats",
                "the districts are counted here: declare district_seats only without district contests",
            )
        )
    threshold, threshold_problems = threshold_of(table, system.threshold)
    problems += threshold_problems
    if problems:
        return None, problems
    return Compensation(
        system=name,
        list_contest=listed.id if listed is not None else None,
        districts=districts,
        threshold=threshold,
        district_seats=won,
        leveling_seats=leveling,
        placement=placement,
        coverage=table.get("coverage", system.coverage),
        law=table.get("law", ""),
    ), []


def _list_tier(
    list_id: str | None, system: System, body: Body, mine: Mapping[str, Contest]
) -> tuple[Contest | None, KeyProblems]:
    """The list contest whose votes share the whole house, checked against the system's law."""
    if list_id is None:
        if system.list_contest == "required":
            return None, [
                ("list", f"missing field: the list contest whose votes share the seats of {body.id!r}")
            ]
        return None, []
    if system.list_contest == "refused":
        why = f"system {system.name!r} sums the nation's votes from its districts': it has no list contest"
        return None, [("list", why)]
    listed = mine.get(list_id)
    if listed is None or listed.kind != "list" or not isinstance(listed.rules, ListRules):
        lists = [c.id for c in mine.values() if c.kind == "list"]
        return None, [
            ("list", f"no list contest {list_id!r} elects body {body.id!r}{suggest(list_id, lists)}")
        ]
    rules = listed.rules
    problems: KeyProblems = []
    if listed.seats != body.seats:
        problems.append(
            (
                "list",
                f"contest {list_id!r} shares {listed.seats} seats, body {body.id!r} has {body.seats}: "
                "the party vote of a compensatory body shares the whole house",
            )
        )
    if system.method is not None and rules.method != system.method:
        problems.append(
            ("list", f"system {system.name!r} shares the seats by {system.method}, not {rules.method}")
        )
    t = rules.threshold
    if t.share or t.per_party or t.alternative_district_seats is not None or t.min_parties:
        problems.append(
            (
                "list",
                f"the threshold of contest {list_id!r} is the body's: declare it in [bodies.compensation]",
            )
        )
    if rules.alliances:
        problems.append(
            ("list", f"a compensatory body's list contest has no alliances ({list_id!r} declares some)")
        )
    return listed, problems


def _district_tier(
    table: Mapping[str, Any], system: System, body: Body, mine: Mapping[str, Contest]
) -> tuple[tuple[str, ...], KeyProblems]:
    """The district contests (by id; a group of districts by its group id), each in one tier."""
    list_id = table.get("list")
    groups: dict[str, list[str]] = {}
    for c in mine.values():
        if c.group:
            groups.setdefault(c.group, []).append(c.id)
    if "districts" not in table:
        found = [c for c in mine if c != list_id]
    else:
        found = []
        for d in table["districts"]:
            if d in groups:
                found += groups[d]
            elif d in mine and not mine[d].group:
                found.append(d)
            else:
                known = suggest(d, [*groups, *(c for c in mine if not mine[c].group)])
                return (), [
                    ("districts", f"no contest or group of districts {d!r} elects body {body.id!r}{known}")
                ]
        if len(set(found)) != len(found) or list_id in found:
            return (), [("districts", "a contest is named twice (or is the list contest too)")]
        left = [c.group or c.id for c in mine.values() if c.id not in found and c.id != list_id]
        if left:
            return (), [
                ("districts", f"contest {left[0]!r} of body {body.id!r} is in no tier: name it in districts")
            ]
    if not found and not table.get("district_seats"):
        return (), [("districts", f"body {body.id!r} has no district contests to compensate")]
    need = "single-mandate" if system.rule == "bundestag-2025" else "list" if list_id is None else ""
    wrong = [c for c in found if need and mine[c].kind != need]
    if wrong:
        why = (
            "the constituencies are single-mandate contests"
            if need == "single-mandate"
            else "without a list contest the districts are list contests, their votes the nation's"
        )
        return (), [("districts", f"contest {wrong[0]!r} is {mine[wrong[0]].kind}: {why}")]
    return tuple(found), []


def _same_district_rules(
    districts: tuple[str, ...], mine: Mapping[str, Contest], placement: str | None
) -> KeyProblems:
    """Norway's districts are counted by one method, the national count by the same (§§ 11-4, 11-5)."""
    rules = [mine[d].rules for d in districts]
    first = rules[0]
    assert isinstance(first, ListRules)
    for d, r in zip(districts, rules, strict=True):
        assert isinstance(r, ListRules)
        same = (r.method, r.first_divisor, r.ties.criteria) == (
            first.method,
            first.first_divisor,
            first.ties.criteria,
        )
        if not same:
            return [
                (
                    "districts",
                    f"district {d!r} has other rules than {districts[0]!r}; one method counts them all",
                )
            ]
        t = r.threshold
        if t.share or t.per_party or t.alternative_district_seats is not None or t.min_parties or r.alliances:
            return [
                (
                    "districts",
                    f"district {d!r} has a threshold or alliances; the body's is in [bodies.compensation]",
                )
            ]
    if placement is not None and first.method not in DIVISORS:
        return [
            ("placement", f"{placement} places seats by divisor quotients; {first.method} is a quota method")
        ]
    return []


def preset_rules(
    name: str, kind: str, *, seats: int, registration: tuple[str, ...] = ()
) -> tuple[ListRules | DistrictRules | None, KeyProblems]:
    """The tier of a named system a contest of ``kind`` uses, with the contest's own seats."""
    system = SYSTEMS[name]
    if kind == "list":
        if system.list_tier is None:
            return None, [("", f"preset {name!r} has no list tier")]
        ties = replace(system.list_tier.ties, registration=registration)
        return replace(system.list_tier, seats=seats, ties=ties), []
    if system.district_rules is None:
        return None, [("", f"preset {name!r} has no single-mandate tier")]
    return system.district_rules, []


def read_rules_file(path: str | Path, *, seats: int | None = None) -> ListRules:
    """The rules file of ``saylau allocate --rules``: the keys of ``[contests.rules]``, ``seats``
    (unless ``--seats`` gives them) and ``drawn``; :class:`DefinitionError` lists every problem."""
    return read_allocation(path, seats=seats)[0]


def read_allocation(path: str | Path, *, seats: int | None = None) -> tuple[ListRules, dict[str, int]]:
    """:func:`read_rules_file`, and the district seats its lists won (``district_seats``), which
    ``alternative_district_seats`` reads: a list with that many is in whatever its share."""
    label = str(path)
    try:
        text = Path(path).read_bytes().decode("utf-8-sig")
    except OSError as e:
        raise DefinitionError([f"{label}: cannot read the rules file ({e.strerror or e})"]) from None
    except UnicodeDecodeError as e:
        raise DefinitionError(
            [f"{label}: not UTF-8 (byte {e.object[e.start]:#04x} at offset {e.start})"]
        ) from None
    lines = TomlLines(text)
    raw = parse_toml(text, label)
    table, problems = check(raw, ALLOCATE_RULES, label, lines)

    def at(key: str, why: str) -> None:
        line = lines.line((key,) if key else ())
        where = f"{label}:{line}" if line else label
        problems.append(f"{where}: {label_of(ALLOCATE_RULES, (key,))}: {why}" if key else f"{where}: {why}")

    if seats is not None and "seats" in table:
        at("seats", f"the seats are given twice: here ({table['seats']}) and by --seats ({seats})")
    elif seats is None and "seats" not in raw:
        problems.append(f"{label}: seats: missing field (or give --seats)")
    won: dict[str, int] = table.get("district_seats", {})
    if ("district_seats" in table) != ("alternative_district_seats" in table):
        given, other = (
            ("district_seats", "alternative_district_seats")
            if "district_seats" in table
            else ("alternative_district_seats", "district_seats")
        )
        at(given, f"{given} is read with {other}: give both (the seats won, and how many let a list in)")
    rules = None
    if not problems and "method" in table:
        rules, semantic = list_rules(table, seats=seats if seats is not None else table["seats"])
        for key, why in semantic:
            at(key, why)
    if problems or rules is None:
        raise DefinitionError(problems or [f"{label}: no rules"])
    return rules, won
