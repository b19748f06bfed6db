"""A store's record: what ``saylau audit export DB --format record`` writes and ``saylau verify DB``
checks.

The only module of :mod:`saylau.verify` that reads a database. It takes what the store *says*
(each entry as its rows make it, the leaf hash its log records, the checkpoints it kept, the
results its own code computes from its current protocols) and writes nothing of its own judgement
into the record: a tampered store makes a record that the checks find wrong.

A server may write while the record is made, so the pieces are taken in an order that keeps them
one record: first the results with the log size they are of (read again until the size did not
move while they were computed), then the checkpoint (signed now when the key is here, else the
newest kept), then exactly the entries that checkpoint covers.
"""

from __future__ import annotations

import datetime
import json
from dataclasses import replace

import sqlalchemy as sa

from saylau.errors import InputError
from saylau.model import TurnoutReport
from saylau.results import as_json, evaluate
from saylau.store import Store
from saylau.store.engine import reading
from saylau.store.opening import open_checked
from saylau.store.tables import checkpoints
from saylau.verify.record import Record

#: Entries read from the store at a time (the store's own limit).
PAGE = 1000
#: Times the results are computed again when the log grew meanwhile, before giving up.
ATTEMPTS = 5


def from_store(url: str, *, key: str | None = None, lang: str = "en") -> tuple[Record, list[str]]:
    """The record of the store at ``url`` and the notes to tell the user (such as: no key here,
    so no checkpoint was signed now)."""
    notes: list[str] = []
    with Store.open(url, key=key) as store:
        results, results_size = _results(store, lang)
        origin, vkey = store.log_key()
        kept = _kept_checkpoints(url)
        note: str | None
        try:
            note = store.checkpoint()
            size = int(note.split("\n", 2)[1])
        except InputError as e:
            note = kept[-1] if kept else None
            size = store.audit_head()[0]
            notes.append(f"no checkpoint signed now ({e}); the newest the store kept is used")
        entries: list[bytes] = []
        leaves: list[str] = []
        for start in range(0, size, PAGE):
            for entry in store.log_entries(start, min(start + PAGE, size)):
                text = entry.entry
                entries.append(b"" if text is None else text.encode("utf-8", "surrogatepass"))
                leaves.append(entry.leaf_hash)
        return (
            Record(
                election=store.election().id,
                origin=origin,
                vkey=vkey,
                checkpoint=note,
                checkpoints=[k for k in kept if k != note],
                entries=entries,
                leaves=leaves,
                definition=store.definition(),
                results=results,
                results_size=results_size,
                results_lang=lang,
                source="store",
                made_at=datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            ),
            notes,
        )


def _results(store: Store, lang: str) -> tuple[bytes, int]:
    """The results document the store publishes (``saylau export --format json``) and the size
    of the log it is of: computed until the log did not grow meanwhile."""
    election = store.election()
    for _ in range(ATTEMPTS):
        before = store.audit_head()[0]
        stored = [TurnoutReport(r.place, r.time, r.issued, r.registered) for r in store.turnout_reports()]
        final = sum(1 for status in store.current_status().values() if status == "final")
        results = evaluate(
            replace(election, protocols=tuple(store.current())),
            reports=[*election.turnout, *stored],
            final=final,
        )
        if store.audit_head()[0] == before:
            text = json.dumps(as_json(results, lang), ensure_ascii=False, indent=2) + "\n"
            return text.encode("utf-8"), before
    raise InputError(
        f"the store was written to during each of {ATTEMPTS} attempts to read its results: try again",
        where="export",
    )


def _kept_checkpoints(url: str) -> list[str]:
    """Every checkpoint the store kept (its signed notes), smallest tree first."""
    engine, _ = open_checked(url)
    try:
        with reading(engine) as conn:
            rows = conn.execute(sa.select(checkpoints.c.note).order_by(checkpoints.c.size)).all()
    finally:
        engine.dispose()
    return [row.note for row in rows if isinstance(row.note, str)]
