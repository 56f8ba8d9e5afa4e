"""GET /v1/quarantine: the rows a real news ingestion quarantined, with reason and key, picked out
by the run's time window and kind; admins only."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from catalog.news.inputs import inputs_from_specs
from services.ingest import ingest_news

from .conftest import World

ADMIN = ("acme", "admin")


@pytest.fixture(scope="module")
def bad_run(
    world: World, shared_data: Path, tmp_path_factory: pytest.TempPathFactory
) -> tuple[datetime, datetime]:
    """A news file with an item already in the graph and two malformed ones, ingested for real;
    returns the run's window."""
    folder: Path = tmp_path_factory.mktemp("quarantine")
    with (shared_data / "news" / "ai_news_direct_items.jsonl").open() as source:
        base = json.loads(next(source))  # a real item, so the file is read with its real layout
    item = dict(base, id="quarantine-probe-1", published_date="not a date at all")
    path = folder / "probe.jsonl"
    path.write_text(json.dumps(base) + "\n" + json.dumps(item) + "\n" + json.dumps([1, 2]) + "\n")
    start = datetime.now(UTC).replace(microsecond=0)
    inputs = inputs_from_specs([str(path)], mapping=None, classification="public", state_dir=folder)
    summary = ingest_news(world.ctx, inputs)
    assert summary.quarantined == 2, summary
    return start, datetime.now(UTC) + timedelta(seconds=1)


def rows(w: World, who: tuple[str, str] = ADMIN, **params: object) -> dict[str, object]:
    response = w.client.get("/v1/quarantine", headers=w.headers(*who), params=params)
    assert response.status_code == 200, response.text
    return dict(response.json())


def test_a_runs_quarantined_rows_with_reason_and_key(
    world: World, bad_run: tuple[datetime, datetime]
) -> None:
    start, end = bad_run
    page = rows(world, kind="news", since=start.isoformat(), until=end.isoformat())
    items = page["items"]
    assert isinstance(items, list) and page["total"] == len(items) == 2
    by_key = {i["key"]: i for i in items}
    assert set(by_key) == {"quarantine-probe-1", "line 3"}
    assert "date" in by_key["quarantine-probe-1"]["reason"].lower()
    assert "expected an object" in by_key["line 3"]["reason"]
    assert all(i["source"].startswith("news:") for i in items)


def test_kind_and_window_select(world: World, bad_run: tuple[datetime, datetime]) -> None:
    start, end = bad_run
    catalog = rows(world, kind="catalog", since=start.isoformat())
    assert not [i for i in catalog["items"] if i["key"] == "quarantine-probe-1"]  # type: ignore[union-attr]
    later = rows(world, kind="news", since=(end + timedelta(minutes=1)).isoformat())
    assert later["total"] == 0
    earlier = rows(world, kind="news", until=(start - timedelta(minutes=1)).isoformat())
    assert "quarantine-probe-1" not in json.dumps(earlier)
    paged = rows(world, kind="news", since=start.isoformat(), limit=1)
    assert paged["total"] == 2 and len(paged["items"]) == 1  # type: ignore[arg-type]


def test_admins_only_and_bad_values(world: World, bad_run: tuple[datetime, datetime]) -> None:
    for role in ("viewer", "analyst", "editor"):
        response = world.client.get("/v1/quarantine", headers=world.headers("acme", role))
        assert response.status_code == 403, role
    for params in ({"kind": "films"}, {"since": "yesterday"}, {"limit": 0},
                   {"since": "2026-01-02T00:00:00Z", "until": "2026-01-01T00:00:00Z"}):  # fmt: skip
        response = world.client.get("/v1/quarantine", headers=world.headers(*ADMIN), params=params)
        assert response.status_code == 422, params
