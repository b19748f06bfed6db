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
from json.encoder import encode_basestring  # the C one where there is one (CPython's _json)

from saylau.errors import SaylauError
from saylau.i18n import LANGS
from saylau.model import Names, Territory
from saylau.publish.options import AGAINST_ALL, Option, against_all_name, options
from saylau.results import SELF_NOMINATED, ContestResult, Results
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
    where = _territories_by_contest(results)
    against = {lang: against_all_name(lang) for lang in LANGS}
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
        "Office": _offices(results, root.id),
        "Election": [
            {
                "@type": NS + "Election",
                "Name": _text(election.name),
                "Type": "general",
                "StartDate": election.date,
                "EndDate": election.date,
                "ElectionScopeId": f"ru-{root.id}",
                "Candidate": _candidates(results),
                "Contest": [
                    _contest(results, r, n, where, against) for n, r in enumerate(results.contests, 1)
                ],
                "BallotCounts": _ballot_counts(results, where),
                "CountStatus": _count_status(results.main),
                "ExternalIdentifier": [_other_id("saylau-election-id", election.id)],
            }
        ],
    }
    if election.note:
        report["Notes"] = election.note
    return report


class _Unusual(Exception):
    """A value :func:`indented` leaves to :func:`json.dumps` (a float, a key that is not text)."""


def indented(document: object) -> str:
    """``json.dumps(document, ensure_ascii=False, indent=1)``, the same text to the character, in
    about a fifth of the time: the served ``nist.json`` of the whole ballot day of Kazakhstan
    2023 is 4 million values (36 MB), and the standard library writes an indented document in
    pure Python, passing every piece up through a generator per level of nesting (its C encoder
    writes only documents without indentation). Here each value is appended to one list.

    What the export holds is written here (objects, arrays, text, integers, true, false, null);
    a document holding anything else (a float, a key that is not text) is left to
    :func:`json.dumps` whole, so the text is its in every case.
    """
    out: list[str] = []
    try:
        _indented(document, out, "\n")
    except (_Unusual, RecursionError):
        return json.dumps(document, ensure_ascii=False, indent=1)
    return "".join(out)


def _indented(value: object, out: list[str], newline: str) -> None:
    """Append ``value`` (an object or an array), its closing bracket on ``newline`` (the line
    break and the indentation of the value's own line), its items one space further in."""
    inner = newline + " "
    append = out.append
    if type(value) is dict:
        if not value:
            append("{}")
            return
        before = "{" + inner
        for key, item in value.items():
            if type(key) is not str:
                raise _Unusual
            append(before + encode_basestring(key) + ": ")
            before = "," + inner
            kind = type(item)
            if kind is str:
                append(encode_basestring(item))
            elif kind is int:
                append(int.__repr__(item))
            elif kind is dict or kind is list or kind is tuple:
                _indented(item, out, inner)
            elif item is True:
                append("true")
            elif item is False:
                append("false")
            elif item is None:
                append("null")
            else:
                raise _Unusual
        append(newline + "}")
        return
    if type(value) is list or type(value) is tuple:
        if not value:
            append("[]")
            return
        before = "[" + inner
        for item in value:
            kind = type(item)
            if kind is str:
                append(before + encode_basestring(item))
            elif kind is int:
                append(before + int.__repr__(item))
            elif kind is dict or kind is list or kind is tuple:
                append(before)
                _indented(item, out, inner)
            elif item is True:
                append(before + "true")
            elif item is False:
                append(before + "false")
            elif item is None:
                append(before + "null")
            else:
                raise _Unusual
            before = "," + inner
        append(newline + "]")
        return
    raise _Unusual


def _offices(results: Results, root: str) -> list[dict]:
    """Each body elected as an ``Office``: its area (``ElectionDistrictId``), its seats, and the
    seats each party holds in it by the count so far (the results JSON's ``bodies.*.seats``: each
    party with a seat, most first, then ``self-nominated`` among them by its count), which the
    standard has no element for: each is an ``ExternalIdentifier`` of ``OtherType`` ``seats-won``,
    ``Label`` the party's ``@id`` (or ``self-nominated``), ``Value`` the seats; and ``vacant``, the
    seats no one holds yet, where there are any."""
    election = results.election
    areas = _body_areas(results, root)
    offices = []
    for b in election.bodies:
        held = sorted(((p, n) for p, n in results.bodies.get(b.id, {}).items() if n), key=lambda kv: -kv[1])
        ids = [_other_id("seats", str(b.seats))]
        for party, n in held:
            label = f"party-{party}" if party != SELF_NOMINATED else SELF_NOMINATED
            ids.append({**_other_id("seats-won", str(n)), "Label": label})
        if results.vacant.get(b.id):
            ids.append(_other_id("vacant", str(results.vacant[b.id])))
        offices.append(
            {
                "@type": NS + "Office",
                "@id": f"office-{b.id}",
                "Name": _text(b.name),
                "ElectionDistrictId": f"ru-{areas.get(b.id, root)}",
                "IsPartisan": True,
                "ExternalIdentifier": ids,
            }
        )
    return offices


