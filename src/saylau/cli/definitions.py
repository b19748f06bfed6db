"""Commands over an election definition or a store: check, results, demo, simulate.

The definition loader, the results and rich are imported where they are used: this module is
imported by every command that reads results (``load_results``) or protocols (``load_counted``),
and each should load only what it runs.
"""

from __future__ import annotations

import json
from dataclasses import replace
from fractions import Fraction
from pathlib import Path
from typing import TYPE_CHECKING

import click

from saylau.cli.app import cli
from saylau.cli.terminal import plain_console
from saylau.errors import InputError

if TYPE_CHECKING:
    from rich.console import Console

    from saylau.demo import Example
    from saylau.model import Election
    from saylau.results import Results
    from saylau.store import Store


@cli.command("check")
@click.argument("directory", metavar="DIR")
def check_command(directory: str) -> None:
    """Validate the election definition in DIR; list every problem with its file and line."""
    from saylau import spec
    from saylau.errors import DefinitionError

    try:
        election = spec.load(directory)
    except DefinitionError as e:
        for problem in e.problems:
            click.echo(f"error: {problem}", err=True)
        raise click.exceptions.Exit(2) from None
    click.echo(
        f"{directory}: ok: {len(election.contests)} contests, {len(election.parties)} parties, "
        f"{len(election.stations)} stations, {len(election.protocols)} protocols"
    )


def load_results(source: str) -> Results:
    """Results of a definition directory, or of a store (its definition and current protocols).

    A store's protocols are read as integer tables and summed with NumPy."""
    from saylau import spec
    from saylau.model import TurnoutReport
    from saylau.results import evaluate
    from saylau.tally import Tally

    if Path(source).is_dir():
        return evaluate(spec.load(source))
    store = _open_store(source)
    try:
        election = store.election()
        tables = store.tables()
        stored = [TurnoutReport(r.place, r.time, r.issued, r.registered) for r in store.turnout_reports()]
        final = store.final_count()
        return evaluate(
            election,
            Tally(election).extend_tables(tables),
            reports=[*election.turnout, *stored],
            final=final,
        )
    finally:
        store.close()


def load_counted(source: str) -> Election:
    """The election of a definition directory or a store, with the protocols counted in it (a
    store's latest versions, one object each, by station and contest): for the commands that walk
    protocols (forensics, projection) and need no results."""
    from saylau import spec

    if Path(source).is_dir():
        return spec.load(source)
    store = _open_store(source)
    try:
        return replace(store.election(), protocols=tuple(store.current()))
    finally:
        store.close()


def _open_store(source: str) -> Store:
    if not (source.startswith("postgresql") or Path(source).is_file()):
        raise InputError(f"{source}: neither an election directory nor a store")
    from saylau.store import Store

    return Store.open(source)


@cli.command("results")
@click.argument("source", metavar="DIR_OR_DB")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of tables.")
@click.option("--lang", type=click.Choice(["kk", "ru", "en"]), default="en", show_default=True)
@click.option(
    "--level",
    type=click.Choice(["region", "district"]),
    default=None,
    help="Also give the main contest for every territory of this level.",
)
def results_command(source: str, as_json: bool, lang: str, level: str | None) -> None:
    """Full results of an election: seats per body, contests, district winners, turnout."""
    from saylau.results import as_json as results_json

    results = load_results(source)
    if results.election.previous is not None:  # what the pages and the API compare with, too
        from saylau import previous
        from saylau.errors import SaylauError

        try:
            previous.attach(results.election)
        except SaylauError as e:  # the results stand without it: say why it is left out
            click.echo(f"warning: not compared with the previous election: {e}", err=True)
    out = results_json(results, lang, level)
    if as_json:
        click.echo(json.dumps(out, ensure_ascii=False, indent=2))
    else:
        print_results(out, plain_console())


