"""Alembic's environment for the API's state database (services/state.py).

`services.state.migrate` runs it programmatically on every start-up with the open connection in
`config.attributes["connection"]`. By hand: `alembic -c <any alembic.ini with script_location =
services/migrations and sqlalchemy.url = ...> upgrade head` works too.
"""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine

from services.state import MIGRATED_METADATA

config = context.config
connection = config.attributes.get("connection")


def _run(conn: object) -> None:
    context.configure(
        connection=conn,  # type: ignore[arg-type]
        target_metadata=MIGRATED_METADATA,
        render_as_batch=True,  # SQLite alters tables by copying them
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


if connection is not None:
    _run(connection)
else:
    engine = create_engine(config.get_main_option("sqlalchemy.url") or "")
    with engine.begin() as conn:
        _run(conn)
