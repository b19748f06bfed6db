"""A store hands its log tree the leaves it has just written (``Store._grow``), on SQLite and
PostgreSQL: the tree never reads back from the log what this process hashed, and whatever other
processes wrote in between, or before this one first read the tree, every root and proof is the
one the log's own leaves give.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from databases import BACKENDS, Copies, log_tree
from saylau import spec
from saylau.model import Protocol
from saylau.store import Store
from saylau.transparency.merkle import Tree, verify_inclusion

TINY = Path(__file__).parent / "data" / "tiny"

TINY_STORES = Copies(lambda url, key: Store.create(url, spec.Files(TINY), actor="test", key=key).close())


@pytest.fixture(scope="module")
def protocols() -> list[Protocol]:
    return sorted(spec.load(spec.Files(TINY)).protocols, key=lambda p: (p.contest, p.station))


@pytest.fixture(params=BACKENDS)
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    with TINY_STORES.new(request.param, tmp_path) as (url, _, _):
        yield url


def _reads(monkeypatch: pytest.MonkeyPatch) -> list[tuple[int, int]]:
    """The ranges of entries (after, up to) that stores read from the log from now on."""
    seen: list[tuple[int, int]] = []
    real = Store._read_log

    def spy(self: Store, conn: sa.Connection, tree: Tree, head: int) -> None:
        if head > tree.size:
            seen.append((tree.size, head))
        real(self, conn, tree, head)

    monkeypatch.setattr(Store, "_read_log", spy)
    return seen


def test_a_process_that_wrote_does_not_read_its_entries_back(
    store_url: str, protocols: list[Protocol], monkeypatch: pytest.MonkeyPatch
) -> None:
    with Store.open(store_url) as store:
        before = log_tree(store_url).size
        reads = _reads(monkeypatch)
        done = [store.submit(part, actor="tec") for part in (protocols[:5], protocols[5:])]  # twice
        written = [w.audit_seq for one in done for w in one.versions]
        assert written == list(range(before + 1, before + len(protocols) + 1))
        size, root = store.audit_head()
        # the definition's entries were read, the protocols' were not
        assert reads == [(0, before)]
        assert (size, root) == (before + len(protocols), log_tree(store_url).root().hex())


def test_every_root_and_proof_is_the_logs_whatever_was_written_in_between(
    store_url: str, protocols: list[Protocol]
) -> None:
    """Two stores on one database take turns writing; one writes before it ever read the tree,
    twice in a row, and after the other wrote; each is asked for its head after every step."""
    a, b = Store.open(store_url), Store.open(store_url)
    try:
        steps = [  # (who writes, what, a turnout report after it, both asked for their head)
            (a, protocols[0:3], False, False),  # a has not read the tree yet
            (a, protocols[3:5], False, False),  # and writes right after its own entries
            (b, protocols[5:6], False, False),
            (a, protocols[6:8], True, True),  # after b: what a kept before no longer runs on
            (b, protocols[8:9], True, False),
            (b, protocols[9:11], False, True),
        ]
        for store, part, report, ask in steps:
            store.submit(part, actor="tec")
            if report:  # an entry whose leaf the store does not keep
                store.add_turnout("R1", "10:00", 5 + len(part), actor="tec")
            if ask:
                for one in (a, b):
                    expected = log_tree(store_url)
                    assert one.audit_head() == (expected.size, expected.root().hex())
        expected = log_tree(store_url)
        for one in (a, b):
            size, root, leaf, proof = one.inclusion_proof(expected.size - 3)
            assert (size, root) == (expected.size, expected.root())
            verify_inclusion(expected.size - 3, size, leaf, proof, root)  # raises if it does not hold
    finally:
        a.close()
        b.close()
