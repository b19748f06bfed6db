"""saylau as a user gets it: a wheel built from the sources, pip-installed into a fresh venv, then
``saylau demo --no-serve`` run from a folder outside the checkout.

The bundled example (examples/kz-2023) must be inside the wheel as package data
(``saylau/data/kz-2023``, copied by setup.py), and the generators beside it must not be. The wheel
is built (with pip, from a copy of the build's inputs, so the checkout gets no build/ folder) and
installed without its dependencies: the fresh venv borrows them from the one running the tests
through a .pth line, which adds their folder to sys.path but not the editable install's path to
the checkout, so nothing is downloaded and only the wheel's saylau can be imported.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
#: What building the wheel reads; anything else the build needed would make this test fail.
BUILD_INPUTS = ("pyproject.toml", "setup.py", "MANIFEST.in", "README.md", "src", "examples/kz-2023")
IGNORE = shutil.ignore_patterns("__pycache__", "*.pyc", "*.egg-info")


def copy_inputs(target: Path) -> None:
    target.mkdir()
    for name in BUILD_INPUTS:
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, target / name, ignore=IGNORE)
        else:
            shutil.copy2(source, target / name)


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("wheel")
    copy_inputs(folder / "source")
    command = ["-m", "pip", "wheel", "--no-deps", "-q", "-w", str(folder / "dist"), str(folder / "source")]
    built = subprocess.run([sys.executable, *command], capture_output=True, text=True, timeout=600)
    assert built.returncode == 0, built.stderr
    (built,) = (folder / "dist").glob("saylau-*.whl")
    return built


def test_the_wheel_has_the_example_and_not_its_generators(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    data = sorted(n for n in names if n.startswith("saylau/data/kz-2023/"))
    expected = sorted(
        "saylau/data/kz-2023/" + p.relative_to(ROOT / "examples" / "kz-2023").as_posix()
        for p in (ROOT / "examples" / "kz-2023").rglob("*")
        if p.is_file() and p.suffix not in (".py", ".pyc")
    )
    assert data == expected
    assert "saylau/data/kz-2023/election.toml" in data
    # the Mazhilis' list and 29 districts, the maslikhats' 20 lists and 3,081 districts
    assert sum(n.startswith("saylau/data/kz-2023/protocols/") for n in data) == 3_131
    assert "saylau/publish/data/kz-regions.json" in names  # the map's outlines (what build_regions.py makes)
    assert not [n for n in names if n.startswith("saylau/examples/") or n.endswith("build_regions.py")]
    assert not [n for n in names if n.startswith("saylau/data/") and n.endswith(".py")]


def test_saylau_demo_from_the_installed_wheel(wheel, tmp_path):
    # as a user's shell would run them: no PYTHONPATH (one naming a checkout's src, whose
    # saylau.egg-info an editable install put there, made pip take saylau as installed already)
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV")}
    venv = tmp_path / "venv"
    subprocess.run(
        [sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True, timeout=120, env=env
    )
    python = venv / "bin" / "python"
    purelib = Path(
        subprocess.run(
            [python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
            check=True,
            capture_output=True,
            text=True,
            env=env,
        ).stdout.strip()
    )
    # pip install, as a user would, but without the dependencies (nothing to download)
    command = ["-m", "pip", "--python", str(python), "install", "--no-deps", "--no-index", "-q", str(wheel)]
    installed = subprocess.run(
        [sys.executable, *command], capture_output=True, text=True, timeout=300, env=env
    )
    assert installed.returncode == 0, installed.stderr
    # saylau's dependencies: the folders of the venv running the tests, after the fresh venv's own
    paths = dict.fromkeys(sysconfig.get_paths()[key] for key in ("purelib", "platlib"))
    (purelib / "borrowed-dependencies.pth").write_text("".join(f"{p}\n" for p in paths), encoding="utf-8")

    cwd = tmp_path / "elsewhere"
    cwd.mkdir()
    env |= {"COLUMNS": "200", "PYTHONDONTWRITEBYTECODE": "1"}
    where = subprocess.run(
        [python, "-c", "import saylau, saylau.demo; print(saylau.__file__); print(saylau.demo.example())"],
        check=True,
        capture_output=True,
        text=True,
        cwd=cwd,
        env=env,
    ).stdout.split()
    assert all(Path(p).is_relative_to(purelib / "saylau") for p in where), where

    run = subprocess.run(
        [venv / "bin" / "saylau", "demo", "--no-serve"],
        capture_output=True,
        text=True,
        cwd=cwd,
        env=env,
        timeout=300,
    )
    assert run.returncode == 0, run.stderr
    out = run.stdout
    assert str(purelib / "saylau" / "data" / "kz-2023") in out
    # the official result: Amanat 62 of the Mazhilis' 98 seats (40 list + 22 districts)
    assert "Mazhilis: 98 seats" in out
    assert re.search(r"Amanat\W+62\b", out), out
    assert re.search(r"Amanat\W+3,431,510\W+53\.90\W+yes\W+40\b", out), out
    assert "6,521,860 of 12,035,578 registered voters" in out
