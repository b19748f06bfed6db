"""The README's two commands are the project's promise; CI must run exactly the second."""

from __future__ import annotations

import re

from conftest import ROOT


def readme_commands() -> list[str]:
    block = re.search(r"## Two commands.*?```sh\n(.*?)```", (ROOT / "README.md").read_text(), re.S)
    assert block, "README.md lost its 'Two commands' block"
    return [line for line in block.group(1).splitlines() if line and not line.startswith("#")]


def test_ci_runs_the_readme_test_command():
    setup, tests = readme_commands()
    assert "saylau demo" in setup
    assert tests in (ROOT / ".ci" / "run").read_text().splitlines()
