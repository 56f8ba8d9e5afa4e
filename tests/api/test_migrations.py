"""The state database's schema is Alembic's (services/migrations): upgrade from empty, adopt a
database `create_all` made before migrations without losing a row, and the migrated schema equals
the models (autogenerate's compare finds nothing), on SQLite and on a real PostgreSQL 15."""

from __future__ import annotations

import tomllib
from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from setuptools import find_packages
from sqlalchemy import create_engine, inspect, select, text
from sqlalchemy.orm import Session

from services import accounts
from services.state import (
    BASELINE,
    MIGRATED_METADATA,
    MIGRATIONS,
    AdapterActivation,
    StateDb,
    User,
    alembic_config,
    utcnow,
)
from tests.api.postgres import postgres_cluster

ROOT = Path(__file__).resolve().parents[2]
OLD_TABLES = {
    "users",
    "api_keys",
    "conversations",
    "messages",
    "feedback",
    "adapter_activations",
    "casbin_rule",
}


@pytest.fixture(scope="module")
def pg_server() -> Iterator[str]:
    with postgres_cluster() as url:
        yield url


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'state.sqlite3'}"
        return
    url = request.getfixturevalue("pg_server")
    yield url
    engine = create_engine(url)
    with engine.begin() as conn:  # a clean database for the next test
        conn.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
    engine.dispose()


def head() -> str:
    return str(ScriptDirectory.from_config(alembic_config()).get_current_head())


def schema_diff(db: StateDb) -> list[object]:
    with db.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        return list(compare_metadata(context, MIGRATED_METADATA))


def version(db: StateDb) -> str | None:
    with db.engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def test_upgrade_from_empty_builds_the_models_schema(db_url: str) -> None:
    db = StateDb(db_url)
    try:
        assert version(db) == head()
        assert OLD_TABLES | {"jobs", "alembic_version"} <= set(inspect(db.engine).get_table_names())
        assert schema_diff(db) == []
        StateDb(db_url).close()  # opening again is a no-op
        assert version(db) == head()
    finally:
        db.close()


def test_downgrade_to_nothing_and_back(db_url: str) -> None:
    db = StateDb(db_url)
    try:
        with db.engine.begin() as conn:
            command.downgrade(alembic_config(conn), "base")
        assert set(inspect(db.engine).get_table_names()) <= {"alembic_version"}
        with db.engine.begin() as conn:
            command.upgrade(alembic_config(conn), "head")
        assert schema_diff(db) == []
    finally:
        db.close()


def test_a_create_all_database_is_adopted_with_its_rows(db_url: str) -> None:
    # What StateDb and the Casbin adapter made before migrations: create_all of the baseline's
    # tables (the baseline revision is that schema), and no alembic_version.
    engine = create_engine(db_url)
    with engine.begin() as conn:
        command.upgrade(alembic_config(conn), BASELINE)
        conn.execute(text("DROP TABLE alembic_version"))
    assert set(inspect(engine).get_table_names()) == OLD_TABLES
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO casbin_rule (ptype, v0, v1, v2, v3) VALUES ('p', 'x', '*', 'y', 'z')"))
    engine.dispose()
    engine = create_engine(db_url)
    with Session(engine) as s, s.begin():
        s.add(User(name="old@acme", tenant="acme", role="admin", active=True, created_at=utcnow()))
    with Session(engine) as s, s.begin():
        user_id = s.scalar(select(User.id).where(User.name == "old@acme"))
        s.add(AdapterActivation(tenant="acme", adapter="x", user_id=user_id, at=utcnow()))
    engine.dispose()

    db = StateDb(db_url)  # adopts: stamp BASELINE, upgrade to head
    try:
        assert version(db) == head() != BASELINE
        assert schema_diff(db) == []
        with db.session() as s:
            assert s.scalar(select(User.name).where(User.id == user_id)) == "old@acme"
            assert s.scalar(select(AdapterActivation.adapter)) == "x"
        with db.engine.connect() as conn:
            rules = conn.execute(text("SELECT v0, v2, v3 FROM casbin_rule ORDER BY id")).all()
        # the admin's edited rule kept; rights added by later releases (0003: quarantine) joined it
        assert [tuple(r) for r in rules] == [("x", "y", "z"), ("admin", "quarantine", "read")]
        key = accounts.create_key(db, user_id, ttl_days=1)  # the adopted tables take new rows
        assert key.token and key.key.user_id == user_id
    finally:
        db.close()


def test_a_later_right_joins_a_seeded_policy_once_and_an_empty_one_is_left_to_the_seed(
    db_url: str,
) -> None:
    db = StateDb(db_url)
    try:
        count = "SELECT count(*) FROM casbin_rule WHERE v2 = 'quarantine'"
        with db.engine.begin() as conn:
            command.downgrade(alembic_config(conn), "0002")
            conn.execute(
                text("INSERT INTO casbin_rule (ptype, v0, v1, v2, v3) VALUES ('p', 'a', '*', 'b', 'c')")
            )
            command.upgrade(alembic_config(conn), "head")
            assert conn.execute(text(count)).scalar_one() == 1
            command.downgrade(alembic_config(conn), "0002")
            assert conn.execute(text(count)).scalar_one() == 0
            conn.execute(text("DELETE FROM casbin_rule"))
            command.upgrade(alembic_config(conn), "head")  # empty: the API seeds it from policy.csv
            assert conn.execute(text(count)).scalar_one() == 0
    finally:
        db.close()


def test_the_migrations_ship_in_the_package() -> None:
    packages = set(find_packages(str(ROOT), include=["services*"]))
    assert {"services.migrations", "services.migrations.versions"} <= packages
    data = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["package-data"]
    assert "migrations/script.py.mako" in data["services"]
    assert (MIGRATIONS / "script.py.mako").is_file() and (MIGRATIONS / "env.py").is_file()
