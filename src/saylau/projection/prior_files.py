"""A prior from disk: the previous election's store or definition directory, and its mapping file.

Kept apart from :mod:`prior` (which only sums and matches) so the estimator stays free of I/O;
``saylau project --prior`` and the server's projection read a prior through :func:`load_prior`.
"""

from __future__ import annotations

from pathlib import Path

from saylau.errors import InputError, MappingError
from saylau.projection.prior import Prior, build_prior, read_prior_mapping


def load_prior(source: str, mapping: str | None = None) -> Prior:
    """The prior election in ``source`` (a store, or a definition directory with protocols)."""
    read = None
    if mapping is not None:
        path = Path(mapping)
        try:
            text = path.read_bytes().decode("utf-8-sig")
        except OSError as e:
            raise MappingError([f"{mapping}: cannot read the prior mapping ({e.strerror or e})"]) from None
        except UnicodeDecodeError as e:
            raise MappingError([f"{mapping}: not UTF-8 (offset {e.start})"]) from None
        read = read_prior_mapping(text, mapping)
    if Path(source).is_dir():
        from saylau import spec

        return build_prior(spec.load(source), mapping=read, source=source)
    if not (source.startswith("postgresql") or Path(source).is_file()):
        raise InputError(f"{source}: the prior is neither an election directory nor a store")
    from saylau.store import Store

    store = Store.open(source)
    try:
        return build_prior(store.election(), store.current(), mapping=read, source=source)
    finally:
        store.close()
