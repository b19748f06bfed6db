"""The live service of a served store: one writer, the follower, the tallies kept current.

Writes go through one writer thread per process, in order. A protocol is acknowledged only once
``Store.submit`` has committed it (SQLite WAL with ``synchronous=FULL``, or a PostgreSQL commit);
nothing is cached on the way. When several requests wait, the writer stores those of the same
token, status and reason in one transaction (group commit): fewer commits, each request still
answered on its own (a conflicting one is taken out and the rest stored).

After a commit the writer counts what it wrote into the :class:`~saylau.tally.Tally` (a few
dictionary updates per level of the territory tree). What another process wrote (a second worker,
``saylau import`` while the server runs) is read from the audit chain: the writer follows the
chain's head, and applies every protocol version after the last one it counted, in chain order.

Results are served from a :class:`~saylau.live.snapshots.Snapshot` (built by
:class:`~saylau.live.publisher.Publisher`): the results JSON (every language) and a frozen copy
of the territory totals, built from the tally at one moment and never changed after. A new
snapshot is built when the tally has changed, at most every ``interval`` seconds (a reader asking
after that gets the new one at once; otherwise a background task builds it), and each new one is
announced to the server-sent-events subscribers.
"""

from __future__ import annotations

import concurrent.futures
import dataclasses
import datetime
import logging
import math
import queue
import threading
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from saylau import spec
from saylau.checker import Checker
from saylau.errors import SaylauError
from saylau.live.jobs import CopyJob, FileJob, ProtocolJob, SyncJob, TurnoutJob
from saylau.live.parallel import ParallelCounts
from saylau.live.snapshots import Encoder, Snapshot, dumps, etag_of, view_key
from saylau.model import Election, Protocol, TurnoutReport
from saylau.results import as_json, evaluate, territory_doc
from saylau.store import ConflictError, Entered, Store, Submission, Submitted, Written
from saylau.store.counted import Counted
from saylau.tally import Tally, Totals

log = logging.getLogger("saylau.live")

#: Beyond this many audit entries behind, the writer reloads everything instead of following.
RELOAD_AFTER = 20_000
#: Requests the writer takes from its queue at once.
MAX_BATCH = 512
#: While requests keep coming (the last batch ended less than :data:`BUSY` before the next one
#: arrived), the writer waits up to this long after the first request of a batch for more, so
#: that they share one commit. At 500 protocols a second, requests arrive every 2 ms and a batch
#: of one is written in about 1.5 ms: without the wait nearly every protocol paid for a commit of
#: its own (1.2 a batch on average), and the writer's share of a write was 0.5 ms of CPU. A quiet
#: server never waits. PostgreSQL's ``commit_delay`` is the same idea.
GROUP_WAIT = 0.004
BUSY = 0.02
#: ... but for the next request no longer than four times the recent time between two (smoothed
#: in :meth:`Live.send`): clients that each wait for their answer (bench/api.py's twenty) are all
#: in the batch already, and waiting the whole 4 ms for a request none of them can send cost them
#: about a fifth of their writes. At 500 protocols a second a batch is about 5.
GAPS = 4.0


_STOP = object()


@dataclass
class _KeepCheckpoint:
    """A snapshot's checkpoint, for the writer to store (off the snapshot's path)."""

    size: int
    note: str
    future: concurrent.futures.Future[None] = field(default_factory=concurrent.futures.Future)


# -- the live state ---------------------------------------------------------------------------


