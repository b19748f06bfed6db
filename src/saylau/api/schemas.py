"""Request and response bodies of the API, as pydantic models: what /openapi.json describes.

Counts are whole JSON numbers from 0 to :data:`MAX_COUNT` (strings, fractions and booleans are
refused); text fields are bounded and may not hold control characters or lone surrogates, so
nothing a client sends can reach the database in a form it cannot store.
"""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StrictInt, StringConstraints

from saylau.bounds import MAX_COUNT

#: The control characters refused: C0 but tab, line feed and carriage return; and DEL. One search
#: in C, not a Python test per character (a protocol's ids and keys are a few hundred characters,
#: and that test was most of the body's validation).
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def _clean(text: str) -> str:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise ValueError("not valid Unicode text (a lone surrogate)") from None
    if _CONTROL.search(text):
        raise ValueError("control characters are not allowed")
    return text


Count = Annotated[StrictInt, Field(ge=0, le=MAX_COUNT)]
Id = Annotated[str, StringConstraints(min_length=1, max_length=200), AfterValidator(_clean)]
Name = Annotated[str, StringConstraints(min_length=1, max_length=100), AfterValidator(_clean)]
Text = Annotated[str, StringConstraints(max_length=2000), AfterValidator(_clean)]
Time = Annotated[str, StringConstraints(pattern=r"^([01]\d|2[0-3]):[0-5]\d$")]


class ProtocolIn(BaseModel):
    """One station's protocol for one contest."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "station": "S1",
                    "contest": "council-list",
                    "lines": {
                        "registered": 1000,
                        "received": 1000,
                        "issued": 600,
                        "issued_mobile": 10,
                        "unused": 400,
                        "found": 600,
                        "invalid": 10,
                        "against_all": 20,
                    },
                    "votes": {"a": 400, "b": 170},
                    "status": "preliminary",
                }
            ]
        },
    )
    station: Id
    contest: Id
    lines: dict[Name, Count] = Field(max_length=100, description="Lines of the election's protocol form.")
    votes: dict[Name, Count] = Field(
        max_length=1000, description="Votes per party (list contests) or candidate (districts); 0 if absent."
    )
    status: Literal["preliminary", "final"] = "preliminary"
    reason: Text | None = Field(
        None, description="Why: needed when this protocol corrects a stored one with other counts."
    )
    source: Text = Field("", max_length=200, description="Where it comes from (the sending software ...).")
    key_id: str | None = Field(
        None, pattern=r"^[0-9a-f]{16}$", description="The commission key that signed it (GET /api/v1/keys)."
    )
    signature: str | None = Field(
        None,
        max_length=100,
        description="Ed25519 signature (base64) of the protocol's canonical bytes (docs/verification.md).",
    )


class ProtocolAccepted(BaseModel):
    result: Literal["created", "corrected", "finalised", "unchanged"]
    station: str
    contest: str
    version: int
    status: str
    content_hash: str
    audit_seq: int
    warnings: list[str] = []
    entry: int | None = Field(
        None, description="Double entry: the log entry of this officer's entry (null: nothing written)"
    )
    other_actor: str | None = Field(
        None, description="Double entry: the officer whose entry this one agreed with"
    )


class EntryDifference(BaseModel):
    """One line where two officers' entries differ: this entry's figure, then the other's."""

    kind: Literal["line", "option", "status"]
    id: str
    this: int | str | None
    other: int | str | None


class EntryPending(BaseModel):
    """Double entry: an officer's entry stored, the protocol not counted (yet)."""

    result: Literal["awaiting", "differs"] = Field(
        description="awaiting: no other officer's entry since the latest version; differs: the other's "
        "latest entry has other figures (in differences)"
    )
    station: str
    contest: str
    version: int = Field(description="The latest version that counts (0: none)")
    status: str
    content_hash: str = Field(description="The latest version's content hash (empty: none)")
    audit_seq: int = Field(description="The latest version's log entry (0: none)")
    entry: int = Field(description="The log entry of this officer's entry")
    differences: list[EntryDifference]
    other_actor: str | None = Field(description="The officer whose entry differs (differs), else null")
    same_actor: bool = Field(
        description="This officer had entered it already: a second entry by the same officer never counts"
    )
    warnings: list[str] = []


class EntryOut(BaseModel):
    entry: int
    status: str
    lines: dict[str, int]
    votes: dict[str, int]
    content_hash: str
    reason: str | None
    actor: str
    source: str
    at: str


class ProtocolEntries(BaseModel):
    """Double entry: the entries of one protocol made since its latest version, and where the
    asking officer's latest entry and the other officer's differ."""

    station: str
    contest: str
    entry_mode: Literal["single", "double"]
    version: int = Field(description="The latest version that counts (0: none)")
    entries: list[EntryOut] = Field(description="Every entry since that version, oldest first")
    this: int | None = Field(description="The entry compared: the caller's latest (else the most recent)")
    other: int | None = Field(description="The entry it is compared with: the most recent other officer's")
    other_actor: str | None
    differences: list[EntryDifference]


