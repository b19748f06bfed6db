"""Commission-signed protocols: commissions' public keys, and the check of a protocol's signature.

A protocol the server stores says only that someone with a token sent it. A commission that signs
what it sends, with an Ed25519 key whose private half never leaves its officer's browser (or its
own machine, for files), makes the record say more: these counts are the ones the commission
signed. Whoever runs the server can then neither change a signed count nor make one up, since
each signature is checked again by every verifier (:func:`saylau.store.audit.verify`).

A key is registered by a commission's token, for that token's territory, and signs the protocols
of the stations inside that territory; it is revoked by a new event, never by an UPDATE, and a
revoked key signs nothing after its revocation (what it signed before stays signed). Its id is the
first 16 hex digits of SHA-256(public key), so one key is one id everywhere.

What is signed is :func:`saylau.store.canonical.protocol_message`: the election's id and the
version's canonical content (station, contest, lines, votes, status), the bytes whose SHA-256 is
its ``content_hash``. The reason of a correction, the source and the sender are the server's
record of the event, in the version's log entry, not the commission's statement.

The definition says whether a signature is needed (``[election] signatures = "required"`` in
election.toml; ``"optional"`` by default): when required, the store refuses an unsigned protocol
whoever sends it; when optional, an unsigned version is shown as such.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import os
import stat
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from saylau.errors import InputError
from saylau.store import settings
from saylau.store.canonical import counts, protocol_content, protocol_message, signature_content

#: Hex digits of a key's id: SHA-256(public key), cut to 8 bytes.
KEY_ID_HEX = 16
#: What ``[election] signatures`` may say; the first is the default.
POLICIES = ("optional", "required")
PUBLIC_KEY_BYTES = 32
SIGNATURE_BYTES = 64


@dataclass(frozen=True)
class Signature:
    """A commission's signature of one protocol: the key's id and the base64 of 64 bytes."""

    key_id: str
    value: str

    def content(self) -> str:
        """As the version's log entry holds it (:func:`saylau.store.canonical.signature_content`)."""
        return signature_content(self.key_id, self.value)


@dataclass(frozen=True)
class SigningKey:
    """A registered key: its public half (base64), the territory it signs for, the token that
    registered it, and when; ``revoked_at`` once revoked (``revoked_seq`` its entry)."""

    id: str
    public_key: str
    territory: str
    token_id: str
    name: str
    actor: str
    at: str
    event_seq: int
    revoked_at: str | None = None
    revoked_seq: int | None = None

    @property
    def raw(self) -> bytes:
        return base64.b64decode(self.public_key)

    def describe(self) -> dict[str, Any]:
        """What anyone may see of a key (all of it: a public key is public)."""
        return {
            "id": self.id,
            "public_key": self.public_key,
            "territory": self.territory,
            "token": self.token_id,
            "name": self.name,
            "registered_at": self.at,
            "audit_seq": self.event_seq,
            "revoked_at": self.revoked_at,
        }


# -- keys and signatures as text ---------------------------------------------------------------


def key_id_of(public: bytes) -> str:
    return hashlib.sha256(public).hexdigest()[:KEY_ID_HEX]


def public_key_text(public: bytes) -> str:
    """The one text of a public key: standard base64 of its 32 bytes, with padding."""
    return base64.b64encode(public).decode("ascii")


def public_key_bytes(text: str, where: str = "public_key") -> bytes:
    """The 32 bytes of an Ed25519 public key given as base64 (what WebCrypto's ``exportKey("raw")``
    gives, encoded) or as a PEM ``PUBLIC KEY`` (what ``openssl pkey -pubout`` writes);
    InputError naming what it is not."""
    if not isinstance(text, str):
        raise InputError("expected a public key as text", where=where)
    text = text.strip()
    if text.startswith("-----BEGIN"):
        try:
            key = serialization.load_pem_public_key(text.encode("ascii"))
        except (ValueError, UnicodeEncodeError, TypeError):
            raise InputError("not a PEM public key", where=where) from None
        if not isinstance(key, Ed25519PublicKey):
            raise InputError("not an Ed25519 public key", where=where)
        return key.public_bytes_raw()
    raw = _b64(text, "the public key", where)
    if len(raw) != PUBLIC_KEY_BYTES:
        raise InputError(
            f"an Ed25519 public key is {PUBLIC_KEY_BYTES} bytes (base64), not {len(raw)}", where=where
        )
    try:
        Ed25519PublicKey.from_public_bytes(raw)
    except ValueError:
        raise InputError("not an Ed25519 public key", where=where) from None
    return raw


