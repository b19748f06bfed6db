"""The server's signing key: a file beside the database, never in it.

Whoever can read the database (a backup, a replica, an observer's copy) must not be able to sign
a checkpoint, so the key lives in a file of its own, readable by its owner only (mode 0600), that
holds one line: the signer text of :class:`saylau.transparency.note.Signer`. Where it is: the
``--key`` a command is given, else the environment variable :data:`KEY_ENV`, else ``<db>.key``
beside a SQLite store (a PostgreSQL store has no "beside": it needs one of the first two).
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from saylau.errors import InputError
from saylau.transparency.note import Signer

#: The environment variable that names the key file, when no ``--key`` is given.
KEY_ENV = "SAYLAU_LOG_KEY"
#: What a key file's name ends with beside a SQLite store.
SUFFIX = ".key"


def key_path(given: str | Path | None, sqlite_file: Path | None) -> Path | None:
    """Where the key of a store is: ``given``, else $SAYLAU_LOG_KEY, else beside a SQLite file;
    None for a PostgreSQL store given neither."""
    if given is not None and str(given):
        return Path(given).expanduser()
    from_env = os.environ.get(KEY_ENV)
    if from_env:
        return Path(from_env).expanduser()
    if sqlite_file is not None:
        return sqlite_file.with_name(sqlite_file.name + SUFFIX)
    return None


def write_new(path: Path, signer: Signer) -> None:
    """Write ``signer`` to a new file at ``path``, mode 0600; InputError if a file is there
    already (a key is never overwritten: the checkpoints it signed would lose their signer)."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        raise InputError(
            f"{path} exists already: a log key is never overwritten (move it away, or give another --key)",
            where="log key",
        ) from None
    except OSError as e:
        raise InputError(f"cannot write {path}: {e.strerror or e}", where="log key") from None
    try:
        with os.fdopen(fd, "w", encoding="ascii") as out:
            out.write(signer.skey + "\n")
            out.flush()
            os.fsync(out.fileno())
    except BaseException:
        path.unlink(missing_ok=True)
        raise


def read(path: Path) -> Signer:
    """The signer in the key file at ``path``; InputError when it is missing, readable by other
    users, or not a key (the message never repeats the file's content)."""
    try:
        info = path.stat()
    except FileNotFoundError:
        raise InputError(
            f"no log key at {path} (saylau init makes one; --key or ${KEY_ENV} names another)",
            where="log key",
        ) from None
    except OSError as e:
        raise InputError(f"cannot read {path}: {e.strerror or e}", where="log key") from None
    if os.name == "posix" and info.st_mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise InputError(
            f"{path} can be read by other users (mode {stat.S_IMODE(info.st_mode):o}): chmod 600 {path}",
            where="log key",
        )
    try:
        text = path.read_text(encoding="ascii")
    except (OSError, UnicodeDecodeError) as e:
        raise InputError(
            f"cannot read {path}: {getattr(e, 'strerror', None) or e}", where="log key"
        ) from None
    try:
        return Signer.parse(text)
    except InputError as e:
        raise InputError(f"{path} does not hold a log key: {e}", where="log key") from None
