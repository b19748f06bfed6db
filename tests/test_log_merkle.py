"""RFC 9162's Merkle tree (saylau.transparency.merkle): the published test vectors, properties over
random trees, and the cost of a proof.

The vectors are those of the RFC 6962 reference tree used by Certificate Transparency's and
transparency-dev's implementations (leaves "", 00, 10, 2021, 3031, 40414243, 5051525354555657,
606162636465666768696a6b6c6d6e6f): roots of sizes 0 to 8, inclusion and consistency proofs. A
tree no other implementation agrees with proves nothing to anyone.
"""

from __future__ import annotations

import hashlib
import itertools
import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from saylau.errors import InputError
from saylau.transparency.merkle import (
    EMPTY_ROOT,
    Tree,
    leaf_hash,
    root_from_inclusion,
    verify_consistency,
    verify_inclusion,
)

LEAVES = [
    bytes.fromhex(h)
    for h in (
        "",
        "00",
        "10",
        "2021",
        "3031",
        "40414243",
        "5051525354555657",
        "606162636465666768696a6b6c6d6e6f",
    )
]
ROOTS = [
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
]
#: (leaf index, tree size, proof)
INCLUSION = [
    (0, 8, ["96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"]),
    (5, 8, ["bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
            "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"]),
    (2, 3, ["fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125"]),
    (1, 5, ["6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"]),
    (0, 1, []),
]  # fmt: skip
#: (first size, second size, proof)
CONSISTENCY = [
    (1, 8, ["96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"]),
    (6, 8, ["0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
            "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"]),
    (2, 5, ["5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"]),
    (6, 7, ["0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
            "b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"]),
    (1, 1, []),
]  # fmt: skip
SOME_HASH = bytes.fromhex("abacaba000000000000000000000000000000000000000000060061e00123456")


def reference_root(leaves: list[bytes]) -> bytes:
    """MTH straight from RFC 9162 §2.1.1's definition, leaves already hashed."""
    if not leaves:
        return hashlib.sha256(b"").digest()
    if len(leaves) == 1:
        return leaves[0]
    k = 1 << ((len(leaves) - 1).bit_length() - 1)
    return hashlib.sha256(b"\x01" + reference_root(leaves[:k]) + reference_root(leaves[k:])).digest()


@pytest.fixture(scope="module")
def tree() -> Tree:
    return Tree(leaf_hash(leaf) for leaf in LEAVES)


def hexes(proof: list[bytes]) -> list[str]:
    return [p.hex() for p in proof]


def test_the_roots_of_the_reference_tree(tree: Tree) -> None:
    assert EMPTY_ROOT.hex() == ROOTS[0]
    assert [tree.root(n).hex() for n in range(9)] == ROOTS
    for n in range(9):  # a tree built to each size agrees with the one that grew past it
        assert Tree(leaf_hash(leaf) for leaf in LEAVES[:n]).root().hex() == ROOTS[n]


