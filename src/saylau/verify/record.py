"""The record: everything a verifier needs, as plain files that any language can read.

A record is a directory (or the same tree in one .zip file), laid out as docs/verification.md §2.1
specifies::

    record.json            what the record is: format, election, origin, sizes, results' language
    vkey                   the log's public key (one line, a signed-note verifier key)
    checkpoint             the newest signed checkpoint (a C2SP signed note)
    checkpoints/<N>.txt    every other checkpoint the server kept, one signed note each
    log/entries            every entry's canonical bytes, in order, each followed by one LF
    log/leaves             the leaf hash the log records for each entry, hex, one a line
    definition/<path>      the definition's files, byte for byte as the store keeps them
    results.json           the published results document, byte for byte

A canonical entry never holds a raw LF (JSON escapes it), so one line is one entry; an empty line
is an entry the source could not give (its rows are gone): the verifier names it. Reading never
trusts the files: a path that would leave the record, a file that is not where the layout says,
a number that is not a number is refused here with what is wrong; what the bytes *mean* is
:mod:`saylau.verify.check`'s to judge.
"""

from __future__ import annotations

import hashlib
import json
import os
import zipfile
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

from saylau.errors import InputError

FORMAT = "saylau-record"
VERSION = 1
MANIFEST = "record.json"
VKEY = "vkey"
CHECKPOINT = "checkpoint"
CHECKPOINTS = "checkpoints"
ENTRIES = "log/entries"
LEAVES = "log/leaves"
DEFINITION = "definition"
RESULTS = "results.json"
#: The most a record may hold, in all (a .zip's files are counted before any is read).
MAX_BYTES = 8 << 30


@dataclass
class Record:
    """A record in memory. ``entries`` are the canonical bytes (``b""`` where the source gave
    none); ``leaves`` the hex leaf hashes the log records (None: the source gave none);
    ``results_size`` the number of entries the published results are of."""

    election: str
    origin: str | None
    vkey: str | None
    checkpoint: str | None
    entries: list[bytes]
    definition: dict[str, bytes]
    results: bytes | None
    results_size: int
    results_lang: str = "en"
    leaves: list[str] | None = None
    checkpoints: list[str] = field(default_factory=list)
    source: str = ""
    made_at: str = ""

    def manifest(self) -> dict[str, Any]:
        return {
            "format": FORMAT,
            "version": VERSION,
            "election": self.election,
            "origin": self.origin,
            "entries": len(self.entries),
            "results": {"file": RESULTS, "size": self.results_size, "lang": self.results_lang},
            "source": self.source,
            "made_at": self.made_at,
        }

    def files(self) -> dict[str, bytes]:
        """Every file of the record by its path in the layout."""
        out = {MANIFEST: (json.dumps(self.manifest(), ensure_ascii=False, indent=2) + "\n").encode()}
        if self.vkey is not None:
            out[VKEY] = f"{self.vkey}\n".encode()
        if self.checkpoint is not None:
            out[CHECKPOINT] = self.checkpoint.encode("utf-8")
        for note in self.checkpoints:
            out[f"{CHECKPOINTS}/{_size_of(note)}.txt"] = note.encode("utf-8")
        out[ENTRIES] = b"".join(entry + b"\n" for entry in self.entries)
        if self.leaves is not None:
            out[LEAVES] = "".join(f"{leaf}\n" for leaf in self.leaves).encode("ascii", "replace")
        for path, content in self.definition.items():
            out[f"{DEFINITION}/{safe_path(path, 'definition file')}"] = content
        if self.results is not None:
            out[RESULTS] = self.results
        return out


def _size_of(note: str) -> str:
    """The tree size a note states (its second line), for its file's name; a note that states
    none is named by its hash instead (it is still written: the verifier judges it)."""
    lines = note.split("\n", 2)
    size = lines[1] if len(lines) > 1 else ""
    if size.isdigit() and len(size) <= 20:
        return size
    return f"unnamed-{hashlib.sha256(note.encode('utf-8', 'replace')).hexdigest()[:16]}"


def safe_path(path: str, what: str) -> str:
    """``path`` when it is a relative POSIX path that stays inside the record; InputError if not."""
    parts = PurePosixPath(path).parts
    if (
        not isinstance(path, str)
        or not path
        or "\\" in path
        or "\0" in path
        or path.startswith("/")
        or any(p in ("", ".", "..") for p in parts)
        or path != "/".join(parts)
    ):
        raise InputError(f"{path!r} is not a relative path inside the record", where=what)
    return path


# -- writing ---------------------------------------------------------------------------------------