@cli.command("simulate")
@click.option("--stations", required=True, type=int, help="Number of polling stations.")
@click.option("--out", required=True, help="Directory to write the election definition into.")
@click.option("--seed", default=0, show_default=True, type=int)
@click.option("--parties", default=6, show_default=True, type=int)
@click.option("--regions", default=10, show_default=True, type=int)
@click.option("--districts", default=0, show_default=True, type=int, help="Single-mandate districts.")
@click.option("--seats", default=100, show_default=True, type=int, help="Seats of the list contest.")
@click.option(
    "--lists",
    default=1,
    show_default=True,
    type=int,
    help="List contests, each in a body of its own (Indonesia: 4).",
)
@click.option(
    "--races", default=0, show_default=True, type=int, help="National single-winner races, e.g. a president."
)
@click.option(
    "--anomaly",
    "anomalies",
    multiple=True,
    help="KIND:SHARE[:STRENGTH[:PARTY]], e.g. stuffing:0.05, rounding:0.02 or rewrite:0.05; repeatable.",
)
@click.option(
    "--copies",
    default=0.0,
    show_default=True,
    type=float,
    metavar="SHARE",
    help="Write observers' copies of this share of the stations (copies/<contest>.csv), "
    "made before any rewrite.",
)
def simulate_command(
    stations: int,
    out: str,
    seed: int,
    parties: int,
    regions: int,
    districts: int,
    seats: int,
    lists: int,
    races: int,
    anomalies: tuple[str, ...],
    copies: float,
) -> None:
    """Write a synthetic election of any size, with consistent protocols (and chosen anomalies)."""
    from saylau.results import percent
    from saylau.simulate import parse_anomaly, simulate

    summary = simulate(
        stations,
        Path(out),
        seed=seed,
        parties=parties,
        regions=regions,
        districts=districts,
        seats=seats,
        lists=lists,
        races=races,
        anomalies=[parse_anomaly(a) for a in anomalies],
        copies=copies,
    )
    click.echo(
        f"{out}: {summary.stations:,} stations, {summary.registered:,} registered, "
        f"turnout {percent(Fraction(summary.issued, summary.registered or 1)):.2f}%, "
        f"{len(summary.altered):,} stations altered, "
        f"in {summary.seconds:.1f} s"
    )
    if summary.copies is not None:
        click.echo(f"{out}/{summary.copies.file}: copies of {len(summary.copies.stations):,} stations")


@cli.command("demo")
@click.option(
    "--serve/--no-serve", default=True, show_default=True, help="After the tables, serve the website."
)
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(0, 65535))
@click.option(
    "--db",
    default=None,
    metavar="FILE",
    help="Keep the demo's store in this new SQLite file (default: a temporary one, gone at exit).",
)
@click.option(
    "--withhold",
    default=0,
    show_default=True,
    type=click.IntRange(0),
    help="Hold back the protocols of this many stations, to submit them and watch them arrive.",
)
def demo_command(serve: bool, host: str, port: int, db: str | None, withhold: int) -> None:
    """The bundled example, Kazakhstan's Mazhilis and 223 maslikhats, 19 March 2023: its results,
    then (unless --no-serve) the results website and API on a store made from it."""
    from rich.markup import escape

    from saylau import demo
    from saylau.cli.serve import check_port
    from saylau.results import as_json as results_json
    from saylau.results import evaluate
    from saylau.tally import Tally

    example = demo.example()
    if serve:
        check_port(host, port)  # a busy port: one line before anything else
    console = plain_console()
    console.print(f"[bold]{escape(str(example))}[/bold]", markup=True)
    # The files read once, the protocols as tables: the results printed are those of the tables
    # the store is then made of (no Python object per protocol, no definition parsed twice).
    read = demo.load(example)
    tally = Tally(read.election).extend_tables(read.tables)
    shown, rest = demo.terminal_part(results_json(evaluate(read.election, tally)))
    del tally  # its sums, kept alive while the site is served, would only burden the collector
    print_results(shown, console)
    if rest:
        console.print(f"{rest} {example}", soft_wrap=True)
    if serve:
        _serve_demo(host, port, db, withhold, read)


def _serve_demo(host: str, port: int, db: str | None, withhold: int, read: Example) -> None:
    import tempfile

    import uvicorn

    from saylau import demo
    from saylau.cli.serve import uvicorn_options
    from saylau.server import Settings, create_app
    from saylau.store.tokens import Tokens

    with tempfile.TemporaryDirectory(prefix="saylau-demo-") as folder:
        path = db or str(Path(folder) / "kz-2023.db")
        held = demo.build(path, withhold=withhold, read=read)
        with Tokens(path) as tokens:
            token = tokens.create("admin", actor=demo.ACTOR, name="demo officer").text
        click.echo(
            f"\nsaylau demo: the results website is at http://{host}:{port}/ (Ctrl-C stops it)\n"
            f"  API http://{host}:{port}/api/v1/results, OpenAPI http://{host}:{port}/openapi.json\n"
            f"  store {path}" + (f", {len(held):,} protocols held back" if held else "") + "\n"
            f"  officer pages: sign in at http://{host}:{port}/en/officer/ with this demo admin token:\n"
            f"  {token}",
            err=True,
        )
        uvicorn.run(create_app(path, Settings()), **uvicorn_options(host, port, "warning", False))  # type: ignore[arg-type]


