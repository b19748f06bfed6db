"""The keys every TOML file saylau reads may hold, and their types: one table per place.

A misspelt key used to be ignored: ``treshold = "50%"`` passed ``saylau check`` and the count ran
with no threshold. So each place a key may sit (a table of election.toml, a protocol form, an
import mapping, the rules file of ``saylau allocate``) is declared here once, as a
:class:`~saylau.definition.keys.Table` of keys, and :func:`saylau.definition.keys.check` holds
every document to it.

To declare something new (a compensation tier of a body, say), add a ``Key`` to the table where
it belongs, with its type (a ``Table`` of its own if it is one), and read it in the loader;
docs/election-format.md lists every key (``python -m saylau.definition.schema`` prints the list,
and tests/test_definition_strict.py checks that the page has every key).
"""

from __future__ import annotations

from saylau.composition import COVERAGES, PLACEMENTS
from saylau.composition import SYSTEMS as COMPENSATION_SYSTEMS
from saylau.definition.keys import (
    Alliances,
    ArrayOf,
    Choice,
    Date,
    Either,
    Exact,
    Flag,
    Key,
    ListOf,
    MapOf,
    Pattern,
    Table,
    Text,
    Type,
    VoterAllowance,
    Whole,
    places,
)
from saylau.model import GENDERS, LANGUAGES
from saylau.rules.apportion import METHODS
from saylau.rules.majority import AGAINST_ALL_RULES, MAJORITY_BASES
from saylau.rules.systems import SYSTEMS
from saylau.rules.thresholds import BASES
from saylau.rules.ties import PRESETS

# -- election.toml ------------------------------------------------------------------------------


def _forms() -> tuple[str, ...]:
    from saylau.protocols import available_forms  # protocols reads its forms with this module

    return available_forms()


TEXT = Text()
NAMES = Table(
    {lang: Key(TEXT, required=True) for lang in LANGUAGES},
    missing="missing the {key!r} name",
    what="a table of names: { kk = ..., ru = ..., en = ... }",
)
SEED = Either((Text(), Whole()), "a string or a whole number")
SHARE = Exact()
TIE_RULE = Choice(PRESETS, "tie rule")
PRESET = Choice(SYSTEMS, "preset")
RULES = "a preset name or a table of rules"

