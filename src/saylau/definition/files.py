"""Where a definition's files are: a directory on disk, or the bytes a store kept of it."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path


class Files:
    """The files of a definition: a directory on disk, or a mapping of relative paths to bytes.

    A store keeps the definition it was created from as such a mapping, so an
    election loads the same way from a directory and from a database.
    """

    def __init__(self, root: Path | None = None, data: Mapping[str, bytes] | None = None) -> None:
        self.root = root
        self.data = data

    def label(self) -> str:
        return str(self.root) if self.root is not None else "<stored definition>"

    def is_dir(self, rel: str = "") -> bool:
        if self.root is not None:
            return (self.root / rel).is_dir()
        prefix = f"{rel.rstrip('/')}/" if rel else ""
        return any(k.startswith(prefix) for k in self.data or {})

    def exists(self, rel: str) -> bool:
        return (self.root / rel).is_file() if self.root is not None else rel in (self.data or {})

    def read(self, rel: str) -> bytes:
        return (self.root / rel).read_bytes() if self.root is not None else (self.data or {})[rel]

    def listdir(self, rel: str) -> list[str]:
        if self.root is not None:
            return sorted(p.name for p in (self.root / rel).iterdir())
        prefix = f"{rel.rstrip('/')}/"
        return sorted({k[len(prefix) :].split("/")[0] for k in self.data or {} if k.startswith(prefix)})

    def snapshot(self) -> dict[str, bytes]:
        """Every file under the root, by relative path (what a store keeps)."""
        if self.root is None:
            return dict(self.data or {})
        return {
            p.relative_to(self.root).as_posix(): p.read_bytes()
            for p in sorted(self.root.rglob("*"))
            if p.is_file() and not p.name.startswith(".")
        }
