"""Signed checkpoints: the C2SP tlog-checkpoint body in a C2SP signed note, signed with Ed25519.

A checkpoint commits to a tree of the log in three lines, then a blank line and one signature line
per signer (c2sp.org/tlog-checkpoint, c2sp.org/signed-note)::

    saylau/kz-2023/3f9c01d2                 the origin: which log
    10421                                   the tree size, in decimal
    M3RlU2...HQ=                            the root hash, base64 (RFC 4648, with padding)

    — saylau/kz-2023/3f9c01d2 q0bDXd...==   em dash, space, key name, space, base64(key id || signature)

The signature is Ed25519 over the note's text (the body lines, each ending in a newline, without
the blank line); the key id is the first 4 bytes of SHA-256(key name || 0x0A || 0x01 || public
key). A verifier names a key by its *vkey*, ``<name>+<key id, 8 hex>+<base64(0x01 || public key)>``,
and the signing key is kept as ``PRIVATE+KEY+<name>+<key id>+<base64(0x01 || seed)>``: the same
texts as Go's golang.org/x/mod/sumdb/note, so the tools of Certificate Transparency, the Go
checksum database and Sigstore read these checkpoints, and a witness can cosign them by adding a
line. Ed25519 signatures are deterministic: one key signs one tree with one note, whoever asks.

No I/O here: texts in, texts out (:mod:`saylau.transparency.keys` reads and writes the key file).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from saylau.errors import InputError
from saylau.transparency.merkle import HASH_SIZE

#: The signature type of Ed25519 in signed-note (the byte before a public key, and in the key id).
ED25519 = 0x01
#: What starts a signature line: U+2014 EM DASH and a space.
DASH = "\u2014 "
#: A note with more signature lines is refused (Go's sumdb/note limit).
MAX_SIGNATURES = 100
#: Longest note read: a checkpoint is a few hundred bytes; witnesses' lines add 100 or so each.
MAX_NOTE = 1 << 20
_HEX8 = re.compile(r"[0-9a-f]{8}")
_DECIMAL = re.compile(r"0|[1-9][0-9]{0,19}")
_PRIVATE = "PRIVATE+KEY+"


def check_name(name: str, where: str = "key name") -> str:
    """A key name or origin as signed-note allows: not empty, no space of any kind, no ``+``."""
    if (
        not isinstance(name, str)
        or not name
        or "+" in name
        or any(c.isspace() or not c.isprintable() for c in name)
        or len(name) > 256
    ):
        raise InputError(
            f"expected a name without spaces or '+' (such as example.org/election-2026), got {name!r}",
            where=where,
        )
    return name


def key_id(name: str, public: bytes) -> bytes:
    """The 4-byte id of an Ed25519 key: SHA-256(name || 0x0A || 0x01 || public key)[:4]."""
    return hashlib.sha256(name.encode("utf-8") + b"\n" + bytes([ED25519]) + public).digest()[:4]


def _b64(text: str, what: str, where: str) -> bytes:
    try:
        return base64.b64decode(text.encode("ascii"), validate=True)
    except (binascii.Error, UnicodeEncodeError, ValueError):
        raise InputError(f"{what} is not base64", where=where) from None


@dataclass(frozen=True)
class Verifier:
    """A public key that checks signatures: its name, 4-byte id and 32 bytes of Ed25519 key."""

    name: str
    id: bytes
    public: bytes

    @classmethod
    def parse(cls, vkey: str) -> Verifier:
        """A vkey, ``<name>+<id>+<base64(0x01 || key)>``; InputError naming what is wrong."""
        where = "verifier key"
        if not isinstance(vkey, str):
            raise InputError("expected text", where=where)
        vkey = vkey.strip()
        parts = vkey.split("+", 2)  # the name has no "+"; base64 may
        if len(parts) != 3 or not _HEX8.fullmatch(parts[1]):
            raise InputError("expected <name>+<8 hex digits>+<base64 key>", where=where)
        name, hex_id, encoded = parts
        check_name(name, where)
        raw = _b64(encoded, "the key", where)
        if len(raw) != 1 + HASH_SIZE or raw[0] != ED25519:
            raise InputError("the key is not an Ed25519 key (type 0x01 and 32 bytes)", where=where)
        public = raw[1:]
        if key_id(name, public).hex() != hex_id:
            raise InputError(f"the key id {hex_id} is not the id of this name and key", where=where)
        return cls(name, bytes.fromhex(hex_id), public)

    @property
    def vkey(self) -> str:
        return (
            f"{self.name}+{self.id.hex()}+{base64.b64encode(bytes([ED25519]) + self.public).decode('ascii')}"
        )

    def verify(self, text: bytes, signature: bytes) -> bool:
        try:
            Ed25519PublicKey.from_public_bytes(self.public).verify(signature, text)
        except (InvalidSignature, ValueError):
            return False
        return True


class Signer:
    """An Ed25519 private key with its name: signs notes. Its text is the key file's content."""

    __slots__ = ("_key", "name", "verifier")

    def __init__(self, name: str, seed: bytes) -> None:
        check_name(name)
        if len(seed) != 32:
            raise InputError("an Ed25519 private key is 32 bytes", where="signing key")
        self.name = name
        self._key = Ed25519PrivateKey.from_private_bytes(seed)
        public = self._key.public_key().public_bytes_raw()
        self.verifier = Verifier(name, key_id(name, public), public)

    @classmethod
    def generate(cls, name: str) -> Signer:
        return cls(name, Ed25519PrivateKey.generate().private_bytes_raw())

    @classmethod
    def parse(cls, skey: str) -> Signer:
        """``PRIVATE+KEY+<name>+<id>+<base64(0x01 || seed)>``; InputError (without the key's
        text: it is a secret) when it is not that."""
        where = "signing key"
        text = skey.strip() if isinstance(skey, str) else ""
        parts = text[len(_PRIVATE) :].split("+", 2) if text.startswith(_PRIVATE) else []
        if len(parts) != 3 or not _HEX8.fullmatch(parts[1]):
            raise InputError("expected PRIVATE+KEY+<name>+<8 hex digits>+<base64 key>", where=where)
        name, hex_id, encoded = parts
        raw = _b64(encoded, "the key", where)
        if len(raw) != 33 or raw[0] != ED25519:
            raise InputError("the key is not an Ed25519 key (type 0x01 and 32 bytes)", where=where)
        signer = cls(name, raw[1:])
        if signer.verifier.id.hex() != hex_id:
            raise InputError(f"the key id {hex_id} is not the id of this name and key", where=where)
        return signer

    @property
    def skey(self) -> str:
        seed = self._key.private_bytes_raw()
        encoded = base64.b64encode(bytes([ED25519]) + seed).decode("ascii")
        return f"{_PRIVATE}{self.name}+{self.verifier.id.hex()}+{encoded}"

    def __repr__(self) -> str:  # never the secret
        return f"Signer({self.verifier.vkey!r})"

    def signature_line(self, text: str) -> str:
        """``— <name> <base64(key id || signature of text)>`` and a newline."""
        signature = self._key.sign(text.encode("utf-8"))
        return f"{DASH}{self.name} {base64.b64encode(self.verifier.id + signature).decode('ascii')}\n"