def signature_bytes(value: str, where: str = "signature") -> bytes:
    """The 64 bytes of a signature given as standard base64 with padding, and only so: the text is
    stored and hashed as given, and every verifier must read it the same way."""
    raw = _b64(value, "the signature", where)
    if base64.b64encode(raw).decode("ascii") != value:
        raise InputError("the signature is not standard base64 with padding (RFC 4648 §4)", where=where)
    if len(raw) != SIGNATURE_BYTES:
        raise InputError(
            f"an Ed25519 signature is {SIGNATURE_BYTES} bytes (base64), not {len(raw)}", where=where
        )
    return raw


def _b64(text: str, what: str, where: str) -> bytes:
    """Standard or URL-safe base64, padded or not: the forms a browser or a shell may hand over."""
    if not isinstance(text, str) or not text or len(text) > 200:
        raise InputError(f"{what} is not base64", where=where)
    cleaned = text.strip().replace("-", "+").replace("_", "/")
    cleaned += "=" * (-len(cleaned) % 4)
    try:
        return base64.b64decode(cleaned.encode("ascii"), validate=True)
    except (binascii.Error, UnicodeEncodeError, ValueError):
        raise InputError(f"{what} is not base64", where=where) from None


def verifies(public: bytes, message: bytes, value: str) -> bool:
    """Whether ``value`` (base64) is an Ed25519 signature of ``message`` by ``public``."""
    try:
        raw = signature_bytes(value)
        Ed25519PublicKey.from_public_bytes(public).verify(raw, message)
    except (InputError, InvalidSignature, ValueError):
        return False
    return True


def sign(key: Ed25519PrivateKey, message: bytes) -> str:
    return base64.b64encode(key.sign(message)).decode("ascii")


# -- key files (saylau keys create, saylau import --sign) ----------------------------------------


def write_key_pair(path: Path) -> tuple[Path, str]:
    """A new key pair: the private key to ``path`` (PKCS#8 PEM, mode 0600, never over a file),
    the public key beside it (``<path>.pub``, base64, what ``saylau keys register`` reads).
    Returns the public key's file and the key's id."""
    key = Ed25519PrivateKey.generate()
    public = key.public_key().public_bytes_raw()
    pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    public_path = path.with_name(path.name + ".pub")
    if public_path.exists():
        raise InputError(f"{public_path} exists already: a key is never overwritten", where="--out")
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        raise InputError(f"{path} exists already: a key is never overwritten", where="--out") from None
    except OSError as e:
        raise InputError(f"cannot write {path}: {e.strerror or e}", where="--out") from None
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(pem)
            out.flush()
            os.fsync(out.fileno())
        public_path.write_text(public_key_text(public) + "\n", encoding="ascii")
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    return public_path, key_id_of(public)


def read_private_key(path: Path, where: str = "--sign") -> Ed25519PrivateKey:
    """The private key of a file :func:`write_key_pair` (or ``openssl genpkey -algorithm
    ed25519``) wrote; InputError when it is missing, readable by others or not such a key (the
    message never repeats the file's content)."""
    try:
        info = path.stat()
        data = path.read_bytes()
    except FileNotFoundError:
        raise InputError(f"no key file {path}", where=where) from None
    except OSError as e:
        raise InputError(f"cannot read {path}: {e.strerror or e}", where=where) from None
    if os.name == "posix" and info.st_mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise InputError(
            f"{path} can be read by other users (mode {stat.S_IMODE(info.st_mode):o}): chmod 600 {path}",
            where=where,
        )
    try:
        key = serialization.load_pem_private_key(data, password=None)
    except (ValueError, TypeError):
        raise InputError(f"{path} does not hold an unencrypted PEM private key", where=where) from None
    if not isinstance(key, Ed25519PrivateKey):
        raise InputError(f"{path} holds a private key that is not Ed25519", where=where)
    return key


def public_of(key: Ed25519PrivateKey) -> bytes:
    return key.public_key().public_bytes_raw()


def message_of(
    election: str, station: str, contest: str, lines: Mapping[str, int], votes: Mapping[str, int], status: str
) -> bytes:
    """The bytes a commission signs for a protocol as the store will keep it (its lines and votes
    as stored: the checker's canonical form for one sent over HTTP, the file's for an import)."""
    where = f"protocol {station}/{contest}"
    content = protocol_content(station, contest, counts(lines, where)[1], counts(votes, where)[1], status)
    return protocol_message(election, content)


def sign_protocols(
    key: Ed25519PrivateKey, election: str, protocols: Iterable[Any], status: str
) -> dict[tuple[str, str], Signature]:
    """Each protocol signed with ``key`` (``saylau import --sign``): by (station, contest)."""
    key_id = key_id_of(public_of(key))
    return {
        (p.station, p.contest): Signature(
            key_id, sign(key, message_of(election, p.station, p.contest, p.lines, p.votes, status))
        )
        for p in protocols
    }


