"""Errors in one tree: every public exception saylau defines derives from SaylauError and is
exported from ``saylau``, so a caller catches any of them by meaning with one import."""

from __future__ import annotations

import importlib
import inspect
import pkgutil

import saylau
from saylau.errors import SaylauError

#: Exceptions that are HTTP answers on their way out, not errors of saylau's input.
HTTP_ANSWERS = {"saylau.http.problems.ApiError", "saylau.http.problems.BodyTimeout"}


def public_exceptions() -> dict[str, type[BaseException]]:
    found: dict[str, type[BaseException]] = {}
    for info in pkgutil.walk_packages(saylau.__path__, "saylau."):
        if info.name.startswith("saylau.store.migrations") or info.name.endswith("__main__"):
            continue
        module = importlib.import_module(info.name)
        for name, value in vars(module).items():
            if (
                inspect.isclass(value)
                and issubclass(value, BaseException)
                and value.__module__ == info.name
                and not name.startswith("_")
            ):
                found[f"{info.name}.{name}"] = value
    return found


def test_every_public_exception_derives_from_saylau_error_and_is_exported() -> None:
    found = public_exceptions()
    assert "saylau.errors.ProtocolError" in found  # the walk sees the package
    outside = sorted(k for k, v in found.items() if k not in HTTP_ANSWERS and not issubclass(v, SaylauError))
    assert outside == []
    exported = {v for k, v in vars(saylau).items() if k in saylau.__all__}
    missing = sorted(k for k, v in found.items() if k not in HTTP_ANSWERS and v not in exported)
    assert missing == []


def test_the_errors_are_defined_once() -> None:
    """The store and intake name the errors of saylau.errors; they do not define their own."""
    from saylau import intake
    from saylau.store import errors as store_errors

    assert intake.MappingError is saylau.MappingError
    assert store_errors.ConflictError is saylau.ConflictError
    assert store_errors.StoreError is saylau.StoreError