class Live:
    """A store being served: its election, the checker, the tally and the writer thread."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.election: Election = store.election()
        self.checker = Checker(self.election)
        #: whether the definition requires commission-signed protocols: "required" or "optional"
        self.signatures = store.signatures()
        #: whether a protocol counts once submitted ("single") or once two officers agree ("double")
        self.entry_mode = store.entry_mode()
        self.lock = threading.Lock()  # the tally, the maps below, and building snapshots
        self.generation = 0  # bumped by every change to the tally or the turnout reports
        self.seq = 0  # the audit entries up to this one are counted
        self.ahead: set[int] = set()  # and these after it (this process's own, past a gap)
        # made by _reload below, from the store (an empty tally first would cost as much again:
        # half a second each at a million stations)
        self.tally: Tally
        self.final_tally: Tally  # the protocols whose counted version is final
        #: the final tally counts what the other does, made alike: a copy of it, then only the
        #: same final versions applied to both (a snapshot then evaluates one of them)
        self._twins = False
        #: the latest counted version of each protocol (its status, version, hash and log entry)
        self.counted = Counted()
        self.final = 0
        self.reports: list[TurnoutReport] = []
        self.snapshot: Snapshot | None = None
        self._frozen: dict[tuple[str, str], Totals] = {}
        self._final_frozen: dict[tuple[str, str], Totals] = {}
        self._touched: set[tuple[str, str]] | None = None  # None: every key
        self._contests_of = self.checker.contests_of
        self._queue: queue.SimpleQueue[Any] = queue.SimpleQueue()
        self._last_send = -math.inf  # when the last request was queued
        self._gap = BUSY  # the time between two requests, smoothed (at most BUSY)
        self._thread: threading.Thread | None = None
        self.on_change: Callable[[], None] = lambda: None
        self._kept_size = -1  # the largest checkpoint handed to the writer to store
        #: the snapshots' results JSON by (language, final), each contest's text kept while unchanged
        self._encoders: dict[tuple[str, bool], Encoder] = {}
        #: observers' copies against the official count (made when asked, kept per log size)
        self.parallel = ParallelCounts(store, self.election, self.checker)
        self._reload()

    @property
    def status(self) -> Mapping[tuple[str, str], str]:
        """(station, contest) -> ``final`` or ``preliminary``: the latest counted version's."""
        return self.counted.status

    @property
    def versions(self) -> Mapping[tuple[str, str], tuple[int, str, int]]:
        """(station, contest) -> (version, content hash, log entry) of the latest counted version."""
        return self.counted.versions

    # -- the writer thread ---------------------------------------------------------------------

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="saylau-writer", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        if self._thread is not None:
            self._queue.put(_STOP)
            self._thread.join(timeout=30)
            self._thread = None

    def send(self, job: ProtocolJob | FileJob | TurnoutJob | CopyJob | SyncJob) -> None:
        now = time.monotonic()
        # the time between two requests, smoothed (how long the writer may wait for the next)
        self._gap += 0.2 * (min(now - self._last_send, BUSY) - self._gap)
        self._last_send = now
        self._queue.put(job)

    def _run(self) -> None:
        ended = -math.inf  # when the last batch was done
        while True:
            first = self._queue.get()
            now = time.monotonic()
            wait_until = now + GROUP_WAIT if now - ended < BUSY else now
            batch = [first]
            while len(batch) < MAX_BATCH:
                try:
                    batch.append(self._queue.get_nowait())
                except queue.Empty:
                    left = min(wait_until - time.monotonic(), GAPS * self._gap)
                    if left <= 0 or first is _STOP:
                        break
                    try:
                        batch.append(self._queue.get(timeout=left))
                    except queue.Empty:
                        break
            stop = any(job is _STOP for job in batch)
            # A request cancelled while it waited (its client gone, the server stopping) is not
            # done: nobody was told it was. The others are marked running, which no cancel can
            # undo, so their answers can always be set.
            jobs = [job for job in batch if job is not _STOP and job.future.set_running_or_notify_cancel()]
            try:
                self._work(jobs)
            except BaseException as e:  # pragma: no cover - a bug: answer every waiting request
                log.exception("writer failed")
                for job in jobs:
                    if not job.future.done():
                        job.future.set_exception(e)
            if stop:
                return
            ended = time.monotonic()

    def _work(self, jobs: list[Any]) -> None:
        protocols = [j for j in jobs if isinstance(j, ProtocolJob)]
        if protocols:
            self._protocols(protocols)
        for job in jobs:
            if isinstance(job, FileJob):
                self._file(job)
            elif isinstance(job, TurnoutJob):
                self._turnout(job)
            elif isinstance(job, CopyJob):
                self._copies(job)
            elif isinstance(job, _KeepCheckpoint):
                try:
                    self.store.keep_checkpoint(job.size, job.note)
                except Exception:  # only a checkpoint not kept: logged, the next one will be
                    log.exception("storing the checkpoint of %d entries failed", job.size)
                job.future.set_result(None)
            elif isinstance(job, SyncJob):
                try:
                    job.future.set_result(self._follow())
                except Exception as e:
                    job.future.set_exception(e)

    def _protocols(self, jobs: list[ProtocolJob]) -> None:
        """Group commit: every waiting request in one transaction, one submission per (actor,
        status, reason, source) inside it; a protocol sent twice waits for the next round."""
        pending = jobs
        while pending:
            groups: dict[tuple[str, str, str | None, str], list[ProtocolJob]] = {}
            keys: set[tuple[str, str]] = set()
            later: list[ProtocolJob] = []
            for job in pending:
                if job.key in keys:
                    later.append(job)  # the same protocol twice: the second one after the first
                else:
                    keys.add(job.key)
                    groups.setdefault((job.actor, job.status, job.reason, job.source), []).append(job)
            self._submit(list(groups.values()))
            pending = later

    def _submit(self, groups: list[list[ProtocolJob]]) -> None:
        """Submit the groups together; take out what fails and try the rest again, so that one
        bad or conflicting request never costs the others their answer. Under double entry each
        group is one officer's entries (:meth:`Store.enter_all`), answered as :meth:`_after_enter` says."""
        double = self.entry_mode == "double"
        while groups:
            submissions = [
                Submission(
                    [j.protocol for j in g],
                    g[0].actor,
                    g[0].status,
                    g[0].reason,
                    g[0].source,
                    {j.key: j.signature for j in g if j.signature is not None} or None,
                )
                for g in groups
            ]
            try:
                if double:
                    entered = self.store.enter_all(submissions)
                else:
                    done = self.store.submit_all(submissions)
            except ConflictError as e:
                clashes = {(s, c): what for s, c, what in e.conflicts}
                kept = []
                for group in groups:
                    left = []
                    for job in group:
                        what = clashes.get(job.key)
                        if what is None:
                            left.append(job)
                        else:
                            job.future.set_exception(ConflictError([(*job.key, what)]))
                    if left:
                        kept.append(left)
                if sum(map(len, kept)) == sum(map(len, groups)):  # pragma: no cover - names none of them
                    for job in (j for g in groups for j in g):
                        job.future.set_exception(e)
                    return
                groups = kept
                continue
            except SaylauError as e:
                jobs = [j for g in groups for j in g]
                if len(jobs) > 1:  # find which one: each on its own
                    for job in jobs:
                        self._submit([[job]])
                    return
                jobs[0].future.set_exception(e)
                return
            except Exception as e:  # the database: every request of the batch is told
                for job in (j for g in groups for j in g):
                    job.future.set_exception(e)
                return
            if double:
                self._after_enter(groups, entered)
            else:
                self._after_submit(groups, done)
            return

    def _after_submit(self, groups: list[list[ProtocolJob]], done: list[Submitted]) -> None:
        jobs = [j for g in groups for j in g]
        written = [w for d in done for w in d.versions]
        reasons = {j.key: j.reason for j in jobs}
        by_key = {(w.station, w.contest): w for w in written}
        unknown = any(job.key not in by_key and job.key not in self.versions for job in jobs)
        with self.lock:
            if unknown:  # "unchanged", yet not counted here: another process wrote it; count theirs
                self._follow_locked()
            self._count_written({job.key: job.protocol for job in jobs}, written)
        for job in jobs:
            w = by_key.get(job.key)
            if w is not None:
                result = "created" if w.version == 1 else ("corrected" if reasons[job.key] else "finalised")
                job.future.set_result(
                    {
                        "result": result,
                        "station": w.station,
                        "contest": w.contest,
                        "version": w.version,
                        "status": w.status,
                        "content_hash": w.content_hash,
                        "audit_seq": w.audit_seq,
                    }
                )
            else:
                version, content_hash, seq = self.versions.get(job.key, (0, "", 0))
                job.future.set_result(
                    {
                        "result": "unchanged",
                        "station": job.key[0],
                        "contest": job.key[1],
                        "version": version,
                        "status": self.status.get(job.key, job.status),
                        "content_hash": content_hash,
                        "audit_seq": seq,
                    }
                )
        if written:
            self.on_change()

    def _after_enter(self, groups: list[list[ProtocolJob]], done: list[list[Entered]]) -> None:
        """Answer each officer's entry: the version it made count (as :meth:`_after_submit`
        answers, with ``entry``), ``unchanged``, or ``awaiting`` / ``differs`` with the differences
        and the other officer."""
        jobs = [j for g in groups for j in g]
        entered = {(e.station, e.contest): e for d in done for e in d}
        with self.lock:
            if any(e.result == "unchanged" and key not in self.versions for key, e in entered.items()):
                self._follow_locked()  # "unchanged", yet not counted here: another process wrote it
            written = self._count_entered({j.key: j.protocol for j in jobs}, list(entered.values()))
        for job in jobs:
            e = entered[job.key]
            w = e.version
            if w is not None:
                result = "created" if w.version == 1 else ("corrected" if job.reason else "finalised")
                answer: dict[str, Any] = {
                    "result": result,
                    "station": w.station,
                    "contest": w.contest,
                    "version": w.version,
                    "status": w.status,
                    "content_hash": w.content_hash,
                    "audit_seq": w.audit_seq,
                    "entry": e.entry,
                    "other_actor": e.other_actor,
                }
            else:
                version, content_hash, seq = self.versions.get(job.key, (0, "", 0))
                answer = {
                    "result": e.result,
                    "station": job.key[0],
                    "contest": job.key[1],
                    "version": version,
                    "status": self.status.get(job.key, job.status),
                    "content_hash": content_hash,
                    "audit_seq": seq,
                    "entry": e.entry,
                }
                if e.result != "unchanged":
                    answer["differences"] = [d.as_dict() for d in e.differences]
                    answer["other_actor"] = e.other_actor
                    answer["same_actor"] = e.same_actor
            job.future.set_result(answer)
        if written:
            self.on_change()

    def _count_entered(self, protocols: Mapping[tuple[str, str], Protocol], entered: list[Entered]) -> bool:
        """Count the versions some entries just made count, under the lock; whether there were any.

        Entries are log entries too: when this transaction's entries follow the last one counted,
        every entry up to its last is counted now; otherwise the gap is followed later (the
        versions written are counted already, as for :meth:`_count_written`)."""
        seqs = [e.entry for e in entered if e.entry is not None]
        written = [e.version for e in entered if e.version is not None]
        for w in written:
            self._count(protocols[(w.station, w.contest)], w.status, w.version, w.content_hash, w.audit_seq)
        if seqs:
            last = max([*seqs, *(w.audit_seq for w in written)])
            if min(seqs) == self.seq + 1:
                self.seq = last
            else:
                self.ahead.update(w.audit_seq for w in written if w.audit_seq > self.seq)
        if written:
            self.generation += 1
        return bool(written)

    def _count_written(
        self, protocols: Mapping[tuple[str, str], Protocol], written: Sequence[Written]
    ) -> None:
        """Count the versions this process just wrote, under the lock."""
        for w in written:
            self._count(protocols[(w.station, w.contest)], w.status, w.version, w.content_hash, w.audit_seq)
            if w.audit_seq == self.seq + 1:
                self.seq = w.audit_seq
            elif w.audit_seq > self.seq:
                # Another process wrote in between: ours are counted now, theirs when the chain
                # is next followed (a newer version is never replaced by an older one).
                self.ahead.add(w.audit_seq)
        if written:
            self.generation += 1

    def _file(self, job: FileJob) -> None:
        if self.entry_mode == "double":
            self._file_entries(job)
            return
        try:
            done = self.store.submit_all([job.submission])[0]
        except Exception as e:  # a conflict, bad counts or the database: the file is refused whole
            job.future.set_exception(e)
            return
        protocols = _protocols_of(job.submission)
        written = {(w.station, w.contest) for w in done.versions}
        with self.lock:
            if any(key not in written and key not in self.versions for key in protocols):
                self._follow_locked()  # "unchanged", yet not counted here: another process wrote it
            self._count_written(protocols, done.versions)
        job.future.set_result(done)
        if done.versions:
            self.on_change()

    def _file_entries(self, job: FileJob) -> None:
        """A file under double entry: each protocol an entry of the uploader, in one transaction;
        answered with what each entry did (a list of :class:`~saylau.store.Entered`)."""
        try:
            entered = self.store.enter_all([job.submission])[0]
        except Exception as e:  # a conflict, bad counts or the database: the file is refused whole
            job.future.set_exception(e)
            return
        needed = {(e.station, e.contest) for e in entered if e.version is not None}
        protocols = _protocols_of(job.submission, needed)
        with self.lock:
            if any(e.result == "unchanged" and (e.station, e.contest) not in self.versions for e in entered):
                self._follow_locked()
            written = self._count_entered(protocols, entered)
        job.future.set_result(entered)
        if written:
            self.on_change()

    def _turnout(self, job: TurnoutJob) -> None:
        r = job.report
        try:
            self.store.add_turnout(r.place, r.time, r.issued, actor=job.actor, registered=r.registered)
        except Exception as e:
            job.future.set_exception(e)
            return
        with self.lock:
            seq = self._follow_locked()
            self.generation += 1
        job.future.set_result(
            {
                "place": r.place,
                "time": r.time,
                "issued": r.issued,
                "registered": r.registered,
                "audit_seq": seq,
            }
        )
        self.on_change()

    def _copies(self, job: CopyJob) -> None:
        try:
            stored = self.store.add_copies(job.items, actor=job.actor, source=job.source)
        except Exception as e:
            job.future.set_exception(e)
            return
        with self.lock:
            self._follow_locked()
        self.parallel.invalidate()
        job.future.set_result(stored)

    # -- following the audit chain -----------------------------------------------------------

    def _follow(self) -> int:
        """Count what other processes wrote; the audit seq now counted."""
        with self.lock:
            before = self.seq
            self._follow_locked()
            changed = self.seq != before
            if changed:
                self.generation += 1
        if changed:
            self.on_change()
        return self.seq

    def _follow_locked(self) -> int:
        """Count every version and turnout report stored after ``self.seq``, under the lock.

        Read from the store in one snapshot, in chain order; this process's own writes past a gap
        (``self.ahead``) are counted already.
        """
        changes = self.store.changes(self.seq, at_most=RELOAD_AFTER)
        if changes.head <= self.seq:
            return self.seq
        if changes.versions is None or changes.reports is None:
            self._reload()
            return self.seq
        ahead = self.ahead
        for change in changes.versions:
            if change.audit_seq not in ahead:
                self._count(*change)
        self.reports.extend(TurnoutReport(r.place, r.time, r.issued, r.registered) for r in changes.reports)
        self.seq = changes.head
        self.ahead = {seq for seq in ahead if seq > changes.head}
        return self.seq

    def _reload(self) -> None:
        """Everything again from the store, in one snapshot: the latest version of every protocol
        (as integer tables, summed with NumPy) and every turnout report."""
        state = self.store.current_state()
        with spec.no_cyclic_gc():
            self.tally = Tally(self.election).extend_tables(state.tables)
            self.counted = state.counted
            # The final tally: a copy of the whole one when every version is final (the morning
            # after), else the final rows of each table (found with NumPy: each table row's
            # position in the counted columns says whether it is final).
            final = self.counted.finals()
            self._twins = bool(final.all())
            if self._twins:
                self.final_tally = self.tally.copy()
            else:
                finals = []
                for table, at in zip(state.tables, state.positions, strict=True):
                    mine = final[at]
                    if mine.all():
                        finals.append(table)
                    elif mine.any():
                        finals.append(table.take(np.flatnonzero(mine)))
                self.final_tally = Tally(self.election).extend_tables(finals)
        self.final = int(np.count_nonzero(final))
        self.reports = [TurnoutReport(r.place, r.time, r.issued, r.registered) for r in state.reports]
        self.seq = state.head
        self.ahead = set()
        self._touched = None
        self.generation += 1

    def _count(self, protocol: Protocol, status: str, version: int, content_hash: str, seq: int) -> None:
        """Count a stored version, unless a newer one of the same protocol is already counted."""
        key = (protocol.station, protocol.contest)
        known = self.versions.get(key)
        if known is not None and known[0] >= version:
            return
        self.tally.apply(protocol)
        was = self.status.get(key)
        if status == "final":
            self.final_tally.apply(protocol)  # the same change to both: twins stay alike
        else:
            self._twins = False
            if was == "final":  # corrected back to preliminary: no longer signed off
                self.final_tally.remove(*key)
        self.final += (status == "final") - (was == "final")
        self.counted.set(key, version, status, content_hash, seq)
        touched = self._touched
        if touched is not None:
            for territory in self.checker.chain.get(protocol.station, ()):
                touched.add((protocol.contest, territory))

    # -- snapshots -------------------------------------------------------------------------

    def dirty(self) -> bool:
        return self.snapshot is None or self.snapshot.generation != self.generation

    def build(self) -> Snapshot:
        """A new snapshot of the tally as it is now (the previous one if nothing changed)."""
        with self.lock:
            if self.ahead:
                # Our own writes past another process's that are not followed yet: a snapshot now
                # would count entries beyond ``self.seq``, the log size it names, and so match no
                # prefix of the log a verifier can rebuild. Follow the gap first (it is committed).
                self._follow_locked()
            if self.snapshot is not None and self.snapshot.generation == self.generation:
                return self.snapshot
            reports = [*self.election.turnout, *self.reports]
            results = evaluate(self.election, self.tally, reports=reports, final=self.final)
            # Results copy their totals; the tallies go on counting, so they are not kept.
            results = dataclasses.replace(results, tally=None)
            if self._twins:  # the same count: the same results (half the first snapshot's time)
                final_results = results
            else:
                final_results = evaluate(self.election, self.final_tally, reports=reports, final=self.final)
                final_results = dataclasses.replace(final_results, tally=None)
            self._freeze()
            totals, final_totals = dict(self._frozen), dict(self._final_frozen)
            generation, seq = self.generation, self.seq
        log_size, log_root, note = self._sign(seq)
        doc = as_json(results, "en", shared=True)
        body = self._encoders.setdefault(("en", False), Encoder()).dumps(doc)
        status = doc["status"]
        assert isinstance(status, dict)
        version = (self.snapshot.version + 1) if self.snapshot is not None else 1
        snapshot = Snapshot(
            version=version,
            generation=generation,
            audit_seq=seq,
            built_at=datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
            results=results,
            docs={"en": doc},
            bodies={"en": body},
            etag=etag_of(body),
            totals=totals,
            final_results=final_results,
            final_totals=final_totals,
            summary={
                "audit_seq": seq,
                "status": status["status"],
                "protocols": status["protocols"],
                "expected": status["expected"],
                "final": status["final"],
            },
            log_size=log_size,
            log_root=log_root,
            checkpoint=note,
            log_key=self.store.signing_vkey if note is not None else None,
            encoders=self._encoders,
        )
        self.snapshot = snapshot
        return snapshot

    def _sign(self, size: int) -> tuple[int, str, str | None]:
        """The tree of the first ``size`` entries of the log (what the snapshot counted): its
        root, and its checkpoint signed in memory (about 0.1 ms: bench/README.md), stored by the
        writer after it (a checkpoint given out is one the store keeps, and checks again)."""
        try:
            size, root, note = self.store.signed_tree(size)
        except Exception:  # the log cannot be read now: results still go out, without a checkpoint
            log.exception("the log's checkpoint could not be made for a snapshot")
            return size, "", None
        if note is not None and size > self._kept_size:
            self._kept_size = size
            self._queue.put(_KeepCheckpoint(size, note))
        return size, root.hex(), note

    def _freeze(self) -> None:
        """Copy the totals touched since the last snapshot (all of them the first time), of
        everything counted and of the final protocols (without the options at zero that a
        protocol corrected back to preliminary leaves there)."""
        touched = self._touched
        if touched is None:  # every total there is (not every contest in every territory)
            self._frozen, self._final_frozen = {}, {}
        for tally, frozen in ((self.tally, self._frozen), (self.final_tally, self._final_frozen)):
            final = tally is self.final_tally
            keys: Iterable[tuple[str, str]] = tally.territory_keys() if touched is None else touched
            if final and self._twins:  # the same totals as the other's, just frozen
                for key in keys:
                    t = self._frozen.get(key)
                    if t is not None:
                        frozen[key] = t.without_zeros()
                continue
            for contest, territory in keys:
                t = tally.territory(contest, territory)
                if t.stations or t.reported:
                    frozen[(contest, territory)] = t.without_zeros() if final else t
        self._touched = set()

    def view(
        self,
        snapshot: Snapshot,
        lang: str,
        territory: str | None,
        contest: str | None,
        final: bool = False,
        body: str | None = None,
    ) -> tuple[bytes, str]:
        """The results body and its ETag: national (whole, one body's or one contest's) or one
        territory's; of every protocol counted, or (``final``) of the final ones only.

        A body's results (``body``) are its contests and its seats alone: a whole ballot day's
        document (every council of the country, 3,131 contests, 4.8 MB) is more than a reader of
        one body should fetch on every update."""
        key = view_key(lang, territory, contest, final, body)
        found = snapshot.views.get(key)
        if found is not None:
            return found
        if body is not None:
            doc = (
                self._territory_doc(snapshot, lang, territory, contest, final)
                if territory is not None
                else {**snapshot.doc(lang, final), "results_version": snapshot.version}
            )
            mine = {c.id for c in self.election.contests if c.body == body}
            doc["contests"] = [c for c in doc["contests"] if c["id"] in mine and contest in (None, c["id"])]
            if "bodies" in doc:
                doc["bodies"] = {k: v for k, v in doc["bodies"].items() if k == body}
            if final:
                doc["counted"] = "final"
            text = dumps(doc)
            out = (text, etag_of(text))
        elif territory is None and contest is None and not final:
            text = snapshot.body(lang)
            out = (text, snapshot.etag if lang == "en" else etag_of(text))
        elif territory is None and contest is None:
            text = dumps({**snapshot.doc(lang, final), "counted": "final"})
            out = (text, etag_of(text))
        elif territory is None:
            doc = snapshot.doc(lang, final)
            contests = [c for c in doc["contests"] if c["id"] == contest]
            body_id = contests[0]["body"] if contests else None
            bodies = {k: v for k, v in doc["bodies"].items() if k == body_id}
            text = dumps(
                {
                    **doc,
                    "contests": contests,
                    "bodies": bodies,
                    "results_version": snapshot.version,
                    **({"counted": "final"} if final else {}),
                }
            )
            out = (text, etag_of(text))
        else:
            text = dumps(self._territory_doc(snapshot, lang, territory, contest, final))
            out = (text, etag_of(text))
        if len(snapshot.views) < 10_000:
            snapshot.views[key] = out
        return out

    def _territory_doc(
        self, snapshot: Snapshot, lang: str, territory: str, contest: str | None, final: bool = False
    ) -> dict[str, Any]:
        totals = snapshot.final_totals if final else snapshot.totals
        doc = territory_doc(self.election, self.checker.territories[territory], totals, lang, contest)
        return {
            **doc,
            "status": snapshot.doc("en", final)["status"],  # the same in every language
            "counted": "final" if final else "all",
            "results_version": snapshot.version,
        }


def _protocols_of(
    sent: Submission, only: set[tuple[str, str]] | None = None
) -> dict[tuple[str, str], Protocol]:
    """The protocols of a submission by (station, contest) (of ``only`` those, when given)."""
    protocols = {(p.station, p.contest): p for p in sent.protocols}
    for table in sent.tables:
        if only is None:
            protocols.update(((p.station, p.contest), p) for p in table.protocols())
        else:
            rows = [i for i, s in enumerate(table.stations) if (s, table.contest) in only]
            if rows:
                protocols.update(((p.station, p.contest), p) for p in table.take(rows).protocols())
    if only is not None:
        protocols = {k: p for k, p in protocols.items() if k in only}
    return protocols


__all__ = ["Live"]
