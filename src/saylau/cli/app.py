"""The ``saylau`` command group, and the entry point that keeps its error contract.

Others script against the command line, so its contract is strict: results on
stdout (a table, or JSON with ``--json``), and on bad input exit status 2 with
one line on stderr that says what to fix, never a traceback.

The group loads a command's module only when that command runs (or its help is asked for):
the modules behind the store, the server and the forensics pull in SQLAlchemy, FastAPI and
NumPy, a second or so that ``saylau --help`` or ``saylau allocate`` should not wait for.
"""

from __future__ import annotations

import importlib
import os
from typing import Any

import click

from saylau.errors import DefinitionError, SaylauError

#: Each command: the module that defines it, and its summary as ``saylau --help`` lists it, so the
#: list needs no module imported. tests/test_startup.py holds both to the modules themselves.
COMMANDS: dict[str, tuple[str, str]] = {
    "allocate": (
        "saylau.cli.allocate",
        "Share seats among the lists of VOTES.csv (name,votes[,kind]; - for stdin).",
    ),
    "audit": (
        "saylau.cli.store",
        "The store's log: one tamper-evident record of every event, with signed checkpoints.",
    ),
    "backup": ("saylau.cli.backup", "Back up the store DB to the file OUT, while it is being served."),
    "check": (
        "saylau.cli.definitions",
        "Validate the election definition in DIR; list every problem with its file and line.",
    ),
    "checkpoint": (
        "saylau.cli.store",
        "Print the log's current checkpoint, signed: the text GET /api/v1/log/checkpoint serves.",
    ),
    "demo": (
        "saylau.cli.definitions",
        "The bundled example, Kazakhstan's Mazhilis and 223 maslikhats, 19 March 2023: its results, "
        "then (unless --no-serve) the results website and API on a store made from it.",
    ),
    "export": (
        "saylau.cli.publish",
        "Open data of an election directory or a store: CSV, JSON or NIST SP 1500-100.",
    ),
    "forensics": (
        "saylau.cli.forensics",
        "Statistical checks for ballot stuffing and written-up protocols: the turnout / leader "
        "fingerprint, whole-percent excess, last digits, Shpilkin's anomalous votes.",
    ),
    "import": (
        "saylau.cli.store",
        "Check the protocols of FILE (CSV, .csv.zip, .csv.gz or JSON) and store them, all or nothing; "
        "with --sign, each signed by the commission key in KEY (``saylau keys create``).",
    ),
    "copies": (
        "saylau.cli.copies",
        "Observers' copies of posted protocols: the parallel count (docs/forensics.md).",
    ),
    "init": (
        "saylau.cli.store",
        "Create a store (a SQLite file or a postgresql:// URL) for the election defined in DIR, and the "
        "key that signs its log's checkpoints (a file of its own: keep it secret, and out of backups "
        "that others read).",
    ),
    "keys": ("saylau.cli.keys", "Commissions' Ed25519 keys that sign protocols (docs/verification.md)."),
    "press": (
        "saylau.cli.publish",
        "The press summary of an election directory or a store: paragraphs ready to print.",
    ),
    "project": (
        "saylau.cli.projection",
        "Projected final seats from the protocols counted so far (a store or an election directory).",
    ),
    "publish": (
        "saylau.cli.publish_site",
        "Publish the results of SOURCE (a store, or an election directory) as static files in DIR: "
        "every version under DIR/v/<version>/, never changed, and DIR/current.json naming the current one.",
    ),
    "restore": ("saylau.cli.backup", "Restore BACKUP (made by `saylau backup`) as the store DB."),
    "results": (
        "saylau.cli.definitions",
        "Full results of an election: seats per body, contests, district winners, turnout.",
    ),
    "serve": (
        "saylau.cli.serve",
        "Serve the store DB over HTTP: the API under /api/v1, its description at /openapi.json.",
    ),
    "simulate": (
        "saylau.cli.definitions",
        "Write a synthetic election of any size, with consistent protocols (and chosen anomalies).",
    ),
    "stations": (
        "saylau.cli.stations",
        "Write DIR/territories.csv and DIR/stations.csv from the protocol FILE, through MAP: the "
        "country, one territory per value of each level's columns, and every station with the voters "
        'on its list (docs/election-format.md, "Territories and stations from a protocol file").',
    ),
    "token": ("saylau.cli.serve", "API tokens: the store keeps only their hashes."),
    "turnout": (
        "saylau.cli.store",
        "Record a turnout report: ISSUED ballots by HH:MM at a station or territory PLACE.",
    ),
    "verify": (
        "saylau.cli.verify",
        "Check SOURCE's record: every entry, the tree, every checkpoint's signature, consistency with "
        "each --since checkpoint, and every published figure recomputed from the protocols in the log.",
    ),
    "witness": (
        "saylau.cli.witness",
        "Fetch URL's signed checkpoint every --interval seconds, check it against the pinned key and "
        "that it extends the last one kept (the server's consistency proof), keep it in DIR; report a "
        "fork (two trees of one size, or a new tree that does not extend the old) at once, exit 3.",
    ),
}


class LazyGroup(click.Group):
    """A group that knows its commands by name and imports a command's module on first use.

    The modules register their commands on the group themselves (``@cli.command``), as they
    would on a plain group; a module imported early (by a test, or by another command) has
    simply registered its commands sooner.
    """

    def __init__(self, *args: Any, lazy: dict[str, tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.lazy = lazy

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(set(self.commands) | set(self.lazy))

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in self.commands and cmd_name in self.lazy:
            importlib.import_module(self.lazy[cmd_name][0])
        return self.commands.get(cmd_name)

    def resolve_command(
        self, ctx: click.Context, args: list[str]
    ) -> tuple[str | None, click.Command | None, list[str]]:
        # An unknown name: every command registered, so click's "Did you mean" sees them all.
        if args and args[0] not in self.commands and args[0] not in self.lazy:
            for name in self.lazy:
                self.get_command(ctx, name)
        return super().resolve_command(ctx, args)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """Click's own listing asks each command for its help, importing them all; the summaries
        of COMMANDS, shortened by click's own rule, give the same lines without."""
        rows: list[tuple[str, click.Command]] = []
        for name in self.list_commands(ctx):
            if name in self.commands:
                command = self.commands[name]
            else:
                command = click.Command(name, help=self.lazy[name][1])
            if not command.hidden:
                rows.append((name, command))
        if not rows:
            return
        limit = formatter.width - 6 - max(len(name) for name, _ in rows)
        with formatter.section("Commands"):
            formatter.write_dl([(name, command.get_short_help_str(limit)) for name, command in rows])


@click.group(cls=LazyGroup, lazy=COMMANDS, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="saylau")
def cli() -> None:
    """saylau: election results, from protocols to seats, exact and auditable."""


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
