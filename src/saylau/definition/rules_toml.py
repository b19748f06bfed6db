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

from saylau.definition.keys import check, label_of
from saylau.definition.schema import ALLOCATE_RULES
from saylau.definition.toml_lines import TomlLines, parse_toml
from saylau.errors import DefinitionError, SaylauError
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
    try:
        rules = ListRules(
            seats=seats,
            method=method,
            threshold=Threshold(
                share=table.get("threshold", Fraction(0)),
                base=table.get("threshold_base", "valid"),
                min_parties=table.get("min_parties", 0),
                admitted_weight=table.get("admitted_weight", Fraction(1)),
            ),
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
    rules = None
    if not problems and "method" in table:
        rules, semantic = list_rules(table, seats=seats if seats is not None else table["seats"])
        for key, why in semantic:
            at(key, why)
    if problems or rules is None:
        raise DefinitionError(problems or [f"{label}: no rules"])
    return rules
