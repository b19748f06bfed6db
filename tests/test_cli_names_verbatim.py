"""A name is printed as its definition writes it, square brackets and all (saylau.cli.terminal).

Rich reads ``[...]`` in a string as its markup and drops what it takes for a style: a party named
"Party A [united]" was printed "Party A" in the results table, and its title lost the bracket too.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from conftest import run_cli

TINY = Path(__file__).resolve().parent / "data" / "tiny"


def test_the_results_tables_print_names_with_brackets_as_written(tmp_path: Path) -> None:
    folder = tmp_path / "tiny"
    shutil.copytree(TINY, folder)
    toml = folder / "election.toml"
    text = toml.read_text(encoding="utf-8")
    text = text.replace('en = "Tiny election"', 'en = "Tiny [bold]election[/bold]"')
    text = text.replace('en = "Party A"', 'en = "Party A [united]"')
    toml.write_text(text, encoding="utf-8")
    proc = run_cli("results", str(folder), "--lang", "en")
    assert proc.returncode == 0, proc.stderr
    assert "Tiny [bold]election[/bold], 2024-05-01" in proc.stdout
    assert "Party A [united]" in proc.stdout


def test_allocate_prints_a_bracketed_list_name_as_written() -> None:
    votes = b"name,votes\n[red]Reds[/red],600\nBlues [x],400\n"
    proc = run_cli("allocate", "-", "--seats", "10", "--method", "hare", stdin=votes)
    assert proc.returncode == 0, proc.stderr
    assert "[red]Reds[/red]" in proc.stdout and "Blues [x]" in proc.stdout