def print_results(out: dict, console: Console) -> None:
    """The results document as tables: every figure read by id, shown by name (namesakes with
    their ids, so two lists of one name are two rows a reader can tell apart)."""
    from rich.markup import escape
    from rich.table import Table

    election = out["election"]
    console.print(f"[bold]{escape(election['name'])}[/bold], {escape(election['date'])}", markup=True)
    for body in out["bodies"].values():
        names = shown_names(body["options"])
        table = Table(title=f"{body['name']}: {body['size']} seats")
        table.add_column("party")
        table.add_column("seats", justify="right")
        for party, seats in body["seats"].items():
            table.add_row(names[party], str(seats))
        if body["vacant"]:
            table.add_row("not filled", str(body["vacant"]))
        console.print(table)
        if "tiers" in body:
            print_tiers(body, out, console)
    for contest in out["contests"]:
        if contest["kind"] != "list":
            continue
        names = shown_names(contest["options"])
        table = Table(title=f"{contest['name']}: {sum(contest['seats'].values())} seats")
        for column in ("party", "votes", "%", "eligible", "seats"):
            table.add_column(column, justify="left" if column == "party" else "right")
        for party, votes in contest["votes"].items():
            table.add_row(
                names[party],
                f"{votes:,}",
                f"{contest['percent'][party]:.2f}",
                "yes" if party in contest["eligible"] else "no",
                str(contest["seats"].get(party, 0)),
            )
        table.add_row("against all", f"{contest['against_all']:,}", "", "", "")
        console.print(table)
    districts = [c for c in out["contests"] if c["kind"] == "single-mandate"]
    if districts:
        table = Table(title="Single-mandate contests")
        for column in ("contest", "winner", "party", "status"):
            table.add_column(column)
        for d in districts:
            names = shown_names(d["options"])
            winner = d["options"][d["winner"]] if d["winner"] else None
            # a runoff names its candidates instead of a winner
            who = names[d["winner"]] if winner else " / ".join(names[c] for c in d["runoff"]) or "-"
            # the count so far, until the rest cannot change it (docs/certainty.md): never "elected" early
            status = "leading" if d.get("call") == "leading" else d["status"]
            table.add_row(d["name"], who, winner["party_name"] if winner else "-", status)
        console.print(table)
    if out.get("territories"):
        main = next(c for c in out["contests"] if c["id"] == out["territories"][0]["contest"])
        names = shown_names(main["options"])
        table = Table(title=f"By {out['level']}")
        for column in ("territory", "reported", "turnout %", "leader"):
            table.add_column(column, justify="left" if column in ("territory", "leader") else "right")
        for t in out["territories"]:
            leader = max(t["votes"], key=t["votes"].get) if t["votes"] else None
            table.add_row(
                t["name"],
                f"{t['stations_reported']}/{t['stations']}",
                f"{t['turnout']:.2f}",
                f"{names.get(leader, leader)} {t['percent'][leader]:.2f}%" if leader else "-",
            )
        console.print(table)
    t = out["turnout"]
    console.print(
        f"turnout: {t['voted']:,} of {t['registered']:,} registered voters = {t['percent']:.2f}%"
        f" ({t['stations_reported']:,} of {t['stations']:,} stations reported)"
    )
    table = Table(title="Turnout by region")
    table.add_column("region")
    table.add_column("turnout %", justify="right")
    for region in out["regions"]:
        table.add_row(region["name"], f"{region['turnout']:.2f}")
    console.print(table)


