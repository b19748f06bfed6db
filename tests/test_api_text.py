"""Text a client sends through the API: control characters are refused, everything else kept.

``saylau.api.schemas`` finds the refused characters with one regular expression; this holds it to
the rule it replaced, character by character: C0 controls but tab, line feed and carriage return,
and DEL."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from saylau.api.schemas import _clean


def refused(text: str) -> bool:
    return any((ord(c) < 32 and c not in "\t\n\r") or c == "\x7f" for c in text)


@given(st.text(alphabet=st.characters(codec="utf-8"), max_size=40))
def test_clean_refuses_exactly_the_control_characters(text: str) -> None:
    if refused(text):
        with pytest.raises(ValueError, match="control characters"):
            _clean(text)
    else:
        assert _clean(text) == text


@pytest.mark.parametrize("code", range(0x00, 0xA0))
def test_each_character_of_the_first_160(code: int) -> None:
    text = f"id-{chr(code)}-1"
    if refused(text):
        with pytest.raises(ValueError):
            _clean(text)
    else:
        assert _clean(text) == text


def test_a_lone_surrogate_is_refused() -> None:
    with pytest.raises(ValueError, match="surrogate"):
        _clean("a\ud800b")
