"""The bytes of a file of protocols: its kind, its size, decompressed within the limits.

A file is known by its name's suffix (plain CSV, gzip, a zip of one CSV, JSON); what it may cost is
a :class:`Limits`, checked before reading where the size is known (on disk, in a zip's directory)
and while decompressing where it is not (gzip), so a bomb is refused after reading at most one byte
past the limit. A truncated or damaged archive is said to be so, never read as what it holds.
Each refusal is an :class:`~saylau.errors.InputError` that names the file: one line.
"""

from __future__ import annotations

import gzip
import io
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from saylau.errors import InputError

#: Files larger than this (on disk, or once decompressed) are refused before they are read.
DEFAULT_MAX_BYTES = 256 * 1024 * 1024
#: The kinds of file read, by the end of their name.
SUFFIXES = (".csv", ".csv.gz", ".csv.zip", ".zip", ".json", ".json.gz")


@dataclass(frozen=True)
class Limits:
    """What one file may cost to read: bytes (compressed and decompressed, checked while
    decompressing), rows, columns, and how many rejected rows are kept in memory (the others are
    counted). ``saylau import`` reads a national file with the defaults; the HTTP upload, which
    anyone with a commission token can send, uses :data:`UPLOAD_LIMITS`.
    """

    #: the file as sent (compressed or not), and its contents once decompressed
    max_bytes: int = DEFAULT_MAX_BYTES
    #: rows (CSV) or objects (JSON) in the file
    max_rows: int | None = None
    #: columns of the header (CSV) or keys of one object (JSON)
    max_columns: int = 2_000
    #: rejected rows kept with their problems; beyond it they are only counted (None: all)
    max_rejects: int | None = None


#: An upload through the API: a commission's file, not a national one (docs/api.md, "Limits").
#: tests/security/test_upload_resources.py sends bombs and floods of errors within these limits to
#: a served store of 2,000 stations: the server's peak memory stayed near 130 MB.
UPLOAD_LIMITS = Limits(max_bytes=8 * 1024 * 1024, max_rows=20_000, max_columns=300, max_rejects=100)


def kind_of(name: str) -> str | None:
    """The suffix of :data:`SUFFIXES` that ``name`` ends with (the longest), None for none:
    what ``saylau import`` and the upload route both ask before anything is read."""
    lower = name.lower()
    return next((s for s in sorted(SUFFIXES, key=len, reverse=True) if lower.endswith(s)), None)


def unknown_kind(name: str) -> str:
    """The refusal of a file whose name ends with none of :data:`SUFFIXES`."""
    return f"{name}: unknown kind of file; expected one of {', '.join(SUFFIXES)}"


def file_bytes(path: Path, limits: Limits) -> tuple[str, bytes]:
    """The kind of a file on disk and its contents, decompressed; refused by its size on disk
    before anything is read."""
    name = path.name
    suffix = _kind(name)
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        raise InputError(f"file not found ({path})", where=name) from None
    except OSError as e:
        raise InputError(f"cannot read the file ({e.strerror or e})", where=name) from None
    _within(name, size, limits.max_bytes)
    try:
        if suffix.endswith((".zip", ".gz")):
            with path.open("rb") as f:
                return suffix, _contents(name, suffix, f, limits.max_bytes)
        return suffix, _not_empty(name, path.read_bytes())
    except OSError as e:
        raise InputError(f"cannot read the file ({e.strerror or e})", where=name) from None


def sent_bytes(name: str, data: bytes, limits: Limits) -> tuple[str, bytes]:
    """The kind and contents of a file sent as bytes (an upload), named ``name`` in messages."""
    suffix = _kind(name)
    _within(name, len(data), limits.max_bytes)
    if suffix.endswith((".zip", ".gz")):
        return suffix, _contents(name, suffix, io.BytesIO(data), limits.max_bytes)
    return suffix, _not_empty(name, data)


def _kind(name: str) -> str:
    suffix = kind_of(name)
    if suffix is None:
        raise InputError(unknown_kind(name))
    return suffix


def _within(name: str, size: int, max_bytes: int) -> None:
    if size > max_bytes:
        raise InputError(
            f"{size:,} bytes, more than the limit of {max_bytes:,}; refused without reading it", where=name
        )


def _contents(name: str, suffix: str, f: BinaryIO, max_bytes: int) -> bytes:
    """A gzip or zip file decompressed, at most one byte past ``max_bytes``."""
    if suffix.endswith(".zip"):
        data = _unzip(name, f, max_bytes)
    else:
        try:
            with gzip.GzipFile(fileobj=f, mode="rb") as z:
                data = z.read(max_bytes + 1)
        except (EOFError, gzip.BadGzipFile, zlib.error) as e:
            raise InputError(f"truncated or damaged gzip file ({e})", where=name) from None
    if len(data) > max_bytes:
        raise InputError(f"more than {max_bytes:,} bytes once decompressed; refused", where=name)
    return _not_empty(name, data)


def _unzip(name: str, f: BinaryIO, max_bytes: int) -> bytes:
    try:
        with zipfile.ZipFile(f) as z:
            members = [i for i in z.infolist() if not i.is_dir() and not i.filename.startswith("__MACOSX/")]
            if len(members) != 1:
                listed = ", ".join(i.filename for i in members[:5]) or "nothing"
                raise InputError(
                    f"expected one CSV file in the zip, found {len(members)} ({listed})", where=name
                )
            member = members[0]
            if member.file_size > max_bytes:
                raise InputError(
                    f"{member.filename} is {member.file_size:,} bytes once decompressed, more than "
                    f"the limit of {max_bytes:,}; refused without reading it",
                    where=name,
                )
            with z.open(member) as inside:
                return inside.read(max_bytes + 1)
    except (zipfile.BadZipFile, EOFError, zlib.error) as e:
        raise InputError(f"not a readable zip file: truncated or damaged ({e})", where=name) from None


def _not_empty(name: str, data: bytes) -> bytes:
    if not data or data.isspace():
        raise InputError("the file is empty", where=name)
    return data
