"""Commands that publish results: ``export`` (CSV, JSON, NIST SP 1500-100) and ``press``.

SOURCE is read by the loader of ``saylau results`` (an election directory or a store), so every
command sees the same results the same way.
"""

from __future__ import annotations

import json
from pathlib import Path

import click

from saylau.cli.app import cli
from saylau.cli.definitions import load_results
from saylau.errors import InputError
from saylau.i18n import LANGS


def _source(source: str):
    """The results of SOURCE, or one clear line when SOURCE does not exist at all."""
    if not (source.startswith("postgresql") or Path(source).exists()):
        raise InputError(f"{source}: no such election directory or store")
    return load_results(source)


def _emit(text: str, out: str | None) -> None:
    if out is None:
        click.echo(text, nl=not text.endswith("\n"))
        return
    Path(out).write_text(text, encoding="utf-8")
    click.echo(f"{out}: {len(text.encode('utf-8')):,} bytes", err=True)


@cli.command("export")
@click.argument("source", metavar="SOURCE")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["csv", "json", "nist"]),
    required=True,
    help="csv: one row per contest and option (or per territory with --level); json: the public "
    "results document; nist: NIST SP 1500-100 v2 ElectionReport.",
)
@click.option(
    "--level",
    type=click.Choice(["region", "district", "station"]),
    default=None,
    help="csv: the main contest per territory of this level instead of per option; json: add it.",
)
@click.option("--lang", type=click.Choice(LANGS), default="en", show_default=True, help="Language of names.")
@click.option("--out", default=None, metavar="FILE", help="Write to FILE instead of stdout.")
def export_command(source: str, fmt: str, level: str | None, lang: str, out: str | None) -> None:
    """Open data of an election directory or a store: CSV, JSON or NIST SP 1500-100."""
    results = _source(source)
    if fmt == "csv":
        from saylau.publish.tables import results_csv, territories_csv

        text = territories_csv(results, level, lang) if level else results_csv(results, lang)
    elif fmt == "json":
        from saylau.results import as_json

        if level == "station":
            raise InputError("--level station is for --format csv (the JSON document goes down to districts)")
        text = json.dumps(as_json(results, lang, level), ensure_ascii=False, indent=2) + "\n"
    else:
        from saylau.publish.nist import export

        if level:
            raise InputError("--level does not apply to --format nist (it has every level above stations)")
        text = json.dumps(export(results), ensure_ascii=False, separators=(",", ":")) + "\n"
    _emit(text, out)


@cli.command("press")
@click.argument("source", metavar="SOURCE")
@click.option("--lang", type=click.Choice(LANGS), default="en", show_default=True)
def press_command(source: str, lang: str) -> None:
    """The press summary of an election directory or a store: paragraphs ready to print."""
    from saylau.publish.press import summary

    click.echo("\n\n".join(summary(_source(source), lang)))
