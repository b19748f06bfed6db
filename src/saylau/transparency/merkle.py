"""RFC 9162's Merkle tree: the hash of a log, and proofs that anyone can check with SHA-256 alone.

A log of entries d(0) ... d(n-1) has one 32-byte root (RFC 9162 §2.1.1)::

    MTH({})        = SHA-256()                          the empty tree
    MTH({d(0)})    = SHA-256(0x00 || d(0))              a leaf
    MTH(D[n])      = SHA-256(0x01 || MTH(D[0:k]) || MTH(D[k:n]))   k: the largest power of 2 < n

The two prefixes keep a leaf from passing for an inner node. Two proofs make the root useful to
someone who holds only a root and a few hashes: an *inclusion proof* (§2.1.3) shows that an entry
is the one at index i of the tree of size n; a *consistency proof* (§2.1.4) shows that the tree of
size m is a prefix of the tree of size n, i.e. that nothing before entry m was changed, removed or
reordered since a root of size m was published. The verifiers below are the RFC's algorithms
step by step (§2.1.3.2 and §2.1.4.2), so that what this module accepts is what any other
implementation of the RFC accepts.

:class:`Tree` keeps every complete subtree's hash (level by level, 32 bytes each in one
``bytearray`` per level: 64 bytes a leaf in all), so a root or a proof for any size up to the
tree's own takes O(log n) hashes: about 40 µs for an inclusion proof in a tree of 100,000 entries.
Pure: no I/O, and bytes in, bytes out.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence

from saylau.errors import InputError

HASH_SIZE = 32
#: The root of the empty tree: SHA-256 of nothing.
EMPTY_ROOT = hashlib.sha256(b"").digest()
_LEAF = b"\x00"
_NODE = b"\x01"


def leaf_hash(entry: bytes) -> bytes:
    """SHA-256(0x00 || entry): a leaf of the tree."""
    return hashlib.sha256(_LEAF + entry).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    """SHA-256(0x01 || left || right): an inner node of the tree."""
    return hashlib.sha256(_NODE + left + right).digest()


def _check_leaf(leaf: bytes) -> None:
    if len(leaf) != HASH_SIZE:
        raise InputError(f"a leaf hash is {HASH_SIZE} bytes, not {len(leaf)}", where="merkle tree")


def _split(width: int) -> int:
    """The largest power of two smaller than ``width`` (``width`` >= 2): where RFC 9162 splits."""
    return 1 << ((width - 1).bit_length() - 1)


class Tree:
    """A Merkle tree of leaf hashes that only grows, with the hash of every complete subtree kept.

    ``_levels[h]`` holds, 32 bytes each, the hashes of the subtrees of 2**h leaves that are
    complete so far, left to right: appending a leaf hashes at most log2(n) new nodes (one on
    average), and a root or proof of any size needs no leaf read again.
    """

    __slots__ = ("_levels",)

    def __init__(self, leaves: Iterable[bytes] = ()) -> None:
        self._levels: list[bytearray] = [bytearray()]
        self.extend(leaves)

    @property
    def size(self) -> int:
        return len(self._levels[0]) // HASH_SIZE

    def __len__(self) -> int:
        return self.size

    def append(self, leaf: bytes) -> None:
        """Add the next leaf hash (32 bytes; :func:`leaf_hash` of the entry)."""
        _check_leaf(leaf)
        levels = self._levels
        levels[0] += leaf
        count, level, node = self.size, 0, bytes(leaf)
        while count & 1 == 0:  # the new node completes a pair: its parent is complete too
            below = levels[level]
            node = hashlib.sha256(_NODE + below[-2 * HASH_SIZE : -HASH_SIZE] + node).digest()
            level += 1
            if level == len(levels):
                levels.append(bytearray())
            levels[level] += node
            count >>= 1

    def extend(self, leaves: Iterable[bytes]) -> None:
        """Add leaf hashes in order, as :meth:`append` one by one would, each level's new nodes
        hashed in one pass: a server reading its log of millions of entries back at its start."""
        levels = self._levels
        before = len(levels[0])
        for leaf in leaves:
            try:
                _check_leaf(leaf)
            except InputError:
                del levels[0][before:]  # nothing of a bad batch is kept
                raise
            levels[0] += leaf
        self._hash_up()

    def extend_raw(self, leaves: bytes | bytearray) -> None:
        """:meth:`extend` with the leaf hashes given end to end in one buffer (32 bytes each), as a
        store keeps those of the entries it has just written."""
        if len(leaves) % HASH_SIZE:
            raise InputError(
                f"leaf hashes are {HASH_SIZE} bytes each, not {len(leaves)} bytes in all", where="merkle tree"
            )
        self._levels[0] += leaves
        self._hash_up()

    def _hash_up(self, every_level: bool = False) -> None:
        """Hash each level's new complete pairs into the level above, one pass a level. A level
        with nothing new means none above has anything new, unless ``every_level`` (a tree made
        from kept levels, each of which may lag the one below)."""
        levels = self._levels
        level, pair, sha256 = 0, 2 * HASH_SIZE, hashlib.sha256
        while True:
            below = levels[level]
            if level + 1 == len(levels):
                if len(below) < pair:
                    return
                levels.append(bytearray())
            above = levels[level + 1]
            done, complete = len(above) // HASH_SIZE, len(below) // pair
            if done == complete and not every_level:
                return
            above += b"".join(
                sha256(_NODE + below[i * pair : (i + 1) * pair]).digest() for i in range(done, complete)
            )
            level += 1

    @classmethod
    def kept(cls, levels: Sequence[bytearray]) -> Tree:
        """A tree from nodes kept earlier: ``levels[h]`` the first complete subtrees of 2**h
        leaves, 32 bytes each, left to right (``levels[0]`` the leaves), as :meth:`chunk` gave
        them. A level may hold fewer nodes than the level below has pairs (kept a chunk at a time):
        the missing ones are hashed again. Nodes above what the level below can have are not
        taken. Whether the nodes are the hashes of their children is not checked: that is what
        rebuilding from the leaves does (``saylau audit verify``).

        The buffers become the tree's own (cut in place, not copied: five million entries are
        320 MB of nodes, read when a server's memory is at its peak)."""
        tree = cls()
        below = None
        for level, nodes in enumerate(levels):
            if len(nodes) % HASH_SIZE:
                raise InputError(f"kept level {level} is not a whole number of hashes", where="merkle tree")
            if below is not None:
                del nodes[len(below) // (2 * HASH_SIZE) * HASH_SIZE :]
                if not nodes:
                    break
                tree._levels.append(nodes)
            else:
                tree._levels[0] = nodes
            below = nodes
        tree._hash_up(every_level=True)
        return tree

    def complete(self, level: int, width: int) -> int:
        """How many runs of ``width`` nodes at ``level`` are complete (see :meth:`chunk`)."""
        if level >= len(self._levels):
            return 0
        return len(self._levels[level]) // (width * HASH_SIZE)

    def chunk(self, level: int, index: int, width: int) -> bytes:
        """The ``index``-th run of ``width`` nodes at ``level``, joined: what a store keeps so that
        the next process starts from it (:meth:`kept`) instead of hashing every leaf again."""
        if not 0 <= index < self.complete(level, width):
            raise InputError(f"chunk {index} of level {level} is not complete", where="merkle tree")
        size = width * HASH_SIZE
        return bytes(self._levels[level][index * size : (index + 1) * size])

    @property
    def depth(self) -> int:
        """How many levels hold a node (the leaves' included)."""
        return len(self._levels)

    def leaf(self, index: int) -> bytes:
        """The leaf hash at ``index`` (from 0)."""
        self._need(index + 1, "leaf index")
        return self._node(0, index)

    def root(self, size: int | None = None) -> bytes:
        """MTH of the first ``size`` leaves (all of them by default)."""
        size = self.size if size is None else size
        self._need(size, "tree size")
        return EMPTY_ROOT if size == 0 else self._mth(0, size)

    def inclusion_proof(self, index: int, size: int | None = None) -> list[bytes]:
        """PATH(index, D[size]) of RFC 9162 §2.1.3.1: the hashes, leaf level first, that lead from
        the leaf at ``index`` to the root of the tree of ``size`` leaves."""
        size = self.size if size is None else size
        self._need(size, "tree size")
        if not 0 <= index < size:
            raise InputError(
                f"leaf index {index} is not in a tree of {size:,} entries", where="inclusion proof"
            )
        return self._path(index, 0, size)

    def consistency_proof(self, first: int, second: int | None = None) -> list[bytes]:
        """PROOF(first, D[second]) of RFC 9162 §2.1.4.1: the hashes that show the tree of ``first``
        leaves to be a prefix of the tree of ``second`` leaves (empty when either is trivial)."""
        second = self.size if second is None else second
        self._need(second, "tree size")
        if not 0 <= first <= second:
            raise InputError(
                f"a tree of {first:,} entries cannot be a prefix of one of {second:,}",
                where="consistency proof",
            )
        if first in (0, second):
            return []
        return self._subproof(first, 0, second, True)

    # -- inside --------------------------------------------------------------------------------

    def _need(self, size: int, what: str) -> None:
        if type(size) is not int or size < 0 or size > self.size:
            raise InputError(
                f"{what} {size!r} is outside the tree of {self.size:,} entries", where="merkle tree"
            )

    def _node(self, level: int, index: int) -> bytes:
        at = index * HASH_SIZE
        return bytes(self._levels[level][at : at + HASH_SIZE])

    def _mth(self, start: int, end: int) -> bytes:
        """MTH(D[start:end]): a kept node when the range is a complete, aligned subtree; else split."""
        width = end - start
        if width & (width - 1) == 0 and start & (width - 1) == 0:
            level = width.bit_length() - 1
            return self._node(level, start >> level)
        k = _split(width)
        return node_hash(self._mth(start, start + k), self._mth(start + k, end))

    def _path(self, index: int, start: int, end: int) -> list[bytes]:
        width = end - start
        if width == 1:
            return []
        k = _split(width)
        if index < k:
            return [*self._path(index, start, start + k), self._mth(start + k, end)]
        return [*self._path(index - k, start + k, end), self._mth(start, start + k)]

    def _subproof(self, first: int, start: int, end: int, whole: bool) -> list[bytes]:
        width = end - start
        if first == width:
            return [] if whole else [self._mth(start, end)]
        k = _split(width)
        if first <= k:
            return [*self._subproof(first, start, start + k, whole), self._mth(start + k, end)]
        return [*self._subproof(first - k, start + k, end, False), self._mth(start, start + k)]


def _hashes(values: Sequence[bytes], what: str, where: str) -> None:
    for n, value in enumerate(values):
        if not isinstance(value, bytes) or len(value) != HASH_SIZE:
            size = len(value) if isinstance(value, bytes) else type(value).__name__
            raise InputError(f"{what} {n + 1} is not a {HASH_SIZE}-byte hash ({size})", where=where)


def root_from_inclusion(index: int, size: int, leaf: bytes, proof: Sequence[bytes]) -> bytes:
    """The root that ``proof`` leads to from ``leaf`` at ``index`` in a tree of ``size`` entries
    (RFC 9162 §2.1.3.2, steps 1 to 4); InputError when the proof cannot be for that index and size."""
    where = "inclusion proof"
    if type(index) is not int or type(size) is not int or not 0 <= index < size:
        raise InputError(f"leaf index {index!r} is not in a tree of {size!r} entries", where=where)
    _hashes([leaf], "leaf hash", where)
    _hashes(proof, "proof hash", where)
    fn, sn, r = index, size - 1, leaf
    for p in proof:
        if sn == 0:
            raise InputError(
                f"{len(proof)} hashes are more than a tree of {size:,} entries needs", where=where
            )
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            while fn & 1 == 0 and fn != 0:
                fn, sn = fn >> 1, sn >> 1
        else:
            r = node_hash(r, p)
        fn, sn = fn >> 1, sn >> 1
    if sn != 0:
        raise InputError(f"{len(proof)} hashes are fewer than a tree of {size:,} entries needs", where=where)
    return r


def verify_inclusion(index: int, size: int, leaf: bytes, proof: Sequence[bytes], root: bytes) -> None:
    """Nothing when ``proof`` shows ``leaf`` at ``index`` in the tree of ``size`` entries whose
    root is ``root``; InputError saying why not otherwise."""
    _hashes([root], "root", "inclusion proof")
    if root_from_inclusion(index, size, leaf, proof) != root:
        raise InputError(
            f"the proof of entry {index} does not lead to the root {root.hex()[:16]}… of the tree "
            f"of {size:,} entries",
            where="inclusion proof",
        )


def verify_consistency(
    first: int, second: int, proof: Sequence[bytes], first_root: bytes, second_root: bytes
) -> None:
    """Nothing when ``proof`` shows the tree of ``first`` entries (root ``first_root``) to be a
    prefix of the tree of ``second`` entries (root ``second_root``); InputError saying why not.

    RFC 9162 §2.1.4.2 for 0 < first < second; the trivial cases as its reference code has them:
    equal sizes need equal roots and no proof, and the empty tree is a prefix of every tree.
    """
    where = "consistency proof"
    if type(first) is not int or type(second) is not int or not 0 <= first <= second:
        raise InputError(f"a tree of {first!r} entries cannot be a prefix of one of {second!r}", where=where)
    _hashes([first_root, second_root], "root", where)
    _hashes(proof, "proof hash", where)
    if first == second:
        if proof:
            raise InputError("two trees of one size need no proof, and one was given", where=where)
        if first_root != second_root:
            raise InputError(
                f"two different trees of {first:,} entries: roots {first_root.hex()[:16]}… and "
                f"{second_root.hex()[:16]}…",
                where=where,
            )
        return
    if first == 0:
        if proof:
            raise InputError("the empty tree needs no proof, and one was given", where=where)
        return
    if not proof:
        raise InputError(
            f"an empty proof cannot link a tree of {first:,} entries to one of {second:,}", where=where
        )
    path = [first_root, *proof] if first & (first - 1) == 0 else list(proof)
    fn, sn = first - 1, second - 1
    while fn & 1:
        fn, sn = fn >> 1, sn >> 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            raise InputError(f"the proof has more hashes than {first:,} -> {second:,} needs", where=where)
        if fn & 1 or fn == sn:
            fr, sr = node_hash(c, fr), node_hash(c, sr)
            while fn & 1 == 0 and fn != 0:
                fn, sn = fn >> 1, sn >> 1
        else:
            sr = node_hash(sr, c)
        fn, sn = fn >> 1, sn >> 1
    if sn != 0 or fr != first_root or sr != second_root:
        raise InputError(
            f"the tree of {first:,} entries (root {first_root.hex()[:16]}…) is not a prefix of the tree "
            f"of {second:,} entries (root {second_root.hex()[:16]}…)",
            where=where,
        )
