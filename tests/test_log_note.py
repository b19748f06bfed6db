"""Signed checkpoints (saylau.transparency.note and .keys): the C2SP signed-note vectors of the
specification and of Go's golang.org/x/mod/sumdb/note, the tlog-checkpoint body, and the key file.
"""

from __future__ import annotations

import base64
import os
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from saylau.errors import InputError
from saylau.transparency import keys
from saylau.transparency.note import (
    Checkpoint,
    Signer,
    Verifier,
    key_id,
    open_checkpoint,
    open_note,
    read_note,
    sign_checkpoint,
    sign_note,
)

#: The example of c2sp.org/signed-note.
SPEC_VKEY = "example.com/foo+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k"
SPEC_NOTE = (
    "This is an example message.\n\n"
    "— example.com/foo "
    "Uw2QOkn8srV1yJGh2VYRlL1Tnagv1YEq6TfXppzi2ONncAlTgK7Ztg1ERYNZXsYjOBH3mFXmRKuwHjG1Yu72IneyaQM=\n"
)
#: The keys and signature of Go's sumdb/note tests.
GO_SKEY = "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz"
GO_VKEY = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"
GO_TEXT = (
    "If you think cryptography is the answer to your problem,\nthen you don't know what your problem is.\n"
)
GO_SIGNATURE = (
    "— PeterNeumann "
    "x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n"
)
ENOCH_VKEY = "EnochRoot+af0cfe78+ATtqJ7zOtqQtYqOo0CpvDXNlMhV3HeJDpjrASKGLWdop"


def test_the_published_vectors() -> None:
    signer = Signer.parse(GO_SKEY)
    assert signer.verifier.vkey == GO_VKEY and signer.skey == GO_SKEY
    assert sign_note(GO_TEXT, signer) == f"{GO_TEXT}\n{GO_SIGNATURE}"  # Ed25519 is deterministic
    assert open_note(f"{GO_TEXT}\n{GO_SIGNATURE}", Verifier.parse(GO_VKEY)) == GO_TEXT
    assert open_note(SPEC_NOTE, Verifier.parse(SPEC_VKEY)) == "This is an example message.\n"
    spec = Verifier.parse(SPEC_VKEY)
    assert key_id(spec.name, spec.public).hex() == "530d903a" and spec.vkey == SPEC_VKEY
    assert "PRIVATE" not in repr(signer) and GO_SKEY not in repr(signer)


def test_a_note_is_refused_when_changed_or_signed_by_another() -> None:
    note = f"{GO_TEXT}\n{GO_SIGNATURE}"
    peter, enoch = Verifier.parse(GO_VKEY), Verifier.parse(ENOCH_VKEY)
    with pytest.raises(InputError, match="does not match the text"):
        open_note(note.replace("problem,", "problem;"), peter)
    with pytest.raises(InputError, match=r"not signed by EnochRoot \(af0cfe78\); signed by PeterNeumann"):
        open_note(note, enoch)
    forged = Verifier(peter.name, peter.id, enoch.public)  # the id of one key, the key of another
    with pytest.raises(InputError, match="does not match"):
        open_note(note, forged)
    cosigned = note + GO_SIGNATURE.replace("PeterNeumann", "EnochRoot")  # another's line is left alone
    assert open_note(cosigned, peter) == GO_TEXT
    for bad in [
        GO_TEXT,  # no signatures
        note[:-1],  # no final newline
        note.replace("— ", "-- "),
        note.replace("— PeterNeumann ", "— Peter Neumann "),
        note.replace("x08go", "!x08go"),
        f"{GO_TEXT}\n— PeterNeumann AAAA\n",  # too short
        note.replace("problem,", "problem,\x07"),
        "\n".join([GO_TEXT, *[GO_SIGNATURE.strip()] * 101]) + "\n",
        b"\xff\xfe",
    ]:
        with pytest.raises(InputError):
            open_note(bad, peter)


@pytest.mark.parametrize(
    "vkey",
    [
        "",
        "PeterNeumann",
        "PeterNeumann+c74f20a3",
        "PeterNeumann+c74f20a4+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",  # the wrong id
        "PeterNeumann+C74F20A3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",
        "PeterNeumann+c74f20a3+Apc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",  # not base64 of 33 bytes
        "PeterNeumann+c74f20a3+AhpcB2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",
        "Peter Neumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",
    ],
)
def test_a_verifier_key_is_read_exactly(vkey: str) -> None:
    with pytest.raises(InputError):
        Verifier.parse(vkey)


