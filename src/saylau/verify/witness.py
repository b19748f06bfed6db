"""A witness: an observer's own memory of a server's checkpoints, and the fork it would show.

A server that rewrites its record can sign a consistent new log with its own key; only someone
who kept an older checkpoint can show the new log does not extend it. The witness is that someone,
kept running (or run by cron): each time it fetches the server's checkpoint, checks the signature
with the key pinned on first use (or given), and checks the new tree against the last one it kept
with the server's own consistency proof (RFC 9162 §2.1.4), verified here with nothing but SHA-256.

A **fork** is two signed trees that cannot both be the one log: two different roots of one size,
a tree smaller than one the server signed before, or a larger tree whose consistency proof from
the kept one does not hold. Both signed notes (and the proof) are then written side by side in the
state directory: together they prove the rewrite to anyone, since only the server's key signs.

The state directory holds ``vkey`` (the pinned key), ``latest`` (the newest checkpoint kept),
``checkpoints/<size>.txt`` (every one kept) and ``fork-<time>.txt`` (evidence, when one is seen).
"""

from __future__ import annotations

import datetime
import os
from dataclasses import dataclass
from pathlib import Path

from saylau.errors import InputError
from saylau.transparency.merkle import verify_consistency
from saylau.transparency.note import Checkpoint, Verifier, open_checkpoint
from saylau.verify import fetch

VKEY = "vkey"
LATEST = "latest"
CHECKPOINTS = "checkpoints"


@dataclass(frozen=True)
class Seen:
    """What one look at the server found: ``kind`` is ``first`` (nothing kept before), ``same``
    (the tree kept), ``grew`` (a larger tree that extends it), ``fork`` or ``bad`` (a checkpoint
    that is not the pinned key's); ``evidence`` the file written for a fork."""

    kind: str
    message: str
    size: int | None = None
    evidence: Path | None = None


class Witness:
    """The witness of the server at ``url`` whose memory is the directory ``state``."""

    def __init__(self, url: str, state: Path, vkey: str | None = None) -> None:
        self.base = fetch.base_of(url)
        self.state = state
        try:
            state.mkdir(parents=True, exist_ok=True)
        except OSError as e:
            raise InputError(f"cannot make {state}: {e.strerror or e}", where="--state") from None
        self.verifier, self.pinned_now = self._pin(vkey)

    def _pin(self, vkey: str | None) -> tuple[Verifier, bool]:
        """The key: the one pinned in the state, which ``vkey`` (when given) must equal; else
        ``vkey``; else the server's, pinned on this first use."""
        pinned = self.state / VKEY
        given = Verifier.parse(vkey) if vkey is not None else None
        if pinned.exists():
            kept = Verifier.parse(pinned.read_text(encoding="utf-8"))
            if given is not None and given.vkey != kept.vkey:
                raise InputError(
                    f"{pinned} pins {kept.vkey}, not the key given ({given.vkey}): a state directory "
                    "follows one log (give another --state for another)",
                    where="--vkey",
                )
            return kept, False
        chosen = given or Verifier.parse(fetch.key(self.base))
        _write(pinned, f"{chosen.vkey}\n")
        return chosen, True

    def latest(self) -> tuple[Checkpoint, str] | None:
        """The newest checkpoint kept, and its note (None before the first)."""
        path = self.state / LATEST
        if not path.exists():
            return None
        note = path.read_text(encoding="utf-8")
        return open_checkpoint(note, self.verifier), note

    def observe(self) -> Seen:
        """Fetch the server's checkpoint and compare it with the last kept (see the module
        docstring). InputError when the server cannot be asked or answers nonsense."""
        note = fetch.checkpoint(self.base)
        last = self.latest()
        try:
            checkpoint = open_checkpoint(note, self.verifier, last[0].origin if last else None)
        except InputError as e:
            return Seen("bad", f"the server's checkpoint does not hold: {e}")
        if last is None:
            self._keep(checkpoint, note)
            return Seen("first", f"first checkpoint kept: {_tree(checkpoint)}", checkpoint.size)
        old, old_note = last
        if checkpoint.size == old.size:
            if checkpoint.root == old.root:
                return Seen("same", f"unchanged: {_tree(checkpoint)}", checkpoint.size)
            return self._fork(f"two different trees of {old.size:,} entries, both signed", old_note, note)
        if checkpoint.size < old.size:
            return self._fork(
                f"the server now signs {_tree(checkpoint)}, smaller than {_tree(old)} it signed before: "
                "entries were removed",
                old_note,
                note,
            )
        answer = fetch.consistency(self.base, old.size, checkpoint.size)
        try:
            proof = [bytes.fromhex(h) for h in answer["proof"]]
        except (TypeError, ValueError):
            return self._fork(
                "the server's consistency proof is not a list of hashes", old_note, note, answer
            )
        try:
            verify_consistency(old.size, checkpoint.size, proof, old.root, checkpoint.root)
        except InputError as e:
            return self._fork(
                f"{_tree(checkpoint)} does not extend {_tree(old)}: {e}", old_note, note, answer
            )
        self._keep(checkpoint, note)
        return Seen("grew", f"{_tree(checkpoint)} extends {_tree(old)}", checkpoint.size)

    def _keep(self, checkpoint: Checkpoint, note: str) -> None:
        folder = self.state / CHECKPOINTS
        folder.mkdir(exist_ok=True)
        _write(folder / f"{checkpoint.size}.txt", note)
        _write(self.state / LATEST, note)

    def _fork(self, what: str, old: str, new: str, proof: object = None) -> Seen:
        at = datetime.datetime.now(datetime.UTC).strftime("%Y%m%dT%H%M%S.%fZ")
        path = self.state / f"fork-{at}.txt"
        text = (
            f"fork of {self.base}: {what}\n\nthe checkpoint kept before:\n\n{old}\n"
            f"the checkpoint the server signs now:\n\n{new}\n"
            + (f"the server's consistency proof:\n\n{proof}\n" if proof is not None else "")
        )
        _write(path, text)
        return Seen("fork", f"FORK: {what}; the evidence, both signed checkpoints, is in {path}", None, path)


def _tree(checkpoint: Checkpoint) -> str:
    return f"the tree of {checkpoint.size:,} entries (root {checkpoint.root.hex()[:16]}…)"


def _write(path: Path, text: str) -> None:
    """``text`` to ``path`` whole or not at all (a witness killed mid-write keeps its last state)."""
    temporary = path.with_name(f".{path.name}.tmp")
    with open(temporary, "w", encoding="utf-8") as out:
        out.write(text)
        out.flush()
        os.fsync(out.fileno())
    os.replace(temporary, path)
