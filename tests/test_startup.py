"""Start-up: a command imports what it runs and no more (issue 14, item 4).

``saylau --help`` and ``saylau allocate`` are run by people at a prompt and by scripts in loops;
the store, the server and the forensics bring in SQLAlchemy, FastAPI, NumPy and pyarrow, which
take most of a second to import. So each run here is a fresh interpreter, and what it has
imported is checked by name, never by the clock: timings depend on the machine, imports do not.
"""

from __future__ import annotations

import importlib
import json
import os
import pkgutil
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import click
import pytest

import saylau.cli
from saylau.cli.app import COMMANDS, cli

#: What neither ``saylau --help`` nor ``saylau allocate`` may import (a package and its modules).
HEAVY = (
    "numpy",
    "sqlalchemy",
    "fastapi",
    "uvicorn",
    "pyarrow",
    "pandas",
    "jinja2",
    "alembic",
    "saylau.store",
    "saylau.api",
    "saylau.web",
)

#: Runs ``saylau.cli.main`` on argv, the console script's entry point, then writes the modules
#: imported by then to the file named by $SAYLAU_TEST_MODULES.
RUN = textwrap.dedent(
    """
    import json, os, sys

    import saylau.cli

    code = saylau.cli.main(sys.argv[1:])
    with open(os.environ["SAYLAU_TEST_MODULES"], "w", encoding="utf-8") as out:
        json.dump(sorted(sys.modules), out)
    raise SystemExit(code)
    """
)

VOTES = "name,votes,kind\nA,600,party\nB,300,party\nC,100,party\nD,40,party\nagainst all,50,against_all\n"


def fresh(tmp_path: Path, *argv: str, script: str = RUN) -> tuple[subprocess.CompletedProcess[str], Any]:
    """Run ``script`` with ``argv`` in a new interpreter: what it printed, and what it wrote to
    $SAYLAU_TEST_MODULES (RUN: the names of the modules it imported)."""
    modules = tmp_path / "modules.json"
    env = {**os.environ, "SAYLAU_TEST_MODULES": str(modules), "COLUMNS": "80"}
    env.pop("SAYLAU_DEBUG", None)
    proc = subprocess.run(
        [sys.executable, "-c", script, *argv],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )
    assert modules.exists(), proc.stderr
    return proc, json.loads(modules.read_text(encoding="utf-8"))


def heavy(modules: list[str]) -> list[str]:
    return sorted(m for m in modules if any(m == h or m.startswith(h + ".") for h in HEAVY))


def test_help_imports_no_command(tmp_path: Path) -> None:
    proc, modules = fresh(tmp_path, "--help")
    assert proc.returncode == 0, proc.stderr
    assert heavy(modules) == []
    # The list comes from the group's table: no module of a command was needed for it.
    assert sorted(m for m in modules if m.startswith("saylau.cli.")) == ["saylau.cli.app"]
    listed = proc.stdout.split("Commands:\n", 1)[1]
    assert [line.split()[0] for line in listed.splitlines() if line[2:3] != " "] == sorted(COMMANDS)


def test_import_saylau_leaves_the_rules_until_asked(tmp_path: Path) -> None:
    script = textwrap.dedent(
        """
        import json, os, sys

        import saylau

        before = sorted(sys.modules)
        from saylau import Ballots, ListRules, Threshold, allocate

        import saylau.rules

        assert allocate is saylau.rules.allocate and saylau.parallel is saylau.rules.parallel
        assert all(hasattr(saylau, name) for name in saylau.__all__)
        with open(os.environ["SAYLAU_TEST_MODULES"], "w", encoding="utf-8") as out:
            json.dump(before, out)
        """
    )
    proc, modules = fresh(tmp_path, script=script)
    assert proc.returncode == 0, proc.stderr
    assert heavy(modules) == []
    assert "saylau.rules" not in modules and "click" not in modules


