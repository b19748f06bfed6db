"""Commands for backups: backup (of a store while it is served) and restore (the drill's other half).

A backup is taken while the server writes, so it must be one consistent moment of the store, not
a file copied while pages change under it: SQLite's online backup API copies the database as one
read transaction sees it (in WAL mode writers go on meanwhile), and ``pg_dump`` reads PostgreSQL
in one repeatable-read snapshot (its custom format: compressed, and restored by ``pg_restore``).
Either way the backup's audit chain ends at an entry the store had committed, so ``saylau audit
verify`` passes on the restored copy and its results are the store's at that entry.

Both commands write atomically: to a temporary name beside the destination, checked (SQLite's
``quick_check``, ``pg_restore --list``), flushed to disk, then renamed; an interrupted backup
leaves no half file under the name a restore drill would pick up. Neither overwrites a store, and
a PostgreSQL restore goes into an empty database in one transaction.

What a backup does not hold: the log's signing key (``<db>.key`` beside a SQLite store, or
$SAYLAU_LOG_KEY). It is a secret that never changes; keep it apart, as docs/deploy.md says.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import sqlite3
import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path

import click

from saylau.cli.app import cli
from saylau.errors import InputError, StoreError

#: The first bytes of each kind of backup: a SQLite database, a pg_dump custom-format archive.
SQLITE_MAGIC = b"SQLite format 3\x00"
PGDUMP_MAGIC = b"PGDMP"
#: Seconds pg_dump or pg_restore may take (a national store is some hundreds of megabytes).
PG_TIMEOUT = 3600


@cli.command("backup")
@click.argument("source", metavar="DB")
@click.argument("out", metavar="OUT")
@click.option("--overwrite", is_flag=True, help="Replace OUT if it exists (atomically).")
def backup_command(source: str, out: str, overwrite: bool) -> None:
    """Back up the store DB to the file OUT, while it is being served.

    A SQLite store is copied with SQLite's online backup API (OUT is a SQLite database); a
    PostgreSQL store is dumped with pg_dump in its custom format. `saylau restore` puts either back.
    """
    from saylau.store import Store
    from saylau.store.engine import label, parse, sqlite_file

    url = parse(source)
    target = Path(out)
    if target.exists() and not overwrite:
        raise InputError(f"{out} exists (give --overwrite to replace it)", where="OUT")
    if not target.parent.is_dir():
        raise InputError(f"cannot write {out}: the folder {target.parent} does not exist", where="OUT")
    with Store.open(source) as store:  # a missing, foreign or out-of-date store: refused here
        seq, _ = store.audit_head()
    path = sqlite_file(url)
    with _atomic(target) as partial:
        if path is not None:
            _sqlite_copy(path, partial)
        else:
            _pg_dump(url, partial)
    kind = "SQLite online backup" if path is not None else "pg_dump custom format"
    click.echo(
        f"backed up {label(url)} to {out} ({kind}, {target.stat().st_size:,} bytes; "
        f"its audit chain ends at entry {seq} or later)",
        err=True,
    )


@cli.command("restore")
@click.argument("backup", metavar="BACKUP")
@click.argument("target", metavar="DB")
def restore_command(backup: str, target: str) -> None:
    """Restore BACKUP (made by `saylau backup`) as the store DB.

    A SQLite backup becomes a new SQLite file DB (never over an existing one); a pg_dump backup
    goes into the PostgreSQL database DB, which must exist and be empty (one transaction). Run
    `saylau audit verify DB` after: the drill is not done until it passes.
    """
    from saylau.store import Store
    from saylau.store.engine import label, parse, sqlite_file

    kind = _kind(Path(backup))
    url = parse(target)
    path = sqlite_file(url)
    if kind == "sqlite":
        if path is None:
            raise InputError(
                f"{backup} is a SQLite store's backup: restore it as a SQLite file, not into PostgreSQL",
                where="DB",
            )
        if path.exists():
            raise InputError(f"{path} exists: a restore never writes over a store", where="DB")
        if not path.parent.is_dir():
            raise InputError(f"cannot write {path}: the folder {path.parent} does not exist", where="DB")
        with _atomic(path) as partial:
            _sqlite_copy(Path(backup), partial)
    else:
        if path is not None:
            raise InputError(
                f"{backup} is a PostgreSQL store's backup (pg_dump): restore it into a postgresql:// "
                "database",
                where="DB",
            )
        _pg_restore(Path(backup), url)
    with Store.open(target) as store:
        seq, _ = store.audit_head()
    click.echo(
        f"restored {backup} as {label(url)} (audit chain to entry {seq}); "
        f"now run: saylau audit verify {label(url)}",
        err=True,
    )


# -- SQLite ---------------------------------------------------------------------------------------


def _sqlite_copy(source: Path, partial: Path) -> None:
    """The whole database in one step of the backup API: one read transaction, so one moment (a
    copy in several steps starts over whenever the server commits in between)."""
    try:
        src = sqlite3.connect(f"{source.resolve().as_uri()}?mode=ro", uri=True)
    except sqlite3.Error as e:
        raise StoreError(f"cannot read {source}: {e}") from None
    try:
        dst = sqlite3.connect(partial)
        try:
            src.backup(dst)
            # One self-contained file: out of WAL mode, so reading it later (a restore) needs no
            # -wal and -shm files beside it. A restored store goes back to WAL when opened.
            dst.execute("PRAGMA journal_mode = DELETE")
            found = dst.execute("PRAGMA quick_check").fetchone()
            if not found or found[0] != "ok":
                raise StoreError(f"the copy of {source} fails SQLite's quick_check: {found and found[0]}")
        finally:
            dst.close()
    except sqlite3.DatabaseError as e:
        raise StoreError(f"{source}: the backup failed: {e}") from None
    finally:
        src.close()


# -- PostgreSQL -----------------------------------------------------------------------------------


def _pg_tool(name: str) -> str:
    """pg_dump or pg_restore: on the PATH, else the newest of Debian's /usr/lib/postgresql/*/bin."""
    found = shutil.which(name)
    if found:
        return found
    candidates = sorted(
        Path("/usr/lib/postgresql").glob(f"*/bin/{name}"),
        key=lambda p: int(p.parts[-3]) if p.parts[-3].isdigit() else 0,
    )
    if candidates:
        return str(candidates[-1])
    raise InputError(f"{name} is not installed (Debian: apt-get install postgresql-client)", where=name)