def print_tiers(body: dict, out: dict, console: Console) -> None:
    """A compensatory body's count tier by tier, so a reader sees where each seat came from and
    not only the sum: the body's own options name only the parties that won seats, so every
    party is named from all the document's options tables."""
    from rich.table import Table

    tiers = body["tiers"]
    title = f"{body['name']}: how the seats were counted"
    count = tiers.get("count")
    if tiers.get("refused") or not isinstance(count, dict):
        console.print(f"{title}: not yet: {tiers.get('refused') or 'waiting for the count'}")
        return
    labels: dict[str, dict] = {}
    for contest in out["contests"]:
        labels.update({k: o for k, o in contest["options"].items() if contest["kind"] == "list"})
    labels.update(body["options"])
    names = shown_names(labels)
    contests = {c["id"]: c["name"] for c in out["contests"]}
    console.print(f"{body['name']}: " + ", ".join(str(t) for t in (tiers["system"], tiers.get("law")) if t))
    if "placement" in count:  # the Storting: district seats, then one leveling seat per district
        rows = _tier_rows(count, "districts", "district_seats", "leveling_seats")
        _tier_table(title, ("district", "leveling", "total"), rows, count["seats"], names, console)
        table = Table(title=f"{body['name']}: the leveling seat of each district (§ 11-6)")
        table.add_column("district")
        table.add_column("leveling seat")
        for district, tier in count["districts"].items():
            placed = [
                names.get(p, p) + (f" x{n}" if n > 1 else "") for p, n in tier["leveling_seats"].items() if n
            ]
            table.add_row(contests.get(district, district), ", ".join(placed) or "-")
        console.print(table)
    elif "coverage" in count:  # the Bundestag: Land lists, the winners they seat and the rest
        district = count["constituency_seats"]
        rows = {p: (district.get(p, 0), n - district.get(p, 0)) for p, n in count["national"].items() if n}
        _tier_table(title, ("constituency", "list", "total"), rows, count["seats"], names, console)
        if count["independents_elected"]:
            console.print(
                f"won by individual candidates, elected outright: {len(count['independents_elected'])}"
            )
        missed = count["not_elected"]
        console.print(
            f"constituency winners without a seat: {len(missed)}"
            + (f" ({', '.join(missed)})" if missed else "")
        )
    else:  # mixed-member: entitlement, district seats, list seats and any overhang
        table = Table(title=title)
        overhang = any(count["overhang"].values())
        columns = ("entitlement", "district", "list", *(("overhang",) if overhang else ()), "total")
        table.add_column("party")
        for column in columns:
            table.add_column(column, justify="right")
        parties = {**count["entitlement"], **count["district_seats"], **count["seats"]}
        for party in sorted(parties, key=lambda p: -count["seats"].get(p, 0)):
            figures = [count["entitlement"].get(party, 0), count["district_seats"].get(party, 0)]
            figures.append(count["list_seats"].get(party, 0))
            if overhang:
                figures.append(count["overhang"].get(party, 0))
            figures.append(count["seats"].get(party, 0))
            if any(figures):
                table.add_row(names.get(party, party), *map(str, figures))
        console.print(table)
        if count["set_aside"]:
            console.print(
                "set aside (seats won outside the proportional count): "
                + ", ".join(f"{names.get(p, p)} {n}" for p, n in count["set_aside"].items())
            )


def _tier_rows(count: dict, key: str, first: str, second: str) -> dict[str, tuple[int, int]]:
    """Each party's two tiers summed over the districts."""
    rows: dict[str, tuple[int, int]] = {}
    for tier in count[key].values():
        for party in {**tier[first], **tier[second]}:
            a, b = rows.get(party, (0, 0))
            rows[party] = (a + tier[first].get(party, 0), b + tier[second].get(party, 0))
    return {p: ab for p, ab in rows.items() if any(ab)}


def _tier_table(
    title: str,
    columns: tuple[str, str, str],
    rows: dict[str, tuple[int, int]],
    seats: dict[str, int],
    names: dict[str, str],
    console: Console,
) -> None:
    from rich.table import Table

    table = Table(title=title)
    table.add_column("party")
    for column in columns:
        table.add_column(column, justify="right")
    for party, (a, b) in sorted(rows.items(), key=lambda kv: -seats.get(kv[0], sum(kv[1]))):
        table.add_row(names.get(party, party), str(a), str(b), str(seats.get(party, a + b)))
    console.print(table)


def shown_names(options: dict[str, dict]) -> dict[str, str]:
    """An ``options`` table's names, namesakes told apart by their ids."""
    from saylau.results import told_apart

    return told_apart({key: o["name"] for key, o in options.items()})
