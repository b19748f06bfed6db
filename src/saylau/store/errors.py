"""The store's errors: defined with every other error in :mod:`saylau.errors`, named here too."""

from __future__ import annotations

from saylau.errors import SHOWN, ConflictError, StoreError

__all__ = ["SHOWN", "ConflictError", "StoreError"]