@pytest.mark.parametrize("table", [False, True], ids=["json", "table"])
def test_allocate_imports_the_rules_only(tmp_path: Path, table: bool) -> None:
    votes = tmp_path / "votes.csv"
    votes.write_text(VOTES, encoding="utf-8")
    rules = tmp_path / "rules.toml"
    rules.write_text(
        'seats = 10\nmethod = "hare"\nthreshold = "5%"\nties = "registration"\n', encoding="utf-8"
    )
    proc, modules = fresh(
        tmp_path, "allocate", str(votes), "--rules", str(rules), *(() if table else ("--json",))
    )
    assert proc.returncode == 0, proc.stderr
    if not table:
        assert json.loads(proc.stdout)["seats"] == {"A": 6, "B": 3, "C": 1, "D": 0}
    assert heavy(modules) == []
    assert "saylau.intake" not in modules and "saylau.results" not in modules
    assert ("rich" in modules) is table  # rich draws the table; JSON needs none of it


def test_allocate_help_imports_no_reader(tmp_path: Path) -> None:
    proc, modules = fresh(tmp_path, "allocate", "--help")
    assert proc.returncode == 0, proc.stderr
    assert "hagenbach-bischoff" in proc.stdout  # the methods named in the help: saylau.rules is loaded
    assert heavy(modules) == []
    assert "saylau.definition.rules_toml" not in modules and "rich" not in modules


def test_an_error_from_a_lazily_imported_module_is_one_line(tmp_path: Path) -> None:
    """The errors of the rules file reader, imported inside the command, map to exit 2 and a line."""
    votes = tmp_path / "votes.csv"
    votes.write_text(VOTES, encoding="utf-8")
    rules = tmp_path / "rules.toml"
    rules.write_text('seats = 10\nmethod = "hare"\ntreshold = "5%"\n', encoding="utf-8")
    proc, modules = fresh(tmp_path, "allocate", str(votes), "--rules", str(rules))
    assert (proc.returncode, proc.stdout) == (2, "")
    assert proc.stderr.splitlines() == [
        f"error: {rules}:3: key 'treshold' is not allowed at the top level (did you mean 'threshold'?)"
    ]
    assert heavy(modules) == []


def test_a_mistyped_command_is_still_told_its_name(tmp_path: Path) -> None:
    proc, _ = fresh(tmp_path, "alocate")
    assert proc.returncode == 2
    assert proc.stderr == "error: No such command 'alocate'. Did you mean 'allocate'?\n"


def test_the_help_lists_each_command_as_its_module_would(tmp_path: Path) -> None:
    """The list of ``saylau --help`` before any command's module is imported, and after all are."""
    script = textwrap.dedent(
        """
        import contextlib, importlib, io, json, os, pkgutil

        import saylau.cli

        def shown():
            text = io.StringIO()
            with contextlib.redirect_stdout(text):
                assert saylau.cli.main(["--help"]) == 0
            return text.getvalue()

        lazy = shown()
        for info in pkgutil.iter_modules(saylau.cli.__path__, "saylau.cli."):
            if not info.name.endswith("__main__"):
                importlib.import_module(info.name)
        with open(os.environ["SAYLAU_TEST_MODULES"], "w", encoding="utf-8") as out:
            json.dump([lazy, shown()], out)
        """
    )
    proc, (lazy, loaded) = fresh(tmp_path, script=script)
    assert proc.returncode == 0, proc.stderr
    assert "Commands:" in lazy and lazy == loaded


def test_the_table_of_commands_is_the_commands() -> None:
    """Every command a module registers is in COMMANDS, under its module, with its own summary."""
    for info in pkgutil.iter_modules(saylau.cli.__path__, "saylau.cli."):
        if not info.name.endswith("__main__"):
            importlib.import_module(info.name)
    assert sorted(cli.commands) == sorted(COMMANDS)
    for name, (module, summary) in COMMANDS.items():
        command = cli.commands[name]
        assert command.callback is not None and command.callback.__module__ == module, name
        stub = click.Command(name, help=summary)
        for limit in (20, 45, 60, 80, 10_000):
            assert stub.get_short_help_str(limit) == command.get_short_help_str(limit), (name, limit)