def write(record: Record, out: Path) -> int:
    """Write ``record`` at ``out``: a new directory, or a .zip file when ``out`` ends so; the
    number of bytes written. Nothing is overwritten: a record is evidence."""
    files = record.files()
    if out.suffix.lower() == ".zip":
        try:
            with open(out, "xb") as raw, zipfile.ZipFile(raw, "w", zipfile.ZIP_DEFLATED) as archive:
                for path, content in files.items():
                    archive.writestr(path, content)
        except FileExistsError:
            raise InputError(f"{out} exists already: a record is never overwritten", where="--out") from None
        return sum(map(len, files.values()))
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise InputError(f"{out} exists and is not an empty directory", where="--out")
    for path, content in files.items():
        target = out.joinpath(*path.split("/"))
        target.parent.mkdir(parents=True, exist_ok=True)
        with open(target, "xb") as f:
            f.write(content)
    return sum(map(len, files.values()))


# -- reading ---------------------------------------------------------------------------------------


def read(path: Path) -> Record:
    """The record in the directory or .zip file ``path``; InputError naming the file and what
    is wrong when it is not a record."""
    if path.is_dir():
        files = _directory(path)
    elif path.is_file() and zipfile.is_zipfile(path):
        files = _zip(path)
    elif path.exists():
        raise InputError(f"{path}: neither a record directory nor a .zip of one")
    else:
        raise InputError(f"{path}: no such record")
    return parse(files, str(path))


def _directory(root: Path) -> dict[str, bytes]:
    files: dict[str, bytes] = {}
    total = 0
    for folder, dirs, names in os.walk(root):
        dirs.sort()
        for name in sorted(names):
            full = Path(folder, name)
            rel = full.relative_to(root).as_posix()
            if full.is_symlink():
                raise InputError(f"{rel} is a symbolic link: a record holds plain files", where=str(root))
            total += full.stat().st_size
            if total > MAX_BYTES:
                raise InputError(f"more than {MAX_BYTES:,} bytes", where=str(root))
            files[rel] = full.read_bytes()
    return files


def _zip(path: Path) -> dict[str, bytes]:
    try:
        with zipfile.ZipFile(path) as archive:
            infos = [i for i in archive.infolist() if not i.is_dir()]
            if sum(i.file_size for i in infos) > MAX_BYTES:
                raise InputError(f"its files would be more than {MAX_BYTES:,} bytes", where=str(path))
            files = {}
            for info in infos:
                files[safe_path(info.filename, str(path))] = archive.read(info)
            return files
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, NotImplementedError) as e:
        raise InputError(f"cannot read the .zip: {e}", where=str(path)) from None


def parse(files: dict[str, bytes], label: str) -> Record:
    """A record from its files by path (see the module docstring)."""

    def need(name: str) -> bytes:
        if name not in files:
            raise InputError(f"no {name}: not a saylau record (docs/verification.md §2.1)", where=label)
        return files[name]

    try:
        manifest = json.loads(need(MANIFEST))
    except (ValueError, UnicodeDecodeError) as e:
        raise InputError(f"{MANIFEST} is not JSON: {e}", where=label) from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise InputError(f"{MANIFEST} does not say format {FORMAT!r}", where=label)
    if manifest.get("version") != VERSION:
        raise InputError(
            f"{MANIFEST}: version {manifest.get('version')!r}; this saylau reads version {VERSION}",
            where=label,
        )
    results = manifest.get("results")
    election, origin = manifest.get("election"), manifest.get("origin")
    if not isinstance(results, dict) or type(results.get("size")) is not int or results["size"] < 0:
        raise InputError(f"{MANIFEST}: results.size is not a whole number", where=label)
    if not isinstance(election, str) or not (origin is None or isinstance(origin, str)):
        raise InputError(f"{MANIFEST}: election and origin are text", where=label)
    lang = results.get("lang", "en")
    if not isinstance(lang, str):
        raise InputError(f"{MANIFEST}: results.lang is text", where=label)
    prefix = f"{DEFINITION}/"
    definition = {path[len(prefix) :]: content for path, content in files.items() if path.startswith(prefix)}
    return Record(
        election=election,
        origin=origin,
        vkey=_text(files, VKEY, label).strip() if VKEY in files else None,
        checkpoint=_text(files, CHECKPOINT, label) if CHECKPOINT in files else None,
        checkpoints=[
            _text(files, name, label) for name in sorted(files) if name.startswith(f"{CHECKPOINTS}/")
        ],
        entries=lines(need(ENTRIES)),
        leaves=[x.decode("ascii", "replace") for x in lines(files[LEAVES])] if LEAVES in files else None,
        definition=definition,
        results=files.get(RESULTS),
        results_size=results["size"],
        results_lang=lang,
        source=str(manifest.get("source", "")),
        made_at=str(manifest.get("made_at", "")),
    )


def lines(data: bytes) -> list[bytes]:
    """The lines of ``data`` without their LF (none for an empty file). A last line without its
    LF (a file cut short) is kept as it is: the checks then name that entry, as evidence."""
    if not data:
        return []
    parts = data.split(b"\n")
    return parts[:-1] if data.endswith(b"\n") else parts


def _text(files: dict[str, bytes], name: str, label: str) -> str:
    try:
        return files[name].decode("utf-8")
    except UnicodeDecodeError:
        raise InputError(f"{name} is not UTF-8 text", where=label) from None