LIST_RULE_KEYS: dict[str, Key] = {
    "method": Key(Choice(METHODS, "method"), True, "how seats are shared: any method of docs/rules.md"),
    "threshold": Key(SHARE, doc="the legal threshold, a share of the base; 0 by default"),
    "threshold_base": Key(Choice(BASES, "threshold base"), doc="what the threshold divides: valid (default)"),
    "ties": Key(TIE_RULE, doc="a tie rule of docs/rules.md; lots by default"),
    "seed": Key(SEED, doc="the published seed of a drawing of lots; 0 by default"),
    "first_divisor": Key(
        Exact(high=None, example='"1.4" or "7/5"'), doc="the first divisor of a divisor method (1.4, 1.2)"
    ),
    "min_parties": Key(Whole(), doc="admit the next largest lists until this many share the seats"),
    "admitted_weight": Key(
        Exact(low_open=True, high_open=False, example='"0.7" or "7/10"'),
        doc="the correction index of a list so admitted (0.7)",
    ),
    "exempt": Key(ListOf(TEXT), doc="lists with no threshold (a national minority's party)"),
    "party_thresholds": Key(
        MapOf(SHARE, 'a table of list = "8%"'), doc="lists with a threshold of their own (a coalition's)"
    ),
}
ALLIANCE_KEYS: dict[str, Key] = {
    "alliances": Key(Alliances(), doc="lists that count as one when seats are shared (apparentements)"),
    "alliance_method": Key(Choice(METHODS), doc="how an alliance shares its seats; the contest's method"),
}
LIST_RULES = Table(
    {**LIST_RULE_KEYS, **ALLIANCE_KEYS}, flat=True, place="in [contests.rules] of a list contest"
)
DISTRICT_RULES = Table(
    {
        "kind": Key(
            Choice(("plurality", "two-round"), "district rule"), doc="plurality (default) or two-round"
        ),
        "against_all": Key(Choice(AGAINST_ALL_RULES, "against-all rule"), doc="ignore (default)"),
        "min_turnout": Key(Exact(high_open=False), doc="turnout below this voids the contest"),
        "majority_base": Key(
            Choice(MAJORITY_BASES, "majority base"),
            doc="two-round: what the majority is of: valid ballots (default) or every ballot cast",
        ),
        "majority": Key(
            Exact(low_open=True, example='"50%" or "2/5"'),
            doc="two-round: elected in the first round with more than this share; 50% by default",
        ),
        "ties": Key(TIE_RULE, doc="a tie rule of docs/rules.md; lots-required by default"),
        "seed": Key(SEED, doc="the published seed of a drawing of lots"),
    },
    flat=True,
    place="in [contests.rules] of a single-mandate contest",
)
ELECTION_HEAD = Table(
    {
        "id": Key(TEXT, True, "the election's id"),
        "date": Key(Date(), True, "the day of the vote"),
        "name": Key(NAMES, True, "its name in each language"),
        "note": Key(Text(empty=True), doc="shown with the results"),
        "form": Key(Choice(_forms, "protocol form"), doc="the protocol form; kz by default"),
        "signatures": Key(
            Choice(("optional", "required"), "signature policy"),
            doc="required: every protocol signed by its commission's key; optional by default",
        ),
        "entry": Key(
            Choice(("single", "double"), "entry mode"),
            doc="double: a protocol counts once two officers entered the same figures; single by default",
        ),
    }
)
FILE_NAMES = Table(
    {
        "territories": Key(TEXT, True, "the territory tree (CSV)"),
        "stations": Key(TEXT, True, "polling stations (CSV)"),
        "candidates": Key(TEXT, doc="list and district candidates (CSV)"),
        "protocols": Key(TEXT, doc="a folder of protocol files, one per contest"),
        "turnout": Key(TEXT, doc="turnout reports by time of day (CSV)"),
    }
)
VOTER_LISTS = Table(
    {
        "added": Key(VoterAllowance(), doc="voters a commission may add on the day"),
        "removed": Key(VoterAllowance(), doc="voters it may take off the list"),
        "ballots_above": Key(VoterAllowance(), doc="ballots a station may count beyond its list"),
        "law": Key(Text(empty=True), doc="where the law says so"),
    }
)
PARTY = Table(
    {
        "id": Key(TEXT, True, "the party's id, used by every other file"),
        "name": Key(NAMES, True, "its name in each language"),
        "short": Key(NAMES, doc="a short name in each language; the name by default"),
        "color": Key(Pattern(r"#[0-9a-fA-F]{6}", "a colour #RRGGBB"), doc="#RRGGBB"),
    }
)
COMPENSATION = Table(
    {
        "system": Key(
            Choice(tuple(COMPENSATION_SYSTEMS), "compensation system"),
            True,
            "a general rule (mmp-overhang-kept, mmp-leveling, set-aside) or a law (docs/rules.md)",
        ),
        "list": Key(TEXT, doc="the list contest whose votes share the whole house"),
        "districts": Key(
            ListOf(TEXT),
            doc="the contests it compensates (a group of districts by its id); the body's others",
        ),
        "district_seats": Key(
            MapOf(Whole(), "a table of party = seats"),
            doc="district seats won, where the districts are not counted in the definition",
        ),
        "threshold": Key(SHARE, doc="the national threshold; the law's, for a law's system"),
        "threshold_base": Key(Choice(BASES, "threshold base"), doc="what it divides; the law's, or valid"),
        "alternative_district_seats": Key(Whole(1), doc="or a list with at least this many district seats"),
        "exempt": Key(ListOf(TEXT), doc="parties with no threshold (national minorities)"),
        "party_thresholds": Key(MapOf(SHARE, 'a table of party = "8%"'), doc="parties' own thresholds"),
        "leveling_seats": Key(Whole(1), doc="without a list contest: the seats beyond the districts'"),
        "placement": Key(
            Choice(PLACEMENTS, "placement"), doc="where leveling seats go: valgloven-11-6, one per district"
        ),
        "coverage": Key(
            Choice(COVERAGES, "coverage"), doc="bundestag-2025: winners seated by their second votes (§ 6(1))"
        ),
        "law": Key(Text(empty=True), doc="where the law says so"),
    },
    place="in [bodies.compensation]",
)
BODY = Table(
    {
        "id": Key(TEXT, True, "the body's id"),
        "name": Key(NAMES, True, "its name in each language"),
        "seats": Key(Whole(1), True, "its size"),
        "composition": Key(
            Choice(("parallel", "compensatory"), "composition"),
            doc="parallel (default: its contests' seats added up) or compensatory",
        ),
        "compensation": Key(COMPENSATION, doc="compensatory: [bodies.compensation], how the tiers combine"),
    }
)
LIST_CONTEST: dict[str, Key] = {
    "seats": Key(Whole(1), True, "seats of the contest"),
    "territory": Key(TEXT, True, "the constituency: stations under this territory"),
    "rules": Key(Either((PRESET, LIST_RULES), RULES), True, "a preset name, or [contests.rules]"),
    "lists": Key(
        ListOf(TEXT),
        doc="the party ids on its ballot; by default those with candidates in it, or every party",
    ),
    **ALLIANCE_KEYS,
}
CANDIDATE_NAMES = Table(
    {lang: Key(TEXT) for lang in LANGUAGES},
    what="a table of names in some of the languages: { kk = ..., ru = ..., en = ... }",
)
CANDIDATE = Table(
    {
        "id": Key(TEXT, True, "the candidate's id"),
        "name": Key(
            Either((TEXT, CANDIDATE_NAMES), "a name, or a table of names per language"),
            True,
            "the name on the ballot, or its forms per language { kk, ru, en }",
        ),
        "party": Key(TEXT, doc="the nominating party's id; none for a self-nominated candidate"),
        "gender": Key(
            Choice(GENDERS, "gender"), doc="female or male, for words that agree with it; none: not stated"
        ),
    }
)
DISTRICTS_CONTEST: dict[str, Key] = {
    "districts": Key(TEXT, doc="a group of districts: the districts file (CSV), one contest per row"),
    "station_column": Key(TEXT, doc="with districts: the stations.csv column naming the district"),
    "territory": Key(TEXT, doc="or one race (a president): every station under this territory"),
    "candidates": Key(ArrayOf(CANDIDATE), doc="a race's candidates here, or in candidates.csv"),
    "rules": Key(Either((PRESET, DISTRICT_RULES), RULES), True, "a preset name, or [contests.rules]"),
}
CONTEST = Table(
    {
        "id": Key(TEXT, True, "the contest's id (a district group's, for districts)"),
        "name": Key(NAMES, doc="its name in each language; the id by default"),
        "body": Key(TEXT, True, "the id of the body it elects"),
        "kind": Key(Choice(("list", "single-mandate"), "contest kind"), True, "list or single-mandate"),
    },
    variants=("kind", {"list": LIST_CONTEST, "single-mandate": DISTRICTS_CONTEST}),
)
#: [previous]: the election this one is compared with (saylau.previous); its mapping file is
#: read with PRIOR_MAPPING, the format of the projection's prior.
PREVIOUS = Table(
    {
        "source": Key(
            TEXT,
            True,
            "a definition directory or a SQLite store, relative to this directory; or a store URL "
            "(postgresql://..., sqlite:///...)",
        ),
        "mapping": Key(
            TEXT,
            doc="a file of this directory in the prior-mapping format: this election's ids = the "
            "previous one's, where they differ; by default every id is matched as it is",
        ),
        "label": Key(NAMES, True, 'how pages name it in each language: { kk = "2021", ... }'),
    },
    place="in [previous]",
)
ELECTION = Table(
    {
        "election": Key(ELECTION_HEAD, True),
        "files": Key(FILE_NAMES, True),
        "voter_lists": Key(VOTER_LISTS),
        "parties": Key(ArrayOf(PARTY, least=1), True),
        "bodies": Key(ArrayOf(BODY, least=1), True),
        "contests": Key(ArrayOf(CONTEST, least=1), True),
        "previous": Key(PREVIOUS, doc="the previous election, to compare with (and the projection's prior)"),
    }
)

