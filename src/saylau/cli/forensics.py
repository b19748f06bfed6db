"""``saylau forensics``: the observers' statistical checks on a definition or a store."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click
from rich.console import Console
from rich.table import Table

from saylau.cli.app import cli
from saylau.errors import InputError


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
def forensics_command(
    source: str, contest: str | None, test: str, as_json: bool, svg: str | None, seed: int
) -> None:
    """Statistical checks for ballot stuffing and written-up protocols: the turnout / leader
    fingerprint, whole-percent excess, last digits, Shpilkin's anomalous votes."""
    from saylau import forensics
    from saylau.cli.definitions import load_results

    results = load_results(source)
    contest = contest or results.main_contest
    if contest not in {c.id for c in results.election.contests}:
        known = ", ".join(c.id for c in results.election.contests)
        raise InputError(f"no contest {contest!r} in {source}; contests: {known}")
    stations = forensics.from_protocols(results.election.protocols, contest=contest)
    tests = forensics.TESTS if test == "all" else (test,)
    out = forensics.report(stations, tests, seed=seed)
    if svg:
        Path(svg).write_text(forensics.fingerprint_svg(forensics.fingerprint(stations)), encoding="utf-8")
    if as_json:
        click.echo(json.dumps(out, ensure_ascii=False, indent=1))
    else:
        print_report(out, Console())
        if svg:
            click.echo(f"fingerprint heat map written to {svg}")


def print_report(out: dict[str, Any], console: Console) -> None:
    console.print(
        f"[bold]Forensics of contest {out['contest']}[/bold]: {out['stations']:,} stations, "
        f"leader {out['leader']}"
    )
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
        sh = out["shpilkin"]
        table = Table(title="Shpilkin's estimate (1% turnout bins)")
        for column in ("others' peak", "clean ratio", "anomalous votes", "official share", "clean share"):
            table.add_column(column, justify="right")
        table.add_row(
            f"{sh['peak_turnout_percent']}%",
            f"{sh['ratio']:.3f}",
            f"{sh['anomalous_votes']:,}",
            f"{100 * sh['official_share']:.2f}%",
            f"{100 * sh['clean_share']:.2f}%",
        )
        console.print(table)
