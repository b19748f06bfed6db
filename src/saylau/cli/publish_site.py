"""``saylau publish SOURCE --to DIR``: the results as a folder of static files (saylau.site).

Kept apart from ``export`` and ``press`` (publish.py), which print one document: this one writes
a whole site, and with ``--follow`` runs until it is stopped (Ctrl-C or SIGTERM finish the
version being written, then exit 0).
"""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import urlsplit

import click

from saylau.cli.app import cli
from saylau.errors import InputError


def _url(value: str | None, option: str, *, path_ok: bool) -> str | None:
    """An absolute http(s) URL (or, where ``path_ok``, a path from the site's root), else a refusal."""
    if value is None:
        return None
    parts = urlsplit(value)
    if parts.scheme in ("http", "https") and parts.netloc:
        return value
    if path_ok and value.startswith("/") and not value.startswith("//"):
        return value
    what = "an http(s) URL or a path from the site's root" if path_ok else "an http(s) URL"
    raise InputError(f"{value!r} is not {what}", where=option)


@cli.command("publish")
@click.argument("source", metavar="SOURCE")
@click.option("--to", "directory", required=True, metavar="DIR", help="The folder to publish into.")
@click.option("--follow", is_flag=True, help="Go on publishing each new snapshot of the store until stopped.")
@click.option(
    "--keep",
    type=click.IntRange(min=1),
    default=5,
    show_default=True,
    help="Versions kept, the current one included.",
)
@click.option(
    "--interval",
    type=click.FloatRange(min=0.05),
    default=0.25,
    show_default=True,
    help="--follow: seconds between two looks at the store.",
)
@click.option(
    "--origin",
    default=None,
    metavar="URL",
    help="Where `saylau serve` answers: links to what files cannot serve (officer pages, "
    "observers' page, API) go there. Without it they stay as links from the site's root.",
)
@click.option(
    "--events",
    default=None,
    metavar="URL",
    help="An event stream (`/api/v1/events` of saylau serve) the pages listen to; without it, "
    "or while it is unreachable, they poll current.json.",
)
def publish_site_command(
    source: str,
    directory: str,
    follow: bool,
    keep: int,
    interval: float,
    origin: str | None,
    events: str | None,
) -> None:
    """Publish the results of SOURCE (a store, or an election directory) as static files in DIR:
    every version under DIR/v/<version>/, never changed, and DIR/current.json naming the current one."""
    import asyncio
    import signal
    import threading

    from saylau.site import Options, run

    options = Options(
        keep=keep,
        origin=_url(origin, "--origin", path_ok=False),
        events=_url(events, "--events", path_ok=True),
        interval=interval,
    )

    async def main() -> int | None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        if threading.current_thread() is threading.main_thread():  # signals reach the main thread only
            for sig in (signal.SIGINT, signal.SIGTERM):
                loop.add_signal_handler(sig, stop.set)
        return await run(
            source,
            Path(directory),
            options,
            follow=follow,
            say=lambda line: click.echo(line, err=True),
            stop=stop,
        )

    os.umask(0o022)  # a published site is for everyone to read, whatever the caller's umask
    version = asyncio.run(main())
    click.echo(
        f"{directory}: version {version}" if version is not None else f"{directory}: nothing published"
    )