# -- protocol forms (src/saylau/forms/*.toml) ---------------------------------------------------


def _severities() -> tuple[str, ...]:
    from saylau.protocols import SEVERITIES  # protocols reads its forms with this module

    return SEVERITIES


FORM = Table(
    {
        "id": Key(TEXT, True, "the form's name"),
        "title": Key(TEXT, True, "what it is"),
        "sources": Key(ListOf(TEXT), doc="the laws it follows"),
        "lines": Key(
            ArrayOf(
                Table(
                    {
                        "name": Key(TEXT, True, "snake_case: the name files and the code use"),
                        "title": Key(Text(empty=True), doc="the form's own wording"),
                        "en": Key(Text(empty=True), doc="in English"),
                        "required": Key(Flag(), doc="false: a file may lack it; true by default"),
                    }
                ),
                least=1,
            ),
            True,
        ),
        "derived": Key(
            ArrayOf(
                Table(
                    {
                        "name": Key(TEXT, True, "the line it makes"),
                        "sum": Key(TEXT, True, 'from other lines: "a + b - c"'),
                        "en": Key(Text(empty=True), doc="in English"),
                    }
                )
            )
        ),
        "relations": Key(
            ArrayOf(
                Table(
                    {
                        "rule": Key(TEXT, True, '"sum = sum", "sum <= sum" or "sum >= sum"'),
                        "law": Key(Text(empty=True), doc="as the law writes it, by line number"),
                        "source": Key(Text(empty=True), doc="where it comes from"),
                        "severity": Key(Choice(_severities, "severity"), doc="error (default) or warning"),
                    }
                )
            )
        ),
    }
)

