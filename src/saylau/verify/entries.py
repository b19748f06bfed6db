"""The log's entries read back: each one's bytes checked, then what it says replayed in order.

Two passes, because the first entry says which definition the others are read against:

1. :func:`decode` takes an entry's bytes alone: UTF-8, one JSON object without a duplicated key
   or a number with a fraction, in the canonical form of docs/verification.md §1.1 (so that the
   bytes hashed are the only bytes that mean this), numbered with its place in the log.
2. :class:`Replay` applies the decoded entries in order to what the record says exists: the
   current version of each protocol (a version is the one after the last, a correction carries a
   reason), turnout reports, tokens issued once and revoked at most once after their issue. Each
   protocol's station and contest must be the definition's and its figures within their bounds
   (:mod:`saylau.bounds`, which the store holds on every path in). A commission's key is
   registered by a commission token of its territory, once, and revoked at most once; a signed
   version's signature must verify (Ed25519 over :func:`~saylau.store.canonical.protocol_message`)
   by a key registered before it, not revoked before it, whose territory holds the station; when
   the definition requires signatures (``[election] signatures = "required"``) every version
   carries one. An officer's entry (``protocol-entry``, double entry) is held to the same bounds;
   when the definition asks for double entry (``[election] entry = "double"``), every version is
   preceded, since the version before it, by the entries of two different officers whose latest
   entries have its content (counts and status).

Fields are read by the names docs/verification.md gives; fields a later version adds (a
commission's signature, say) are kept in the bytes that are hashed and do not change what the
replay counts. An action this verifier does not know is a problem, not a silence.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import re
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from saylau.bounds import protocol_breaches, turnout_breaches, within
from saylau.model import Election, Protocol, TurnoutReport
from saylau.store.canonical import (
    ACTIONS,
    STATUSES,
    counts_text,
    dumps,
    protocol_content,
    protocol_entry,
    protocol_message,
)
from saylau.tally import chain_of

_TIME = re.compile(r"([01]\d|2[0-3]):[0-5]\d")
_HEX64 = re.compile(r"[0-9a-f]{64}")
#: Hex digits of a commission key's id: SHA-256(public key), cut (docs/verification.md §1.1).
KEY_ID_HEX = 16


class _Refused(Exception):
    """What an entry's bytes are not (private: caught here, reported as a problem)."""


