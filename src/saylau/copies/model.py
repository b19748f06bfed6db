"""An observer's copy as it comes in, before it is checked or stored.

A copy is what the observer read off the protocol posted at the station, line by line as the
form has them: a figure left out is "not given" (the posted sheet had it blank or unreadable),
never a zero. Files, the API and the observer page all make these; the store checks each against
the form (:meth:`saylau.checker.Checker.check_copy`) and keeps it with the relations it breaks.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from saylau.copies.photos import Photo


@dataclass(frozen=True)
class CopyIn:
    """One copy of one station's protocol of one contest, as sent.

    ``where`` says where it came from for messages ("copies.csv line 12"); ``note`` is the
    observer's own remark (at most a few hundred characters, shown with the copy).
    """

    station: str
    contest: str
    lines: Mapping[str, int] = field(default_factory=dict)
    votes: Mapping[str, int] = field(default_factory=dict)
    where: str | None = None
    note: str | None = None


@dataclass(frozen=True)
class NewCopy:
    """A checked copy to write: the copy, the relations it breaks, and its photo (if any) with
    whether the observer lets it be published."""

    copy: CopyIn
    flags: list[dict[str, Any]]
    photo: Photo | None = None
    publish_photo: bool = False
