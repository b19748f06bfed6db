"""``saylau project``: projected final seats, with their uncertainty, from the protocols so far."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

import click

from saylau.cli.app import cli
from saylau.cli.terminal import plain_console
from saylau.errors import InputError

if TYPE_CHECKING:
    from rich.console import Console


@cli.command("project")
@click.argument("source", metavar="DIR_OR_DB")
@click.option("--replicates", default=1000, show_default=True, type=click.IntRange(1, 100_000))
@click.option("--seed", default=1, show_default=True, type=int, help="Seed of the bootstrap.")
@click.option(
    "--min-reported",
    default=10,
    show_default=True,
    type=click.IntRange(1),
    help="Reported stations a territory needs to be its own stratum.",
)
@click.option(
    "--simulate-reported",
    "simulate",
    default=None,
    metavar="FRACTION",
    help="Try it on a complete count: keep only this fraction of the stations (0.3, 30%).",
)
@click.option(
    "--order",
    type=click.Choice(["random", "territory"]),
    default="random",
    show_default=True,
    help="With --simulate-reported: which stations report first.",
)
@click.option(
    "--prior",
    default=None,
    metavar="DIR_OR_DB",
    help="The previous election (a store, or a directory with protocols): unreported territories "
    "are its results swung as the reported ones have swung (docs/projection.md).",
)
@click.option(
    "--prior-mapping",
    default=None,
    metavar="MAP",
    help="With --prior: a TOML of this election's party, territory and contest ids -> the prior's.",
)
@click.option("--json", "as_json", is_flag=True, help="Print JSON (what GET /api/v1/projection serves).")
@click.option("--lang", type=click.Choice(["kk", "ru", "en"]), default="en", show_default=True)
def project_command(
    source: str,
    replicates: int,
    seed: int,
    min_reported: int,
    simulate: str | None,
    order: str,
    prior: str | None,
    prior_mapping: str | None,
    as_json: bool,
    lang: str,
) -> None:
    """Projected final seats from the protocols counted so far (a store or an election directory)."""
    from saylau.cli.definitions import load_counted
    from saylau.projection import project
    from saylau.projection.partial import first_reported, reporting_order
    from saylau.projection.prior_files import load_prior
    from saylau.projection.report import as_json as projection_json
    from saylau.rules.thresholds import parse_fraction

    if prior_mapping is not None and prior is None:
        raise InputError("--prior-mapping needs --prior (the election it maps)")
    before = load_prior(prior, prior_mapping) if prior is not None else None
    election = load_counted(source)
    protocols = list(election.protocols)
    if simulate is not None:
        fraction = parse_fraction(simulate, what="--simulate-reported")
        if not 0 < fraction <= 1:
            raise InputError(f"--simulate-reported must be in (0, 1], got {simulate!r}")
        protocols = first_reported(protocols, reporting_order(election, order, seed), fraction)
    projection = project(
        election, protocols, replicates=replicates, seed=seed, min_reported=min_reported, prior=before
    )
    out = projection_json(projection, lang)
    if as_json:
        click.echo(json.dumps(out, ensure_ascii=False, indent=2))
    else:
        print_projection(out, plain_console())


def print_projection(out: dict, console: Console) -> None:
    from rich.markup import escape
    from rich.table import Table

    from saylau.cli.definitions import shown_names

    r = out["reported"]
    console.print(
        f"[bold]{escape(out['election']['name'])}[/bold]: projection from {r['stations']:,} of "
        f"{r['of']:,} stations "
        f"({r['percent']:.2f}%), {out['method']['replicates']:,} bootstrap replicates, 90% intervals",
        markup=True,
    )
    prior = out["method"].get("prior")
    if prior:
        e = prior["election"]
        console.print(
            f"prior: {e['name']} ({e['date']}), proportional swing, for territories with too few reports"
            + (f"; mapping {prior['mapping']}" if prior["mapping"] else "")
        )
    elif r["extrapolated_percent"]:
        console.print(
            f"[yellow]{r['extrapolated_percent']:.2f}% of the unreported voters are in territories with "
            "too few reports: estimated from every reported station (an extrapolation)[/yellow]",
            markup=True,
        )
    for body in out["bodies"].values():
        names = shown_names(body["options"])
        table = Table(title=f"{body['name']}: {body['size']} seats (projected)")
        for column in ("party", "seats", "median", "90% interval", "P(majority)"):
            table.add_column(column, justify="left" if column == "party" else "right")
        for party, s in body["seats"].items():
            table.add_row(
                names[party],
                str(s["projected"]),
                str(s["median"]),
                f"{s['low']}-{s['high']}",
                f"{s['p_majority']:.3f}",
            )
        if body["undetermined"]:
            table.add_row("no report yet", str(body["undetermined"]), "", "", "")
        console.print(table)
    for c in out["contests"]:
        if c["kind"] != "list" or not c["projected"]:
            continue
        names = shown_names(c["options"])
        reported = f"{c['stations_reported']:,} of {c['stations']:,} stations, {c['strata']} strata"
        table = Table(title=f"{c['name']}: {reported}")
        for column in ("party", "votes", "%", "90% interval", "P(threshold)", "seats", "90% interval "):
            table.add_column(column, justify="left" if column == "party" else "right")
        for party, v in c["votes"].items():
            p, s = c["percent"][party], c["seats"][party]
            table.add_row(
                names[party],
                f"{v['projected']:,}",
                f"{p['projected']:.2f}",
                f"{p['low']:.2f}-{p['high']:.2f}",
                f"{c['p_threshold'][party]:.3f}",
                str(s["projected"]),
                f"{s['low']}-{s['high']}",
            )
        console.print(table)
    districts = [c for c in out["contests"] if c["kind"] == "single-mandate"]
    if districts:
        table = Table(title="Single-mandate districts (projected)")
        for column in ("district", "reported", "winner", "party", "P(win)"):
            table.add_column(column)
        for d in districts:
            if not d["projected"]:
                table.add_row(d["name"], "0", "-", "-", "")
                continue
            p = d["p_win"].get(d["winner"], 0.0) if d["winner"] else 0.0
            winner = d["options"][d["winner"]] if d["winner"] else None
            table.add_row(
                d["name"],
                f"{d['stations_reported']}/{d['stations']}",
                shown_names(d["options"])[d["winner"]] if winner else d["status"] or "-",
                winner["party_name"] if winner else "-",
                f"{p:.3f}",
            )
        console.print(table)
