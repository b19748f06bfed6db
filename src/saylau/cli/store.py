"""Commands on a store (a SQLite file or a postgresql:// URL): init, import, turnout, audit, checkpoint."""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

import click

from saylau.cli.app import cli
from saylau.errors import InputError

if TYPE_CHECKING:
    from saylau.store import Entered, Store


KEY_HELP = "The log's signing key file (default: $SAYLAU_LOG_KEY, else DB.key beside a SQLite DB)."


@cli.command("init")
@click.argument("db", metavar="DB")
@click.option("--election", "election_dir", required=True, metavar="DIR", help="The definition.")
@click.option("--key", default=None, metavar="PATH", help=f"{KEY_HELP} Made new; never overwritten.")
@click.option(
    "--origin",
    default=None,
    metavar="NAME",
    help="The log's name in its checkpoints, e.g. results.example.org/2026 "
    "(default: saylau/<election>/<random>).",
)
def init_command(db: str, election_dir: str, key: str | None, origin: str | None) -> None:
    """Create a store (a SQLite file or a postgresql:// URL) for the election defined in DIR, and
    the key that signs its log's checkpoints (a file of its own: keep it secret, and out of backups
    that others read)."""
    from saylau import spec
    from saylau.store import Store
    from saylau.store.engine import parse, sqlite_file
    from saylau.transparency.keys import KEY_ENV, key_path

    if not Path(election_dir).is_dir():
        raise InputError(f"{election_dir}: not an election directory")
    path = key_path(key, sqlite_file(parse(db)))
    if path is None:
        raise InputError(
            f"a PostgreSQL store's log key needs a file: give --key PATH (or set {KEY_ENV})", where="--key"
        )
    store = Store.create(db, spec.Files(Path(election_dir)), key=path, origin=origin)
    election = store.election()
    _, vkey = store.log_key()
    store.close()
    click.echo(
        f"{db}: created for {election.id} ({len(election.stations):,} stations, "
        f"{len(election.contests)} contests)\n"
        f"log key: {path} (secret: it signs the checkpoints; keep it out of shared backups)\n"
        f"public key: {vkey}"
    )


