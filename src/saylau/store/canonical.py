"""The one byte form of everything the store hashes, and of every entry of its log.

A hash is only worth publishing if anyone can recompute it, so every hashed thing is serialised the
same way: JSON with sorted keys, no whitespace, UTF-8 (not ASCII escapes), integers as integers, no
floats. ``json.dumps`` with these settings is that form; another language reproduces it with any
canonical JSON writer (RFC 8785 gives the same bytes for this data: strings and integers only).

Each event of the log is one such object (the ``*_entry`` functions below; docs/verification.md
lists their fields): its UTF-8 bytes are the entry, and SHA-256(0x00 || entry) its leaf in the
Merkle tree. An entry holds every stored field of its event, so nothing a reader is shown (a
count, a reason, who sent it and when) sits outside the tree.
"""

from __future__ import annotations

import hashlib
import json
import struct
from collections.abc import Callable, Mapping, Sequence
from json.encoder import encode_basestring
from operator import itemgetter
from typing import Any

from saylau.errors import InputError

STATUSES = ("preliminary", "final")
#: Every action an entry of the log may record (docs/verification.md §1): the store's verifier and
#: the external one know these, and an entry with any other is a problem, not a silence.
ACTIONS = (
    "define",
    "protocol",
    "turnout",
    "token-issue",
    "token-revoke",
    "key-register",
    "key-revoke",
    "observer-copy",
    "protocol-entry",
)


_ENCODER = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False)


def dumps(value: Any) -> str:
    """Canonical JSON text of ``value``."""
    return _ENCODER.encode(value)


#: Canonical JSON of one string (the C encoder json.dumps uses, without its per-call set-up).
string = encode_basestring


def sha256_hex(data: bytes | str) -> str:
    return hashlib.sha256(data.encode("utf-8") if isinstance(data, str) else data).hexdigest()


def counts(values: Mapping[str, int], where: str) -> tuple[dict[str, int], str]:
    """A protocol's lines or votes as a plain dict of whole numbers, and its canonical JSON text.

    Equal to ``dumps(dict(values))``, written out because a submission does this 200,000 times.
    ``bool`` is not a whole number here.
    """
    out: dict[str, int] = {}
    for key, value in values.items():
        if not isinstance(key, str) or type(value) is not int:
            raise InputError(f"expected a whole number for {key!r}, got {value!r}", where=where)
        out[key] = value
    text = ",".join([f"{string(k)}:{out[k]}" for k in sorted(out)])
    return out, f"{{{text}}}"


#: key tuple, in a mapping's own order -> (``%`` template of its canonical text, getter in key order)
_TEMPLATES: dict[tuple[str, ...], tuple[str, Callable[[Mapping[str, int]], tuple[int, ...]]]] = {}
_MAX_TEMPLATES = 4096
_INT_ONLY = {int}


def counts_text(values: Mapping[str, int]) -> str | None:
    """The canonical JSON text of :func:`counts`, faster; None when :func:`counts` must say more.

    A submission's protocols share a few key sets (one per contest and form), so each key set's
    text is a ``%d`` template filled in one ``%``: 2.5 µs instead of 6 for a 20-line protocol.
    Anything unusual (no keys, a key that is not a string, a value that is not exactly an
    ``int``) gives None: :func:`counts` then writes the text, or says what is wrong.
    """
    keys = tuple(values)
    found = _TEMPLATES.get(keys)
    if found is None:
        if not keys or not all(type(k) is str for k in keys):
            return None
        if len(_TEMPLATES) >= _MAX_TEMPLATES:
            _TEMPLATES.clear()
        ordered = sorted(keys)
        body = ",".join(string(k).replace("%", "%%") + ":%d" for k in ordered)
        get = itemgetter(*ordered) if len(ordered) > 1 else _one(ordered[0])
        found = _TEMPLATES[keys] = ("{" + body + "}", get)
    if set(map(type, values.values())) != _INT_ONLY:
        return None
    template, get = found
    return template % get(values)


def _one(key: str) -> Callable[[Mapping[str, int]], tuple[int, ...]]:
    return lambda values: (values[key],)


def protocol_content(station: str, contest: str, lines: str, votes: str, status: str) -> str:
    """Canonical content of one protocol version, from its lines and votes as canonical JSON text.

    Equal to ``dumps({"station", "contest", "lines", "votes", "status"})``; built from the texts the
    store keeps so that writing and verifying share one code path, and fast for 100,000 protocols.
    """
    return (
        f'{{"contest":{string(contest)},"lines":{lines},"station":{string(station)},'
        f'"status":{string(status)},"votes":{votes}}}'
    )


