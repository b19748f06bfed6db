"""A new store's schema made at once (``engine.create_schema``: the tables of saylau.store.tables,
stamped with the newest revision) is the schema the migrations make step by step, on both backends:
every table, column, type, default, key, index and constraint, by name; the write lock's row; the
revision. A new migration whose tables drift from saylau.store.tables fails here, as it fails
tests/test_store.py's comparison of the migrated schema with the code's tables.

Two differences are allowed, and only these: the order of the columns (PostgreSQL puts a column a
migration added at the end; saylau names every column it reads or writes), and the empty default
that the migrations gave on SQLite to the columns they added to tables holding rows
(:data:`FILLERS`: it filled the old rows; every write gives these columns a value, and a new store
has no default, as a migrated PostgreSQL store has none)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from databases import BACKENDS, new_database
from saylau import spec
from saylau.store import Store
from saylau.store.engine import create_schema, current_revision, head_revision, make_engine, migrate, parse
from saylau.store.tables import VERSION_TABLE

TINY = Path(__file__).parent / "data" / "tiny"
#: Columns that migrations added to tables with rows, with an empty default to fill those rows.
FILLERS = {("audit_log", "leaf_hash"), ("protocol_versions", "layout"), ("protocol_versions", "figures")}


def _text(value: Any) -> str | None:
    """A default's or a check's SQL, its spacing and quoting set aside."""
    if value is None:
        return None
    return re.sub(r"\s+", " ", str(value)).replace('"', "").strip()


def schema(url: str) -> dict[str, Any]:
    """Everything the database says of its tables, in a form two databases can be compared by."""
    engine = make_engine(parse(url))
    try:
        with engine.connect() as conn:
            found = sa.inspect(conn)
            out: dict[str, Any] = {}
            for table in sorted(found.get_table_names()):
                out[table] = {
                    "columns": {
                        c["name"]: (str(c["type"]), c["nullable"], _text(c.get("default")))
                        for c in found.get_columns(table)
                    },
                    "primary key": found.get_pk_constraint(table),
                    "foreign keys": sorted(
                        (
                            fk["name"],
                            tuple(fk["constrained_columns"]),
                            fk["referred_table"],
                            tuple(fk["referred_columns"]),
                            tuple(sorted((fk.get("options") or {}).items())),
                        )
                        for fk in found.get_foreign_keys(table)
                    ),
                    "indexes": sorted(
                        (i["name"], tuple(i["column_names"]), bool(i["unique"]))
                        for i in found.get_indexes(table)
                    ),
                    "unique": sorted(
                        (u["name"], tuple(u["column_names"])) for u in found.get_unique_constraints(table)
                    ),
                    "checks": sorted(
                        (c["name"], _text(c["sqltext"])) for c in found.get_check_constraints(table)
                    ),
                }
            out["chain_lock rows"] = conn.execute(sa.text("SELECT id FROM chain_lock")).scalars().all()
            out["revision"] = current_revision(conn)
            return out
    finally:
        engine.dispose()


@pytest.mark.parametrize("kind", BACKENDS)
def test_the_schema_made_at_once_is_the_migrated_one(kind: str, tmp_path: Path) -> None:
    with new_database(kind, tmp_path) as stepwise, new_database(kind, tmp_path) as at_once:
        for url, make in ((stepwise, migrate), (at_once, create_schema)):
            engine = make_engine(parse(url))
            try:
                make(engine)
            finally:
                engine.dispose()
        migrated, made = schema(stepwise), schema(at_once)
    assert migrated["revision"] == made["revision"] == head_revision()
    assert migrated["chain_lock rows"] == made["chain_lock rows"] == [1]
    assert set(made) == set(migrated) and VERSION_TABLE in made
    for table, column in FILLERS:
        kind_, nullable, default = migrated[table]["columns"][column]
        assert (
            not nullable
            and default in (None, "''", "x''")
            and made[table]["columns"][column] == (kind_, False, None)
        )
        migrated[table]["columns"][column] = made[table]["columns"][column]
    for table in migrated:
        assert made[table] == migrated[table], table


def test_the_head_named_in_the_code_is_the_head_of_the_migrations() -> None:
    """engine.HEAD_REVISION is not read from the migrations (that imports Alembic for every
    command): a new migration must move it, and this finds one that did not."""
    from alembic.script import ScriptDirectory

    from saylau.store.engine import HEAD_REVISION, _config

    assert ScriptDirectory.from_config(_config()).get_current_head() == HEAD_REVISION


def test_opening_a_store_imports_no_alembic(tmp_path: Path) -> None:
    """``saylau results`` on a store made by ``saylau init``: Alembic stays unimported (the
    migrations are run only by ``saylau upgrade``, or a create on a half-made database)."""
    import subprocess
    import sys

    db = tmp_path / "tiny.db"
    code = (
        "import sys; from saylau.cli import main; "
        f"assert main(['init', {str(db)!r}, '--election', {str(TINY)!r}]) == 0; "
        f"assert main(['results', {str(db)!r}, '--json']) == 0; "
        "print(sorted(m for m in sys.modules if m.split('.')[0] == 'alembic'))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().splitlines()[-1] == "[]"


@pytest.mark.parametrize("kind", BACKENDS)
def test_a_store_made_at_once_takes_protocols_and_verifies(kind: str, tmp_path: Path) -> None:
    protocols = spec.load(spec.Files(TINY)).protocols
    with new_database(kind, tmp_path) as url, Store.create(url, spec.Files(TINY)) as store:
        done = store.submit(protocols, actor="clerk", source="tiny")
        assert done.new == len(protocols) > 0
        assert sorted(store.current(), key=lambda p: (p.station, p.contest)) == sorted(
            protocols, key=lambda p: (p.station, p.contest)
        )
        assert store.verify().ok


@pytest.mark.parametrize("kind", BACKENDS)
def test_a_database_with_an_older_schema_is_migrated_not_made_again(kind: str, tmp_path: Path) -> None:
    """A database that has the version table (here at the first revision, as a creation that
    stopped after its first step would leave it) is taken from where it is by the migrations:
    create_all over its tables would fail on the first one."""
    from alembic import command

    from saylau.store.engine import _config

    with new_database(kind, tmp_path) as url:
        engine = make_engine(parse(url))
        try:
            with engine.begin() as conn:
                command.upgrade(_config(conn), "0001")
            create_schema(engine)
            with engine.connect() as conn:
                assert current_revision(conn) == head_revision()
        finally:
            engine.dispose()
        with Store.create(url, spec.Files(TINY)) as store:
            assert store.verify().ok