@cli.command("import")
@click.argument("db", metavar="DB")
@click.argument("file", metavar="FILE")
@click.option("--mapping", default=None, metavar="MAP", help="Maps the file's columns to form lines.")
@click.option("--contest", default=None, help="The contest, where the file and mapping do not say.")
@click.option(
    "--accept-valid",
    is_flag=True,
    help="Store the valid protocols and write the rejected ones, with their errors, to --rejects.",
)
@click.option("--rejects", default=None, metavar="OUT", help="Where --accept-valid writes rejects.")
@click.option("--status", type=click.Choice(["preliminary", "final"]), default="preliminary")
@click.option("--reason", default=None, help="Why: needed when a protocol corrects a stored one.")
@click.option("--actor", default=None, help="Who is importing (default: the system user).")
@click.option(
    "--sign", "sign_key", default=None, metavar="KEY", help="Sign each protocol with this key file."
)
def import_command(
    db: str,
    file: str,
    mapping: str | None,
    contest: str | None,
    accept_valid: bool,
    rejects: str | None,
    status: str,
    reason: str | None,
    actor: str | None,
    sign_key: str | None,
) -> None:
    """Check the protocols of FILE (CSV, .csv.zip, .csv.gz or JSON) and store them, all or nothing;
    with --sign, each signed by the commission key in KEY (``saylau keys create``).

    Where the election asks for double entry (``entry = "double"``), each protocol is an entry by
    --actor: it counts once another officer's entry has the same figures; the command says how many
    counted, how many await a different officer's entry and which differ."""
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from saylau.intake import load_mapping, read_protocols, write_rejects
    from saylau.store import Store

    if not Path(file).is_file():
        raise InputError(f"{file}: no such file")
    store = Store.open(db)
    try:
        election = store.election()
        columns = (TextColumn("reading"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
        err = Console(stderr=True)
        with Progress(*columns, console=err, transient=True, disable=not err.is_terminal) as bar:
            task = bar.add_task("read", total=len(election.stations) or None)
            intake = read_protocols(
                file,
                election,
                mapping=load_mapping(mapping) if mapping else None,
                contest=contest,
                progress=lambda rows: bar.update(task, completed=rows),
            )
        if intake.problems:
            raise InputError("; ".join(intake.problems), where=file)
        if intake.rejects and not accept_valid:
            for reject in intake.rejects[:20]:
                for problem in reject.problems:
                    click.echo(f"error: {problem}", err=True)
            more = len(intake.rejects) - 20
            raise InputError(
                f"{len(intake.rejects):,} protocol(s) rejected"
                + (f" ({more:,} more not shown)" if more > 0 else "")
                + "; nothing stored (fix them, or use --accept-valid)",
                where=file,
            )
        for warning in intake.warnings[:10]:
            click.echo(f"warning: {warning}", err=True)
        if len(intake.warnings) > 10:
            click.echo(f"warning: {len(intake.warnings) - 10:,} more warnings not shown", err=True)
        if intake.rejects:
            out = rejects or f"{file}.rejects.csv"
            write_rejects(intake.rejects, out)
            click.echo(f"{len(intake.rejects):,} protocol(s) rejected, written with their errors to {out}")
        signed = None
        if sign_key is not None:
            from saylau.store.signing import read_private_key, sign_protocols

            key = read_private_key(Path(sign_key))
            signed = sign_protocols(key, election.id, intake.protocols, status)
        who = actor or os.environ.get("USER") or "cli"
        if store.entry_mode() == "double":
            entered = store.enter(
                actor=who,
                status=status,
                reason=reason,
                source=Path(file).name,
                signatures=signed,
                tables=intake.tables,
            )
            click.echo(f"{db}: {_entered(entered)}; {_head(store)}")
            return
        done = store.submit_tables(
            intake.tables,
            actor=who,
            status=status,
            reason=reason,
            source=Path(file).name,
            signatures=signed,
        )
        click.echo(
            f"{db}: {done.new:,} new, {done.corrected:,} corrected, {done.unchanged:,} unchanged; "
            f"{_head(store)}"
        )
    finally:
        store.close()


def _entered(entered: list[Entered]) -> str:
    """What a file's entries did, in one line (and the differing protocols on standard error)."""
    counted = sum(1 for e in entered if e.counted)
    awaiting = sum(1 for e in entered if e.result == "awaiting")
    differs = [e for e in entered if e.result == "differs"]
    unchanged = sum(1 for e in entered if e.result == "unchanged")
    for e in differs[:20]:
        click.echo(f"differs: {e.explain()}", err=True)
    if len(differs) > 20:
        click.echo(f"differs: {len(differs) - 20:,} more not shown", err=True)
    return (
        f"{counted:,} counted (both officers' entries agree), {awaiting:,} awaiting a different "
        f"officer's entry, {len(differs):,} differing, {unchanged:,} unchanged"
    )


def _head(store: Store) -> str:
    size, root = store.keep_tree()
    return f"log: {size:,} entries, root {root[:16]}"


@cli.group("audit")
def audit_group() -> None:
    """The store's log: one tamper-evident record of every event, with signed checkpoints."""


@audit_group.command("verify")
@click.argument("db", metavar="DB")
@click.option(
    "--since",
    "since",
    multiple=True,
    metavar="CHECKPOINT",
    help="A checkpoint file kept earlier (the signed note); the log must extend it. Repeatable.",
)
@click.option(
    "--vkey", default=None, metavar="KEY", help="The log's public key as published (default: the store's)."
)
def audit_verify_command(db: str, since: tuple[str, ...], vkey: str | None) -> None:
    """Rebuild every entry from the stored rows, recompute the tree, check every stored checkpoint
    and each --since checkpoint against it; name the first entry that does not match.

    A row that cannot even be read (changed behind the store's back into something that is not a
    hash, a number or text) is named the same way: ``entry N: ... cannot read its <column>``.
    """
    from saylau.store import Store

    notes = [_read_note(path) for path in since]
    store = Store.open(db)
    try:
        report = store.verify(notes, vkey)
    finally:
        store.close()
    if not report.ok:
        at = f" at entry {report.first_bad}" if report.first_bad is not None else ""
        click.echo(f"audit: FAILED{at}: {report.problem}", err=True)
        raise click.exceptions.Exit(1)
    click.echo(
        f"audit: ok, {report.entries:,} entries, root {report.root}; "
        f"{report.checkpoints:,} checkpoint{'s' if report.checkpoints != 1 else ''} consistent"
    )


def _read_note(path: str) -> str:
    try:
        return Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as e:
        raise InputError(
            f"cannot read {path}: {getattr(e, 'strerror', None) or e}", where="--since"
        ) from None


@audit_group.command("export")
@click.argument("db", metavar="DB")
@click.option(
    "--out",
    default="-",
    show_default=True,
    help="A file, or - for standard output (record: a new DIR or .zip).",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["jsonl", "record"]),
    default="jsonl",
    show_default=True,
    help="jsonl: the entries, one JSON line each; record: everything saylau verify needs, as plain "
    "files (docs/verification.md §2).",
)
@click.option("--key", default=None, metavar="PATH", help=f"record: {KEY_HELP}")
def audit_export_command(db: str, out: str, fmt: str, key: str | None) -> None:
    """Write the log for observers to verify on their own (docs/verification.md): its entries as
    JSON lines, or (--format record) the whole record: the definition, every entry, the signed
    checkpoints, the public key and the results."""
    from saylau.store import Store

    if fmt == "record":
        _export_record(db, out, key)
        return
    store = Store.open(db)
    try:
        stream = click.open_file(out, "w", encoding="utf-8")
        with stream:
            start = 0
            while True:
                page = store.log_entries(start, start + 1000)
                for entry in page:
                    stream.write(entry.to_json() + "\n")
                if len(page) < 1000:
                    break
                start += 1000
    finally:
        store.close()


def _export_record(db: str, out: str, key: str | None) -> None:
    from saylau.verify import export, record

    if out == "-":
        raise InputError("a record is a directory or a .zip file: give --out DIR", where="--out")
    made, notes = export.from_store(db, key=key)
    for note in notes:
        click.echo(f"note: {note}", err=True)
    written = record.write(made, Path(out))
    click.echo(
        f"{out}: record of {len(made.entries):,} entries, {len(made.definition)} definition files, "
        f"{len(made.checkpoints) + (made.checkpoint is not None)} checkpoints, results of "
        f"{made.results_size:,} entries ({written:,} bytes); check it with saylau verify {out}"
    )


@audit_group.command("key")
@click.argument("db", metavar="DB")
@click.option("--key", default=None, metavar="PATH", help=f"{KEY_HELP} Made new; never overwritten.")
@click.option("--origin", default=None, metavar="NAME", help="The log's name in its checkpoints.")
def audit_key_command(db: str, key: str | None, origin: str | None) -> None:
    """Make the signing key of a store that has none (one made before checkpoints were signed)."""
    from saylau.store import Store

    with Store.open(db, key=key) as store:
        signer = store.make_log_key(origin)
        click.echo(f"log key: {store.key_path} (secret)\npublic key: {signer.verifier.vkey}")


@cli.command("checkpoint")
@click.argument("source", metavar="SOURCE")
@click.option("--key", default=None, metavar="PATH", help=KEY_HELP)
def checkpoint_command(source: str, key: str | None) -> None:
    """Print the log's current checkpoint, signed: the text GET /api/v1/log/checkpoint serves.
    SOURCE is a store, or a site's URL (the checkpoint exactly as its API serves it).

    Keep it (a file per checkpoint): ``saylau verify SOURCE --since FILE`` (or ``saylau audit
    verify DB --since FILE``) later shows whether the log still extends it.
    """
    from saylau.verify import fetch

    if fetch.is_url(source):
        click.echo(fetch.checkpoint(fetch.base_of(source)), nl=False)
        return
    from saylau.store import Store

    with Store.open(source, key=key) as store:
        click.echo(store.checkpoint(), nl=False)


@cli.command("turnout")
@click.argument("db", metavar="DB")
@click.argument("place")
@click.argument("time", metavar="HH:MM")
@click.argument("issued", type=int)
@click.option("--registered", type=int, default=None, help="Voters on the lists, if not the definition's.")
@click.option("--actor", default=None, help="Who reports (default: the system user).")
def turnout_command(
    db: str, place: str, time: str, issued: int, registered: int | None, actor: str | None
) -> None:
    """Record a turnout report: ISSUED ballots by HH:MM at a station or territory PLACE."""
    from saylau.store import Store

    store = Store.open(db)
    try:
        store.add_turnout(
            place, time, issued, actor=actor or os.environ.get("USER") or "cli", registered=registered
        )
        click.echo(f"{db}: turnout at {place} by {time}: {issued:,}; {_head(store)}")
    finally:
        store.close()