def protocol_hash(station: str, contest: str, lines: str, votes: str, status: str) -> str:
    return sha256_hex(protocol_content(station, contest, lines, votes, status))


def turnout_content(place: str, time: str, issued: int, registered: int | None) -> str:
    return dumps({"issued": issued, "place": place, "registered": registered, "time": time})


def copy_content(
    station: str,
    contest: str,
    lines: Mapping[str, int],
    votes: Mapping[str, int],
    flags: Sequence[Mapping[str, Any]],
    note: str | None,
    photo: Mapping[str, object] | None,
) -> str:
    """An observer's copy of a posted protocol: the figures as read (a figure not given is
    absent, never 0), the form's relations it breaks (``flags``), the observer's note, and its
    photo (media type, SHA-256, whether the observer let it be published, whether its metadata
    was kept) or null. Copies are few (an observer's, not a national file's), so plain ``dumps``."""
    return dumps(
        {
            "contest": contest,
            "flags": [dict(f) for f in flags],
            "lines": dict(lines),
            "note": note,
            "photo": None if photo is None else dict(photo),
            "station": station,
            "votes": dict(votes),
        }
    )


def copy_entry(seq: int, at: str, actor: str, content: str, source: str) -> str:
    """An observer's copy (:func:`copy_content`), who sent it, when and how (``api``, a file)."""
    return (
        f'{{"action":"observer-copy","actor":{string(actor)},"at":{string(at)},"copy":{content},'
        f'"seq":{int(seq)},"source":{string(source)}}}'
    )


def entry_record(seq: int, at: str, actor: str, content: str, reason: str | None, source: str) -> str:
    """One officer's entry of a protocol under double entry (``[election] entry = "double"``): its
    canonical content (:func:`protocol_content`, the same bytes a version of the same counts and
    status holds), the reason given, where it came from, who typed it and when. An entry is not a
    version: the protocol counts once two officers' entries agree (:meth:`saylau.store.Store.enter`)."""
    return (
        f'{{"action":"protocol-entry","actor":{string(actor)},"at":{string(at)},"protocol":{content},'
        f'"reason":{"null" if reason is None else string(reason)},"seq":{int(seq)},'
        f'"source":{string(source)}}}'
    )


def leaf_hex(entry: str) -> str:
    """The leaf hash of an entry, in hex: SHA-256(0x00 || UTF-8 of the entry)."""
    return hashlib.sha256(b"\x00" + entry.encode("utf-8")).hexdigest()


def define_entry(seq: int, at: str, actor: str, election: str, files: Mapping[str, str]) -> str:
    """The log's first entry: the election and the sha256 of each of its definition files."""
    return dumps(
        {"action": "define", "actor": actor, "at": at, "election": election, "files": dict(files), "seq": seq}
    )


def protocol_entry(
    seq: int,
    at: str,
    actor: str,
    content: str,
    version: int,
    reason: str | None,
    source: str,
    signature: str | None = None,
) -> str:
    """A protocol version: its canonical content (:func:`protocol_content`) and everything stored
    with it. Equal to ``dumps`` of the object, written out (a national file has 200,000).

    ``signature`` (the text of :func:`signature_content`) is there only for a version a commission
    signed: an unsigned version's entry has no ``signature`` key at all, so the entries of stores
    made before signatures existed stay what they were."""
    signed = "" if signature is None else f',"signature":{signature}'
    return (
        f'{{"action":"protocol","actor":{string(actor)},"at":{string(at)},"protocol":{content},'
        f'"reason":{"null" if reason is None else string(reason)},"seq":{int(seq)}{signed},'
        f'"source":{string(source)},"version":{int(version)}}}'
    )


#: What starts the bytes a commission signs (:func:`protocol_message`): a signature made for a
#: protocol can be nothing else, and a later format will have another first line.
PROTOCOL_MESSAGE = "saylau-protocol/v1\n"


def protocol_message(election: str, content: str) -> bytes:
    """The bytes a commission's Ed25519 signature of a protocol is over: ``saylau-protocol/v1``,
    the election's id and the version's content (:func:`protocol_content`), each ending a line
    but the last. The election's id is in it so that a signature made for one election is
    worth nothing in another that happens to have the same station and contest ids."""
    return f"{PROTOCOL_MESSAGE}{election}\n{content}".encode()