# -- import mappings (saylau import --mapping) --------------------------------------------------

MAPPING = Table(
    {
        "form": Key(TEXT, doc="the file's form: a form name or a .toml beside the mapping"),
        "contest": Key(TEXT, doc="the one contest of the file"),
        "contest_column": Key(TEXT, doc="or the column naming each row's contest"),
        "station": Key(TEXT, doc='the station column, or a template "{region}|{uik}"'),
        "ignore": Key(ListOf(Text()), doc="columns to leave aside"),
        "delimiter": Key(TEXT, doc='"," by default'),
        "lines": Key(MapOf(TEXT, 'a table [lines] of name = "column header"'), doc="form line = header"),
        "options": Key(MapOf(TEXT, 'a table [options] of name = "column header"'), doc="party id = header"),
        "note": Key(Text(empty=True), doc="anything to remember"),
        "country": Key(
            Table(
                {
                    "id": Key(TEXT, True, "the root territory's id"),
                    "code": Key(Text(empty=True), doc="its official code; none by default"),
                    "name": Key(NAMES, doc="its name in each language; the id by default"),
                }
            ),
            doc="saylau stations: the country, root of the territory tree",
        ),
        "levels": Key(
            ArrayOf(
                Table(
                    {
                        "id": Key(
                            TEXT,
                            True,
                            'a template "{column}": the territory within its parent; its id is '
                            'the parent\'s, "-", and this',
                        ),
                        "level": Key(
                            Choice(("region", "district"), "territory level"),
                            doc="region for the first level, district below, by default",
                        ),
                        "name": Key(
                            Either((TEXT, NAMES), 'a template "{column}", or one per language'),
                            doc="its name: a template over columns; the id template's value by default",
                        ),
                        "code": Key(Text(empty=True), doc="its official code: a template over columns"),
                    }
                )
            ),
            doc="saylau stations: the territory levels under the country, top first",
        ),
    }
)

# -- the prior of a projection (saylau project --prior-mapping) ---------------------------------

PRIOR_MAPPING = Table(
    {
        "note": Key(Text(empty=True), doc="anything to remember"),
        "contests": Key(
            MapOf(TEXT, "a table [contests] of contest = prior contest"),
            doc="this election's contest = the prior's; by default the same id",
        ),
        "parties": Key(
            MapOf(TEXT, "a table [parties] of party = prior party"),
            doc="this election's party = the prior's; a party not listed is matched by its id",
        ),
        "territories": Key(
            MapOf(TEXT, "a table [territories] of territory = prior territory"),
            doc="this election's territory = the prior's; a territory not listed is matched by its id",
        ),
    }
)

# -- the rules file of saylau allocate ----------------------------------------------------------

ALLOCATE_RULES = Table(
    {
        "seats": Key(Whole(), doc="seats to share (or --seats)"),
        **LIST_RULE_KEYS,
        **ALLIANCE_KEYS,
        "drawn": Key(ListOf(TEXT), doc="the order drawn by the commission, for ties"),
        "alternative_district_seats": Key(Whole(1), doc="or a list with at least this many district seats"),
        "district_seats": Key(
            MapOf(Whole(), "a table of list = seats"),
            doc="district seats won, for alternative_district_seats",
        ),
    }
)

#: Every file's schema, by what docs/election-format.md calls it.
FILES: dict[str, Table] = {
    "election.toml": ELECTION,
    "a protocol form": FORM,
    "an import mapping": MAPPING,
    "a projection's prior mapping": PRIOR_MAPPING,
    "the rules file of saylau allocate": ALLOCATE_RULES,
}


def reference() -> str:
    """Every place of every file and the keys allowed there, as Markdown (docs/election-format.md)."""
    out: list[str] = []
    for file, root in FILES.items():
        out.append(f"### Keys of {file}\n")
        for where, keys in places(root):
            out.append(f"{where[0].upper()}{where[1:]}:\n")
            out.append("| key | value | |")
            out.append("|---|---|---|")
            for name, key in keys.items():
                need = "required" if key.required else ""
                doc = "; ".join(x for x in (need, key.doc) if x)
                out.append(f"| `{name}` | {_value_text(key.type, name)} | {_cell(doc)} |")
            out.append("")
    return "\n".join(out).rstrip() + "\n"


def _value_text(t: Type, name: str) -> str:
    if isinstance(t, ArrayOf):
        return f"`[[{name}]]` tables (below)"
    if isinstance(t, Table) and not t.what:
        return f"a table `[{name}]` (below)"
    return _cell(t.describe())


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


if __name__ == "__main__":  # python -m saylau.definition.schema: the reference, for the docs
    print(reference(), end="")
