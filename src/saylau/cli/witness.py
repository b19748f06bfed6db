"""``saylau witness URL --state DIR``: keep a server's checkpoints and report a fork at once.

Exit codes, for cron and for whoever watches a long-running witness: 0 when every checkpoint
seen extends the ones before; 3 the moment a fork is seen (the evidence is in DIR); 1 when the
server's checkpoint is not signed by the pinned key; 2 when the server cannot be asked (with
``--once``; a running witness says so and tries again at the next interval).
"""

from __future__ import annotations

import datetime
import time
from pathlib import Path

import click

from saylau.cli.app import cli
from saylau.errors import InputError

FORK = 3


@cli.command("witness")
@click.argument("url", metavar="URL")
@click.option(
    "--state", required=True, metavar="DIR", help="Where the checkpoints seen are kept (and the key pinned)."
)
@click.option(
    "--interval",
    default=60.0,
    show_default=True,
    type=click.FloatRange(min=0.1),
    help="Seconds between looks.",
)
@click.option("--once", is_flag=True, help="Look once and exit (for cron).")
@click.option(
    "--vkey",
    default=None,
    metavar="KEY",
    help="The log's public key as published (default: pinned on first use).",
)
def witness_command(url: str, state: str, interval: float, once: bool, vkey: str | None) -> None:
    """Fetch URL's signed checkpoint every --interval seconds, check it against the pinned key and
    that it extends the last one kept (the server's consistency proof), keep it in DIR; report a
    fork (two trees of one size, or a new tree that does not extend the old) at once, exit 3."""
    from saylau.verify.witness import Witness

    witness = Witness(url, Path(state), vkey)
    if witness.pinned_now:
        click.echo(f"witness: key pinned: {witness.verifier.vkey} ({Path(state) / 'vkey'})")
    try:
        while True:
            try:
                seen = witness.observe()
            except InputError as e:
                if once:
                    raise
                click.echo(f"witness: {_now()}: {e}; trying again in {interval:g} s", err=True)
                time.sleep(interval)
                continue
            if seen.kind == "fork":
                click.echo(f"witness: {_now()}: {seen.message}", err=True)
                raise click.exceptions.Exit(FORK)
            if seen.kind == "bad":
                click.echo(f"witness: {_now()}: {seen.message}", err=True)
                raise click.exceptions.Exit(1)
            if once or seen.kind != "same":
                click.echo(f"witness: {_now()}: {seen.message}")
            if once:
                return
            time.sleep(interval)
    except KeyboardInterrupt:
        click.echo("witness: stopped", err=True)


def _now() -> str:
    return datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
