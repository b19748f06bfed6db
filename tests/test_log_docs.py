"""docs/verification.md's examples are true: its entry hashes to the leaf it gives, and its
checkpoint is signed by the test key it gives, as a second implementation would check them."""

from __future__ import annotations

import hashlib
import re

from conftest import ROOT
from saylau.transparency.note import Checkpoint, Signer, Verifier, open_checkpoint, sign_checkpoint

DOC = (ROOT / "docs" / "verification.md").read_text(encoding="utf-8")


def test_the_example_entry_and_its_leaf() -> None:
    entry = re.search(r'```\n(\{"action":"protocol".*\})\n```', DOC)
    leaf = re.search(r"Its leaf hash \(§1\.2\) is `([0-9a-f]{64})`", DOC)
    assert entry and leaf
    assert hashlib.sha256(b"\x00" + entry.group(1).encode()).hexdigest() == leaf.group(1)


def test_the_example_checkpoint_and_its_test_key() -> None:
    note = re.search(r"```\n(example\.org/saylau-test\n.*?\n)```", DOC, re.S)
    skey = re.search(r"signer `(PRIVATE\+KEY\+[^`]+)`", DOC)
    vkey = re.search(r"verifier key `([^`]+)`", DOC)
    assert note and skey and vkey
    signer = Signer.parse(skey.group(1))
    assert signer.verifier == Verifier.parse(vkey.group(1))
    checkpoint = open_checkpoint(note.group(1), Verifier.parse(vkey.group(1)), "example.org/saylau-test")
    assert checkpoint == Checkpoint("example.org/saylau-test", 10421, hashlib.sha256(b"example").digest())
    assert sign_checkpoint(checkpoint, signer) == note.group(1)
