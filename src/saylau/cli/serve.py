"""Commands for the HTTP API: serve, and the tokens it accepts (token create / revoke / list)."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

import click

from saylau.cli.app import cli

if TYPE_CHECKING:
    from saylau.http.limits import ConnectionLimits


def _actor() -> str:
    return os.environ.get("USER") or "cli"


@cli.command("serve")
@click.argument("db", metavar="DB")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(0, 65535))
@click.option(
    "--workers",
    default=1,
    show_default=True,
    type=click.IntRange(1, 64),
    help="Worker processes (each keeps its own tally, following the others' writes).",
)
@click.option("--max-body", default=1_000_000, show_default=True, type=click.IntRange(1), help="Bytes.")
@click.option(
    "--rate",
    default=100.0,
    show_default=True,
    type=click.FloatRange(0),
    help="Requests/s per token (0: none).",
)
@click.option("--burst", default=1_000, show_default=True, type=click.IntRange(1), help="Requests at once.")
@click.option(
    "--anonymous-rate",
    default=50.0,
    show_default=True,
    type=click.FloatRange(0),
    help="Requests/s per client address without a token: API reads, pages, downloads, static files "
    "(0: none, when a CDN in front does the limiting).",
)
@click.option(
    "--anonymous-burst",
    default=200,
    show_default=True,
    type=click.IntRange(1),
    help="Requests at once per client address without a token.",
)
@click.option(
    "--snapshot-interval",
    default=0.2,
    show_default=True,
    type=click.FloatRange(0),
    help="Seconds between results snapshots at most.",
)
@click.option(
    "--header-timeout",
    default=10.0,
    show_default=True,
    type=click.FloatRange(0),
    help="Seconds a request's headers may take to arrive (408 and closed beyond; 0: none).",
)
@click.option(
    "--body-timeout",
    default=30.0,
    show_default=True,
    type=click.FloatRange(0),
    help="Seconds a request's body may take to arrive (408 beyond; 0: none).",
)
@click.option(
    "--max-header-size",
    default=65_536,
    show_default=True,
    type=click.IntRange(0),
    help="Bytes of a request's line and headers (431 beyond; 0: none).",
)
@click.option(
    "--connections-per-address",
    default=256,
    show_default=True,
    type=click.IntRange(0),
    help="Connections one client address may hold open, per worker (503 beyond; 0: none; "
    "addresses in FORWARDED_ALLOW_IPS, proxies, are not capped).",
)
@click.option(
    "--max-connections",
    default=10_000,
    show_default=True,
    type=click.IntRange(0),
    help="Connections and requests at once per worker (503 beyond; 0: none).",
)
@click.option(
    "--keep-alive",
    default=5.0,
    show_default=True,
    type=click.FloatRange(0),
    help="Seconds an idle keep-alive connection stays open.",
)
@click.option("--access-log/--no-access-log", default=True, show_default=True)
@click.option(
    "--log-level",
    default="info",
    show_default=True,
    type=click.Choice(["critical", "error", "warning", "info", "debug"]),
)
@click.option(
    "--log-format",
    default="text",
    show_default=True,
    type=click.Choice(["text", "json"]),
    help="json: one JSON object a line on stderr, per request (time, method, route, status, "
    "duration, client) and per event.",
)
def serve_command(
    db: str,
    host: str,
    port: int,
    workers: int,
    max_body: int,
    rate: float,
    burst: int,
    anonymous_rate: float,
    anonymous_burst: int,
    snapshot_interval: float,
    header_timeout: float,
    body_timeout: float,
    max_header_size: int,
    connections_per_address: int,
    max_connections: int,
    keep_alive: float,
    access_log: bool,
    log_level: str,
    log_format: str,
) -> None:
    """Serve the store DB over HTTP: the API under /api/v1, its description at /openapi.json.

    The limits on readers (docs/api.md, "Limits") are on by default; behind a proxy or CDN, set
    FORWARDED_ALLOW_IPS to its address so that each reader is counted by its own address.
    """
    import functools

    import uvicorn

    from saylau.http.jsonlog import logging_config, say_json
    from saylau.http.limits import ConnectionLimits, raise_open_files
    from saylau.http.metrics import metrics_token
    from saylau.server import Settings, create_app
    from saylau.store import Store

    with Store.open(db) as store:  # a missing or out-of-date store: one line, exit 2, before listening
        election_id = store.election_id()  # the server loads the definition itself
    check_port(host, port)
    metrics_token(os.environ)  # a guessable SAYLAU_METRICS_TOKEN: one line, exit 2, before listening
    say = say_json if log_format == "json" else functools.partial(click.echo, err=True)
    settings = Settings(
        max_body=max_body,
        rate=rate,
        burst=burst,
        anonymous_rate=anonymous_rate,
        anonymous_burst=anonymous_burst,
        body_timeout=body_timeout,
        snapshot_interval=snapshot_interval,
    )
    limits = ConnectionLimits(
        header_timeout=header_timeout, max_header_bytes=max_header_size, per_address=connections_per_address
    )
    open_files = raise_open_files()  # each connection is an open file
    if open_files and max_connections and open_files < max_connections + 64:
        say(
            f"saylau: at most {open_files} open files allowed: fewer connections than "
            f"--max-connections {max_connections} (raise it with ulimit -n)"
        )
    say(
        f"saylau: serving {election_id} from {db} on http://{host}:{port} "
        f"(API /api/v1, OpenAPI /openapi.json, {workers} worker{'s' if workers > 1 else ''})"
    )
    options = uvicorn_options(
        host,
        port,
        log_level,
        access_log,
        limits=limits,
        keep_alive=keep_alive,
        max_connections=max_connections,
    )
    if log_format == "json":  # saylau's own request log replaces uvicorn's (it knows the route)
        options.update(log_config=logging_config(log_level, access_log), access_log=False)
    if workers == 1:
        uvicorn.run(create_app(db, settings), **options)  # type: ignore[arg-type]
    else:
        os.environ["SAYLAU_DB"] = db
        os.environ["SAYLAU_SETTINGS"] = settings.to_env()
        uvicorn.run(
            "saylau.server:create_app_from_env",
            factory=True,
            workers=workers,
            **options,  # type: ignore[arg-type]
        )


def check_port(host: str, port: int) -> None:
    """Refuse at once, in one line, a port that another program holds (before a store is made)."""
    import socket

    from saylau.errors import InputError

    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except OSError as e:
        raise InputError(f"cannot listen on {host}: {e.strerror or e}", where="--host") from None
    family, _, _, _, address = infos[0]
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(address)
        except OSError as e:
            raise InputError(
                f"cannot listen on {host}:{port}: {e.strerror or e} (choose another --port)", where="--port"
            ) from None


def uvicorn_options(
    host: str,
    port: int,
    log_level: str,
    access_log: bool,
    *,
    limits: ConnectionLimits | None = None,
    keep_alive: float = 5.0,
    max_connections: int = 10_000,
) -> dict[str, object]:
    """How ``saylau serve`` and ``saylau demo`` run uvicorn: the fast loop and parser when there,
    and the limits on connections (``limits``, a :class:`saylau.http.limits.ConnectionLimits`;
    its defaults when None): uvicorn's httptools protocol with a header timeout, a header size
    limit and a cap per client address (:class:`saylau.http.limits.LimitedHttp`); without httptools,
    uvicorn's h11 with its header size limit only. ``keep_alive``: seconds an idle connection
    stays open; ``max_connections``: connections and requests at once, 503 beyond (0: none)."""
    import functools

    from saylau.http.limits import ConnectionLimits, LimitedHttp

    limits = limits or ConnectionLimits()
    options: dict[str, object] = {
        "host": host,
        "port": port,
        "log_level": log_level,
        "access_log": access_log,
        "timeout_graceful_shutdown": 3,
        "timeout_keep_alive": keep_alive,
        "limit_concurrency": max_connections or None,
        "loop": "uvloop" if _has("uvloop") else "asyncio",
    }
    if LimitedHttp is not None and _has("httptools"):
        options["http"] = functools.partial(LimitedHttp, limits=limits)
    else:  # pragma: no cover - httptools is a dependency
        options["http"] = "h11"
        options["h11_max_incomplete_event_size"] = limits.max_header_bytes or None
    return options


def _has(module: str) -> bool:
    import importlib.util

    return importlib.util.find_spec(module) is not None


@cli.group("token")
def token_group() -> None:
    """API tokens: the store keeps only their hashes."""


@token_group.command("create")
@click.argument("db", metavar="DB")
@click.option(
    "--role",
    required=True,
    type=click.Choice(["admin", "commission", "observer", "public"]),
    help="What it may do.",
)
@click.option(
    "--territory", default=None, metavar="ID", help="Commission tokens: the territory it writes for."
)
@click.option(
    "--expires",
    default=None,
    metavar="DURATION",
    help="e.g. 12h, 7d, 2w; at most 400d (default: never).",
)
@click.option("--name", default="", help="Who holds it (recorded with every write made with it).")
def token_create_command(db: str, role: str, territory: str | None, expires: str | None, name: str) -> None:
    """Create a token and print it once (on stdout); the store keeps only its hash."""
    from saylau.store import Store
    from saylau.store.tokens import Tokens, check_territory, parse_duration

    lifetime = parse_duration(expires) if expires is not None else None
    with Store.open(db) as store:
        check_territory(territory, {t.id for t in store.election().territories})
    with Tokens(db) as tokens:
        issued = tokens.create(role, actor=_actor(), territory=territory, expires=lifetime, name=name)
    t = issued.token
    where = f", territory {t.territory}" if t.territory else ""
    until = f", expires {t.expires_at}" if t.expires_at else ", never expires"
    click.echo(
        f"token {t.id} ({t.role}{where}{until}): shown once below; the store keeps only its hash", err=True
    )
    click.echo(issued.text)


@token_group.command("revoke")
@click.argument("db", metavar="DB")
@click.argument("token_id", metavar="TOKEN_ID")
def token_revoke_command(db: str, token_id: str) -> None:
    """Revoke a token by its id or its whole text (servers refuse it within a second; on
    PostgreSQL, from their next request).

    Errors name the token's id only: a text given here is never printed back.
    """
    from saylau.store.tokens import Tokens

    with Tokens(db) as tokens:
        t = tokens.revoke(token_id, actor=_actor())
    click.echo(f"token {t.id} ({t.role}) revoked at {t.revoked_at}")


@token_group.command("list")
@click.argument("db", metavar="DB")
def token_list_command(db: str) -> None:
    """Every token ever created: id, role, territory, name, expiry, revocation (never a secret)."""
    from saylau.store.tokens import Tokens

    with Tokens(db) as tokens:
        found = tokens.all()
    for t in found.values():
        state = f"revoked {t.revoked_at}" if t.revoked_at else ("expired" if t.expired() else "active")
        click.echo(
            f"{t.id}  {t.role:<10}  {t.territory or '-':<10}  {state:<36}  "
            f"expires {t.expires_at or 'never'}  {t.name}"
        )