def _body_areas(results: Results, root: str) -> dict[str, str]:
    """Each body's area: the territory of its contests where they have one, else the smallest
    territory holding all of them (a maslikhat's region or district; the country for the
    Mazhilis)."""
    parents = {t.id: t.parent for t in results.election.territories}

    def chain(territory: str) -> list[str]:
        found = []
        while territory is not None and territory not in found:
            found.append(territory)
            territory = parents.get(territory)  # type: ignore[assignment]
        return found

    places: dict[str, set[str]] = {}
    for c in results.election.contests:
        if c.territory and c.territory in parents:
            places.setdefault(c.body, set()).add(c.territory)
    areas = {}
    for body, territories in places.items():
        chains = [chain(t) for t in sorted(territories)]
        shared = set(chains[0]).intersection(*chains[1:])
        areas[body] = next((t for t in chains[0] if t in shared), root)
    return areas


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


def _territories_by_contest(results: Results) -> dict[str, list[str]] | None:
    """Each contest's territories with totals, in the definition's order, where the tally says
    which (``territory_keys``: the live tally's and a served snapshot's): 3,000 districts are each
    in a handful of the country's 250 territories, and asking each of them of every contest was
    800,000 questions. None: every territory is to be asked."""
    keys = getattr(results.tally, "territory_keys", None)
    if keys is None:
        return None
    order = {t.id: n for n, t in enumerate(results.election.territories)}
    found: dict[str, list[str]] = {}
    for contest, territory in keys():
        if territory in order:
            found.setdefault(contest, []).append(territory)
    for ids in found.values():
        ids.sort(key=order.__getitem__)
    return found


def _units_of(
    results: Results, r: ContestResult, where: dict[str, list[str]] | None = None
) -> list[tuple[str, Totals]]:
    """The reporting units a contest has counts for: its district (or the whole territory of a list
    contest) first, then every territory above the stations where it is on the ballot (of those
    ``where`` names for it, if given: :func:`_territories_by_contest`)."""
    tally = results.tally
    assert tally is not None
    if r.contest.kind == "list":
        whole = f"ru-{r.contest.territory}" if r.contest.territory else None
    else:
        whole = f"ed-{r.contest.id}"
    units: list[tuple[str, Totals]] = []
    if whole:
        units.append((whole, r.totals))
    ids = [t.id for t in results.election.territories] if where is None else where.get(r.contest.id, [])
    for tid in ids:
        if f"ru-{tid}" == whole:
            continue
        totals = tally.territory(r.contest.id, tid)
        if totals.stations:
            units.append((f"ru-{tid}", totals))
    return units


def _votes(units: list[tuple[str, Totals]], option: Option) -> list[dict]:
    out = []
    for unit, totals in units:
        count = totals.against_all if option.id == AGAINST_ALL else totals.votes.get(option.id, 0)
        out.append({"@type": NS + "VoteCounts", "Type": "total", "GpUnitId": unit, "Count": count})
    return out


def _contest(
    results: Results,
    r: ContestResult,
    order: int,
    where: dict[str, list[str]] | None = None,
    against_all: Names | None = None,
) -> dict:
    """A contest with its selections; ``where``: :func:`_territories_by_contest`; ``against_all``:
    the words in each language, looked up once for the whole export."""
    c = r.contest
    units = _units_of(results, r, where)
    if against_all is None:
        against_all = {lang: against_all_name(lang) for lang in LANGS}
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
                    "Selection": _text({lang: against_all[lang] for lang in LANGS}),
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
            _other_id("saylau-body-id", c.body),
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


def _ballot_counts(results: Results, where: dict[str, list[str]] | None = None) -> list[dict]:
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
        for unit, totals in _units_of(results, r, where)
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
