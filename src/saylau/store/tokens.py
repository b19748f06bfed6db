"""API tokens: who may use the HTTP API, in which role and for which territory; kept as hashes only.

A token is ``saylau_<id>_<secret>``: a public id (12 hex digits) that names it in logs and in the
store's ``actor`` column, and a secret of 32 random bytes (base64url). The store keeps the id,
the role, the territory, a name, the expiry and the sha256 of the secret's bytes, never the secret:
:meth:`Tokens.create` returns the token text once, and whoever holds the database cannot use it to
write. Checking a presented token is a dictionary lookup by id and a constant-time comparison of
hashes (:func:`authenticate`).

Roles (:data:`ROLES`): ``admin`` (everything), ``commission`` (writes protocols and turnout for the
stations inside its territory), ``observer`` (reads everything, per-station protocols and the audit
chain included) and ``public`` (published results only, like a request without a token).

A token lives at most :data:`MAX_LIFETIME` (400 days: one election's preparation, the vote and
its disputes, with room to spare); a longer expiry is refused, and a token meant to last is made
without one. A token's text given where its id is expected (``token revoke``) names the token it
is; an error about a token names its id only, never its text.

Like the rest of the store the tables are append-only: creating a token and revoking one are
events in a hash chain of their own (``api_token_events``; the protocol chain's verifier knows
only definitions, protocols and turnout, so token events are not mixed into it). A revocation is a
new event, never an UPDATE; :meth:`Tokens.verify` recomputes the chain and every token row.
"""

from __future__ import annotations

import base64
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

import sqlalchemy as sa

from saylau.errors import InputError
from saylau.store import audit
from saylau.store.audit import AuditReport
from saylau.store.canonical import GENESIS, dumps, sha256_hex
from saylau.store.engine import label, reading, writing
from saylau.store.opening import open_checked
from saylau.store.tables import metadata

ROLES = ("admin", "commission", "observer", "public")
PREFIX = "saylau_"
ID_HEX = 12
SECRET_BYTES = 32
_SECRET_TEXT = 43  # base64url of 32 bytes, without padding
ACTIONS = ("create", "revoke")
_DURATION = re.compile(r"\s*(\d{1,6})\s*([smhdw])\s*")
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}
_NAME_MAX = 200
_ID = re.compile(f"[0-9a-f]{{{ID_HEX}}}")
#: The longest a token may be made to last: 400 days.
MAX_LIFETIME = datetime.timedelta(days=400)

#: The hash chain of token events: one entry per creation or revocation.
token_events = sa.Table(
    "api_token_events",
    metadata,
    sa.Column("seq", sa.BigInteger, primary_key=True, autoincrement=False),
    sa.Column("at", sa.Text, nullable=False),
    sa.Column("actor", sa.Text, nullable=False),
    sa.Column("action", sa.Text, nullable=False),
    sa.Column("token_id", sa.Text, nullable=False),
    sa.Column("content_hash", sa.String(64), nullable=False),
    sa.Column("prev_hash", sa.String(64), nullable=False),
    sa.Column("entry_hash", sa.String(64), nullable=False),
    sa.CheckConstraint("action IN ('create', 'revoke')", name="action"),
)

