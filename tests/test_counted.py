"""saylau.store.counted: the server's per-protocol columns read as the dicts they replace."""

from __future__ import annotations

import hashlib

import pytest
from hypothesis import given
from hypothesis import strategies as st

from saylau.store.counted import Counted

KEYS = st.tuples(st.sampled_from(["S1", "S2", "S3", "Ш-4"]), st.sampled_from(["list", "d1"]))
WRITES = st.lists(
    st.tuples(
        KEYS, st.integers(1, 2**31 - 1), st.sampled_from(["final", "preliminary"]), st.integers(1, 2**62)
    ),
    max_size=40,
)


def digest(n: int) -> str:
    return hashlib.sha256(str(n).encode()).hexdigest()


@given(first=WRITES, then=WRITES)
def test_columns_read_as_the_two_dicts_did(first, then) -> None:
    status: dict[tuple[str, str], str] = {}
    versions: dict[tuple[str, str], tuple[int, str, int]] = {}
    for key, version, state, seq in first:
        status[key], versions[key] = state, (version, digest(seq), seq)
    keys = list(versions)
    counted = Counted.of(
        [station for station, _ in keys],
        [contest for _, contest in keys],
        [versions[k][0] for k in keys],
        [status[k] == "final" for k in keys],
        b"".join(versions[k][1].encode() for k in keys),
        [versions[k][2] for k in keys],
    )
    for key, version, state, seq in then:  # and written one at a time after, as the writer does
        status[key], versions[key] = state, (version, digest(seq), seq)
        counted.set(key, version, state, digest(seq), seq)
    assert dict(counted.status) == status and dict(counted.versions) == versions
    assert counted.status == status and len(counted) == len(status)
    # the final flags by row, in the order the keys were first given (Live matches tables by it)
    order = list(dict.fromkeys([*keys, *(key for key, *_ in then)]))
    assert counted.finals().tolist() == [status[k] == "final" for k in order]
    assert counted.versions.get(("nowhere", "list"), (0, "", 0)) == (0, "", 0)
    assert ("nowhere", "list") not in counted.status
    for odd in (["S1", "list"], ("S1",), ("S1", "list", 1), None, "S1"):  # not a (station, contest) pair
        assert odd not in counted.status and counted.versions.get(odd) is None  # type: ignore[call-overload]
        with pytest.raises(KeyError):
            counted.status[odd]  # type: ignore[index]


def test_a_protocol_given_twice_or_a_hash_that_is_not_one_is_refused() -> None:
    with pytest.raises(ValueError, match="given twice"):
        Counted.of(["S1", "S1"], ["list"] * 2, [1, 2], [True, True], (digest(1) + digest(2)).encode(), [1, 2])
    with pytest.raises(ValueError, match="64 characters each"):
        Counted.of(["S1"], ["list"], [1], [True], digest(1).encode() + b"0", [1])
    with pytest.raises(ValueError, match="64 hexadecimal characters"):
        Counted().set(("S1", "list"), 1, "final", digest(1) + "0", 1)  # S64 would cut it short
