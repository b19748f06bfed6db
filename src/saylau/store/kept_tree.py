"""The log's Merkle tree kept in the store (table ``log_tree``), so that a process starts from it.

Why: a server signs the root of the log in its first results snapshot, and a ``saylau import``
prints it. Without a kept tree each of them reads every leaf back and hashes the whole tree again:
at five million entries (a million stations, five contests) about ten seconds of a server's start,
and two of every import. Kept, the tree is read as a few hundred rows of joined hashes.

What is kept: complete runs of :data:`WIDTH` nodes of each level, written once and never changed
(the tree only grows, and a complete run never changes). A process takes the kept runs, then reads
the leaves after them and hashes only those. The kept rows are a copy of what the log's leaves
determine, not part of the record: ``saylau audit verify`` rebuilds the tree from the entries'
rows and names any kept run that differs (:func:`check`), and a run that does not fit (a short
blob, a gap) is simply not used.
"""

from __future__ import annotations

from contextlib import AbstractContextManager

import sqlalchemy as sa

from saylau.store.tables import log_tree
from saylau.transparency.merkle import HASH_SIZE, Tree

#: Nodes in a kept run: 128 KB a row, about 80 rows a million entries (every level together).
WIDTH = 4096


def load(conn: sa.Connection) -> Tree:
    """The tree of the kept runs (empty when none is kept): each level's runs from the first, up
    to the first missing or damaged one."""
    levels: list[bytearray] = []
    size = WIDTH * HASH_SIZE
    query = sa.select(log_tree.c.level, log_tree.c.chunk, log_tree.c.nodes).order_by(
        log_tree.c.level, log_tree.c.chunk
    )
    stopped: set[int] = set()
    for level, chunk, nodes in conn.execute(query.execution_options(yield_per=16)):
        if level in stopped or level > len(levels):
            continue
        if level == len(levels):
            levels.append(bytearray())
        have = levels[level]
        if chunk != len(have) // size or not isinstance(nodes, bytes) or len(nodes) != size:
            stopped.add(level)  # a gap or a damaged run: the nodes after it are hashed again
            continue
        have += nodes
    return Tree.kept(levels)


def keep(conn: sa.Connection, tree: Tree, lock: AbstractContextManager[object]) -> int:
    """Write the runs of ``tree`` that are complete and not kept yet, in the caller's write
    transaction (which holds the store's write lock: two writers never add the same run).
    ``lock`` is held while nodes are copied out of the tree (another thread may be growing it).
    The number of runs written."""
    if tree.complete(0, WIDTH) == 0:  # a log shorter than a run: nothing to keep, nothing read
        return 0
    last = sa.select(log_tree.c.level, sa.func.max(log_tree.c.chunk)).group_by(log_tree.c.level)
    kept = {int(level): int(chunk) for level, chunk in conn.execute(last)}
    rows = []
    with lock:
        for level in range(tree.depth):
            first = kept.get(level, -1) + 1
            rows += [
                {"level": level, "chunk": chunk, "nodes": tree.chunk(level, chunk, WIDTH)}
                for chunk in range(first, tree.complete(level, WIDTH))
            ]
    for start in range(0, len(rows), 64):  # at most 8 MB a statement
        conn.execute(sa.insert(log_tree), rows[start : start + 64])
    return len(rows)


def check(conn: sa.Connection, tree: Tree) -> tuple[int, str] | None:
    """The first kept run that is not the tree rebuilt from the log (``tree``): the log entry it
    starts at and what is wrong with it; None when every kept run is right."""
    query = sa.select(log_tree.c.level, log_tree.c.chunk, log_tree.c.nodes).order_by(
        log_tree.c.level, log_tree.c.chunk
    )
    for level, chunk, nodes in conn.execute(query):
        first = chunk * WIDTH * (1 << level) + 1  # the first log entry under the run
        where = f"the kept tree's level {level}, run {chunk} (from log entry {first:,})"
        if chunk >= tree.complete(level, WIDTH):
            return first, f"{where} holds nodes of entries the log does not have"
        if nodes != tree.chunk(level, chunk, WIDTH):
            return first, (
                f"{where} is not the tree of the log's entries: it was changed; delete the rows of "
                "table log_tree (the next import or server keeps them again)"
            )
    return None
