"""The type check: mypy, strict on rules/, store/ and live/, as configured in pyproject.toml.

It runs with the test command, so CI runs it. mypy's cache (.mypy_cache) makes a second run take
under a second; a fresh checkout takes about ten.
"""

from __future__ import annotations

import subprocess
import sys
import tomllib

from mypy.main import define_options

from conftest import ROOT

#: The flags of --strict that are global only; warn_unused_configs is left off on purpose: the
#: section for saylau.live.* matches no module until live/ exists.
GLOBAL_ONLY = {"warn_unused_configs", "warn_redundant_casts"}


def test_mypy_passes():
    run = subprocess.run(
        [sys.executable, "-m", "mypy"],  # what it checks, and how: [tool.mypy] in pyproject.toml
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert run.returncode == 0, f"mypy failed:\n{run.stdout}{run.stderr}"


def test_strict_packages_have_every_strict_flag():
    # `strict = true` is global only (in an override section it turns strict mode on for every
    # module), so the strict packages list the flags one by one: none may go missing, and a mypy
    # upgrade that adds one to --strict fails here until it is added.
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["mypy"]
    strict = next(o for o in config["overrides"] if "saylau.rules.*" in o["module"])
    for package in ("rules", "store", "live"):
        assert {f"saylau.{package}", f"saylau.{package}.*"} <= set(strict["module"])
    _, _, strict_flags = define_options()  # (option, value) of each flag --strict sets
    per_module = {flag: value for flag, value in strict_flags if flag not in GLOBAL_ONLY}
    assert {flag: strict.get(flag) for flag in per_module} == per_module
    assert all(config.get(flag) is True for flag in GLOBAL_ONLY - {"warn_unused_configs"})
