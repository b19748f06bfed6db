"""The verifiable log's mathematics and its signed checkpoints, apart from any database.

:mod:`saylau.transparency.merkle` is RFC 9162's Merkle tree (hashes, inclusion and consistency
proofs and their verification); :mod:`saylau.transparency.note` the C2SP signed-note and
tlog-checkpoint formats with Ed25519; :mod:`saylau.transparency.keys` the server's key file. The
store (:mod:`saylau.store.log`) keeps the entries and uses these; a verifier written elsewhere
needs only these and docs/verification.md.
"""

from saylau.transparency.merkle import (
    EMPTY_ROOT,
    Tree,
    leaf_hash,
    node_hash,
    root_from_inclusion,
    verify_consistency,
    verify_inclusion,
)
from saylau.transparency.note import Checkpoint, Signer, Verifier, open_checkpoint, sign_checkpoint

__all__ = [
    "EMPTY_ROOT",
    "Checkpoint",
    "Signer",
    "Tree",
    "Verifier",
    "leaf_hash",
    "node_hash",
    "open_checkpoint",
    "root_from_inclusion",
    "sign_checkpoint",
    "verify_consistency",
    "verify_inclusion",
]
