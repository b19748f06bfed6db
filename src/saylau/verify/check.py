"""The checks of a record (docs/verification.md §2.2), with nothing but its bytes and the key.

In order:

1. **The key.** The record's public key, which must be the one the user trusts (``--vkey``)
   when one is given: a record signed by any other key proves nothing.
2. **Every entry** (:mod:`.entries`): its bytes decoded and in canonical form, numbered in
   order; its leaf SHA-256(0x00 || bytes) compared with the leaf the log records; the tree of
   all leaves (RFC 9162) recomputed.
3. **The definition**: the files of the record hash to the ``files`` of entry 1, and load.
4. **Every checkpoint** (the newest, those the server kept, those the user kept): signed by the
   key, for this log, and its root the root of the recomputed tree of its size. A checkpoint
   larger than the log means entries were deleted; a root that differs means an entry up to its
   size was changed, removed, added or moved since it was signed.
5. **The replay** (:class:`.entries.Replay`): versions in order, corrections with a reason,
   tokens issued once and revoked once, every figure in its bounds.
6. **The results**: the protocols' current versions at the log size the published results are
   of, counted with the definition's rules (:func:`saylau.results.evaluate`, pure) and compared
   with the published document figure by figure (:mod:`.compare`).

Nothing here reads a database: a store is first exported (:mod:`.export`), a server fetched
(:mod:`.fetch`). Problems are collected, not raised, so one run names the first bad entry and
every discrepancy.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from saylau import spec
from saylau.errors import DefinitionError, InputError, SaylauError
from saylau.results import as_json, evaluate
from saylau.text import loads_strict
from saylau.transparency.merkle import Tree, leaf_hash
from saylau.transparency.note import Checkpoint, Verifier, open_checkpoint
from saylau.verify.compare import Difference, differences, figures
from saylau.verify.entries import Replay, State, decode
from saylau.verify.record import Record


@dataclass(frozen=True)
class Problem:
    """Something that does not hold: about entry ``entry`` (its seq), or about no one entry."""

    entry: int | None
    text: str

    def __str__(self) -> str:
        return f"entry {self.entry}: {self.text}" if self.entry is not None else self.text


@dataclass
class Report:
    """What :func:`verify` found, and what it checked."""

    entries: int = 0
    root: str = ""
    counts: dict[str, int] = field(default_factory=dict)
    key: str | None = None
    newest: int | None = None
    kept: int = 0
    since: int = 0
    protocols: int = 0
    signed: int = 0
    results_size: int = 0
    figures: int = 0
    problems: list[Problem] = field(default_factory=list)
    differences: list[Difference] = field(default_factory=list)
    summary: dict[str, Any] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.problems and not self.differences

    @property
    def first_bad(self) -> Problem | None:
        """The problem of the earliest entry, else the first problem found."""
        placed = [p for p in self.problems if p.entry is not None]
        if placed:
            return min(placed, key=lambda p: p.entry or 0)
        return self.problems[0] if self.problems else None

    def add(self, entry: int | None, text: str) -> None:
        self.problems.append(Problem(entry, text))


def verify(record: Record, since: Sequence[tuple[str, str]] = (), vkey: str | None = None) -> Report:
    """Check ``record`` (see the module docstring); ``since``: (label, signed note) of each
    checkpoint the user kept; ``vkey``: the public key the user trusts. InputError only for a
    ``vkey`` that is not a key (the user's own input); everything about the record is a problem."""
    trusted = Verifier.parse(vkey) if vkey is not None else None
    report = Report(results_size=record.results_size)
    trusted = _key(record, trusted, report)
    report.key = trusted.vkey if trusted else None
    tree, decoded = _entries(record, report)
    report.entries, report.root = tree.size, tree.root().hex()
    election = _definition(record, decoded, report)
    state = _replay(record, decoded, election, report) if election is not None else None
    _checkpoints(record, since, trusted, tree, report)
    if election is not None and state is not None:
        _results(record, election, state, report)
    return report


def _key(record: Record, trusted: Verifier | None, report: Report) -> Verifier | None:
    theirs = None
    if record.vkey is None:
        if trusted is None:
            report.add(
                None,
                "the source gives no public key and none was given (--vkey): no signature can be checked",
            )
        return trusted
    try:
        theirs = Verifier.parse(record.vkey)
    except InputError as e:
        report.add(None, f"the source's public key: {e}")
        return trusted
    if trusted is not None and theirs.vkey != trusted.vkey:
        report.add(
            None, f"the source's public key is {theirs.vkey}, not the key given with --vkey ({trusted.vkey})"
        )
    return trusted or theirs


def _entries(record: Record, report: Report) -> tuple[Tree, list[dict[str, Any] | None]]:
    leaves = record.leaves
    if leaves is not None and len(leaves) != len(record.entries):
        report.add(None, f"the log records {len(leaves):,} leaf hashes for {len(record.entries):,} entries")
    tree = Tree()
    decoded: list[dict[str, Any] | None] = []
    for index, raw in enumerate(record.entries):
        seq = index + 1
        recorded = leaves[index] if leaves is not None and index < len(leaves) else None
        entry, why = decode(seq, raw)
        if raw:
            leaf = leaf_hash(raw)
            if recorded is not None and recorded != leaf.hex():
                report.add(
                    seq,
                    f"its bytes make the leaf {leaf.hex()[:16]}…, the log records {recorded[:16]}…: "
                    "the entry was changed after it was written",
                )
        else:  # no text: the leaf the log records keeps the tree comparable with the checkpoints
            leaf = _hash_or_zero(recorded)
        if why is not None:
            report.add(seq, why)
        tree.append(leaf)
        decoded.append(entry)
    return tree, decoded


def _hash_or_zero(text: str | None) -> bytes:
    try:
        raw = bytes.fromhex(text or "")
    except ValueError:
        raw = b""
    return raw if len(raw) == 32 else bytes(32)


def _definition(record: Record, decoded: list[dict[str, Any] | None], report: Report) -> Any:
    """The election the record's definition files load as, once they are the files entry 1 lists."""
    if not decoded:
        report.add(1, "the log is empty: no entry records the election definition")
        return None
    define = decoded[0]
    if define is None:
        return None  # named by the entry check
    if define["action"] != "define":
        report.add(1, f"entry 1 records {define['action']}, not the definition")
        return None
    listed = define.get("files")
    if not isinstance(listed, dict):
        report.add(1, "its files are not an object of {path: sha256}")
        return None
    hashes = {path: hashlib.sha256(content).hexdigest() for path, content in record.definition.items()}
    bad = False
    for path in sorted(listed.keys() | hashes.keys()):
        if path not in hashes:
            report.add(1, f"definition file {path} is in the definition entry, not in the source")
        elif path not in listed:
            report.add(1, f"definition file {path} is in the source, not in the definition entry")
        elif listed[path] != hashes[path]:
            report.add(
                1,
                f"definition file {path}: its bytes hash to {hashes[path][:16]}…, the definition entry "
                f"records {str(listed[path])[:16]}…: the file was changed",
            )
        else:
            continue
        bad = True
    if bad:
        return None
    try:
        election = spec.load(spec.Files(data=record.definition), protocols=False)
    except DefinitionError as e:
        report.add(1, f"the definition does not load: {e.problems[0]}")
        return None
    except SaylauError as e:
        report.add(1, f"the definition does not load: {e}")
        return None
    if election.id != define.get("election"):
        report.add(
            1, f"the definition is of election {election.id!r}, the entry says {define.get('election')!r}"
        )
    return election


def _replay(
    record: Record, decoded: list[dict[str, Any] | None], election: Any, report: Report
) -> State | None:
    """Replay every entry; the state at the size the published results are of."""
    replay = Replay(election, record.definition)
    at_results: State | None = None
    size = record.results_size
    for index, entry in enumerate(decoded):
        if index == size:
            at_results = replay.state.copy()
        if entry is None:
            continue
        why = replay.apply(index + 1, entry)
        if why is not None:
            report.add(index + 1, why)
    report.counts = replay.counts
    report.protocols = len(replay.state.protocols)
    report.signed = replay.state.signed
    if size == len(decoded):
        at_results = replay.state
    elif size > len(decoded):
        report.add(
            None,
            f"the published results are said to be of the log's first {size:,} entries; the source "
            f"gives {len(decoded):,}",
        )
    return at_results


def _checkpoints(
    record: Record, since: Sequence[tuple[str, str]], trusted: Verifier | None, tree: Tree, report: Report
) -> None:
    notes: list[tuple[str, str, str]] = []
    if record.checkpoint is None:
        report.add(
            None, "the source gives no signed checkpoint: nothing ties its entries to the server's key"
        )
    else:
        notes.append(("newest", "the newest checkpoint", record.checkpoint))
    notes += [
        ("kept", f"a checkpoint the server kept ({n})", note) for n, note in enumerate(record.checkpoints, 1)
    ]
    notes += [("since", label, note) for label, note in since]
    opened: list[tuple[Checkpoint, str]] = []
    for kind, label, note in notes:
        if trusted is None:
            report.add(None, f"{label}: no key to check its signature with")
            continue
        try:
            checkpoint = open_checkpoint(note, trusted, record.origin)
        except InputError as e:
            report.add(None, f"{label}: {e}")
            continue
        opened.append((checkpoint, label))
        if kind == "newest":
            report.newest = checkpoint.size
        elif kind == "kept":
            report.kept += 1
        else:
            report.since += 1
    size = tree.size
    agree = [c.size for c, _ in opened if c.size <= size and tree.root(c.size) == c.root]
    for checkpoint, label in sorted(opened, key=lambda item: item[0].size):
        signed = f"{label} (tree of {checkpoint.size:,} entries, root {checkpoint.root.hex()[:16]}…)"
        if checkpoint.size > size:
            report.add(
                size + 1,
                f"missing: {signed} is larger than the log of {size:,} entries: entries {size + 1} to "
                f"{checkpoint.size} were deleted",
            )
        elif tree.root(checkpoint.size) != checkpoint.root:
            after = max((n for n in agree if n < checkpoint.size), default=0)
            if any(p.entry is not None and after < p.entry <= checkpoint.size for p in report.problems):
                continue  # explained by an entry already named, more precisely than a range
            report.add(
                after + 1,
                f"the log is not an extension of {signed}: its first {checkpoint.size:,} entries make "
                f"the root {tree.root(checkpoint.size).hex()[:16]}…; an entry from {after + 1} to "
                f"{checkpoint.size} was changed, removed, added or moved since that checkpoint was signed",
            )


def _results(record: Record, election: Any, state: State, report: Report) -> None:
    if record.results is None:
        report.add(None, "the source gives no published results to compare")
        return
    try:
        published = loads_strict(record.results)
    except (ValueError, UnicodeDecodeError, InputError) as e:
        report.add(None, f"the published results are not JSON: {e}")
        return
    current = sorted(state.protocols.items())
    try:
        results = evaluate(
            replace(election, protocols=tuple(v.protocol for _, v in current)),
            reports=[*election.turnout, *state.reports],
            final=state.final,
        )
        recomputed = json.loads(json.dumps(as_json(results, record.results_lang)))
    except SaylauError as e:
        report.add(None, f"the results cannot be recomputed from the log: {e}")
        return
    report.figures = figures(recomputed)
    report.differences = list(differences(published, recomputed))
    report.summary = {
        "turnout": recomputed.get("turnout", {}).get("percent"),
        "status": recomputed.get("status", {}).get("status"),
        "bodies": {b: body.get("seats", {}) for b, body in recomputed.get("bodies", {}).items()},
    }
