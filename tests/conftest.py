"""Shared test helpers: where the reference data lives, and running the CLI."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared" / "reference"
EXAMPLES = ROOT / "examples"


def shared_file(*parts: str) -> Path:
    """A file of ../shared/reference, or a skip saying it is absent."""
    path = SHARED.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"reference data {path} is absent (the ../shared folder is not checked out)")
    return path


def load_json(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def run_cli(*args: str, stdin: bytes | None = None) -> subprocess.CompletedProcess[str]:
    """Run ``saylau`` as a user would, in a fresh interpreter."""
    proc = subprocess.run(
        [sys.executable, "-m", "saylau.cli", *args],
        input=stdin,
        capture_output=True,
        timeout=60,
        check=False,
    )
    return subprocess.CompletedProcess(proc.args, proc.returncode, proc.stdout.decode(), proc.stderr.decode())


# -- databases for saylau.store (tests/test_store.py) -------------------------------------------


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgresql)])
def db_url(request: pytest.FixtureRequest, tmp_path: Path):
    """A fresh, empty database for a store: a SQLite file path, or a new PostgreSQL database.

    PostgreSQL comes from SAYLAU_TEST_PG (an admin URL, e.g. what .ci/postgres.sh prints); each test
    gets its own database, dropped afterwards, so tests do not see each other's rows.
    """
    if request.param == "sqlite":
        yield str(tmp_path / "store.db")
        return
    import os
    import uuid

    import psycopg
    import sqlalchemy as sa

    admin = os.environ.get("SAYLAU_TEST_PG")
    if not admin:
        pytest.skip("PostgreSQL store tests need SAYLAU_TEST_PG=postgresql://... (see .ci/postgres.sh)")
    name = f"saylau_test_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield sa.make_url(admin).set(database=name).render_as_string(hide_password=False)
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