# -- the definition's policy ---------------------------------------------------------------------


def policy(election: Mapping[str, Any]) -> str:
    """``required`` or ``optional``: what ``[election] signatures`` of the stored definition says
    (its ``[election]`` table, :func:`saylau.store.settings.election_table`; checked with the rest
    of the definition when the store was made; optional when absent)."""
    return settings.choice(election, "signatures", POLICIES)


def inside_of(
    territories: Mapping[str, str | None], stations: Mapping[str, str]
) -> Callable[[str, str], bool]:
    """``inside(station, territory)``: whether the station lies in the territory, given each
    territory's parent and each station's territory (the election's tree)."""
    chains: dict[str, frozenset[str]] = {}

    def chain(territory: str) -> frozenset[str]:
        found = chains.get(territory)
        if found is None:
            up, seen = [], set()
            at: str | None = territory
            while at is not None and at not in seen:
                seen.add(at)
                up.append(at)
                at = territories.get(at)
            found = chains[territory] = frozenset(up)
        return found

    def inside(station: str, territory: str) -> bool:
        home = stations.get(station)
        return home is not None and territory in chain(home)

    return inside


# -- keys in the store ----------------------------------------------------------------------------


def read_keys(conn: sa.Connection) -> dict[str, SigningKey]:
    """Every key ever registered, by id, revoked ones with their revocation: only keys whose
    registration is in the log, as that key's registration (a row slipped in is no key)."""
    from saylau.store.tables import audit_log, key_revocations, signing_keys

    a, k, r = audit_log, signing_keys, key_revocations
    revoked = {
        row.key_id: (row.at, int(row.seq))
        for row in conn.execute(
            sa.select(r.c.key_id, a.c.at, a.c.seq)
            .select_from(r.join(a, a.c.seq == r.c.event_seq))
            .where(a.c.action == "key-revoke", a.c.subject == r.c.key_id)
        )
    }
    rows = conn.execute(
        sa.select(k)
        .select_from(k.join(a, a.c.seq == k.c.event_seq))
        .where(a.c.action == "key-register", a.c.subject == k.c.id)
        .order_by(k.c.event_seq)
    ).all()
    out = {}
    for row in rows:
        at, seq = revoked.get(row.id, (None, None))
        out[row.id] = SigningKey(
            row.id,
            row.public_key,
            row.territory,
            row.token_id,
            row.name,
            row.actor,
            row.at,
            int(row.event_seq),
            at,
            seq,
        )
    return out


def key_fields(key: SigningKey | Mapping[str, Any]) -> dict[str, str]:
    """What a key-register entry records of a key (its time and actor are the entry's own)."""
    if isinstance(key, SigningKey):
        return {
            "id": key.id,
            "name": key.name,
            "public_key": key.public_key,
            "territory": key.territory,
            "token": key.token_id,
        }
    return {
        "id": key["id"],
        "name": key["name"],
        "public_key": key["public_key"],
        "territory": key["territory"],
        "token": key["token_id"],
    }


def refusal(
    station: str,
    contest: str,
    signature: Signature,
    keys: Mapping[str, SigningKey],
    inside: Callable[[str, str], bool],
    message: bytes,
) -> str | None:
    """Why ``signature`` of protocol ``station/contest`` is refused now, or None when it holds: the
    key must be registered, not revoked, of a territory holding the station, and the signature
    must verify over ``message``."""
    try:
        signature_bytes(signature.value)
    except InputError as e:
        return str(e)
    key = keys.get(signature.key_id)
    if key is None:
        return f"no key {signature.key_id!r} is registered (POST /api/v1/keys registers one)"
    if key.revoked_at is not None:
        return f"key {key.id} was revoked at {key.revoked_at}"
    if not inside(station, key.territory):
        return f"key {key.id} signs for territory {key.territory!r}, which does not hold station {station!r}"
    if not verifies(key.raw, message, signature.value):
        return (
            f"the signature does not verify with key {key.id}: it was not made over this protocol's "
            "canonical content (docs/verification.md: the bytes a commission signs)"
        )
    return None


__all__ = [
    "KEY_ID_HEX",
    "POLICIES",
    "Signature",
    "SigningKey",
    "key_fields",
    "key_id_of",
    "policy",
    "public_key_bytes",
    "public_key_text",
    "read_keys",
    "read_private_key",
    "refusal",
    "sign",
    "verifies",
    "write_key_pair",
]
