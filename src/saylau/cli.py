"""The ``saylau`` command: a thin shell over the rules and the stores.

Others script against it, so its contract is strict: results on stdout
(a table, or JSON with ``--json``), and on bad input exit status 2 with one
line on stderr that says what to fix, never a traceback.
"""

from __future__ import annotations

import json
import os
from dataclasses import replace
from fractions import Fraction
from pathlib import Path

import click
from rich.console import Console
from rich.table import Table

from saylau import spec
from saylau.errors import DefinitionError, InputError, SaylauError
from saylau.io.votes_csv import read_votes
from saylau.model import TurnoutReport
from saylau.results import Results, evaluate, percent
from saylau.results import as_json as results_json
from saylau.rules.apportion import METHODS
from saylau.rules.party_list import ListResult, ListRules, allocate, decimal_text
from saylau.rules.thresholds import BASES, Threshold, parse_fraction
from saylau.rules.ties import PRESETS, TiePolicy


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="saylau")
def cli() -> None:
    """saylau: election results, from protocols to seats, exact and auditable."""


@cli.command("allocate")
@click.argument("votes_csv", metavar="VOTES.csv")
@click.option("--seats", required=True, type=int, help="Seats to share (a whole number >= 0).")
@click.option(
    "--method",
    required=True,
    help=f"Apportionment method: {', '.join(METHODS)}.",
)
@click.option("--threshold", default="0", show_default=True, help="0.05, 5% or 1/150.")
@click.option(
    "--threshold-base",
    default="valid",
    show_default=True,
    help="valid (against all included), parties, or cast (invalid included).",
)
@click.option("--first-divisor", default=None, help="First divisor, e.g. 1.4 or 1.2.")
@click.option(
    "--tie-rule",
    default="lots",
    show_default=True,
    help=f"How ties are broken: {', '.join(PRESETS)}. Rows are in registration order.",
)
@click.option("--seed", default="0", show_default=True, help="Published seed for lots.")
@click.option("--drawn", default=None, help="Comma-separated order drawn by the commission.")
@click.option(
    "--min-parties",
    default=0,
    type=int,
    help="Admit the next largest lists until this many share the seats.",
)
@click.option(
    "--admitted-weight",
    default="1",
    show_default=True,
    help="Correction index for lists admitted by --min-parties (Kazakhstan: 0.7).",
)
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
def allocate_command(
    votes_csv: str,
    seats: int,
    method: str,
    threshold: str,
    threshold_base: str,
    first_divisor: str | None,
    tie_rule: str,
    seed: str,
    drawn: str | None,
    min_parties: int,
    admitted_weight: str,
    as_json: bool,
) -> None:
    """Share seats among the lists of VOTES.csv (name,votes[,kind]; - for stdin)."""
    if method not in METHODS:
        raise InputError(f"unknown method {method!r}; expected one of {', '.join(METHODS)}")
    if seats < 0:
        raise InputError(f"--seats must be a whole number >= 0, got {seats}")
    if threshold_base not in BASES:
        raise InputError(f"--threshold-base must be one of {', '.join(BASES)}, got {threshold_base!r}")
    share = parse_fraction(threshold, what="--threshold")
    if not 0 <= share < 1:
        raise InputError(f"--threshold must be in [0, 1), got {threshold}")
    divisor: Fraction | None = None
    if first_divisor is not None:
        if method in ("hare", "droop", "hagenbach-bischoff", "imperiali"):
            raise InputError(f"--first-divisor applies to divisor methods, not to {method}")
        divisor = parse_fraction(first_divisor, what="--first-divisor")
        if divisor < 0:
            raise InputError(f"--first-divisor must not be negative, got {first_divisor}")
    weight = parse_fraction(admitted_weight, what="--admitted-weight")
    if not 0 < weight <= 1:
        raise InputError(f"--admitted-weight must be in (0, 1], got {admitted_weight}")
    if min_parties < 0:
        raise InputError(f"--min-parties must be >= 0, got {min_parties}")
    if tie_rule not in PRESETS:
        raise InputError(f"unknown --tie-rule {tie_rule!r}; expected one of {', '.join(PRESETS)}")
    ballots = read_votes(votes_csv)
    rules = ListRules(
        seats=seats,
        method=method,
        threshold=Threshold(
            share=share, base=threshold_base, min_parties=min_parties, admitted_weight=weight
        ),
        first_divisor=divisor,
        ties=TiePolicy.named(
            tie_rule,
            seed=seed,
            drawn=tuple(n.strip() for n in drawn.split(",")) if drawn else (),
        ),
    )
    result = allocate(ballots, rules)
    if as_json:
        click.echo(json.dumps(result.as_dict(), ensure_ascii=False, indent=2))
    else:
        print_allocation(result, Console())


EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


@cli.command("check")
@click.argument("directory", metavar="DIR")
def check_command(directory: str) -> None:
    """Validate the election definition in DIR; list every problem with its file and line."""
    problems = spec.check(directory)
    if problems:
        for problem in problems:
            click.echo(f"error: {problem}", err=True)
        raise click.exceptions.Exit(2)
    election = spec.load(directory)
    click.echo(
        f"{directory}: ok: {len(election.contests)} contests, {len(election.parties)} parties, "
        f"{len(election.stations)} stations, {len(election.protocols)} protocols"
    )


@cli.command("init")
@click.argument("db", metavar="DB")
@click.option("--election", "election_dir", required=True, metavar="DIR", help="The definition.")
def init_command(db: str, election_dir: str) -> None:
    """Create a store (a SQLite file or a postgresql:// URL) for the election defined in DIR."""
    from saylau.store import Store

    if not Path(election_dir).is_dir():
        raise InputError(f"{election_dir}: not an election directory")
    store = Store.create(db, spec.Files(Path(election_dir)))
    election = store.election()
    head = store.audit_head()
    store.close()
    click.echo(
        f"{db}: created for {election.id} ({len(election.stations):,} stations, "
        f"{len(election.contests)} contests); audit head {head[1][:16]}"
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
) -> None:
    """Check the protocols of FILE (CSV, .csv.zip, .csv.gz or JSON) and store them, all or nothing."""
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
        done = store.submit(
            intake.protocols,
            actor=actor or os.environ.get("USER") or "cli",
            status=status,
            reason=reason,
            source=Path(file).name,
        )
        click.echo(
            f"{db}: {done.new:,} new, {done.corrected:,} corrected, {done.unchanged:,} unchanged; "
            f"audit head {store.audit_head()[1][:16]}"
        )
    finally:
        store.close()


@cli.group("audit")
def audit_group() -> None:
    """The store's tamper-evident audit chain."""


@audit_group.command("verify")
@click.argument("db", metavar="DB")
def audit_verify_command(db: str) -> None:
    """Recompute the chain and every stored protocol; name the first entry that does not match."""
    from saylau.store import Store

    store = Store.open(db)
    try:
        report = store.verify()
    finally:
        store.close()
    if not report.ok:
        click.echo(f"audit: FAILED at entry {report.first_bad}: {report.problem}", err=True)
        raise click.exceptions.Exit(1)
    click.echo(f"audit: ok, {report.entries:,} entries")


@audit_group.command("export")
@click.argument("db", metavar="DB")
@click.option("--out", default="-", show_default=True, help="A file, or - for standard output.")
def audit_export_command(db: str, out: str) -> None:
    """Write the chain as JSON lines, for observers to verify on their own."""
    from saylau.store import Store

    store = Store.open(db)
    try:
        stream = click.open_file(out, "w", encoding="utf-8")
        with stream:
            for entry in store.audit_entries():
                stream.write(entry.to_json() + "\n")
    finally:
        store.close()


