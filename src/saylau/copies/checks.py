"""A file of observers' copies read and checked, for every way one comes in (the API's upload and
``saylau copies add``): each copy against the form (:meth:`saylau.checker.Checker.check_copy`),
every refused row named by its line, so the callers decide only how to answer."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from saylau.checker import Checker
from saylau.copies.files import read_copies
from saylau.copies.model import CopyIn, NewCopy
from saylau.errors import InputError, ProtocolError


@dataclass
class CheckedFile:
    """The copies of a file, checked; ``errors`` (``{"field", "detail", ...}``, each detail naming
    its line) when any row is refused, and then the file is refused whole. ``outside``: some row
    was refused by the caller's own rule (a station outside a token's territory)."""

    copies: list[CopyIn] = field(default_factory=list)
    items: list[NewCopy] = field(default_factory=list)
    errors: list[dict[str, Any]] = field(default_factory=list)
    outside: bool = False


def check_file(
    checker: Checker,
    data: bytes,
    *,
    name: str,
    contest: str,
    refuse: Callable[[CopyIn], str | None] = lambda copy: None,
) -> CheckedFile:
    """Read ``data`` as a file of copies of ``contest`` and check every row; ``refuse`` says why a
    row may not be sent by this caller (None: it may)."""
    out = CheckedFile()
    try:
        out.copies = read_copies(
            data, name=name, contest=contest, lines=checker.form.lines, options=checker.options[contest]
        )
    except InputError as e:
        out.errors.append({"field": "file", "detail": str(e)})
        return out
    for c in out.copies:
        why = refuse(c)
        if why is not None:
            out.outside = True
            out.errors.append({"field": "file", "detail": f"{c.where}: {why}"})
            continue
        try:
            flags = checker.check_copy(c.station, c.contest, c.lines, c.votes)
        except ProtocolError as e:
            out.errors.extend({**x, "detail": f"{c.where}: {x['detail']}"} for x in e.errors)
            continue
        out.items.append(NewCopy(c, flags))
    return out


__all__ = ["CheckedFile", "check_file"]