def test_a_vkey_whose_base64_holds_a_plus() -> None:
    """The name holds no '+', the base64 may: the vkey splits from the left."""
    plus = Verifier.parse("TEST+7997405c+AQcC+FTVKf0jlTdHDY3rbevmnKxxPjigCXlVtGe6RIr6")
    assert plus.name == "TEST" and plus.vkey.endswith("AQcC+FTVKf0jlTdHDY3rbevmnKxxPjigCXlVtGe6RIr6")


def test_a_checkpoint_body_and_its_signature() -> None:
    root = bytes(range(32))
    checkpoint = Checkpoint("results.example.org/kz-2023", 10_421, root)
    assert checkpoint.text() == f"results.example.org/kz-2023\n10421\n{base64.b64encode(root).decode()}\n"
    signer = Signer.generate("results.example.org/kz-2023")
    note = sign_checkpoint(checkpoint, signer)
    assert note.startswith(checkpoint.text() + "\n— results.example.org/kz-2023 ")
    assert open_checkpoint(note, signer.verifier, "results.example.org/kz-2023") == checkpoint
    with pytest.raises(InputError, match="not of 'other'"):
        open_checkpoint(note, signer.verifier, "other")
    text, signatures = read_note(note)
    assert text == checkpoint.text() and signatures[0].id == signer.verifier.id
    assert Checkpoint.parse(checkpoint.text() + "extension line\n").extensions == ("extension line",)
    for bad in [
        "origin\n10\n",  # no root
        "origin\n010\n" + base64.b64encode(root).decode() + "\n",  # a leading zero
        "origin\n-1\n" + base64.b64encode(root).decode() + "\n",
        "origin\n10\n" + base64.b64encode(root[:31]).decode() + "\n",
        "origin\n10\nnot base64!\n",
        "two words\n10\n" + base64.b64encode(root).decode() + "\n",
        "origin\n10\n" + base64.b64encode(root).decode(),  # no final newline
    ]:
        with pytest.raises(InputError):
            Checkpoint.parse(bad)


@settings(max_examples=30, deadline=None)
@given(st.integers(0, 2**63), st.binary(min_size=32, max_size=32), st.integers(0, 2**64 - 1))
def test_any_checkpoint_round_trips_and_any_other_tree_fails(size: int, root: bytes, other: int) -> None:
    signer = Signer.parse(GO_SKEY)
    note = sign_checkpoint(Checkpoint("PeterNeumann", size, root), signer)
    assert open_checkpoint(note, signer.verifier) == Checkpoint("PeterNeumann", size, root)
    if other != size:
        lines = note.split("\n")
        lines[1] = str(other)
        with pytest.raises(InputError, match="does not match the text"):
            open_checkpoint("\n".join(lines), signer.verifier)


def test_the_key_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    signer = Signer.generate("saylau/tiny/0000")
    path = tmp_path / "store.db.key"
    keys.write_new(path, signer)
    assert path.stat().st_mode & 0o777 == 0o600
    assert keys.read(path).verifier == signer.verifier
    with pytest.raises(InputError, match="never overwritten"):
        keys.write_new(path, Signer.generate("saylau/tiny/0001"))
    assert keys.read(path).verifier == signer.verifier
    os.chmod(path, 0o640)
    with pytest.raises(InputError, match="can be read by other users"):
        keys.read(path)
    os.chmod(path, 0o600)
    path.write_text("PRIVATE+KEY+x+00000000+AAAA\n")
    with pytest.raises(InputError, match="does not hold a log key") as refused:
        keys.read(path)
    assert "AAAA" not in str(refused.value)  # a key file's content is a secret: never repeated
    with pytest.raises(InputError, match="no log key at"):
        keys.read(tmp_path / "missing.key")
    monkeypatch.delenv(keys.KEY_ENV, raising=False)
    assert keys.key_path(None, tmp_path / "night.db") == tmp_path / "night.db.key"
    assert keys.key_path(None, None) is None
    assert keys.key_path("given.key", tmp_path / "night.db") == Path("given.key")
    monkeypatch.setenv(keys.KEY_ENV, str(tmp_path / "env.key"))
    assert keys.key_path(None, None) == tmp_path / "env.key"