def load_results(source: str) -> Results:
    """Results of a definition directory, or of a store (its definition and current protocols)."""
    if Path(source).is_dir():
        return evaluate(spec.load(source))
    if not (source.startswith("postgresql") or Path(source).is_file()):
        raise InputError(f"{source}: neither an election directory nor a store")
    from saylau.store import Store

    store = Store.open(source)
    try:
        election = store.election()
        stored = [TurnoutReport(r.place, r.time, r.issued, r.registered) for r in store.turnout_reports()]
        final = sum(1 for status in store.current_status().values() if status == "final")
        return evaluate(
            replace(election, protocols=tuple(store.current())),
            reports=[*election.turnout, *stored],
            final=final,
        )
    finally:
        store.close()


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
        click.echo(f"{db}: turnout at {place} by {time}: {issued:,}; audit head {store.audit_head()[1][:16]}")
    finally:
        store.close()


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
    out = results_json(load_results(source), lang, level)
    if as_json:
        click.echo(json.dumps(out, ensure_ascii=False, indent=2))
    else:
        print_results(out, Console())


@cli.command("simulate")
@click.option("--stations", required=True, type=int, help="Number of polling stations.")
@click.option("--out", required=True, help="Directory to write the election definition into.")
@click.option("--seed", default=0, show_default=True, type=int)
@click.option("--parties", default=6, show_default=True, type=int)
@click.option("--regions", default=10, show_default=True, type=int)
@click.option("--districts", default=0, show_default=True, type=int, help="Single-mandate districts.")
@click.option("--seats", default=100, show_default=True, type=int, help="Seats of the list contest.")
@click.option(
    "--anomaly",
    "anomalies",
    multiple=True,
    help="KIND:SHARE[:STRENGTH[:PARTY]], e.g. stuffing:0.05 or rounding:0.02; repeatable.",
)
def simulate_command(
    stations: int,
    out: str,
    seed: int,
    parties: int,
    regions: int,
    districts: int,
    seats: int,
    anomalies: tuple[str, ...],
) -> None:
    """Write a synthetic election of any size, with consistent protocols (and chosen anomalies)."""
    from saylau.simulate import parse_anomaly, simulate

    summary = simulate(
        stations,
        Path(out),
        seed=seed,
        parties=parties,
        regions=regions,
        districts=districts,
        seats=seats,
        anomalies=[parse_anomaly(a) for a in anomalies],
    )
    click.echo(
        f"{out}: {summary.stations:,} stations, {summary.registered:,} registered, "
        f"turnout {percent(Fraction(summary.issued, summary.registered or 1)):.2f}%, "
        f"{len(summary.altered):,} stations altered, "
        f"in {summary.seconds:.1f} s"
    )


@cli.command("demo")
def demo_command() -> None:
    """The bundled example: Kazakhstan's Mazhilis and Astana maslikhat, 19 March 2023."""
    example = EXAMPLES / "kz-2023"
    if not (example / spec.DEFINITION).exists():
        raise InputError(f"the bundled example is missing ({example}); run from a checkout")
    console = Console()
    console.print(f"[bold]{example}[/bold]")
    print_results(results_json(evaluate(spec.load(example))), console)


