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
    lines = (ROOT / ".ci" / "run").read_text().splitlines()
    assert tests in lines
    # and its failure is CI's: under `set -e` a failure inside an `&&` list does not stop the
    # script, so the next command must look at its status before the slow tests run
    after = [line for line in lines[lines.index(tests) + 1 :] if not line.startswith("#")]
    assert after[0] == "[ $? -eq 0 ] || exit 1"


def test_a_failing_command_in_the_list_fails_the_script(tmp_path):
    """What that line is for, shown on bash itself: the list fails in its middle, the script goes
    on past it without the check and stops with it."""
    import subprocess

    for check, code in (("", 0), ("[ $? -eq 0 ] || exit 1\n", 1)):
        script = tmp_path / "run"
        script.write_text(f"set -euo pipefail\ntrue && false && true\n{check}true\n")
        assert subprocess.run(["bash", str(script)], check=False).returncode == code
