"""Observers' copies from the command line: store a file of them, and compare them with the count.

``saylau copies add`` is for a mission's desk that collected its observers' copies in a
spreadsheet (the format of docs/forensics.md, "A file of copies"); ``saylau copies compare``
prints what the public page shows: per contest the summary, every copy that differs and the seats
if the copies were right. Neither ever changes the official count.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import click

from saylau.cli.app import cli
from saylau.errors import InputError


@cli.group("copies")
def copies_group() -> None:
    """Observers' copies of posted protocols: the parallel count (docs/forensics.md)."""


@copies_group.command("add")
@click.argument("db", metavar="DB")
@click.argument("file", metavar="FILE")
@click.option("--contest", required=True, help="The contest every row of FILE is a copy of.")
@click.option("--actor", default=None, help="Who sent the copies (default: the system user).")
def copies_add_command(db: str, file: str, contest: str, actor: str | None) -> None:
    """Store every copy in FILE (CSV or .csv.gz: station, then lines and options), all or nothing.
    Copies that break the form's relations are kept and flagged; an unknown station, line or
    option refuses the file, naming its line."""
    from saylau.checker import Checker
    from saylau.copies.checks import check_file
    from saylau.store import Store

    path = Path(file)
    if not path.is_file():
        raise InputError(f"{file}: no such file")
    with Store.open(db) as store:
        checker = Checker(store.election())
        if contest not in checker.contests:
            raise InputError(f"unknown contest {contest!r}; the election has {', '.join(checker.contests)}")
        found = check_file(checker, path.read_bytes(), name=path.name, contest=contest)
        if found.errors:
            raise InputError(found.errors[0]["detail"])
        items = found.items
        stored = store.add_copies(
            items, actor=actor or os.environ.get("USER") or "cli", source=f"file {path.name}"
        )
    flagged = sum(1 for s in stored if s.flags)
    click.echo(f"{len(stored):,} copies stored ({flagged:,} flagged: they break a relation of the form)")


@copies_group.command("compare")
@click.argument("db", metavar="DB")
@click.option("--territory", default=None, help="A territory's copies (default: the whole country).")
@click.option("--contest", default=None, help="One contest (default: every contest with copies).")
@click.option("--lang", type=click.Choice(["kk", "ru", "en"]), default="en", show_default=True)
@click.option("--json", "as_json", is_flag=True, help="The document GET /api/v1/parallel-count gives.")
def copies_compare_command(
    db: str, territory: str | None, contest: str | None, lang: str, as_json: bool
) -> None:
    """Every copy against the commission's current figures: what differs, per territory, and the
    seats each body would have if the copies were right."""
    from saylau.checker import Checker
    from saylau.live.parallel import build, document
    from saylau.store import Store

    with Store.open(db) as store:
        election = store.election()
        checker = Checker(election)
        if territory is not None and territory not in checker.territories:
            raise InputError(f"unknown territory {territory!r}")
        if contest is not None and contest not in checker.contests:
            raise InputError(f"unknown contest {contest!r}; the election has {', '.join(checker.contests)}")
        doc = document(
            build(store, election, checker), election, checker, lang, territory=territory, contest=contest
        )
    if as_json:
        click.echo(json.dumps(doc, ensure_ascii=False, indent=1))
        return
    _print(doc)


def _print(doc: dict[str, object]) -> None:
    contests = doc["contests"]
    assert isinstance(contests, list)
    if not contests:
        click.echo("no copies yet")
    for c in contests:
        s = c["summary"]
        click.echo(
            f"{c['name']}: {s['copies']:,} copies of {s['stations_with_copies']:,} stations; "
            f"{s['stations_differing']:,} differ from the commission's figures, "
            f"{s['stations_disagreeing']:,} have copies that disagree"
        )
        names = {k: v["name"] for k, v in c["options"].items()}
        for option, n in s["votes_moved"].items():
            click.echo(f"  {names.get(option, option)}: {n:+,} votes (official minus copy)")
        for d in c["differing"]:
            figures = ", ".join(f"{x['id']} {x['copy']} -> {x['official']}" for x in d["differences"])
            after = " (changed by the commission after the copy)" if d["changed_after"] else ""
            click.echo(
                f"  {d['station']} copy {d['copy']} by {d['observer']}: {figures or 'copies disagree'}{after}"
            )
        if c["more"]:
            click.echo(f"  ... and {c['more']:,} more")
    bodies = doc["bodies"]
    assert isinstance(bodies, dict)
    for body in bodies.values():
        if body["changes"]:
            click.echo(f"{body['name']}: seats official -> if the copies were right")
            for row in body["seats"]:
                click.echo(f"  {row['name']}: {row['official']} -> {row['if_copies_right']}")
        else:
            click.echo(f"{body['name']}: the same seats if the copies were right")
