"""Alembic environment for the store's migrations.

saylau runs these itself (:func:`saylau.store.engine.migrate`, from ``saylau.store.upgrade``) on a
connection it hands over in ``config.attributes["connection"]``, so no alembic.ini or URL is needed
at runtime. ``Store.create`` makes a new store's tables at once from :mod:`saylau.store.tables` and
stamps them with the newest revision (:func:`saylau.store.engine.create_schema`;
tests/test_schema_at_once.py proves that schema the migrated one).

To write a new revision during development, point a Config at this folder with a
``sqlalchemy.url`` of a store at the current head and call ``alembic.command.revision(cfg, "what
changes", autogenerate=True)``; then copy the table definitions into the revision (migrations are
frozen, :mod:`saylau.store.tables` is not), and set ``saylau.store.engine.HEAD_REVISION`` to the
new revision (tests/test_schema_at_once.py fails until it is).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import context

from saylau.store.tables import VERSION_TABLE, metadata

config = context.config


def _run(connection: sa.Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        version_table=VERSION_TABLE,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    raise RuntimeError("saylau's store migrations run online, on a connection (see this file's docstring)")

given = config.attributes.get("connection")
if given is not None:
    _run(given)
else:
    engine = sa.create_engine(config.get_main_option("sqlalchemy.url") or "")
    with engine.begin() as conn:
        _run(conn)
    engine.dispose()
