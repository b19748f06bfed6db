"""The NIST SP 1500-100 v2 export: results in the Election Results Reporting Common Data Format.

Election officials, newsrooms and archives read this one format from many countries, so the
export follows the standard's own JSON Schema (bundled in ``data/``, a NIST publication in the
public domain) rather than our JSON contract. What goes where, and where the standard has no
place for a Kazakh protocol line, is written down in docs/open-data.md.

Ids are prefixed by kind (``ru-`` reporting unit, ``ps-`` polling station, ``ed-`` electoral
district, ``party-``, ``cand-``, ``contest-``, ``sel-``, ``office-``) so they are unique across the
document even when a territory and a party share a code.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from functools import cache
from importlib import resources
from importlib.metadata import PackageNotFoundError, version

from saylau.errors import SaylauError
from saylau.i18n import LANGS
from saylau.model import Names, Territory
from saylau.publish.options import AGAINST_ALL, Option, against_all_name, options
from saylau.results import ContestResult, Results
from saylau.rules.majority import DistrictRules
from saylau.tally import Totals

SCHEMA_FILE = "NIST_V2_election_results_reporting.json"
NS = "ElectionResults."

#: our territory levels -> ReportingUnitType (the standard's list is US-centred; the rest is "other")
_UNIT_TYPES = {"country": "country"}


def _text(names: Names | str) -> dict:
    """An InternationalizedText: every language we have, or one string of unknown language."""
    if isinstance(names, str):
        strings = [{"@type": NS + "LanguageString", "Content": names, "Language": "und"}]
    else:
        strings = [
            {"@type": NS + "LanguageString", "Content": names[lang], "Language": lang}
            for lang in LANGS
            if names.get(lang)
        ] or [{"@type": NS + "LanguageString", "Content": next(iter(names.values()), ""), "Language": "und"}]
    return {"@type": NS + "InternationalizedText", "Text": strings}


def _other_id(kind: str, value: str) -> dict:
    return {"@type": NS + "ExternalIdentifier", "Type": "other", "OtherType": kind, "Value": value}


def _status(results: Results) -> str:
    """ResultsStatus: counting (partial), all counted but not all final (complete), or final."""
    if results.protocols < results.expected:
        return "unofficial-partial"
    if results.final < results.expected:
        return "unofficial-complete"
    return "certified"


def _count_status(totals: Totals) -> list[dict]:
    done = totals.stations and totals.reported >= totals.stations
    status = "completed" if done else ("in-process" if totals.reported else "not-processed")
    return [{"@type": NS + "CountStatus", "Status": status, "Type": "total"}]


def export(results: Results, *, generated: datetime | None = None) -> dict:
    """The ElectionReport of ``results``: GpUnits, parties, candidates, one contest per contest.

    Vote counts are given for every reporting unit above the polling stations (country,
    regions, district commissions, and each single-mandate district as a whole); station-level
    counts are the ``--level station`` CSV, which keeps this document a few megabytes.
    """
    election = results.election
    tally = results.tally
    if tally is None:
        raise SaylauError("these results carry no tally; the NIST export needs the counts per territory")
    generated = (generated or datetime.now(UTC)).astimezone(UTC).replace(microsecond=0)
    root = next((t for t in election.territories if t.parent is None), None)
    if root is None:
        raise SaylauError("the election has no root territory (one with no parent) for the NIST export")
    gp_units = list(_gp_units(results))
    report: dict = {
        "@type": NS + "ElectionReport",
        "Format": "summary-contest",
        "GeneratedDate": generated.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "Issuer": "saylau",
        "IssuerAbbreviation": "saylau",
        "VendorApplicationId": f"saylau {_version()}",
        "SequenceStart": 1,
        "SequenceEnd": 1,
        "Status": _status(results),
        "IsTest": False,
        "GpUnit": gp_units,
        "Party": [
            {
                "@type": NS + "Party",
                "@id": f"party-{p.id}",
                "Name": _text(p.name),
                "Abbreviation": _text(p.short),
                "Color": p.color.lstrip("#").lower(),
            }
            for p in election.parties
        ],
        "Office": [
            {
                "@type": NS + "Office",
                "@id": f"office-{b.id}",
                "Name": _text(b.name),
                "ElectionDistrictId": f"ru-{root.id}",
                "IsPartisan": True,
                "ExternalIdentifier": [_other_id("seats", str(b.seats))],
            }
            for b in election.bodies
        ],
        "Election": [
            {
                "@type": NS + "Election",
                "Name": _text(election.name),
                "Type": "general",
                "StartDate": election.date,
                "EndDate": election.date,
                "ElectionScopeId": f"ru-{root.id}",
                "Candidate": _candidates(results),
                "Contest": [_contest(results, r, n) for n, r in enumerate(results.contests, 1)],
                "BallotCounts": _ballot_counts(results),
                "CountStatus": _count_status(results.main),
                "ExternalIdentifier": [_other_id("saylau-election-id", election.id)],
            }
        ],
    }
    if election.note:
        report["Notes"] = election.note
    return report


def _version() -> str:
    try:
        return version("saylau")
    except PackageNotFoundError:
        return "unknown"


def _gp_units(results: Results) -> Iterator[dict]:
    """Territories (country, regions, commissions), their polling stations, and the districts."""
    election = results.election
    tally = results.tally
    assert tally is not None
    children: dict[str, list[str]] = {}
    for t in election.territories:
        if t.parent is not None:
            children.setdefault(t.parent, []).append(f"ru-{t.id}")
    for s in election.stations:
        children.setdefault(s.territory, []).append(f"ps-{s.id}")
    main = results.main_contest
    for t in election.territories:
        totals = tally.territory(main, t.id)
        unit = _unit(t)
        unit["ComposingGpUnitIds"] = children.get(t.id, [])
        unit["VotersRegistered"] = tally.registered_under(t.id)
        if totals.reported:
            unit["VotersParticipated"] = totals.issued
        unit["TotalSubUnits"] = totals.stations
        unit["SubUnitsReported"] = totals.reported
        yield unit
    for s in election.stations:
        unit = {
            "@type": NS + "ReportingUnit",
            "@id": f"ps-{s.id}",
            "Type": "precinct",
            "VotersRegistered": s.registered,
        }
        p = tally.protocol(s.id, main)
        if p is not None:
            unit["VotersParticipated"] = p.issued
        yield unit
    stations_of: dict[str, list[str]] = {}
    for s in election.stations:
        for contest in s.districts.values():
            stations_of.setdefault(contest, []).append(f"ps-{s.id}")
    for r in results.contests:
        if r.contest.kind == "list":
            continue
        unit = {
            "@type": NS + "ReportingUnit",
            "@id": f"ed-{r.contest.id}",
            "Type": "other",
            "OtherType": "single-mandate-district",
            "Name": _text(r.contest.name),
            "IsDistricted": True,
            "ComposingGpUnitIds": stations_of.get(r.contest.id, []),
            "VotersRegistered": r.totals.registered,
            "VotersParticipated": r.totals.issued,
            "TotalSubUnits": r.totals.stations,
            "SubUnitsReported": r.totals.reported,
        }
        if r.contest.number is not None:
            unit["Number"] = str(r.contest.number)
        yield unit


def _unit(t: Territory) -> dict:
    unit = {"@type": NS + "ReportingUnit", "@id": f"ru-{t.id}", "Name": _text(t.name)}
    kind = _UNIT_TYPES.get(t.level)
    if kind:
        unit["Type"] = kind
    else:
        unit["Type"] = "other"
        unit["OtherType"] = t.level
    if t.code:
        unit["ExternalIdentifier"] = [_other_id("iso-3166-2" if t.level != "district" else "code", t.code)]
    return unit


def _candidates(results: Results) -> list[dict]:
    """Every candidate; district candidates carry how their contest ended."""
    status: dict[str, str] = {}
    final = _status(results) == "certified"
    for r in results.contests:
        if r.outcome is None:
            continue
        decided = r.totals.reported >= r.totals.stations
        for c in r.totals.votes:
            if r.outcome.winner == c:
                status[c] = "winner" if final else "projected-winner"
            elif c in r.outcome.runoff:
                status[c] = "advanced-to-runoff"
            elif final and decided and r.outcome.status == "elected":
                status[c] = "defeated"
    out = []
    for c in results.election.candidates:
        entry = {"@type": NS + "Candidate", "@id": f"cand-{c.id}", "BallotName": _ballot_name(c.name)}
        if c.party:
            entry["PartyId"] = f"party-{c.party}"
        if c.id in status:
            entry["PostElectionStatus"] = status[c.id]
        if c.position is not None:
            entry["ExternalIdentifier"] = [_other_id("list-position", str(c.position))]
        out.append(entry)
    return out


def _ballot_name(names: Names) -> dict:
    """A candidate's name in every language it is written in (Kazakh and Russian Cyrillic, the
    Latin form); a definition's one name for every language (the same text in each) stays one
    string of unknown language, as the definition did not say which it is."""
    if len(set(names.values())) == 1:
        return _text(next(iter(names.values())))
    return _text(names)


def _units_of(results: Results, r: ContestResult) -> list[tuple[str, Totals]]:
    """The reporting units a contest has counts for: its district (or the whole territory of a list
    contest) first, then every territory above the stations where it is on the ballot."""
    tally = results.tally
    assert tally is not None
    if r.contest.kind == "list":
        whole = f"ru-{r.contest.territory}" if r.contest.territory else None
    else:
        whole = f"ed-{r.contest.id}"
    units: list[tuple[str, Totals]] = []
    if whole:
        units.append((whole, r.totals))
    for t in results.election.territories:
        if f"ru-{t.id}" == whole:
            continue
        totals = tally.territory(r.contest.id, t.id)
        if totals.stations:
            units.append((f"ru-{t.id}", totals))
    return units


def _votes(units: list[tuple[str, Totals]], option: Option) -> list[dict]:
    out = []
    for unit, totals in units:
        count = totals.against_all if option.id == AGAINST_ALL else totals.votes.get(option.id, 0)
        out.append({"@type": NS + "VoteCounts", "Type": "total", "GpUnitId": unit, "Count": count})
    return out


def _contest(results: Results, r: ContestResult, order: int) -> dict:
    c = r.contest
    units = _units_of(results, r)
    district = units[0][0] if units else f"ru-{c.territory}"
    selections = []
    for n, o in enumerate(options(results, r), 1):
        sel_id = f"sel-{c.id}-{o.id}"
        counts = _votes(units, o)
        if o.id == AGAINST_ALL:
            selections.append(
                {
                    "@type": NS + "BallotMeasureSelection",
                    "@id": sel_id,
                    "Selection": _text({lang: against_all_name(lang) for lang in LANGS}),
                    "SequenceOrder": n,
                    "VoteCounts": counts,
                    "ExternalIdentifier": [_other_id("saylau-option", AGAINST_ALL)],
                }
            )
        elif c.kind == "list":
            seats = {"@type": NS + "VoteCounts", "Type": "seats", "GpUnitId": district, "Count": o.seats}
            selections.append(
                {
                    "@type": NS + "PartySelection",
                    "@id": sel_id,
                    "PartyIds": [f"party-{o.id}"],
                    "SequenceOrder": n,
                    "VoteCounts": [*counts, seats],
                }
            )
        else:
            entry = {
                "@type": NS + "CandidateSelection",
                "@id": sel_id,
                "CandidateIds": [f"cand-{o.id}"],
                "SequenceOrder": n,
                "VoteCounts": counts,
            }
            if o.party:
                entry["EndorsementPartyIds"] = [f"party-{o.party}"]
            selections.append(entry)
    contest: dict = {
        "@id": f"contest-{c.id}",
        "Name": c.name.get("en") or next(iter(c.name.values()), c.id),
        "BallotTitle": _text(c.name),
        "ElectionDistrictId": district,
        "SequenceOrder": order,
        "ContestSelection": selections,
        "OtherCounts": [
            {"@type": NS + "OtherCounts", "GpUnitId": unit, "Overvotes": totals.invalid}
            for unit, totals in units
        ],
        "CountStatus": _count_status(r.totals),
        "TotalSubUnits": r.totals.stations,
        "SubUnitsReported": r.totals.reported,
        "ExternalIdentifier": [
            _other_id("saylau-contest-id", c.id),
            _other_id("number-elected", str(c.seats)),
        ],
    }
    if c.kind == "list":
        contest["@type"] = NS + "PartyContest"
        contest["VoteVariation"] = "proportional"
    else:
        rules = c.rules
        two_round = isinstance(rules, DistrictRules) and rules.kind == "two-round"
        contest["@type"] = NS + "CandidateContest"
        contest["VotesAllowed"] = 1
        contest["NumberElected"] = c.seats
        contest["VoteVariation"] = "majority" if two_round else "plurality"
        contest["OfficeIds"] = [f"office-{c.body}"]
        if two_round:
            contest["NumberRunoff"] = rules.runoff_size
    return contest


def _ballot_counts(results: Results) -> list[dict]:
    """Ballots of the main contest: issued to voters (cast) and invalid (rejected), per unit."""
    r = next(x for x in results.contests if x.contest.id == results.main_contest)
    return [
        {
            "@type": NS + "BallotCounts",
            "GpUnitId": unit,
            "Type": "total",
            "BallotsCast": totals.issued,
            "BallotsRejected": totals.invalid,
        }
        for unit, totals in _units_of(results, r)
    ]


# -- validation ---------------------------------------------------------------------------------


@cache
def schema() -> dict:
    """The bundled NIST SP 1500-100 v2 JSON Schema."""
    with (resources.files("saylau.publish") / "data" / SCHEMA_FILE).open("rb") as f:
        return json.load(f)


@cache
def _validator():
    import jsonschema  # only when validating: the export itself does not need it

    document = schema()
    cls = jsonschema.validators.validator_for(document)  # the draft the schema declares (draft-04)
    cls.check_schema(document)
    return cls(document, format_checker=cls.FORMAT_CHECKER)


def validate(document: dict) -> list[str]:
    """Problems of ``document`` against the bundled schema; ``[]`` when it is valid.

    Beyond the JSON Schema proper, the schema's ``refTypes`` annotations are checked too: every
    ``@id`` is unique, and every reference names an object of a type the schema allows there,
    which is what makes a document usable and what JSON Schema alone cannot say.
    """
    problems = [
        f"{'/'.join(str(p) for p in e.absolute_path) or '(document)'}: {e.message}"
        for e in sorted(_validator().iter_errors(document), key=lambda e: list(map(str, e.absolute_path)))
    ]
    return problems + reference_problems(document)


def reference_problems(document: dict) -> list[str]:
    """Duplicate ``@id``s and references that do not resolve to an object of an allowed type."""
    types: dict[str, str] = {}
    problems: list[str] = []
    for path, node in _objects(document, ""):
        if "@id" in node:
            if node["@id"] in types:
                problems.append(f"{path}: duplicate @id {node['@id']!r}")
            types[node["@id"]] = node.get("@type", "")
    definitions = schema()["definitions"]
    for path, node in _objects(document, ""):
        props = definitions.get(node.get("@type", ""), {}).get("properties", {})
        for key, value in node.items():
            spec = props.get(key, {})
            allowed = spec.get("refTypes") or spec.get("items", {}).get("refTypes")
            if not allowed:
                continue
            for ref in value if isinstance(value, list) else [value]:
                if ref not in types:
                    problems.append(f"{path}/{key}: {ref!r} is not the @id of any object")
                elif types[ref] not in allowed:
                    problems.append(
                        f"{path}/{key}: {ref!r} is a {types[ref]}, expected {' or '.join(allowed)}"
                    )
    return problems


def _objects(node: object, path: str) -> Iterator[tuple[str, dict]]:
    if isinstance(node, dict):
        yield path or "(document)", node
        for key, value in node.items():
            yield from _objects(value, f"{path}/{key}")
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from _objects(value, f"{path}/{i}")