def _libpq(url: object) -> tuple[str, dict[str, str]]:
    """The URL for libpq without its password, and the environment that carries it: a password on
    a command line is visible to every user of the machine (ps)."""
    import sqlalchemy as sa

    assert isinstance(url, sa.URL)
    env = dict(os.environ)
    if url.password is not None:
        env["PGPASSWORD"] = str(url.password)
    plain = url.set(drivername="postgresql", password=None).render_as_string(hide_password=False)
    return plain, env


def _run(command: list[str], env: dict[str, str], what: str) -> str:
    try:
        done = subprocess.run(
            command, env=env, capture_output=True, text=True, timeout=PG_TIMEOUT, check=False
        )
    except subprocess.TimeoutExpired:
        raise StoreError(f"{what} took longer than {PG_TIMEOUT} s") from None
    if done.returncode != 0:
        lines = [line for line in done.stderr.splitlines() if line.strip()]
        raise StoreError(f"{what} failed: {lines[0] if lines else f'exit status {done.returncode}'}")
    return done.stdout


def _pg_dump(url: object, partial: Path) -> None:
    conninfo, env = _libpq(url)
    _run(
        [
            _pg_tool("pg_dump"),
            "--format=custom",
            "--no-owner",
            "--no-privileges",
            f"--file={partial}",
            f"--dbname={conninfo}",
        ],
        env,
        "pg_dump",
    )
    _run([_pg_tool("pg_restore"), "--list", str(partial)], env, "checking the dump (pg_restore --list)")


def _pg_restore(backup: Path, url: object) -> None:
    import sqlalchemy as sa

    from saylau.store.engine import label, make_engine

    assert isinstance(url, sa.URL)
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            tables = conn.execute(
                sa.text(
                    "SELECT count(*) FROM pg_tables "
                    "WHERE schemaname NOT IN ('pg_catalog', 'information_schema')"
                )
            ).scalar_one()
    except sa.exc.DBAPIError as e:
        first = (str(e.orig).strip().splitlines() or [type(e.orig).__name__])[0]
        raise StoreError(f"{label(url)}: cannot use the database: {first}") from None
    finally:
        engine.dispose()
    if tables:
        raise InputError(
            f"{label(url)} is not empty ({tables} tables): restore into a new database", where="DB"
        )
    conninfo, env = _libpq(url)
    _run(
        [
            _pg_tool("pg_restore"),
            "--no-owner",
            "--no-privileges",
            "--single-transaction",
            "--exit-on-error",
            f"--dbname={conninfo}",
            str(backup),
        ],
        env,
        "pg_restore",
    )


# -- both -----------------------------------------------------------------------------------------


def _kind(backup: Path) -> str:
    try:
        with backup.open("rb") as f:
            head = f.read(len(SQLITE_MAGIC))
    except OSError as e:
        raise InputError(f"cannot read {backup}: {e.strerror or e}", where="BACKUP") from None
    if head.startswith(SQLITE_MAGIC):
        return "sqlite"
    if head.startswith(PGDUMP_MAGIC):
        return "pg_dump"
    raise InputError(
        f"{backup} is not a saylau backup: neither a SQLite database nor a pg_dump custom-format archive",
        where="BACKUP",
    )


@contextlib.contextmanager
def _atomic(final: Path) -> Iterator[Path]:
    """A temporary name beside ``final`` to write; renamed to ``final`` once written and flushed
    to disk, removed if anything fails."""
    partial = final.with_name(f".{final.name}.{uuid.uuid4().hex[:8]}.partial")
    try:
        yield partial
        with partial.open("rb+") as f:
            os.fsync(f.fileno())
        os.replace(partial, final)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    directory = os.open(final.parent, os.O_RDONLY)
    try:
        os.fsync(directory)  # the rename itself survives a power cut
    finally:
        os.close(directory)
