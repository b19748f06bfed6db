"""Registering and revoking commissions' keys: each one an event of the log, like a token's.

A key is registered by a commission's token, usable when it is registered, and is that token's
territory's: the store, not the caller, reads the token under the write lock, so a key is never
bound to a territory its token does not hold, nor registered by a token revoked a moment before.
A key is registered once (its id is its public key's hash), and revoked at most once.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Collection

import sqlalchemy as sa

from saylau.errors import InputError
from saylau.store import audit
from saylau.store.bulk import insert_rows
from saylau.store.canonical import key_register_entry, key_revoke_entry
from saylau.store.signing import SigningKey, key_fields, key_id_of, public_key_text, read_keys
from saylau.store.tables import api_tokens, audit_log, key_revocations, signing_keys, token_revocations

_NAME_MAX = 200


def register(
    conn: sa.Connection,
    public: bytes,
    *,
    token_id: str,
    actor: str,
    territories: Collection[str],
    name: str | None = None,
) -> SigningKey:
    """Register ``public`` for the territory of the commission token ``token_id``, under the write
    lock held by ``conn``; InputError when the token cannot register a key or the key is known."""
    token = conn.execute(
        sa.select(api_tokens)
        .select_from(api_tokens.join(audit_log, audit_log.c.seq == api_tokens.c.event_seq))
        .where(api_tokens.c.id == token_id, audit_log.c.action == "token-issue")
    ).first()
    if token is None:
        raise InputError(f"no token {token_id}", where="token")
    if token.role != "commission" or token.territory is None:
        raise InputError(
            f"token {token_id} is a {token.role} token: a key is registered by a commission's token, "
            "for that commission's territory",
            where="token",
        )
    if token.territory not in territories:
        raise InputError(
            f"token {token_id}'s territory {token.territory!r} is not the election's", where="token"
        )
    revoked = conn.execute(
        sa.select(token_revocations.c.event_seq).where(token_revocations.c.token_id == token_id)
    ).first()
    if revoked is not None:
        raise InputError(f"token {token_id} was revoked", where="token")
    at = audit.now()
    if token.expires_at is not None and token.expires_at <= at:
        raise InputError(f"token {token_id} expired at {token.expires_at}", where="token")
    name = token.name if name is None else name
    if not isinstance(name, str) or len(name) > _NAME_MAX or any(not c.isprintable() for c in name):
        raise InputError(f"expected printable text of at most {_NAME_MAX} characters", where="name")
    key_id = key_id_of(public)
    known = conn.execute(sa.select(signing_keys.c.at).where(signing_keys.c.id == key_id)).first()
    if known is not None:
        raise InputError(
            f"key {key_id} was registered already, at {known.at} (a key is registered once; make a new one)",
            where="public_key",
        )
    key = SigningKey(
        key_id, public_key_text(public), token.territory, token_id, name, actor, at, audit.last_seq(conn) + 1
    )
    entry = key_register_entry(key.event_seq, at, actor, key_fields(key))
    insert_rows(
        conn,
        audit_log,
        audit.COLUMNS,
        [audit.entry_row(key.event_seq, at, actor, "key-register", key_id, entry)],
    )
    conn.execute(
        sa.insert(signing_keys),
        {
            "id": key.id,
            "public_key": key.public_key,
            "territory": key.territory,
            "token_id": key.token_id,
            "name": key.name,
            "actor": actor,
            "at": at,
            "event_seq": key.event_seq,
        },
    )
    return key


def revoke(conn: sa.Connection, key_id: str, *, actor: str) -> SigningKey:
    """Revoke key ``key_id`` under the write lock held by ``conn``: what it signed before stays
    signed, nothing after is accepted. InputError if there is no such key or it is revoked."""
    key = read_keys(conn).get(key_id)
    if key is None:
        raise InputError(f"no key {key_id}", where="key")
    if key.revoked_at is not None:
        raise InputError(f"key {key_id} was already revoked at {key.revoked_at}", where="key")
    at = audit.now()
    seq = audit.last_seq(conn) + 1
    entry = key_revoke_entry(seq, at, actor, key_id)
    insert_rows(
        conn, audit_log, audit.COLUMNS, [audit.entry_row(seq, at, actor, "key-revoke", key_id, entry)]
    )
    conn.execute(sa.insert(key_revocations), {"event_seq": seq, "key_id": key_id})
    return dataclasses.replace(key, revoked_at=at, revoked_seq=seq)
