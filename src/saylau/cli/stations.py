"""``saylau stations``: a definition's territory tree and station list from a national protocol file.

A command of its own, writing files, rather than an option of ``saylau init``: the tables are
part of the definition, so they should be read, corrected (names in other languages, official
codes) and checked (``saylau check``) before a store is made from them; ``init`` then stores
the definition as it is, and ``audit verify`` can later show the tables a result came from.
"""

from __future__ import annotations

import click

from saylau.cli.app import cli

PLURALS = {"country": "countries", "region": "regions", "district": "districts"}


@cli.command("stations")
@click.argument("file", metavar="FILE")
@click.option(
    "--mapping", required=True, metavar="MAP", help="The file's mapping, with [country] and [[levels]]."
)
@click.option(
    "--out", required=True, metavar="DIR", help="The definition directory to write the tables into."
)
@click.option("--gzip", "compress", is_flag=True, help="Write territories.csv.gz and stations.csv.gz.")
@click.option("--force", is_flag=True, help="Replace the tables if DIR has them already.")
@click.option(
    "--skip-empty",
    is_flag=True,
    help="Leave out the rows with no registered voters (stations without a protocol in the file).",
)
def stations_command(
    file: str, mapping: str, out: str, compress: bool, force: bool, skip_empty: bool
) -> None:
    """Write DIR/territories.csv and DIR/stations.csv from the protocol FILE, through MAP: the
    country, one territory per value of each level's columns, and every station with the voters
    on its list (docs/election-format.md, "Territories and stations from a protocol file")."""
    from saylau.definition.station_tables import build, write

    tables = build(file, mapping, skip_empty=skip_empty)
    paths = write(tables, out, compress=compress, force=force)
    levels = ", ".join(f"{n:,} {level if n == 1 else PLURALS[level]}" for level, n in tables.counts().items())
    registered = sum(s.registered for s in tables.stations)
    click.echo(f"{paths[0]}: {levels}")
    click.echo(f"{paths[1]}: {len(tables.stations):,} stations, {registered:,} voters on their lists")
    if tables.skipped:
        lines = ", ".join(map(str, tables.skipped[:10])) + (" ..." if len(tables.skipped) > 10 else "")
        click.echo(
            f"left out {len(tables.skipped):,} rows with no registered voters (lines {lines})", err=True
        )