def signature_content(key: str, value: str) -> str:
    """A version's signature as its entry holds it: the key's id and the base64 signature."""
    return f'{{"key":{string(key)},"value":{string(value)}}}'


def turnout_entry(seq: int, at: str, actor: str, report: str) -> str:
    """A turnout report: its canonical content (:func:`turnout_content`), who sent it and when."""
    return (
        f'{{"action":"turnout","actor":{string(actor)},"at":{string(at)},"report":{report},"seq":{int(seq)}}}'
    )


def token_issue_entry(seq: int, at: str, actor: str, token: Mapping[str, str | None]) -> str:
    """An API token issued: its id, role, territory, name, expiry and the sha256 of its secret."""
    return dumps({"action": "token-issue", "actor": actor, "at": at, "seq": seq, "token": dict(token)})


def token_revoke_entry(seq: int, at: str, actor: str, token_id: str) -> str:
    return dumps({"action": "token-revoke", "actor": actor, "at": at, "seq": seq, "token": token_id})


def key_register_entry(seq: int, at: str, actor: str, key: Mapping[str, str]) -> str:
    """A commission's public key registered: its id, name, public key, territory and token."""
    return dumps({"action": "key-register", "actor": actor, "at": at, "key": dict(key), "seq": seq})


def key_revoke_entry(seq: int, at: str, actor: str, key_id: str) -> str:
    return dumps({"action": "key-revoke", "actor": actor, "at": at, "key": key_id, "seq": seq})


def definition_hash(files: Mapping[str, str]) -> str:
    """Hash of a whole definition from each file's sha256: the canonical JSON of ``{path: sha256}``."""
    return sha256_hex(dumps(dict(files)))


# -- protocols as packed integer rows -------------------------------------------------------------
#
# The store keeps a protocol's counts as one row of little-endian int64 (``figures``) in the order
# of its *layout*: its line ids, then its option ids, each sorted as the canonical JSON sorts them
# (``protocol_layouts``). The layout and the figures give back exactly the canonical texts of
# :func:`counts`, so a protocol's content, and its leaf in the log, are the same bytes as when the
# counts were stored as JSON text (revision 0004): the log does not change when storage does.


def layout_id(lines: Sequence[str], options: Sequence[str]) -> str:
    """A layout's id: the first 16 hex digits of the SHA-256 of its canonical JSON, so that every
    store and every process names the same layout the same way, without a counter to share."""
    return sha256_hex(dumps({"lines": list(lines), "votes": list(options)}))[:16]


class Layout:
    """One layout's texts: the ``%d`` templates that turn a row of figures into the canonical JSON
    of its lines and of its votes, made once per layout (a national file has one or two)."""

    __slots__ = ("_lines", "_unpack", "_votes", "id", "lines", "options", "pack_values", "width")

    def __init__(self, lines: Sequence[str], options: Sequence[str]) -> None:
        if list(lines) != sorted(lines) or list(options) != sorted(options):
            raise ValueError("a layout's ids are in canonical (sorted) order")
        self.lines, self.options = tuple(lines), tuple(options)
        self.id = layout_id(self.lines, self.options)
        self.width = len(self.lines) + len(self.options)
        self._lines = _template(self.lines)
        self._votes = _template(self.options)
        packer = struct.Struct(f"<{self.width}q")
        self._unpack = packer.unpack
        self.pack_values = packer.pack

    def pack(self, row: Sequence[int]) -> bytes:
        """The stored ``figures`` value of one row of counts (in layout order)."""
        return self.pack_values(*row)

    def texts(self, row: Sequence[int]) -> tuple[str, str]:
        """The canonical lines and votes texts of one row of figures (in layout order)."""
        n = len(self.lines)
        return self._lines % tuple(row[:n]), self._votes % tuple(row[n:])

    def unpack(self, figures: bytes) -> tuple[int, ...]:
        """The counts of one stored ``figures`` value; ValueError when it does not fit the layout."""
        if len(figures) != 8 * self.width:
            raise ValueError(f"{len(figures)} bytes of figures for a layout of {self.width} counts")
        return self._unpack(figures)

    def counts(self, figures: bytes) -> tuple[dict[str, int], dict[str, int]]:
        """A stored ``figures`` value as a protocol's lines and votes."""
        row = self.unpack(figures)
        n = len(self.lines)
        return dict(zip(self.lines, row[:n], strict=True)), dict(zip(self.options, row[n:], strict=True))


def _template(keys: Sequence[str]) -> str:
    return "{" + ",".join(string(k).replace("%", "%%") + ":%d" for k in keys) + "}"