def print_results(out: dict, console: Console) -> None:
    console.print(f"[bold]{out['election']['name']}[/bold], {out['election']['date']}")
    for body in out["bodies"].values():
        table = Table(title=f"{body['name']}: {body['size']} seats")
        table.add_column("party")
        table.add_column("seats", justify="right")
        for party, seats in body["seats"].items():
            table.add_row(party, str(seats))
        if body["vacant"]:
            table.add_row("not filled", str(body["vacant"]))
        console.print(table)
    for contest in out["contests"]:
        if contest["kind"] != "list":
            continue
        table = Table(title=f"{contest['name']}: {sum(contest['seats'].values())} seats")
        for column in ("party", "votes", "%", "eligible", "seats"):
            table.add_column(column, justify="left" if column == "party" else "right")
        for party, votes in contest["votes"].items():
            table.add_row(
                party,
                f"{votes:,}",
                f"{contest['percent'][party]:.2f}",
                "yes" if party in contest["eligible"] else "no",
                str(contest["seats"][party]),
            )
        table.add_row("against all", f"{contest['against_all']:,}", "", "", "")
        console.print(table)
    districts = [c for c in out["contests"] if c["kind"] == "single-mandate"]
    if districts:
        table = Table(title="Single-mandate districts")
        for column in ("district", "winner", "party", "status"):
            table.add_column(column)
        for d in districts:
            table.add_row(d["name"], d["winner"] or "-", d["winner_party"] or "-", d["status"])
        console.print(table)
    if out.get("territories"):
        table = Table(title=f"By {out['level']}")
        for column in ("territory", "reported", "turnout %", "leader"):
            table.add_column(column, justify="left" if column in ("territory", "leader") else "right")
        for t in out["territories"]:
            leader = max(t["votes"], key=t["votes"].get) if t["votes"] else "-"
            table.add_row(
                t["name"],
                f"{t['stations_reported']}/{t['stations']}",
                f"{t['turnout']:.2f}",
                f"{leader} {t['percent'].get(leader, 0):.2f}%" if t["votes"] else "-",
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


def print_allocation(result: ListResult, console: Console) -> None:
    a, e = result.apportionment, result.eligibility
    table = Table(title=f"{result.rules.seats} seats by {a.method}", show_footer=True)
    table.add_column("list", footer="total")
    table.add_column("votes", justify="right", footer=f"{e.base_total:,}")
    table.add_column(f"% of {result.rules.threshold.base}", justify="right")
    table.add_column("eligible", justify="center")
    table.add_column("seats", justify="right", footer=str(sum(a.seats.values())))
    for name, votes in result.ballots.parties.items():
        table.add_row(
            name,
            f"{votes:,}",
            decimal_text(e.shares[name] * 100, 2),
            "yes" if name in e.eligible else "no",
            str(a.seats[name]),
        )
    if result.ballots.against_all:
        base = e.base_total or 1
        share = Fraction(result.ballots.against_all * 100, base)
        table.add_row("against all", f"{result.ballots.against_all:,}", decimal_text(share, 2))
    console.print(table)
    if a.quota is not None:
        console.print(f"quota: {a.quota} = {decimal_text(a.quota, 6)}")
    else:
        console.print(f"divisors: {', '.join(a.divisors)} ...; last seat at {a.last_average}")
    for tie in result.ties:
        outcome = ", ".join(tie.winners) if tie.resolved else "unresolved"
        console.print(
            f"tie on {tie.kind} {tie.value} among {', '.join(tie.tied)} for {tie.places} "
            f"place(s): {outcome} ({' then '.join(tie.criteria)}; {tie.detail})"
        )
    for note in a.notes:
        console.print(f"note: {note}")
    if a.unallocated:
        console.print(f"[bold]{a.unallocated} seat(s) not yet allocated[/bold]")


def main(argv: list[str] | None = None) -> int:
    """Run the CLI; every expected failure becomes one line on stderr and exit 2."""
    try:
        code = cli.main(args=argv, prog_name="saylau", standalone_mode=False)
    except click.exceptions.Abort:
        click.echo("aborted", err=True)
        return 1
    except click.ClickException as e:
        click.echo(f"error: {e.format_message()}", err=True)
        return 2
    except DefinitionError as e:
        for problem in e.problems:
            click.echo(f"error: {problem}", err=True)
        return 2
    except SaylauError as e:
        click.echo(f"error: {e}", err=True)
        return 2
    except OSError as e:
        click.echo(f"error: {e.strerror or e}: {e.filename or ''}".rstrip(": "), err=True)
        return 2
    except Exception as e:  # a bug, not bad input: one line, and the traceback on request
        if os.environ.get("SAYLAU_DEBUG"):
            raise
        click.echo(f"internal error: {type(e).__name__}: {e} (set SAYLAU_DEBUG=1 for details)", err=True)
        return 1
    return code if isinstance(code, int) else 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
