"""Every problem of a definition, one line each, so a commission fixes them in one pass."""

from __future__ import annotations

from collections.abc import Iterable

from saylau.errors import DefinitionError

#: Past this many, the rest are likely the same mistake again: stop and say so.
MAX_PROBLEMS = 100


class Problems:
    def __init__(self) -> None:
        self.items: list[str] = []

    def add(self, file: str, line: int | None, field: str, message: str) -> None:
        """``file:line: field: message`` (the line and the field where there is one)."""
        where = f"{file}:{line}" if line else file
        self.line(f"{where}: {field}: {message}" if field else f"{where}: {message}")

    def line(self, text: str) -> None:
        self.items.append(text)
        if len(self.items) >= MAX_PROBLEMS:
            self.items.append(f"stopped after {MAX_PROBLEMS} problems")
            raise DefinitionError(self.items)

    def extend(self, lines: Iterable[str]) -> None:
        for text in lines:
            self.line(text)

    def raise_if_any(self) -> None:
        if self.items:
            raise DefinitionError(self.items)
