"""The ``saylau`` command group, and the entry point that keeps its error contract.

Others script against the command line, so its contract is strict: results on
stdout (a table, or JSON with ``--json``), and on bad input exit status 2 with
one line on stderr that says what to fix, never a traceback.
"""

from __future__ import annotations

import os

import click

from saylau.errors import DefinitionError, SaylauError


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
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
