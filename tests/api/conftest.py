"""One seeded world for the API tests: the real LLM-Stats catalog and a real news slice in the
session's embedded graph, the real MiniLM indexes and chat model, one app, and one user per role in
two tenants (`acme`, `globex`), each with a live API key.

Secrets to catch leaks: an internal and a confidential article (no tenant), and one private
document per tenant uploaded through the API. Each carries a marker word that appears nowhere else;
a response that contains a marker (or the id) of something its caller may not read is a leak.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from itertools import islice
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from api.app import create_app
from catalog.job import CatalogIngestJob
from catalog.news.inputs import inputs_from_specs
from catalog.readers.llm_stats import LlmStatsReader
from core.settings import Settings
from kg import queries
from kg.store import GraphStore
from rag.embedder import SentenceTransformerEmbedder
from rag.indexes import ChunkIndexes
from services import accounts
from services.context import AppContext
from services.ingest import ingest_news
from tests.generation_fixtures import chat_model  # noqa: F401  # the session's chat model fixture

ROLES = ("viewer", "analyst", "editor", "admin")
TENANTS = ("acme", "globex")
NEWS_SLICE = {"ainews_stories.jsonl": 40, "ai_news_direct_items.jsonl": 20}

INTERNAL_MARKER = "Marmotquill"
CONFIDENTIAL_MARKER = "Narwhalbrine"
DOC_MARKERS = {"acme": "Zebrafinch", "globex": "Quokkaplume"}
# What only the content says (a question may name a marker; it cannot know these).
PAYLOADS = {
    INTERNAL_MARKER: "weak on tables",
    CONFIDENTIAL_MARKER: "slow on audits",
    "acme": "4.2 million",
    "globex": "7.9 million",
}
DOC_FACTS = {"acme": ("4.2 million", "14 March 2025"), "globex": ("7.9 million", "2 June 2026")}


@dataclass
class World:
    app: FastAPI
    client: TestClient
    settings: Settings
    ctx: AppContext
    keys: dict[tuple[str, str], str]  # (tenant, role) -> token
    users: dict[tuple[str, str], accounts.UserPublic]
    admin_token: str
    internal_article: str
    confidential_article: str
    internal_model: str
    documents: dict[str, str] = field(default_factory=dict)  # tenant -> document id (confidential)

    def headers(self, tenant: str, role: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.keys[(tenant, role)]}"}


def secret_article(base: dict[str, object], marker: str, n: int) -> dict[str, object]:
    body = (
        f"The {marker} programme reviewed vendor contracts for the legal team. "
        f"{marker} found the assistant accurate on contracts and {PAYLOADS[marker]}. "
    )
    return dict(
        base, id=f"{marker.lower()}-{n}", source="intranet", url=f"https://intranet.example/{marker.lower()}",
        title=f"{marker} review memo", description=body * 3, published_date="2024-04-03T09:00:00+00:00",
    )  # fmt: skip


def seed_graph(store: GraphStore, shared_data: Path, folder: Path, ctx: AppContext) -> tuple[str, str, str]:
    store.write(queries.DELETE_ALL)
    store.apply_schema()
    CatalogIngestJob(store, [LlmStatsReader(shared_data / "catalog" / "llm_stats")]).run()
    files = []
    for name, count in NEWS_SLICE.items():
        with (shared_data / "news" / name).open() as source:
            (folder / name).write_text("".join(islice(source, count)))
        files.append(str(folder / name))
    base = json.loads(next(iter((shared_data / "news" / "ai_news_direct_items.jsonl").open())))
    (folder / "internal.jsonl").write_text(json.dumps(secret_article(base, INTERNAL_MARKER, 1)) + "\n")
    (folder / "confidential.jsonl").write_text(
        json.dumps(secret_article(base, CONFIDENTIAL_MARKER, 2)) + "\n"
    )
    inputs = inputs_from_specs(files, mapping=None, classification="public", state_dir=folder)
    inputs += inputs_from_specs([str(folder / "internal.jsonl")], mapping=None, classification="internal",
                                state_dir=folder)  # fmt: skip
    inputs += inputs_from_specs([str(folder / "confidential.jsonl")], mapping=None,
                                classification="confidential", state_dir=folder)  # fmt: skip
    # One licensed model fact: a model that only analysts and above may see.
    [model] = store.read("MATCH (m:Model) WHERE m.name IS NOT NULL RETURN m.id AS id ORDER BY m.id LIMIT 1")
    store.write("MATCH (m:Model {id: $id}) SET m.classification = 'internal'", id=model["id"])
    ingest_news(ctx, inputs)
    [internal] = store.read(
        "MATCH (a:Article) WHERE a.title CONTAINS $m RETURN a.id AS id", m=INTERNAL_MARKER
    )
    [confidential] = store.read(
        "MATCH (a:Article) WHERE a.title CONTAINS $m RETURN a.id AS id", m=CONFIDENTIAL_MARKER
    )
    return internal["id"], confidential["id"], model["id"]


@pytest.fixture(scope="package")
def world(
    graph_settings: Settings,
    session_store: GraphStore,
    embedder: SentenceTransformerEmbedder,
    chat_model,  # noqa: F811
    shared_data: Path,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[World]:
    data_dir = tmp_path_factory.mktemp("api-data")
    settings = graph_settings.model_copy(
        update={"data_dir": data_dir, "api_rate_limit_per_minute": 100_000, "api_max_body_bytes": 300_000}
    )
    indexes = ChunkIndexes(data_dir / "indexes", embedder)
    ctx = AppContext(settings, store=session_store, indexes=indexes, generator=chat_model)
    internal, confidential, model = seed_graph(session_store, shared_data, data_dir, ctx)
    app = create_app(settings, ctx)
    services = app.state.services
    admin_token = (settings.api_dir / "admin.key").read_text().strip()
    keys, users = {}, {}
    for tenant in TENANTS:
        for role in ROLES:
            user = accounts.create_user(services.db, f"{role}@{tenant}", tenant=tenant, role=role)
            users[(tenant, role)] = user
            keys[(tenant, role)] = accounts.create_key(services.db, user.id, ttl_days=1).token
    with TestClient(app, raise_server_exceptions=False) as client:
        w = World(app, client, settings, ctx, keys, users, admin_token, internal, confidential, model)
        for tenant in TENANTS:
            marker = DOC_MARKERS[tenant]
            budget, launch = DOC_FACTS[tenant]
            text = (
                f"{marker} is the {tenant} codename for the 2025 model rollout. The {marker} budget is "
                f"{budget} dollars and the {marker} launch date is {launch}. "
            ) * 3
            response = client.post(
                "/v1/documents", headers=w.headers(tenant, "editor"),
                json={"title": f"{marker} plan", "text": text, "classification": "confidential"},
            )  # fmt: skip
            assert response.status_code == 201, response.text
            w.documents[tenant] = response.json()["id"]
        yield w


def forbidden(w: World, tenant: str, role: str) -> list[tuple[str, ...]]:
    """What a (tenant, role) caller must never receive: per secret, its marker, id and payload."""
    level = ROLES.index(role)
    out: list[tuple[str, ...]] = []
    if level < ROLES.index("analyst"):
        out.append((INTERNAL_MARKER, w.internal_article, PAYLOADS[INTERNAL_MARKER]))
    if level < ROLES.index("editor"):
        out.append((CONFIDENTIAL_MARKER, w.confidential_article, PAYLOADS[CONFIDENTIAL_MARKER]))
    for other, marker in DOC_MARKERS.items():
        if other != tenant or level < ROLES.index("editor"):
            out.append((marker, w.documents[other], *DOC_FACTS[other]))
    return out


def leaks(w: World, tenant: str, role: str, text: str, asked: str = "") -> list[str]:
    """Secrets found in a response; a marker the caller wrote themselves (echoed back) does not
    count, its id and payload still do."""
    found = []
    for marker, *rest in forbidden(w, tenant, role):
        if marker.lower() in text.lower() and marker.lower() not in asked.lower():
            found.append(marker)
        found += [s for s in rest if s.lower() in text.lower() and s.lower() not in asked.lower()]
    return found


def assert_no_leak(w: World, tenant: str, role: str, text: str, asked: str = "") -> None:
    found = leaks(w, tenant, role, text, asked)
    assert not found, f"LEAK to {role}@{tenant} asking {asked!r}: {found}"