def _check_text(text: str, where: str) -> None:
    if not text.endswith("\n") or "\n\n" in text or any(c < " " and c != "\n" for c in text):
        raise InputError(
            "a note's text ends with a newline and holds no blank line and no control character", where=where
        )


def sign_note(text: str, signer: Signer) -> str:
    """``text``, a blank line and ``signer``'s signature line."""
    _check_text(text, "note")
    return f"{text}\n{signer.signature_line(text)}"


@dataclass(frozen=True)
class Signature:
    """One signature line of a note: who (name, key id) and the 64 bytes of the signature."""

    name: str
    id: bytes
    signature: bytes


def read_note(note: str | bytes) -> tuple[str, list[Signature]]:
    """A note's text and its signature lines, none of them checked yet (as Go's note.Open reads
    them: the text ends at the last blank line); InputError when it is not a signed note."""
    where = "signed note"
    if isinstance(note, bytes):
        if len(note) > MAX_NOTE:
            raise InputError(f"longer than {MAX_NOTE:,} bytes", where=where)
        try:
            note = note.decode("utf-8")
        except UnicodeDecodeError:
            raise InputError("not UTF-8 text", where=where) from None
    if not isinstance(note, str) or len(note) > MAX_NOTE:
        raise InputError("expected the text of a signed note", where=where)
    if any(c < " " and c != "\n" for c in note):
        raise InputError("a control character other than a newline", where=where)
    split = note.rfind("\n\n")
    if split < 0:
        raise InputError("no blank line before the signatures", where=where)
    text, block = note[: split + 1], note[split + 2 :]
    if not block.endswith("\n"):
        raise InputError("the signatures do not end with a newline", where=where)
    signatures = []
    for number, line in enumerate(block[:-1].split("\n"), 1):
        if number > MAX_SIGNATURES:
            raise InputError(f"more than {MAX_SIGNATURES} signatures", where=where)
        if not line.startswith(DASH):
            raise InputError(
                f"signature line {number} does not start with an em dash and a space", where=where
            )
        name, _, encoded = line[len(DASH) :].partition(" ")
        check_name(name, f"{where}: signature line {number}")
        raw = _b64(encoded, f"signature line {number}", where)
        if not encoded or len(raw) < 5:
            raise InputError(f"signature line {number} is too short", where=where)
        signatures.append(Signature(name, raw[:4], raw[4:]))
    return text, signatures


