"""``saylau forensics``: the observers' statistical checks on a definition or a store."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from saylau.cli.app import cli
from saylau.cli.terminal import plain_console
from saylau.errors import InputError

if TYPE_CHECKING:
    from rich.console import Console


@cli.command("forensics")
@click.argument("source", metavar="DIR_OR_DB")
@click.option("--contest", default=None, help="Contest id (default: the main contest).")
@click.option(
    "--test",
    "test",
    type=click.Choice(["fingerprint", "integer", "last-digit", "shpilkin", "all"]),
    default="all",
    show_default=True,
)
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of tables.")
@click.option("--svg", "svg", default=None, metavar="FILE", help="Write the fingerprint heat map here.")
@click.option("--seed", default=0, show_default=True, type=click.IntRange(0), help="Seed of the null draws.")
@click.option(
    "--peak",
    default=None,
    type=click.IntRange(0, 99),
    metavar="PERCENT",
    help="Shpilkin: fix the clean peak at this turnout bin (default: found from the others' votes).",
)
@click.option(
    "--leave-out",
    "leave_out",
    multiple=True,
    metavar="STATION",
    help="A station id every check sets apart (a pseudo-station, e.g. remote electronic voting); "
    "repeat it, or give ids separated by commas.",
)
@click.option(
    "--leave-out-kind",
    "leave_out_kind",
    multiple=True,
    metavar="KIND",
    help="Set apart the stations the definition declares of this kind (stations.csv kind): "
    "remote-electronic, or none to check every station. Default: every kind but polling.",
)
def forensics_command(
    source: str,
    contest: str | None,
    test: str,
    as_json: bool,
    svg: str | None,
    seed: int,
    peak: int | None,
    leave_out: tuple[str, ...],
    leave_out_kind: tuple[str, ...],
) -> None:
    """Statistical checks for ballot stuffing and written-up protocols: the turnout / leader
    fingerprint, whole-percent excess, last digits, Shpilkin's anomalous votes."""
    from saylau import forensics
    from saylau.cli.definitions import load_counted
    from saylau.results import main_contest

    election = load_counted(source)
    contest = contest or main_contest(election).id
    if contest not in {c.id for c in election.contests}:
        known = ", ".join(c.id for c in election.contests)
        raise InputError(f"no contest {contest!r} in {source}; contests: {known}")
    stations = forensics.from_protocols(election.protocols, contest=contest)
    ids = _listed(leave_out)
    kinds = forensics.leave_out_kinds(_listed(leave_out_kind))
    by_kind = forensics.of_kinds(stations, election.stations, kinds)
    tests = forensics.TESTS if test == "all" else (test,)
    out = forensics.report(stations, tests, seed=seed, peak=peak, leave_out=ids, by_kind=by_kind)
    if svg:
        fp = forensics.fingerprint(stations, leave_out=out["left_out"]["ids"])
        Path(svg).write_text(forensics.fingerprint_svg(fp), encoding="utf-8")
    if as_json:
        click.echo(json.dumps(out, ensure_ascii=False, indent=1))
    else:
        print_report(out, plain_console())
        if svg:
            click.echo(f"fingerprint heat map written to {svg}")


def _listed(values: tuple[str, ...]) -> tuple[str, ...]:
    """Each value of a repeated option, and of a comma-separated one, once and in order."""
    return tuple(dict.fromkeys(i.strip() for item in values for i in item.split(",") if i.strip()))


def print_report(out: dict[str, Any], console: Console) -> None:
    from rich.markup import escape
    from rich.table import Table

    console.print(
        f"[bold]Forensics of contest {escape(out['contest'])}[/bold]: {out['stations']:,} stations, "
        f"leader {escape(out['leader'])}",
        markup=True,
    )
    left = out["left_out"]["stations"]
    if left:
        console.print(f"  {left:,} stations set apart by every check (not polling places)")
        kinds = ", ".join(f"{n:,} {kind}" for kind, n in out["left_out"].get("kinds", {}).items())
        if kinds:
            console.print(f"  by the kind their definition declares: {kinds}")
    if "fingerprint" in out:
        fp = out["fingerprint"]
        table = Table(title="Fingerprint (turnout x leader's share, 1% bins)")
        table.add_column("stations binned", justify="right")
        table.add_column("100%/100% corner", justify="right")
        table.add_column("its neighbours (mean)", justify="right")
        table.add_column("turnout > 100%", justify="right")
        table.add_row(
            f"{fp['stations']:,}",
            f"{fp['corner']:,}",
            f"{fp['corner_neighbours_mean']:,}",
            f"{fp['clipped']:,}",
        )
        console.print(table)
    if "integer" in out:
        it = out["integer"]
        table = Table(title="Whole percentages (turnout or leader's share within ±0.05 pp)")
        for column in ("stations tested", "observed", "expected", "excess", "z", "p"):
            table.add_column(column, justify="right")
        table.add_row(
            f"{it['eligible']:,}",
            f"{it['observed']:,}",
            f"{it['expected']:,.1f} ± {it['sd']:,.1f}",
            f"{it['excess']:+,.1f}",
            f"{it['z']:.2f}",
            f"{it['p_value']:.3g} ({it['draws']} draws)",
        )
        console.print(table)
    if "last_digit" in out:
        ld = out["last_digit"]
        table = Table(title=f"Last digits of vote counts >= {ld['min_count']}")
        table.add_column("digit", justify="right")
        table.add_column("counts", justify="right")
        table.add_column("expected (resampled)", justify="right")
        for d, n in enumerate(ld["counts"]):
            e = ld["expected_resampled"][d] if ld["expected_resampled"] else None
            table.add_row(str(d), f"{n:,}", "" if e is None else f"{e:,.0f}")
        console.print(table)
        console.print(
            f"  against uniform: chi2 = {ld['chi2']:,.1f}, p = {ld['p_value']:.3g}; "
            f"against resampled counts: chi2 = {ld['chi2_resampled']:,.1f}, "
            f"p = {ld['p_resampled']:.3g} (9 df)"
        )
    if "shpilkin" in out:
        print_shpilkin(out["shpilkin"], console)


def print_shpilkin(sh: dict[str, Any], console: Console) -> None:
    from rich.table import Table

    table = Table(title="Shpilkin's estimate (1% turnout bins)")
    for column in ("clean peak", "clean ratio", "anomalous votes", "official share", "clean share"):
        table.add_column(column, justify="right")
    source = "" if sh["peak_source"] == "automatic" else " (fixed)"
    table.add_row(
        f"{sh['peak_turnout_percent']}%{source}",
        f"{sh['ratio']:.3f}",
        f"{sh['anomalous_votes']:,}",
        f"{100 * sh['official_share']:.2f}%",
        f"{100 * sh['clean_share']:.2f}%",
    )
    console.print(table)
    if sh["ambiguous"]:
        console.print(
            "  [bold]The clean peak is ambiguous[/bold]: another peak of the others' votes is as high "
            "and does not look stuffed; choose with --peak.",
            markup=True,
        )
    for alt in sh["alternatives"]:
        console.print(
            f"  another peak at {alt['turnout_percent']}% (leader ratio {alt['ratio']:.3f}) would give "
            f"{alt['anomalous_votes']:,} anomalous votes, a clean share of {100 * alt['clean_share']:.2f}%"
        )
    if sh["left_out"]:
        console.print(f"  {sh['left_out']:,} stations set apart")