@pytest.mark.parametrize(("index", "size", "proof"), INCLUSION)
def test_the_reference_inclusion_proofs(tree: Tree, index: int, size: int, proof: list[str]) -> None:
    assert hexes(tree.inclusion_proof(index, size)) == proof
    raw = [bytes.fromhex(p) for p in proof]
    root, leaf = bytes.fromhex(ROOTS[size]), leaf_hash(LEAVES[index])
    verify_inclusion(index, size, leaf, raw, root)
    wrong: list[tuple[int, int, bytes, list[bytes], bytes]] = [
        (index - 1, size, leaf, raw, root),
        (index + 1, size, leaf, raw, root),
        (index ^ 2, size, leaf, raw, root),
        (index, size * 2, leaf, raw, root),
        (index, size // 2, leaf, raw, root),
        (index, size, leaf_hash(b"WrongLeaf"), raw, root),
        (index, size, leaf, raw, EMPTY_ROOT),
        (index, size, leaf, raw, SOME_HASH),
        (index, size, leaf, [*raw, root], root),
        (index, size, leaf, [root, *raw], root),
        (index, size, leaf, [*raw, b""], root),
    ]
    for n in range(len(raw)):
        flipped = list(raw)
        flipped[n] = bytes([flipped[n][0] ^ 8]) + flipped[n][1:]
        wrong.append((index, size, leaf, flipped, root))
    if raw:
        wrong.append((index, size, leaf, raw[:-1], root))
    if len(raw) > 1:
        wrong.append((index, size, leaf, [raw[0], SOME_HASH, *raw[1:]], root))
    for case in wrong:
        with pytest.raises(InputError):
            verify_inclusion(*case)


@pytest.mark.parametrize(("first", "second", "proof"), CONSISTENCY)
def test_the_reference_consistency_proofs(tree: Tree, first: int, second: int, proof: list[str]) -> None:
    assert hexes(tree.consistency_proof(first, second)) == proof
    raw = [bytes.fromhex(p) for p in proof]
    one, two = bytes.fromhex(ROOTS[first]), bytes.fromhex(ROOTS[second])
    verify_consistency(first, second, raw, one, two)
    if not raw:
        return
    wrong: list[tuple[int, int, list[bytes], bytes, bytes]] = [
        (first - 1, second, raw, one, two),
        (first + 1, second, raw, one, two),
        (first ^ 2, second, raw, one, two),
        (first, second * 2, raw, one, two),
        (first, second // 2, raw, one, two),
        (first, second, raw, SOME_HASH, two),
        (first, second, raw, one, SOME_HASH),
        (first, second, raw, two, one),
        (first, second, [], one, two),
        (first, second, [*raw, one], one, two),
        (first, second, [*raw, two], one, two),
        (first, second, [one, *raw], one, two),
        (first, second, [two, *raw], one, two),
        (first, second, [raw[0], *raw], one, two),
        (first, second, raw[:-1], one, two),
    ]
    for n in range(len(raw)):
        flipped = list(raw)
        flipped[n] = bytes([flipped[n][0] ^ 16]) + flipped[n][1:]
        wrong.append((first, second, flipped, one, two))
    for case in wrong:
        with pytest.raises(InputError):
            verify_consistency(*case)


def test_the_trivial_consistency_cases() -> None:
    """As RFC 9162's reference code has them: equal sizes need equal roots and no proof; the empty
    tree is a prefix of every tree; a tree never shrinks."""
    a, b = leaf_hash(b"a"), leaf_hash(b"b")
    verify_consistency(0, 0, [], a, a)
    verify_consistency(0, 1, [], a, b)
    verify_consistency(1, 1, [], b, b)
    refused: list[tuple[int, int, list[bytes], bytes, bytes]] = [
        (0, 0, [], a, b), (1, 1, [], a, b), (1, 0, [], a, b), (2, 1, [], a, b), (1, 2, [], a, b),
        (0, 0, [EMPTY_ROOT], a, a), (0, 1, [EMPTY_ROOT], a, a), (1, 1, [EMPTY_ROOT], a, a),
    ]  # fmt: skip
    for case in refused:
        with pytest.raises(InputError):
            verify_consistency(*case)
    for index, size in [(0, 0), (1, 0), (2, 1)]:
        with pytest.raises(InputError):
            verify_inclusion(index, size, SOME_HASH, [], EMPTY_ROOT)
    with pytest.raises(InputError, match="32-byte"):
        verify_inclusion(0, 1, b"", [], b"")


#: Distinct leaves: with two equal leaves, one proof is as good for either place, rightly.
leaves_strategy = st.lists(st.binary(max_size=8), min_size=1, max_size=200, unique=True)


def flip(value: bytes, bit: int) -> bytes:
    changed = bytearray(value)
    changed[bit // 8] ^= 1 << (bit % 8)
    return bytes(changed)


@settings(max_examples=150, deadline=None)
@given(leaves_strategy, st.data())
def test_every_inclusion_proof_verifies_and_any_change_fails(
    leaves: list[bytes], data: st.DataObject
) -> None:
    hashed = [leaf_hash(leaf) for leaf in leaves]
    tree = Tree(hashed)
    size = data.draw(st.integers(1, len(leaves)), label="size")
    index = data.draw(st.integers(0, size - 1), label="index")
    root = tree.root(size)
    assert root == reference_root(hashed[:size])
    proof = tree.inclusion_proof(index, size)
    assert root_from_inclusion(index, size, hashed[index], proof) == root
    verify_inclusion(index, size, hashed[index], proof, root)
    for other in {index - 1, index + 1, index ^ 2} - {index}:
        if 0 <= other < size:
            with pytest.raises(InputError):  # another place, the same leaf and proof
                verify_inclusion(other, size, hashed[index], proof, root)
            with pytest.raises(InputError):  # another leaf, the same place and proof
                verify_inclusion(index, size, hashed[other], proof, root)
    if proof:
        n = data.draw(st.integers(0, len(proof) - 1), label="changed hash")
        bit = data.draw(st.integers(0, 255), label="bit")
        with pytest.raises(InputError):
            verify_inclusion(
                index, size, hashed[index], [*proof[:n], flip(proof[n], bit), *proof[n + 1 :]], root
            )
        with pytest.raises(InputError):
            verify_inclusion(index, size, hashed[index], proof[:-1], root)
    with pytest.raises(InputError):
        verify_inclusion(index, size, hashed[index], [*proof, root], root)
    with pytest.raises(InputError):
        verify_inclusion(index, size, flip(hashed[index], 0), proof, root)


@settings(max_examples=150, deadline=None)
@given(leaves_strategy, st.data())
def test_every_consistency_proof_verifies_and_any_change_fails(
    leaves: list[bytes], data: st.DataObject
) -> None:
    hashed = [leaf_hash(leaf) for leaf in leaves]
    tree = Tree(hashed)
    second = data.draw(st.integers(1, len(leaves)), label="second")
    first = data.draw(st.integers(1, second), label="first")
    proof = tree.consistency_proof(first, second)
    one, two = tree.root(first), tree.root(second)
    verify_consistency(first, second, proof, one, two)
    if first == second:
        assert proof == []
        return
    with pytest.raises(InputError):
        verify_consistency(first, second, proof, leaf_hash(b"another tree"), two)
    with pytest.raises(InputError):
        verify_consistency(first, second, proof, one, leaf_hash(b"another tree"))
    n = data.draw(st.integers(0, len(proof) - 1), label="changed hash")
    with pytest.raises(InputError):
        verify_consistency(first, second, [*proof[:n], flip(proof[n], 0), *proof[n + 1 :]], one, two)
    with pytest.raises(InputError):
        verify_consistency(first, second, proof[:-1], one, two)
    with pytest.raises(InputError):
        verify_consistency(first, second, [*proof, one], one, two)
    # a tree with one leaf changed before ``first`` is not an extension of the first tree
    k = data.draw(st.integers(0, first - 1), label="changed leaf")
    forked = Tree([leaf_hash(b"forged") if i == k else h for i, h in enumerate(hashed)])
    if forked.root(first) != one:
        with pytest.raises(InputError):
            verify_consistency(
                first, second, forked.consistency_proof(first, second), one, forked.root(second)
            )


@given(leaves_strategy, st.lists(st.integers(0, 200), max_size=5))
def test_leaves_added_in_batches_make_the_tree_one_at_a_time_makes(
    leaves: list[bytes], cuts: list[int]
) -> None:
    """``extend`` hashes each level's new nodes in one pass; the tree is the one ``append`` builds,
    whatever the batches (a server reads its log back in batches)."""
    hashes = [leaf_hash(x) for x in leaves]
    one_by_one, batched = Tree(), Tree()
    start = 0
    for cut in [*sorted(min(c, len(hashes)) for c in cuts), len(hashes)]:
        batched.extend(hashes[start:cut])
        for h in hashes[start:cut]:
            one_by_one.append(h)
            assert batched.root(one_by_one.size) == one_by_one.root()
        start = max(start, cut)
    assert batched.size == one_by_one.size == len(hashes)
    assert all(batched.root(n) == one_by_one.root(n) for n in range(len(hashes) + 1))
    with pytest.raises(InputError, match="32 bytes"):
        batched.extend([hashes[0], b"short"])
    assert batched.size == len(hashes)  # nothing of a bad batch is kept


@given(
    leaves_strategy,
    st.integers(0, 200),
    st.sampled_from([1, 2, 4, 8]),
    st.lists(st.integers(0, 60), max_size=8),
)
def test_a_tree_from_kept_runs_is_the_tree_of_its_leaves(
    leaves: list[bytes], cut: int, width: int, dropped: list[int]
) -> None:
    """A process starts from the runs a store kept (complete runs of ``width`` nodes a level, the
    upper levels possibly lagging: kept at different times), then adds the leaves after them: its
    roots and proofs are those of the tree hashed from every leaf."""
    hashes = [leaf_hash(x) for x in leaves]
    whole, earlier = Tree(hashes), Tree(hashes[: min(cut, len(hashes))])
    levels = [
        bytearray().join(earlier.chunk(level, i, width) for i in range(earlier.complete(level, width)))
        for level in range(earlier.depth)
    ]
    for level, drop in zip(range(1, len(levels)), dropped, strict=False):  # a level kept less far
        levels[level] = levels[level][: max(0, len(levels[level]) - drop * 32)]
    kept = Tree.kept(levels)
    assert kept.size <= earlier.size and kept.size % width == 0
    kept.extend(hashes[kept.size :])
    assert kept.size == whole.size
    for size in range(whole.size + 1):
        assert kept.root(size) == whole.root(size)
        assert kept.consistency_proof(size) == whole.consistency_proof(size)
    assert all(kept.inclusion_proof(i) == whole.inclusion_proof(i) for i in range(whole.size))
    with pytest.raises(InputError, match="not complete"):
        whole.chunk(0, whole.complete(0, width), width)


@given(leaves_strategy, st.lists(st.integers(0, 200), max_size=6))
def test_leaves_added_end_to_end_in_runs_make_the_tree_of_the_leaves(
    leaves: list[bytes], cuts: list[int]
) -> None:
    """What a store hands its tree after each write (``Tree.extend_raw``): runs of leaf hashes end
    to end in one buffer, cut anywhere, give the tree of every leaf one by one."""
    hashes = [leaf_hash(x) for x in leaves]
    whole, tree = Tree(hashes), Tree()
    bounds = sorted({0, len(hashes), *(min(c, len(hashes)) for c in cuts)})
    for start, end in itertools.pairwise(bounds):
        tree.extend_raw(bytearray().join(hashes[start:end]))
    assert tree.size == whole.size
    assert all(tree.root(size) == whole.root(size) for size in range(whole.size + 1))
    with pytest.raises(InputError, match="32 bytes each"):
        tree.extend_raw(hashes[0][:31])
    assert tree.root() == whole.root()  # nothing of a bad buffer is taken


def test_a_tree_refuses_what_it_does_not_hold() -> None:
    tree = Tree([leaf_hash(b"a"), leaf_hash(b"b")])
    with pytest.raises(InputError, match="not in a tree of 2"):
        tree.inclusion_proof(2)
    with pytest.raises(InputError, match="outside the tree"):
        tree.root(3)
    with pytest.raises(InputError, match="cannot be a prefix"):
        tree.consistency_proof(2, 1)
    with pytest.raises(InputError, match="32 bytes"):
        tree.append(b"short")
    assert tree.consistency_proof(0, 2) == [] and tree.consistency_proof(2) == []


def test_an_inclusion_proof_in_a_log_of_100000_entries_takes_under_a_millisecond() -> None:
    tree = Tree(leaf_hash(n.to_bytes(4, "big")) for n in range(100_000))
    indices = range(0, 100_000, 97)
    best = float("inf")
    for _ in range(3):  # the best of three rounds: the machine is shared
        started = time.perf_counter()
        for index in indices:
            tree.inclusion_proof(index)
        best = min(best, (time.perf_counter() - started) / len(indices))
    assert best < 0.001, f"{best * 1e6:.0f} µs a proof"
    proof = tree.inclusion_proof(54_321)
    verify_inclusion(54_321, 100_000, tree.leaf(54_321), proof, tree.root())
    assert len(proof) == 17