def open_note(note: str | bytes, verifier: Verifier) -> str:
    """The text of ``note`` once ``verifier``'s signature on it is checked (other signers' lines,
    a witness's cosignature for one, are left alone); InputError when it has no good one."""
    text, signatures = read_note(note)
    mine = [s for s in signatures if s.name == verifier.name and s.id == verifier.id]
    if not mine:
        others = ", ".join(sorted({f"{s.name} ({s.id.hex()})" for s in signatures}))
        raise InputError(
            f"not signed by {verifier.name} ({verifier.id.hex()}); signed by {others}", where="signed note"
        )
    if not verifier.verify(text.encode("utf-8"), mine[0].signature):
        raise InputError(
            f"the signature of {verifier.name} ({verifier.id.hex()}) does not match the text: "
            "the note was changed after it was signed, or signed with another key of the same id",
            where="signed note",
        )
    return text


@dataclass(frozen=True)
class Checkpoint:
    """A tree of the log as a checkpoint states it: origin, size and root (and extension lines)."""

    origin: str
    size: int
    root: bytes
    extensions: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        check_name(self.origin, "checkpoint origin")
        if type(self.size) is not int or self.size < 0:
            raise InputError(f"a tree size is a whole number, not {self.size!r}", where="checkpoint")
        if len(self.root) != HASH_SIZE:
            raise InputError(f"a root hash is {HASH_SIZE} bytes", where="checkpoint")

    def text(self) -> str:
        """The note's text: origin, size and base64 root, each on its line, then the extensions."""
        lines = [self.origin, str(self.size), base64.b64encode(self.root).decode("ascii"), *self.extensions]
        return "".join(f"{line}\n" for line in lines)

    @classmethod
    def parse(cls, text: str) -> Checkpoint:
        where = "checkpoint"
        _check_text(text, where)
        lines = text[:-1].split("\n")
        if len(lines) < 3:
            raise InputError("expected an origin, a tree size and a root hash, one a line", where=where)
        origin, size, root, *extensions = lines
        if not _DECIMAL.fullmatch(size):
            raise InputError(f"the tree size {size[:30]!r} is not a decimal number", where=where)
        raw = _b64(root, "the root hash", where)
        if len(raw) != HASH_SIZE:
            raise InputError(f"the root hash is {len(raw)} bytes, not {HASH_SIZE}", where=where)
        if any(not line for line in extensions):
            raise InputError("an empty extension line", where=where)
        return cls(origin, int(size), raw, tuple(extensions))


def sign_checkpoint(checkpoint: Checkpoint, signer: Signer) -> str:
    """The signed note of ``checkpoint``: what the API serves and ``saylau checkpoint`` prints."""
    return sign_note(checkpoint.text(), signer)


def open_checkpoint(note: str | bytes, verifier: Verifier, origin: str | None = None) -> Checkpoint:
    """The checkpoint in ``note`` once its signature by ``verifier`` (and its ``origin``, when
    given) is checked; InputError saying what does not hold."""
    checkpoint = Checkpoint.parse(open_note(note, verifier))
    if origin is not None and checkpoint.origin != origin:
        raise InputError(
            f"a checkpoint of the log {checkpoint.origin!r}, not of {origin!r}", where="checkpoint"
        )
    return checkpoint
