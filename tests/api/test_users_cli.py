"""`llmx users ...` runs the same account code as the admin API, on the same database."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from core.settings import get_settings
from llmx.cli import app
from services import accounts
from services.state import StateDb


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    monkeypatch.setenv("LLMX_DATA_DIR", str(tmp_path))
    get_settings.cache_clear()
    yield tmp_path
    get_settings.cache_clear()


def test_create_list_key_revoke_deactivate(data_dir: Path) -> None:
    runner = CliRunner()
    created = runner.invoke(app, ["users", "create", "eve@acme", "--tenant", "acme", "--role", "editor"])
    assert created.exit_code == 0, created.output
    token = created.output.strip().splitlines()[-1]
    db = StateDb.open(get_settings())
    user = accounts.authenticate(db, token)
    assert user is not None and (user.name, user.tenant, user.role) == ("eve@acme", "acme", "editor")

    listed = runner.invoke(app, ["users", "list", "--json"])
    assert listed.exit_code == 0 and token not in listed.output
    keys = json.loads(listed.output)["keys"]
    assert [k["prefix"] for k in keys] == [token[:12]]

    second = (
        runner.invoke(app, ["users", "key", "eve@acme", "--ttl-days", "5"]).output.strip().splitlines()[-1]
    )
    assert accounts.authenticate(db, second) is not None
    assert runner.invoke(app, ["users", "revoke", str(keys[0]["id"])]).exit_code == 0
    assert accounts.authenticate(db, token) is None and accounts.authenticate(db, second) is not None
    assert runner.invoke(app, ["users", "deactivate", "eve@acme"]).exit_code == 0
    assert accounts.authenticate(db, second) is None

    again = runner.invoke(app, ["users", "create", "eve@acme", "--tenant", "acme"])
    assert again.exit_code == 1 and "exists already" in again.output
    bad = runner.invoke(app, ["users", "create", "bob", "--tenant", "Acme Corp", "--role", "root"])
    assert bad.exit_code == 1