def _pairs(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out = dict(pairs)
    if len(out) != len(pairs):
        seen: set[str] = set()
        twice = next(k for k, _ in pairs if k in seen or seen.add(k))  # type: ignore[func-returns-value]
        raise _Refused(f"the key {twice!r} is in one object twice")
    return out


def _no_fraction(text: str) -> Any:
    raise _Refused(f"the number {text[:30]} has a fraction or an exponent: entries hold whole numbers only")


def _no_constant(text: str) -> Any:
    raise _Refused(f"{text} is not JSON")


_DECODER = json.JSONDecoder(parse_float=_no_fraction, parse_constant=_no_constant)


def decode(seq: int, raw: bytes) -> tuple[dict[str, Any] | None, str | None]:
    """(the entry's object, None), or (None, what is wrong with its bytes)."""
    if not raw:
        return None, "the source gives no text for it (the API's entry null: its rows are gone)"
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as e:
        return None, f"not UTF-8 (byte {e.start})"
    try:
        # The C parser, without an object hook: a key given twice collapses in the dict, so the
        # canonical comparison below refuses it, and only then is it looked for, to be named.
        value = _DECODER.decode(text)
    except _Refused as e:
        return None, str(e)
    except ValueError as e:
        return None, f"not JSON: {e}"
    except RecursionError:
        return None, "nested too deep to be an entry"
    if not isinstance(value, dict):
        return None, "not a JSON object"
    if canonical(value) != text:
        try:
            json.loads(text, object_pairs_hook=_pairs)
        except _Refused as e:
            return None, str(e)
        return None, "not in the canonical form (docs/verification.md §1.1): the same object has other bytes"
    if value.get("seq") != seq or type(value.get("seq")) is not int:
        return None, f"it says seq {value.get('seq')!r}: the log's entry {seq} must say {seq}"
    action = value.get("action")
    if action not in ACTIONS:
        return None, f"unknown action {action!r} (known: {', '.join(ACTIONS)})"
    if not isinstance(value.get("at"), str) or not isinstance(value.get("actor"), str):
        return None, "its at and actor are not text"
    return value, None


_INT = {int}
_PROTOCOL_KEYS = frozenset(("action", "actor", "at", "protocol", "reason", "seq", "source", "version"))
_CONTENT_KEYS = frozenset(("contest", "lines", "station", "status", "votes"))


def canonical(value: dict[str, Any]) -> str:
    """The canonical text of an entry's object (:func:`~saylau.store.canonical.dumps`); a plain
    protocol entry, most of a national log, by the store's own writers of that same text
    (:func:`~saylau.store.canonical.protocol_entry`: three times faster), anything else by
    ``dumps``."""
    if value.keys() == _PROTOCOL_KEYS and value["action"] == "protocol":
        content, reason = value["protocol"], value["reason"]
        if (
            isinstance(content, dict)
            and content.keys() == _CONTENT_KEYS
            and all(type(content[k]) is str for k in ("contest", "station", "status"))
            and all(type(value[k]) is str for k in ("actor", "at", "source"))
            and type(value["seq"]) is int
            and type(value["version"]) is int
            and (reason is None or type(reason) is str)
            and isinstance(content["lines"], dict)
            and isinstance(content["votes"], dict)
        ):
            lines, votes = counts_text(content["lines"]), counts_text(content["votes"])
            if lines is not None and votes is not None:
                text = protocol_content(
                    content["station"], content["contest"], lines, votes, content["status"]
                )
                return protocol_entry(
                    value["seq"], value["at"], value["actor"], text, value["version"], reason, value["source"]
                )
    return dumps(value)


def _counts(value: object, what: str) -> dict[str, int]:
    if not isinstance(value, dict):
        raise _Refused(f"{what} is not an object")
    if value and set(map(type, value.values())) != _INT:
        key, count = next((k, v) for k, v in value.items() if type(v) is not int)
        raise _Refused(f"{what}.{key} is {repr(count)[:80]}, not a whole number")
    return value


def _text(value: object, what: str) -> str:
    if not isinstance(value, str):
        raise _Refused(f"{what} is {repr(value)[:80]}, not text")
    return value


@dataclass
class Version:
    """The current version of one protocol as the log says it."""

    protocol: Protocol
    status: str
    version: int
    seq: int


@dataclass(frozen=True)
class Key:
    """A commission's key as its key-register entry says it."""

    public: bytes
    territory: str
    seq: int


@dataclass
class State:
    """What the entries replayed so far say exists. ``tokens``: id -> (role, territory) of
    each token issued; ``keys``: id -> commission key registered; ``revoked``/``keys_revoked``:
    the ids revoked."""

    protocols: dict[tuple[str, str], Version] = field(default_factory=dict)
    reports: list[TurnoutReport] = field(default_factory=list)
    tokens: dict[str, tuple[object, object]] = field(default_factory=dict)
    revoked: set[str] = field(default_factory=set)
    keys: dict[str, Key] = field(default_factory=dict)
    keys_revoked: set[str] = field(default_factory=set)
    signed: int = 0
    copies: int = 0
    #: (station, contest) -> officer -> their latest entry since the protocol's last version:
    #: (lines, votes, status, seq)
    entries: dict[tuple[str, str], dict[str, tuple[dict[str, int], dict[str, int], str, int]]] = field(
        default_factory=dict
    )

    def copy(self) -> State:
        return State(
            dict(self.protocols),
            list(self.reports),
            dict(self.tokens),
            set(self.revoked),
            dict(self.keys),
            set(self.keys_revoked),
            self.signed,
            self.copies,
            {key: dict(by) for key, by in self.entries.items()},
        )

    @property
    def final(self) -> int:
        return sum(1 for v in self.protocols.values() if v.status == "final")


class Replay:
    """Applies decoded entries in order to a :class:`State`, against the definition's election."""

    def __init__(self, election: Election, definition: Mapping[str, bytes]) -> None:
        self.election = election
        self.required = signatures_required(definition)
        self.double = double_entry(definition)
        parents = {t.id: t.parent for t in election.territories}
        self._chains: dict[str, tuple[str, ...]] = {}
        self._parents = parents
        self.stations = election.station_by_id
        self.contests = {c.id for c in election.contests}
        self.places = set(self.stations) | {t.id for t in election.territories}
        self.state = State()
        self.counts: dict[str, int] = dict.fromkeys(ACTIONS, 0)
        self._apply: dict[str, Callable[[int, dict[str, Any]], None]] = {
            "define": self._define,
            "protocol": self._protocol,
            "turnout": self._turnout,
            "token-issue": self._token_issue,
            "token-revoke": self._token_revoke,
            "key-register": self._key_register,
            "key-revoke": self._key_revoke,
            "observer-copy": self._copy,
            "protocol-entry": self._entry,
        }

    def apply(self, seq: int, entry: dict[str, Any]) -> str | None:
        """Apply one entry; what is wrong with it (None when nothing is)."""
        action = entry["action"]
        self.counts[action] += 1
        try:
            self._apply[action](seq, entry)
        except _Refused as e:
            return str(e)
        return None

    def _known(self, name: str, station: str, contest: str) -> None:
        """A station and a contest of the definition."""
        if station not in self.stations:
            raise _Refused(f"{name}: no station {station!r} in the definition")
        if contest not in self.contests:
            raise _Refused(f"{name}: no contest {contest!r} in the definition")

    def _within(self, name: str, protocol: Protocol) -> Protocol:
        """A protocol whose figures keep their bounds (:mod:`saylau.bounds`), as the store holds them."""
        station_def = self.stations[protocol.station]
        if not within(protocol, station_def, self.election.voter_lists):
            breaches = protocol_breaches(protocol, station_def, self.election.voter_lists)
            if breaches:
                raise _Refused(f"{name}: {breaches[0]}")
        return protocol

    def _define(self, seq: int, entry: dict[str, Any]) -> None:
        if seq != 1:
            raise _Refused("a second definition: the definition is entry 1 and only entry 1")

    def _protocol(self, seq: int, entry: dict[str, Any]) -> None:
        if seq == 1:
            raise _Refused("entry 1 must be the definition")
        content = entry.get("protocol")
        if not isinstance(content, dict):
            raise _Refused("its protocol is not an object")
        station, contest = _text(content.get("station"), "station"), _text(content.get("contest"), "contest")
        lines, votes = _counts(content.get("lines"), "lines"), _counts(content.get("votes"), "votes")
        status, version = content.get("status"), entry.get("version")
        reason, source = entry.get("reason"), entry.get("source")
        name = f"protocol {station}/{contest}"
        if status not in STATUSES:
            raise _Refused(f"{name}: status {status!r} is not one of {', '.join(STATUSES)}")
        if type(version) is not int or not (reason is None or isinstance(reason, str)):
            raise _Refused(f"{name}: its version is not a whole number, or its reason neither text nor null")
        _text(source, "source")
        self._known(name, station, contest)
        protocol = self._within(name, Protocol(station, contest, lines, votes))
        key = (station, contest)
        last = self.state.protocols.get(key)
        expected = 1 if last is None else last.version + 1
        if version != expected:
            before = "none" if last is None else f"version {last.version} (entry {last.seq})"
            raise _Refused(f"{name}: version {version} follows {before}: it must be version {expected}")
        pending = self.state.entries.pop(key, {})
        if self.double:
            agree = sorted(
                actor for actor, (ls, vs, st, _) in pending.items() if (ls, vs, st) == (lines, votes, status)
            )
            if len(agree) < 2:
                since = "" if last is None else f" since version {last.version} (entry {last.seq})"
                found = ", ".join(
                    f"entry {e[3]} by {a}" for a, e in sorted(pending.items(), key=lambda x: x[1][3])
                )
                raise _Refused(
                    f"{name}: version {version} is not preceded{since} by the entries of two different "
                    "officers with its content (the definition asks for double entry); the officers' "
                    f"latest entries: {found or 'none'}"
                )
        self._signature(seq, entry, content, name)
        if last is not None:
            same = last.protocol.lines == lines and last.protocol.votes == votes
            if same and last.status == status:
                raise _Refused(f"{name}: version {version} repeats version {last.version} unchanged")
            finalised = same and last.status == "preliminary" and status == "final"
            if not finalised and not (reason and reason.strip()):
                raise _Refused(f"{name}: version {version} corrects version {last.version} without a reason")
        self.state.protocols[key] = Version(protocol, status, version, seq)

    def _entry(self, seq: int, entry: dict[str, Any]) -> None:
        """An officer's entry of a protocol (double entry): of a station and contest of the
        definition, whole numbers within their bounds, a status, a reason and a source. It counts
        nothing itself; it is kept as its officer's latest entry until the protocol's next version."""
        if seq == 1:
            raise _Refused("entry 1 must be the definition")
        content = entry.get("protocol")
        if not isinstance(content, dict):
            raise _Refused("its protocol is not an object")
        station, contest = _text(content.get("station"), "station"), _text(content.get("contest"), "contest")
        name = f"entry of protocol {station}/{contest}"
        lines = _counts(content.get("lines"), f"{name}: lines")
        votes = _counts(content.get("votes"), f"{name}: votes")
        status, reason = content.get("status"), entry.get("reason")
        if status not in STATUSES:
            raise _Refused(f"{name}: status {status!r} is not one of {', '.join(STATUSES)}")
        if not (reason is None or isinstance(reason, str)):
            raise _Refused(f"{name}: its reason is neither text nor null")
        _text(entry.get("source"), "source")
        self._known(name, station, contest)
        self._within(name, Protocol(station, contest, lines, votes))
        self.state.entries.setdefault((station, contest), {})[entry["actor"]] = (lines, votes, status, seq)

    def _copy(self, seq: int, entry: dict[str, Any]) -> None:
        """An observer's copy: of a station and contest of the definition, whole numbers, its photo
        named by a SHA-256. It changes nothing the replay counts (a copy is never the official count),
        and breaking the form's relations is allowed (its ``flags`` say which)."""
        content = entry.get("copy")
        if not isinstance(content, dict):
            raise _Refused("its copy is not an object")
        station, contest = _text(content.get("station"), "station"), _text(content.get("contest"), "contest")
        name = f"copy of {station}/{contest}"
        _counts(content.get("lines"), f"{name}: lines")
        _counts(content.get("votes"), f"{name}: votes")
        if not isinstance(content.get("flags"), list):
            raise _Refused(f"{name}: its flags are not a list")
        self._known(name, station, contest)
        photo = content.get("photo")
        if photo is not None and not (isinstance(photo, dict) and _HEX64.fullmatch(str(photo.get("sha256")))):
            raise _Refused(f"{name}: its photo is not named by a SHA-256 in hex")
        self.state.copies += 1

    def _turnout(self, seq: int, entry: dict[str, Any]) -> None:
        report = entry.get("report")
        if not isinstance(report, dict):
            raise _Refused("its report is not an object")
        place, time = _text(report.get("place"), "place"), _text(report.get("time"), "time")
        issued, registered = report.get("issued"), report.get("registered")
        name = f"turnout {place}@{time}"
        if place not in self.places:
            raise _Refused(f"{name}: no station or territory {place!r} in the definition")
        if not _TIME.fullmatch(time):
            raise _Refused(f"{name}: {time!r} is not a time of day HH:MM")
        if type(issued) is not int or not (registered is None or type(registered) is int):
            raise _Refused(f"{name}: issued and registered are not whole numbers")
        made = TurnoutReport(place, time, issued, registered)
        breaches = turnout_breaches(made, self.election.list_maxima.get(place), self.election.voter_lists)
        if breaches:
            raise _Refused(f"{name}: {breaches[0]}")
        self.state.reports.append(made)

    def _token_issue(self, seq: int, entry: dict[str, Any]) -> None:
        token = entry.get("token")
        if not isinstance(token, dict):
            raise _Refused("its token is not an object")
        token_id = _text(token.get("id"), "token id")
        if not _HEX64.fullmatch(str(token.get("secret_sha256"))):
            raise _Refused(f"token {token_id}: secret_sha256 is not a SHA-256 in hex")
        if token_id in self.state.tokens:
            raise _Refused(f"token {token_id} was issued before")
        self.state.tokens[token_id] = (token.get("role"), token.get("territory"))

    def _token_revoke(self, seq: int, entry: dict[str, Any]) -> None:
        token_id = _text(entry.get("token"), "token")
        if token_id not in self.state.tokens:
            raise _Refused(f"it revokes token {token_id}, which no entry before it issued")
        if token_id in self.state.revoked:
            raise _Refused(f"token {token_id} was revoked before")
        self.state.revoked.add(token_id)

    def _key_register(self, seq: int, entry: dict[str, Any]) -> None:
        key = entry.get("key")
        if not isinstance(key, dict):
            raise _Refused("its key is not an object")
        key_id = _text(key.get("id"), "key id")
        territory, token = _text(key.get("territory"), "territory"), _text(key.get("token"), "token")
        public = _base64(key.get("public_key"), "its public_key")
        if len(public) != 32 or hashlib.sha256(public).hexdigest()[:KEY_ID_HEX] != key_id:
            raise _Refused(
                f"key {key_id}: its id is not the first {KEY_ID_HEX} hex digits of SHA-256 of a 32-byte key"
            )
        if key_id in self.state.keys:
            raise _Refused(f"key {key_id} was registered before")
        issued = self.state.tokens.get(token)
        if issued is None or token in self.state.revoked:
            raise _Refused(
                f"key {key_id}: registered by token {token}, which no entry before it issued, or one revoked"
            )
        if issued != ("commission", territory):
            raise _Refused(
                f"key {key_id}: registered for territory {territory!r} by token {token}, a "
                f"{issued[0]} token of territory {issued[1]!r}: a key is its commission's territory's"
            )
        self.state.keys[key_id] = Key(public, territory, seq)

    def _key_revoke(self, seq: int, entry: dict[str, Any]) -> None:
        key_id = _text(entry.get("key"), "key")
        if key_id not in self.state.keys:
            raise _Refused(f"it revokes key {key_id}, which no entry before it registered")
        if key_id in self.state.keys_revoked:
            raise _Refused(f"key {key_id} was revoked before")
        self.state.keys_revoked.add(key_id)

    def _signature(self, seq: int, entry: dict[str, Any], content: dict[str, Any], name: str) -> None:
        """A signed version's signature holds; an unsigned one is allowed unless required."""
        signature = entry.get("signature")
        if signature is None:
            if self.required:
                raise _Refused(f"{name}: not signed, and the definition requires every protocol signed")
            return
        if not isinstance(signature, dict):
            raise _Refused(f"{name}: its signature is not an object")
        key_id = _text(signature.get("key"), "signature key")
        key = self.state.keys.get(key_id)
        if key is None:
            raise _Refused(f"{name}: signed by key {key_id}, which no entry before it registered")
        if key_id in self.state.keys_revoked:
            raise _Refused(f"{name}: signed by key {key_id}, revoked before this entry")
        station = content["station"]
        if key.territory not in self._chain(station):
            raise _Refused(
                f"{name}: signed by key {key_id} of territory {key.territory!r}, "
                f"which does not hold station {station}"
            )
        value = _base64(signature.get("value"), "its signature")
        message = protocol_message(self.election.id, dumps(content))
        try:
            Ed25519PublicKey.from_public_bytes(key.public).verify(value, message)
        except (InvalidSignature, ValueError):
            raise _Refused(
                f"{name}: the signature by key {key_id} does not verify: "
                "these are not the counts the key signed"
            ) from None
        self.state.signed += 1

    def _chain(self, station: str) -> tuple[str, ...]:
        territory = self.stations[station].territory
        found = self._chains.get(territory)
        if found is None:
            found = self._chains[territory] = chain_of(territory, self._parents)
        return found


def _base64(value: object, what: str) -> bytes:
    if not isinstance(value, str):
        raise _Refused(f"{what} is not text")
    try:
        return base64.b64decode(value.encode("ascii"), validate=True)
    except (binascii.Error, UnicodeEncodeError, ValueError):
        raise _Refused(f"{what} is not base64") from None


def signatures_required(definition: Mapping[str, bytes]) -> bool:
    """Whether ``[election] signatures = "required"`` in the definition's election.toml."""
    try:
        head = tomllib.loads(definition["election.toml"].decode("utf-8")).get("election")
    except (KeyError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        return False
    return isinstance(head, dict) and head.get("signatures") == "required"


def double_entry(definition: Mapping[str, bytes]) -> bool:
    """Whether ``[election] entry = "double"`` in the definition's election.toml."""
    try:
        head = tomllib.loads(definition["election.toml"].decode("utf-8")).get("election")
    except (KeyError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        return False
    return isinstance(head, dict) and head.get("entry") == "double"