class TurnoutIn(BaseModel):
    """Ballots issued by a time of day at a station or a territory."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"place": "S1", "time": "10:00", "issued": 240}]},
    )
    place: Id
    time: Time
    issued: Count
    registered: Count | None = None


class TurnoutAccepted(BaseModel):
    place: str
    time: str
    issued: int
    registered: int | None
    audit_seq: int


class Version(BaseModel):
    version: int
    status: str
    lines: dict[str, int]
    votes: dict[str, int]
    reason: str | None
    actor: str
    source: str
    at: str
    content_hash: str
    audit_seq: int
    signed: bool = False
    key_id: str | None = None
    signature: str | None = None


class ContestVersions(BaseModel):
    contest: str
    versions: list[Version]


class StationProtocols(BaseModel):
    station: str
    territory: str
    contests: list[ContestVersions]


class AuditHead(BaseModel):
    seq: int
    hash: str


class AuditEntryOut(BaseModel):
    seq: int
    at: str
    actor: str
    action: str
    subject: str
    leaf_hash: str


class AuditEntries(BaseModel):
    entries: list[AuditEntryOut]
    next_after: int | None = Field(description="Pass as `after` for the next page; null at the end.")


class TurnoutReportOut(BaseModel):
    place: str
    time: str
    issued: int
    registered: int | None
    actor: str
    at: str
    audit_seq: int


class TurnoutReports(BaseModel):
    reports: list[TurnoutReportOut]


class Health(BaseModel):
    status: Literal["ok"]
    election: str
    results_version: int
    audit_seq: int


class Whoami(BaseModel):
    role: str
    token: str | None = Field(description="The token's id (never its secret); null without a token.")
    name: str | None
    territory: str | None
    territory_name: str | None = Field(
        default=None, description="The territory's name in the language asked (`lang`); null without one."
    )
    expires_at: str | None


class ContestInfo(BaseModel):
    id: str
    kind: str
    body: str
    name: str
    seats: int
    territory: str | None
    options: list[str]


class TerritoryInfo(BaseModel):
    id: str
    parent: str | None
    level: str
    name: str


class ElectionInfo(BaseModel):
    id: str
    date: str
    name: str
    form: str
    form_lines: list[str]
    stations: int
    contests: list[ContestInfo]
    territories: list[TerritoryInfo]


#: One option's label (saylau.results.Labels): names are in the requested language, the id is the
#: key of the table it is in (docs/results-json.md).
OPTION_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["kind", "name"],
    "properties": {
        "kind": {"enum": ["party", "candidate", "self-nominated", "against_all"]},
        "name": {"type": "string", "description": "the name in the requested language"},
        "names": {
            "type": "object",
            "description": "candidates: the name in every language (kk, ru: Cyrillic; en: Latin)",
            "properties": {"kk": {"type": "string"}, "ru": {"type": "string"}, "en": {"type": "string"}},
            "additionalProperties": {"type": "string"},
        },
        "gender": {
            "enum": ["female", "male", None],
            "description": "candidates: female, male, or null where the definition does not state it",
        },
        "full_name": {"type": "string", "description": "parties: the full name"},
        "color": {"type": "string", "description": "parties: their colour, #rrggbb"},
        "party": {"type": "string", "description": "candidates: the party's id, or self-nominated"},
        "party_name": {"type": "string", "description": "candidates: the party's name"},
    },
}
#: Option id -> its label: the ``options`` table beside every figure keyed by option id.
OPTIONS_SCHEMA: dict[str, Any] = {"type": "object", "additionalProperties": OPTION_SCHEMA}
_BY_ID: dict[str, Any] = {"type": "object", "additionalProperties": {"type": "integer"}}
_SHARES: dict[str, Any] = {"type": "object", "additionalProperties": {"type": "number"}}
_IDS: dict[str, Any] = {"type": "array", "items": {"type": "string"}}

#: The results document (saylau.results.as_json): every figure by option id, its ``options``
#: beside it; described as far as a reader relies on it (it has more than this).
RESULTS_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["election", "bodies", "contests", "turnout", "regions", "status"],
    "properties": {
        "election": {"type": "object"},
        "bodies": {
            "type": "object",
            "additionalProperties": {
                "type": "object",
                "required": ["name", "size", "seats", "vacant", "options"],
                "properties": {"seats": _BY_ID, "options": OPTIONS_SCHEMA},
            },
        },
        "contests": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["id", "kind", "body", "name", "votes", "eligible", "options"],
                "properties": {
                    "votes": _BY_ID,
                    "percent": _SHARES,
                    "eligible": _IDS,
                    "seats": _BY_ID,
                    "winner": {"type": ["string", "null"], "description": "districts: a candidate id"},
                    "winner_name": {"type": ["string", "null"]},
                    "winner_party": {"type": ["string", "null"], "description": "party id or self-nominated"},
                    "runoff": _IDS,
                    "options": OPTIONS_SCHEMA,
                },
            },
        },
        "turnout": {"type": "object"},
        "regions": {"type": "array", "items": {"type": "object"}},
        "status": {"type": "object"},
        "turnout_by_time": {"type": "array", "items": {"type": "object"}},
    },
}

#: One territory's results (``?territory=``): each contest's figures by option id, and its options.
TERRITORY_RESULTS_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["election", "territory", "contests", "status", "results_version"],
    "properties": {
        "election": {"type": "object"},
        "territory": {"type": "object"},
        "contests": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["id", "kind", "body", "name", "votes", "percent", "options"],
                "properties": {"votes": _BY_ID, "percent": _SHARES, "options": OPTIONS_SCHEMA},
            },
        },
        "status": {"type": "object"},
        "results_version": {"type": "integer"},
    },
}
