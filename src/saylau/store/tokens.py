"""API tokens: who may use the HTTP API, in which role and for which territory; kept as hashes only.

A token is ``saylau_<id>_<secret>``: a public id (12 hex digits) that names it in logs and in the
store's ``actor`` column, and a secret of 32 random bytes (base64url). The store keeps the id,
the role, the territory, a name, the expiry and the sha256 of the secret's bytes, never the secret:
:meth:`Tokens.create` returns the token text once, and whoever holds the database cannot use it to
write. Checking a presented token is a dictionary lookup by id and a constant-time comparison of
hashes (:func:`authenticate`).

Roles (:data:`ROLES`): ``admin`` (everything), ``commission`` (writes protocols and turnout for the
stations inside its territory), ``observer`` (reads everything, per-station protocols and the audit
log included, and sends copies of posted protocols: for the stations inside its territory when it
has one) and ``public`` (published results only, like a request without a token).

A token lives at most :data:`MAX_LIFETIME` (400 days: one election's preparation, the vote and
its disputes, with room to spare); a longer expiry is refused, and a token meant to last is made
without one. A token's text given where its id is expected (``token revoke``) names the token it
is; an error about a token names its id only, never its text.

Like the rest of the store the tables are append-only: issuing a token and revoking one are
entries of the store's one log (:mod:`saylau.store.audit`), beside the protocols they authorise;
the entry of an issue holds everything stored of the token but its creation time, which is the
entry's own. A revocation is a new entry (and a row of ``token_revocations``), never an UPDATE; a
token whose issue is not in the log is no token (:meth:`Tokens.all` leaves it out), and
:meth:`Tokens.verify` is the log's verifier.

Several servers on one PostgreSQL share what a token may do at each request: :class:`Admissions`
takes a request from the token's bucket in ``rate_limits`` and reads whether it was revoked, in
one statement, so that a token's rate is counted across the servers and a revocation made through
one of them is refused by all the others from the next request on. Those rows are servers' working
state, not part of the record (nothing of them is in the log).
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import datetime
import hashlib
import hmac
import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any

import psycopg
import sqlalchemy as sa

from saylau.errors import InputError
from saylau.store import audit
from saylau.store.audit import AuditReport
from saylau.store.bulk import insert_rows
from saylau.store.canonical import token_issue_entry, token_revoke_entry
from saylau.store.engine import label, reading, writing
from saylau.store.opening import open_checked
from saylau.store.tables import api_tokens, audit_log, rate_limits, token_revocations

ROLES = ("admin", "commission", "observer", "public")
#: The roles whose tokens may be given a territory: a commission must have one (where it writes);
#: an observer may (the stations it sends copies of).
TERRITORIAL = ("commission", "observer")
PREFIX = "saylau_"
ID_HEX = 12
SECRET_BYTES = 32
_SECRET_TEXT = 43  # base64url of 32 bytes, without padding
_DURATION = re.compile(r"\s*(\d{1,6})\s*([smhdw])\s*")
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}
_NAME_MAX = 200
_ID = re.compile(f"[0-9a-f]{{{ID_HEX}}}")
#: The longest a token may be made to last: 400 days.
MAX_LIFETIME = datetime.timedelta(days=400)


@dataclass(frozen=True)
class Token:
    """A stored token: everything but its secret."""

    id: str
    role: str
    territory: str | None
    name: str
    secret_sha256: str
    created_at: str
    expires_at: str | None
    revoked_at: str | None = None

    @property
    def actor(self) -> str:
        """Who a write made with this token is recorded as: ``token:<id> (<name>)``."""
        return f"token:{self.id} ({self.name})" if self.name else f"token:{self.id}"

    def expired(self, now: datetime.datetime | None = None) -> bool:
        if self.expires_at is None:
            return False
        return (now or _utcnow()) >= _parse_time(self.expires_at)

    def usable(self, now: datetime.datetime | None = None) -> bool:
        return self.revoked_at is None and not self.expired(now)

    def describe(self) -> dict[str, str | None]:
        """What may be shown about a token (its secret's hash excluded)."""
        return {
            "id": self.id,
            "role": self.role,
            "territory": self.territory,
            "name": self.name,
            "created_at": self.created_at,
            "expires_at": self.expires_at,
            "revoked_at": self.revoked_at,
        }


@dataclass(frozen=True)
class Admission:
    """What the store says of one request made with a token (:meth:`Admissions.admit`)."""

    #: 0 when the request may go on; else the seconds until the token's bucket holds one again
    wait: float
    #: the token was revoked (by any server, or the CLI): refuse it whatever the server's cache says
    revoked: bool


@dataclass(frozen=True)
class Issued:
    """A new token and its text, which is shown once and stored nowhere."""

    token: Token
    text: str


def parse_duration(text: str, where: str = "--expires") -> datetime.timedelta:
    """``30m``, ``12h``, ``7d``, ``2w`` (also combined: ``1d12h``) -> a timedelta of at most
    :data:`MAX_LIFETIME`; InputError (naming ``where``) for anything else."""
    pos, seconds = 0, 0
    text = text.strip()
    while pos < len(text):
        m = _DURATION.match(text, pos)
        if m is None:
            break
        seconds += int(m.group(1)) * _UNITS[m.group(2)]
        pos = m.end()
    shown = text if len(text) <= 40 else text[:40] + "..."
    if not text or pos != len(text) or seconds <= 0:
        raise InputError(f"expected a duration such as 30m, 12h, 7d or 2w, got {shown!r}", where=where)
    if seconds > MAX_LIFETIME.total_seconds():
        raise InputError(
            f"a token lasts at most {MAX_LIFETIME.days} days ({MAX_LIFETIME.days}d); "
            f"{shown} is longer (leave the expiry out for a token that does not expire)",
            where=where,
        )
    return datetime.timedelta(seconds=seconds)


def split(text: str) -> tuple[str, bytes] | None:
    """(id, secret bytes) of a token's text, or None when it is not shaped like a token."""
    if (
        not isinstance(text, str)
        or len(text) != len(PREFIX) + ID_HEX + 1 + _SECRET_TEXT
        or not text.startswith(PREFIX)
        or not text.isascii()
    ):
        return None
    token_id, sep, secret = text[len(PREFIX) : len(PREFIX) + ID_HEX], text[-44], text[-43:]
    if sep != "_" or not re.fullmatch(r"[0-9a-f]+", token_id):
        return None
    try:
        raw = base64.urlsafe_b64decode(secret + "=")
    except ValueError:
        return None
    if len(raw) != SECRET_BYTES or _encode(raw) != secret:  # one text per secret, no look-alikes
        return None
    return token_id, raw


def token_id_of(text: str) -> str:
    """The id a token is named by: ``text`` itself when it is an id (12 hex digits), the id in it
    when it is a token's text; InputError otherwise, which does not repeat ``text`` (it may be a
    token's text with a typo, or a secret pasted in the wrong place)."""
    if isinstance(text, str) and _ID.fullmatch(text):
        return text
    parts = split(text)
    if parts is not None:
        return parts[0]
    raise InputError(
        f"expected a token's id ({ID_HEX} hex digits) or its whole text; "
        f"what was given is neither (not repeated here, in case it is a secret)",
        where="token revoke",
    )


def _encode(secret: bytes) -> str:
    return base64.urlsafe_b64encode(secret).decode("ascii").rstrip("=")


def secret_hash(secret: bytes) -> str:
    return hashlib.sha256(secret).hexdigest()


def authenticate(text: str, tokens: Mapping[str, Token]) -> Token | None:
    """The stored token ``text`` is the text of (revoked and expired ones included), else None.

    The hashes are compared in constant time; a missing id still costs one comparison.
    """
    parts = split(text)
    if parts is None:
        return None
    token_id, secret = parts
    found = tokens.get(token_id)
    presented = secret_hash(secret)
    expected = found.secret_sha256 if found is not None else "0" * 64
    return found if hmac.compare_digest(presented, expected) and found is not None else None


class Tokens:
    """The token tables of a store (SQLite path or ``postgresql://`` URL)."""

    def __init__(self, url: str | Path) -> None:
        self._engine, self._url = open_checked(url)

    @classmethod
    def open(cls, url: str | Path) -> Tokens:
        return cls(url)

    def __enter__(self) -> Tokens:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, value: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"Tokens({label(self._url)!r})"

    def close(self) -> None:
        self._engine.dispose()

    @property
    def shared(self) -> bool:
        """Whether several servers may serve this store at once, from several machines: on
        PostgreSQL (a SQLite file is served by the processes of one machine)."""
        return self._url.get_backend_name() == "postgresql"

    # -- writes ------------------------------------------------------------------------------

    def create(
        self,
        role: str,
        *,
        actor: str,
        territory: str | None = None,
        expires: datetime.timedelta | None = None,
        name: str = "",
    ) -> Issued:
        """A new token; the returned :class:`Issued` holds its text, which is stored nowhere."""
        if role not in ROLES:
            raise InputError(f"expected one of {', '.join(ROLES)}, got {role!r}", where="--role")
        if role == "commission" and not territory:
            raise InputError("a commission token needs the territory it writes for", where="--territory")
        if role not in TERRITORIAL and territory:
            raise InputError(
                f"only commission and observer tokens have a territory, not {role} tokens",
                where="--territory",
            )
        _text(name, "--name", empty=True)
        _text(actor, "actor")
        if territory is not None:
            _text(territory, "--territory")
        if expires is not None and expires > MAX_LIFETIME:
            raise InputError(
                f"a token lasts at most {MAX_LIFETIME.days} days, not {expires.days:,} days",
                where="--expires",
            )
        token_id = secrets.token_hex(ID_HEX // 2)
        secret = secrets.token_bytes(SECRET_BYTES)
        text = f"{PREFIX}{token_id}_{_encode(secret)}"
        with writing(self._engine) as conn:
            at = audit.now()
            expires_at = None
            if expires is not None:
                try:
                    expires_at = (_parse_time(at) + expires).strftime(_FORMAT)
                except OverflowError:  # a negative lifetime (already expired) before year 1
                    raise InputError("the expiry is outside the calendar", where="--expires") from None
            token = Token(token_id, role, territory, name, secret_hash(secret), at, expires_at)
            seq = audit.last_seq(conn) + 1
            row = {
                "id": token.id,
                "role": token.role,
                "territory": token.territory,
                "name": token.name,
                "secret_sha256": token.secret_sha256,
                "created_at": token.created_at,
                "expires_at": token.expires_at,
                "event_seq": seq,
            }
            entry = token_issue_entry(seq, at, actor, audit.token_fields(row))
            insert_rows(
                conn,
                audit_log,
                audit.COLUMNS,
                [audit.entry_row(seq, at, actor, "token-issue", token_id, entry)],
            )
            conn.execute(sa.insert(api_tokens), row)
        return Issued(token, text)

    def revoke(self, token_id: str, *, actor: str) -> Token:
        """Revoke a token by id (its text works too); InputError if there is none or it is revoked.

        The error names the id, never the text given: a token's text (or something close to one)
        is not echoed.
        """
        _text(actor, "actor")
        token_id = token_id_of(token_id)
        with writing(self._engine) as conn:
            row = conn.execute(sa.select(api_tokens).where(api_tokens.c.id == token_id)).first()
            if row is None:
                raise InputError(f"no token {token_id}", where="token revoke")
            revoked = conn.execute(
                sa.select(audit_log.c.at)
                .select_from(
                    token_revocations.join(audit_log, audit_log.c.seq == token_revocations.c.event_seq)
                )
                .where(token_revocations.c.token_id == token_id)
            ).first()
            if revoked is not None:
                raise InputError(
                    f"token {token_id} was already revoked at {revoked.at}", where="token revoke"
                )
            at = audit.now()
            seq = audit.last_seq(conn) + 1
            entry = token_revoke_entry(seq, at, actor, token_id)
            insert_rows(
                conn,
                audit_log,
                audit.COLUMNS,
                [audit.entry_row(seq, at, actor, "token-revoke", token_id, entry)],
            )
            conn.execute(sa.insert(token_revocations), {"event_seq": seq, "token_id": token_id})
        return _token(row, at)

    # -- reads -------------------------------------------------------------------------------

    def head(self) -> tuple[int, int]:
        """(seq of the last issue, seq of the last revocation), (0, 0) when there is none: it
        changes with every token event, so a cache of :meth:`all` knows when to read again."""
        with reading(self._engine) as conn:
            issued = conn.execute(sa.select(sa.func.max(api_tokens.c.event_seq))).scalar()
            revoked = conn.execute(sa.select(sa.func.max(token_revocations.c.event_seq))).scalar()
        return (int(issued or 0), int(revoked or 0))

    def all(self) -> dict[str, Token]:
        """Every token ever issued, by id, revoked ones with their ``revoked_at``.

        Only tokens whose issue is in the log, as that token's issue: a row slipped into the token
        table behind the store's back is no token.
        """
        a, t, r = audit_log, api_tokens, token_revocations
        with reading(self._engine) as conn:
            revoked = dict(
                conn.execute(
                    sa.select(r.c.token_id, a.c.at).select_from(r.join(a, a.c.seq == r.c.event_seq))
                ).all()
            )
            rows = conn.execute(
                sa.select(t)
                .select_from(t.join(a, a.c.seq == t.c.event_seq))
                .where(a.c.action == "token-issue", a.c.subject == t.c.id)
                .order_by(t.c.event_seq)
            ).all()
        return {row.id: _token(row, revoked.get(row.id)) for row in rows}

    def admissions(self) -> Admissions:
        """What every server on this PostgreSQL store asks before a token's request (:class:`Admissions`)."""
        if not self.shared:
            raise RuntimeError(
                "admissions are counted on PostgreSQL; a SQLite store's server counts in memory"
            )
        return Admissions(self._url.set(drivername="postgresql").render_as_string(hide_password=False))

    def verify(self) -> AuditReport:
        """The log's verifier (:func:`saylau.store.audit.verify`): token events are entries of it."""
        with reading(self._engine) as conn:
            return audit.verify(conn)


# -- helpers ---------------------------------------------------------------------------------

# Take a request from a token's bucket: refill it for the time gone by (at most ``burst``), then
# take one if there is one; the row is not touched otherwise, so "granted" is whether a row came
# back. The outer SELECT reads the row as it was before (the statement's snapshot): the level a
# refused request found, for its Retry-After. psycopg's own placeholders: it runs without SQLAlchemy.
_ADMIT = f"""
WITH clock AS (SELECT extract(epoch FROM clock_timestamp())::float8 AS t),
taken AS (
    INSERT INTO {rate_limits.name} AS r (token_id, level, at)
    SELECT %(id)s, %(burst)s - 1, clock.t FROM clock
    ON CONFLICT (token_id) DO UPDATE
        SET level = LEAST(%(burst)s, r.level + GREATEST(0, EXCLUDED.at - r.at) * %(rate)s) - 1,
            at = EXCLUDED.at
        WHERE LEAST(%(burst)s, r.level + GREATEST(0, EXCLUDED.at - r.at) * %(rate)s) >= 1
    RETURNING 1
)
SELECT
    EXISTS (SELECT 1 FROM taken),
    (SELECT LEAST(%(burst)s, r.level + GREATEST(0, clock.t - r.at) * %(rate)s)
     FROM {rate_limits.name} AS r, clock WHERE r.token_id = %(id)s),
    EXISTS (SELECT 1 FROM {token_revocations.name} WHERE token_id = %(id)s)
"""
_REVOKED = (
    f"SELECT true, NULL::float8, EXISTS (SELECT 1 FROM {token_revocations.name} WHERE token_id = %(id)s)"
)


class Admissions:
    """Whether a token's request may go on, asked of the PostgreSQL store every server shares.

    One statement a request (:meth:`admit`) takes a request from the token's bucket, a row of
    ``rate_limits`` timed by the database's clock (servers' clocks may differ), and says whether
    the token was revoked: so a token's rate is counted across the servers, and a revocation made
    through any of them (or the CLI) is refused by all from their next request. ``INSERT ... ON
    CONFLICT DO UPDATE ... WHERE`` updates the row only when it holds a request, under the row's
    lock: concurrent requests from any number of servers are counted one after another.

    It runs on the server's event loop with psycopg's asynchronous connections (a few, kept open,
    in autocommit): a hop to a thread and SQLAlchemy's pool cost more than the query. Commits do
    not wait for the disk (``synchronous_commit=off``): a crash of the database losing a bucket's
    last moments lets a token make a few more requests; waiting would slow every request down.
    """

    #: connections at most; a request waits for one beyond (each statement takes ~0.3 ms)
    SIZE = 4
    #: seconds a statement (with its connection) may take; TimeoutError beyond
    TIMEOUT = 5.0

    def __init__(self, conninfo: str) -> None:
        self._conninfo = conninfo
        self._idle: list[psycopg.AsyncConnection[tuple[Any, ...]]] = []
        self._slots: asyncio.Semaphore | None = None  # made on the event loop that uses it

    async def admit(self, token_id: str, rate: float, burst: int) -> Admission:
        """Take one request from the token's bucket (``rate`` a second, up to ``burst`` at once;
        ``rate`` 0: no limit, only the revocation is read). Raises what the database raises
        (:class:`psycopg.Error`, :class:`OSError`, :class:`TimeoutError`): the caller decides."""
        args = {"id": token_id, "rate": float(rate), "burst": float(max(1, burst))}
        query = _ADMIT if rate > 0 else _REVOKED
        if self._slots is None:
            self._slots = asyncio.Semaphore(self.SIZE)
        async with self._slots, asyncio.timeout(self.TIMEOUT):
            reused = bool(self._idle)
            conn = self._idle.pop() if reused else await self._connect()
            try:
                row = await (await conn.execute(query, args)).fetchone()
            except psycopg.OperationalError:
                await _close(conn)
                if not reused:
                    raise
                conn = await self._connect()  # the kept one was stale (a database restarted)
                try:
                    row = await (await conn.execute(query, args)).fetchone()
                except BaseException:
                    await _close(conn)
                    raise
            except BaseException:  # cancelled mid-statement, or worse: never used again
                await _close(conn)
                raise
            self._idle.append(conn)
        assert row is not None
        granted, level, revoked = row
        if granted:
            return Admission(0.0, bool(revoked))
        # Refused: the row as it was (the statement's own snapshot), its level below one.
        return Admission(max(1e-3, (1.0 - float(level or 0.0)) / rate), bool(revoked))

    async def _connect(self) -> psycopg.AsyncConnection[tuple[Any, ...]]:
        return await psycopg.AsyncConnection.connect(
            self._conninfo,
            autocommit=True,
            connect_timeout=int(self.TIMEOUT),
            options="-c synchronous_commit=off",
        )

    async def close(self) -> None:
        idle, self._idle = self._idle, []
        for conn in idle:
            await _close(conn)


async def _close(conn: psycopg.AsyncConnection[tuple[Any, ...]]) -> None:
    with contextlib.suppress(Exception):
        await conn.close()


_FORMAT = "%Y-%m-%dT%H:%M:%S.%fZ"


def _utcnow() -> datetime.datetime:
    return datetime.datetime.now(datetime.UTC)


def _parse_time(text: str) -> datetime.datetime:
    return datetime.datetime.strptime(text, _FORMAT).replace(tzinfo=datetime.UTC)


def _text(value: object, where: str, *, empty: bool = False) -> None:
    if not isinstance(value, str) or (not empty and not value.strip()):
        raise InputError("expected a non-empty text", where=where)
    if len(value) > _NAME_MAX or any(not c.isprintable() for c in value):
        raise InputError(f"expected printable text of at most {_NAME_MAX} characters", where=where)


def _token(row: sa.Row[*tuple[Any, ...]], revoked_at: str | None) -> Token:
    return Token(
        id=row.id,
        role=row.role,
        territory=row.territory,
        name=row.name,
        secret_sha256=row.secret_sha256,
        created_at=row.created_at,
        expires_at=row.expires_at,
        revoked_at=revoked_at,
    )


def check_territory(territory: str | None, known: set[str] | frozenset[str]) -> None:
    """InputError unless ``territory`` (if any) is one of the election's."""
    if territory is not None and territory not in known:
        raise InputError(f"unknown territory {territory!r}", where="--territory")


__all__ = [
    "MAX_LIFETIME",
    "ROLES",
    "Admission",
    "Admissions",
    "Issued",
    "Token",
    "Tokens",
    "api_tokens",
    "authenticate",
    "parse_duration",
    "split",
    "token_id_of",
    "token_revocations",
]
