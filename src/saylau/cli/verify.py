"""``saylau verify SOURCE``: the record checked from the outside (docs/verification.md §2).

SOURCE is a record (a directory or .zip that ``saylau audit export --format record`` wrote), a
site's URL (fetched over its public API), or a store (exported first, to a temporary directory,
and that checked: the checks never read a database). Exit 0 with a one-paragraph summary; exit 1
with the first bad entry and every discrepancy; exit 2 when SOURCE cannot be read at all.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

import click

from saylau.cli.app import cli
from saylau.errors import InputError

if TYPE_CHECKING:
    from saylau.verify.check import Report
    from saylau.verify.record import Record

#: Problems listed after the first bad entry before "and N more".
SHOWN = 50


@cli.command("verify")
@click.argument("source", metavar="SOURCE")
@click.option(
    "--since",
    "since",
    multiple=True,
    metavar="CHECKPOINT",
    help="A checkpoint file kept earlier (a signed note); the log must extend it. Repeatable.",
)
@click.option(
    "--vkey", default=None, metavar="KEY", help="The log's public key as the authority published it."
)
@click.option(
    "--key", default=None, metavar="PATH", help="A store's signing key file, to sign its checkpoint now."
)
@click.option(
    "--save", default=None, metavar="DIR", help="Also keep the record checked, as a directory or .zip."
)
def verify_command(
    source: str, since: tuple[str, ...], vkey: str | None, key: str | None, save: str | None
) -> None:
    """Check SOURCE's record: every entry, the tree, every checkpoint's signature, consistency with
    each --since checkpoint, and every published figure recomputed from the protocols in the log."""
    from saylau.verify import check, fetch, record

    kept = [(f"checkpoint {path}", _read(path)) for path in since]
    if vkey is not None:
        from saylau.transparency.note import Verifier

        Verifier.parse(vkey)  # a key that is not one is the user's input: exit 2, before any work
    if fetch.is_url(source):
        made = fetch.from_url(source)
    elif Path(source).is_dir() or (Path(source).is_file() and source.lower().endswith(".zip")):
        made = record.read(Path(source))
    elif source.startswith("postgresql") or Path(source).is_file():
        made = _exported(source, key)
    else:
        raise InputError(f"{source}: no such record, store or URL")
    if save is not None:
        record.write(made, Path(save))
    report = check.verify(made, kept, vkey)
    if report.ok:
        click.echo(_summary(source, report))
        return
    _failure(report)
    raise click.exceptions.Exit(1)


def _exported(source: str, key: str | None) -> Record:
    """A store's record, written to a temporary directory and read back: what is checked is
    exactly what an export of the store holds."""
    from saylau.verify import export, record

    made, notes = export.from_store(source, key=key)
    for note in notes:
        click.echo(f"note: {note}", err=True)
    with tempfile.TemporaryDirectory(prefix="saylau-record-") as folder:
        out = Path(folder) / "record"
        record.write(made, out)
        return record.read(out)


def _read(path: str) -> str:
    try:
        return Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as e:
        raise InputError(
            f"cannot read {path}: {getattr(e, 'strerror', None) or e}", where="--since"
        ) from None


def _plural(n: int, one: str, many: str | None = None) -> str:
    return f"{n:,} {one if n == 1 else (many or one + 's')}"


def _summary(source: str, report: Report) -> str:
    counts = report.counts
    parts = [
        _plural(counts.get("protocol", 0), "protocol version")
        + (f" ({report.signed:,} signed by their commission)" if report.signed else ""),
        _plural(counts.get("turnout", 0), "turnout report"),
        _plural(counts.get("token-issue", 0), "token issued", "tokens issued"),
        _plural(counts.get("token-revoke", 0), "revoked", "revoked"),
    ]
    if counts.get("key-register") or counts.get("key-revoke"):
        parts.append(
            _plural(counts.get("key-register", 0), "commission key registered", "commission keys registered")
        )
        parts.append(_plural(counts.get("key-revoke", 0), "key revoked", "keys revoked"))
    if counts.get("protocol-entry"):
        parts.append(_plural(counts["protocol-entry"], "officer's entry", "officers' entries"))
    if counts.get("observer-copy"):
        parts.append(_plural(counts["observer-copy"], "observer's copy", "observers' copies"))
    checkpoints = f"the newest checkpoint ({report.newest or 0:,} entries) is signed by {report.key}"
    unsigned = report.entries - (report.newest or 0)
    if unsigned:
        checkpoints += (
            f" (the last {_plural(unsigned, 'entry is', 'entries are')} not yet under a checkpoint)"
        )
    others = [
        *([_plural(report.kept, "more the server kept", "more the server kept")] if report.kept else []),
        *([_plural(report.since, "checkpoint given", "checkpoints given")] if report.since else []),
    ]
    if others:
        checkpoints += f", and {' and '.join(others)} agree with the log"
    seats = "; ".join(
        f"{body}: " + ", ".join(f"{party} {n}" for party, n in body_seats.items())
        for body, body_seats in report.summary.get("bodies", {}).items()
        if body_seats
    )
    turnout = report.summary.get("turnout")
    figures = f"turnout {turnout}%" + (f"; seats {seats}" if seats else "") if turnout is not None else ""
    as_of = f" as of entry {report.results_size:,}" if report.results_size != report.entries else ""
    return (
        f"verify: ok. {source}: {_plural(report.entries, 'entry', 'entries')} (the definition, "
        f"{', '.join(parts)}) make the root {report.root[:16]}…; {checkpoints}. The current versions of "
        f"{_plural(report.protocols, 'protocol')}{as_of}, replayed from the log and counted with the "
        f"definition's rules, give all {report.figures:,} published figures exactly"
        + (f" ({figures})" if figures else "")
        + "."
    )


def _failure(report: Report) -> None:
    first = report.first_bad
    if first is not None:
        at = f" at entry {first.entry}" if first.entry is not None else ""
        click.echo(f"verify: FAILED{at}: {first.text}", err=True)
        rest = sorted(
            (p for p in report.problems if p is not first),
            key=lambda p: (p.entry is None, p.entry or 0),
        )
        for problem in rest[:SHOWN]:
            click.echo(f"  {problem}", err=True)
        if len(rest) > SHOWN:
            click.echo(f"  ... and {len(rest) - SHOWN:,} more problems", err=True)
    else:
        click.echo("verify: FAILED: the published results differ from the results of the log", err=True)
    if report.differences:
        click.echo(
            f"results: {_plural(len(report.differences), 'figure')} of {report.figures:,} differ "
            f"(published vs recomputed from the log's first {report.results_size:,} entries):",
            err=True,
        )
        for difference in report.differences:
            click.echo(f"  {difference}", err=True)
