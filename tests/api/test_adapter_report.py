"""GET /v1/adapters/{name}/report: the adapter's evaluation report for the UI's adapter page, admins only."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from tests.api.conftest import World

SHIPPED = Path(__file__).resolve().parents[2] / "adapters" / "candidate"


def test_report_returns_the_saved_json_and_markdown(world: World) -> None:
    folder = world.settings.adapters_dir / "report-candidate"
    folder.mkdir(parents=True, exist_ok=True)
    for file in ("adapter_config.json", "report.json", "report.md"):
        shutil.copy2(SHIPPED / file, folder / file)
    r = world.client.get("/v1/adapters/report-candidate/report", headers=world.headers("acme", "admin"))
    assert r.status_code == 200, r.text
    body = r.json()
    assert set(body) == {"name", "report", "report_md"}
    assert body["name"] == "report-candidate"
    assert body["report"] == json.loads((SHIPPED / "report.json").read_text())
    assert body["report_md"] == (SHIPPED / "report.md").read_text()
    for role in ("viewer", "analyst", "editor"):
        denied = world.client.get("/v1/adapters/report-candidate/report", headers=world.headers("acme", role))
        assert denied.status_code == 403, role


def test_report_is_null_when_the_adapter_has_none(world: World) -> None:
    folder = world.settings.adapters_dir / "report-bare"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "adapter_config.json").write_text(json.dumps({"peft_type": "LORA"}))
    (folder / "report.json").write_text("[1, 2]")  # not an object: read as null, not a 500
    r = world.client.get("/v1/adapters/report-bare/report", headers=world.headers("acme", "admin"))
    assert r.status_code == 200, r.text
    assert r.json() == {"name": "report-bare", "report": None, "report_md": None}


def test_report_refuses_bad_and_unknown_names(world: World) -> None:
    admin = world.headers("acme", "admin")
    for name in ("..", "missing-adapter", ".hidden", "a%2F..%2Fapi"):
        r = world.client.get(f"/v1/adapters/{name}/report", headers=admin)
        assert r.status_code in (404, 422), (name, r.status_code)
        assert "error" in r.json()