#: One row per token ever created; the secret only as its sha256.
api_tokens = sa.Table(
    "api_tokens",
    metadata,
    sa.Column("id", sa.Text, primary_key=True),
    sa.Column("role", sa.Text, nullable=False),
    sa.Column("territory", sa.Text, nullable=True),
    sa.Column("name", sa.Text, nullable=False),
    sa.Column("secret_sha256", sa.String(64), nullable=False),
    sa.Column("created_at", sa.Text, nullable=False),
    sa.Column("expires_at", sa.Text, nullable=True),
    sa.Column("event_seq", sa.BigInteger, sa.ForeignKey("api_token_events.seq"), nullable=False, unique=True),
    sa.CheckConstraint("role IN ('admin', 'commission', 'observer', 'public')", name="role"),
)


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
        if role != "commission" and territory:
            raise InputError(
                f"only commission tokens have a territory, not {role} tokens", where="--territory"
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
            seq = self._append(conn, at, actor, "create", token_id, _created_hash(token))
            conn.execute(
                sa.insert(api_tokens),
                {
                    "id": token.id,
                    "role": token.role,
                    "territory": token.territory,
                    "name": token.name,
                    "secret_sha256": token.secret_sha256,
                    "created_at": token.created_at,
                    "expires_at": token.expires_at,
                    "event_seq": seq,
                },
            )
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
                sa.select(token_events.c.at).where(
                    token_events.c.token_id == token_id, token_events.c.action == "revoke"
                )
            ).first()
            if revoked is not None:
                raise InputError(
                    f"token {token_id} was already revoked at {revoked.at}", where="token revoke"
                )
            at = audit.now()
            self._append(conn, at, actor, "revoke", token_id, _revoked_hash(token_id))
        return _token(row, at)

    def _append(
        self, conn: sa.Connection, at: str, actor: str, action: str, token_id: str, content_hash: str
    ) -> int:
        last = conn.execute(
            sa.select(token_events.c.seq, token_events.c.entry_hash)
            .order_by(token_events.c.seq.desc())
            .limit(1)
        ).first()
        seq, prev = (int(last.seq), str(last.entry_hash)) if last else (0, GENESIS)
        seq += 1
        conn.execute(
            sa.insert(token_events),
            {
                "seq": seq,
                "at": at,
                "actor": actor,
                "action": action,
                "token_id": token_id,
                "content_hash": content_hash,
                "prev_hash": prev,
                "entry_hash": _entry_hash(seq, at, actor, action, token_id, content_hash, prev),
            },
        )
        return seq

    # -- reads -------------------------------------------------------------------------------

    def head(self) -> tuple[int, str]:
        """(seq, entry_hash) of the last token event; (0, GENESIS) when there is none."""
        with reading(self._engine) as conn:
            last = conn.execute(
                sa.select(token_events.c.seq, token_events.c.entry_hash)
                .order_by(token_events.c.seq.desc())
                .limit(1)
            ).first()
        return (int(last.seq), str(last.entry_hash)) if last else (0, GENESIS)

    def all(self) -> dict[str, Token]:
        """Every token ever created, by id, revoked ones with their ``revoked_at``."""
        with reading(self._engine) as conn:
            revoked = dict(
                conn.execute(
                    sa.select(token_events.c.token_id, token_events.c.at).where(
                        token_events.c.action == "revoke"
                    )
                ).all()
            )
            rows = conn.execute(sa.select(api_tokens).order_by(api_tokens.c.event_seq)).all()
        return {row.id: _token(row, revoked.get(row.id)) for row in rows}

    def verify(self) -> AuditReport:
        """Recompute the token chain and every token row against it."""
        problems: dict[int, str] = {}
        with reading(self._engine) as conn:
            events = conn.execute(sa.select(token_events).order_by(token_events.c.seq)).all()
            rows = {r.event_seq: r for r in conn.execute(sa.select(api_tokens)).all()}
        expected, prev, created = 1, GENESIS, set()
        for e in events:
            name = f"token event {e.seq} ({e.action} {e.token_id})"
            if e.seq != expected:
                problems.setdefault(expected, f"token event {expected} is missing")
            if e.prev_hash != prev:
                problems.setdefault(e.seq, f"{name}: its prev_hash is not the hash of the event before it")
            recomputed = _entry_hash(e.seq, e.at, e.actor, e.action, e.token_id, e.content_hash, e.prev_hash)
            if recomputed != e.entry_hash:
                problems.setdefault(e.seq, f"{name}: the event was changed after it was written")
            if e.action == "create":
                row = rows.pop(e.seq, None)
                if row is None or row.id != e.token_id:
                    problems.setdefault(e.seq, f"{name}: its token row is missing")
                elif _created_hash(_token(row, None)) != e.content_hash:
                    problems.setdefault(e.seq, f"{name}: the token row was changed after it was written")
                created.add(e.token_id)
            elif e.action == "revoke":
                if e.token_id not in created or e.content_hash != _revoked_hash(e.token_id):
                    problems.setdefault(e.seq, f"{name}: it revokes no token created before it")
            else:
                problems.setdefault(e.seq, f"{name}: unknown action")
            prev, expected = e.entry_hash, e.seq + 1
        for seq, row in rows.items():
            problems.setdefault(seq, f"token {row.id}: no creation event records it")
        if not problems:
            return AuditReport(ok=True, entries=len(events))
        first = min(problems)
        return AuditReport(ok=False, entries=len(events), first_bad=first, problem=problems[first])


# -- helpers ---------------------------------------------------------------------------------

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


def _created_hash(token: Token) -> str:
    fields = {k: v for k, v in token.describe().items() if k != "revoked_at"}
    return sha256_hex(dumps({**fields, "secret_sha256": token.secret_sha256}))


def _revoked_hash(token_id: str) -> str:
    return sha256_hex(dumps({"revoke": token_id}))


def _entry_hash(
    seq: int, at: str, actor: str, action: str, token_id: str, content_hash: str, prev_hash: str
) -> str:
    return sha256_hex(
        dumps(
            {
                "seq": int(seq),
                "at": at,
                "actor": actor,
                "action": action,
                "token_id": token_id,
                "content_hash": content_hash,
                "prev_hash": prev_hash,
            }
        )
    )


def check_territory(territory: str | None, known: set[str] | frozenset[str]) -> None:
    """InputError unless ``territory`` (if any) is one of the election's."""
    if territory is not None and territory not in known:
        raise InputError(f"unknown territory {territory!r}", where="--territory")


__all__ = [
    "MAX_LIFETIME",
    "ROLES",
    "Issued",
    "Token",
    "Tokens",
    "api_tokens",
    "authenticate",
    "parse_duration",
    "split",
    "token_events",
    "token_id_of",
]
