"""Results at one moment: immutable snapshots, and the tags and bytes readers are served."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from saylau.results import Results, as_json
from saylau.tally import Totals


@dataclass
class Snapshot:
    """Results at one moment. Never changed once built; ``views`` only memoises what it can give."""

    version: int
    generation: int
    audit_seq: int
    built_at: str
    results: Results  # its own copies of the totals: later counting does not change it
    docs: dict[str, dict[str, Any]]  # lang -> saylau.results.as_json (English at once, others on demand)
    bodies: dict[str, bytes]  # lang -> the JSON text of docs[lang]
    etag: str  # of the national results in English: the snapshot's own tag
    totals: Mapping[tuple[str, str], Totals]  # (contest, territory) -> totals, where stations vote
    summary: dict[str, Any]
    # The same from final protocols only (``?status=final``): what the commissions have signed
    # off, beside everything counted so far. Its documents are made on demand.
    final_results: Results | None = None
    final_totals: Mapping[tuple[str, str], Totals] = field(default_factory=dict)
    final_docs: dict[str, dict[str, Any]] = field(default_factory=dict)
    final_bodies: dict[str, bytes] = field(default_factory=dict)
    views: dict[tuple[str, ...], tuple[bytes, str]] = field(default_factory=dict)
    # The log as this snapshot counted it: the tree of its first ``log_size`` entries (every write
    # up to ``audit_seq``), its root (hex) and its checkpoint signed by the server's key (None
    # without a usable key), so that each results version comes with a tree anyone can hold the
    # server to (docs/verification.md).
    log_size: int = 0
    log_root: str = ""
    checkpoint: str | None = None
    log_key: str | None = None  # the vkey that checks ``checkpoint``

    #: (language, final) -> the writer of that document's JSON, handed from each snapshot to the
    #: next by the live service, so that each keeps the texts of the contests that did not change
    encoders: dict[tuple[str, bool], Encoder] = field(default_factory=dict)

    def doc(self, lang: str, final: bool = False) -> dict[str, Any]:
        """The results document in ``lang``: to be read, never changed (its contests' entries are
        shared with later snapshots while they do not change: ``as_json(..., shared=True)``)."""
        docs = self.final_docs if final else self.docs
        found = docs.get(lang)
        if found is None:
            results = self.final_results if final else self.results
            assert results is not None
            found = docs[lang] = as_json(results, lang, shared=True)
        return found

    def body(self, lang: str, final: bool = False) -> bytes:
        """The JSON text of :meth:`doc`, written when first asked (pages read the document, the
        API the text; the whole day's is 4.8 MB)."""
        bodies = self.final_bodies if final else self.bodies
        found = bodies.get(lang)
        if found is None:
            doc = self.doc(lang, final)
            encoder = self.encoders.setdefault((lang, final), Encoder())
            found = bodies[lang] = encoder.dumps(doc)
        return found

    def event(self) -> dict[str, Any]:
        """What the server-sent events announce: the version, and the log's signed checkpoint."""
        return {
            "version": self.version,
            "etag": self.etag,
            "built_at": self.built_at,
            **self.summary,
            "log": self.log(),
        }

    def log(self) -> dict[str, Any]:
        """The log's tree this snapshot counted: size, root (hex) and signed checkpoint."""
        return {
            "size": self.log_size,
            "root": self.log_root,
            "checkpoint": self.checkpoint,
            "key": self.log_key,
        }


def view_key(
    lang: str, territory: str | None, contest: str | None, final: bool, body: str | None
) -> tuple[str, ...]:
    """The key of a results view in ``Snapshot.views`` (see ``Live.view``)."""
    return (lang, territory or "", contest or "", "final" if final else "", body or "")


def etag_of(body: bytes) -> str:
    """A strong entity tag: the start of the body's sha256."""
    return '"' + hashlib.sha256(body).hexdigest()[:32] + '"'


def dumps(doc: Any) -> bytes:
    return json.dumps(doc, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


class Encoder:
    """:func:`dumps` of one results document after another, each contest's and each body's entry
    written once while it is the same object (``as_json(..., shared=True)`` hands out the same
    entry while the contest or body does not change): a snapshot of the whole ballot day writes
    4.8 MB, of which one protocol changes a few kilobytes. The bytes are exactly :func:`dumps`'s.

    Used by one snapshot builder at a time; a second one at once would only write more again."""

    def __init__(self) -> None:
        self._texts: dict[int, tuple[object, bytes]] = {}

    def dumps(self, doc: dict[str, Any]) -> bytes:
        contests, bodies = doc.get("contests"), doc.get("bodies")
        if not isinstance(contests, list) or not isinstance(bodies, dict):
            return dumps(doc)
        kept, texts = self._texts, {}

        def text(entry: object) -> bytes:
            found = kept.get(id(entry))
            if found is None or found[0] is not entry:
                found = (entry, dumps(entry))
            texts[id(entry)] = found
            return found[1]

        listed = b"[" + b",".join([text(entry) for entry in contests]) + b"]"
        named = b"{" + b",".join([dumps(k) + b":" + text(entry) for k, entry in bodies.items()]) + b"}"
        self._texts = texts  # only the entries of the newest document are kept
        written = {"contests": listed, "bodies": named}
        out = [dumps(k) + b":" + (written.get(k) or dumps(value)) for k, value in doc.items()]
        return b"{" + b",".join(out) + b"}"
