"""One running API for the UI tests: the real app (`api.app.create_app`) served by uvicorn on a free
loopback port, over the session's embedded graph seeded with the real LLM-Stats catalog and a slice
of real news, the real MiniLM indexes and the session's one chat model; one user per role in one
tenant, each with a live key. Pages are driven with Streamlit's `AppTest` against that API.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from itertools import islice
from pathlib import Path

import pytest
import uvicorn
from fastapi import FastAPI

from api.app import create_app
from api.routes import me as me_route
from catalog.news.inputs import inputs_from_specs
from catalog.readers.llm_stats import LlmStatsReader
from core.settings import Settings
from kg import queries
from kg.store import GraphStore
from rag.embedder import SentenceTransformerEmbedder
from rag.indexes import ChunkIndexes
from services import accounts
from services.context import AppContext
from services.ingest import ingest_catalog, ingest_news
from tests.conftest import free_port
from tests.generation_fixtures import chat_model  # noqa: F401  # the session's one chat model
from ui.client import ApiClient
from ui.config import get_settings

ROLES = ("viewer", "analyst", "editor", "admin")
TENANT = "acme"
NEWS_SLICE = {"ainews_stories.jsonl": 60, "ai_news_direct_items.jsonl": 40}
APP_FILE = str(Path(__file__).resolve().parents[2] / "ui" / "app.py")


@dataclass
class UiWorld:
    app: FastAPI
    api_url: str
    settings: Settings
    ctx: AppContext
    keys: dict[str, str]  # role -> token

    def client(self, role: str) -> ApiClient:
        return ApiClient(self.api_url, self.keys[role], timeout=120)


def seed(ctx: AppContext, shared_data: Path, folder: Path) -> None:
    ctx.store.write(queries.DELETE_ALL)
    ingest_catalog(ctx, [LlmStatsReader(shared_data / "catalog" / "llm_stats")])
    files = []
    for name, count in NEWS_SLICE.items():
        with (shared_data / "news" / name).open() as source:
            (folder / name).write_text("".join(islice(source, count)))
        files.append(str(folder / name))
    ingest_news(ctx, inputs_from_specs(files, mapping=None, classification="public", state_dir=folder))


def with_me_route(app: FastAPI) -> FastAPI:
    """`GET /v1/me` (api/routes/me.py) until the API registers it in its ROUTERS."""
    if not any(getattr(r, "path", "") == "/v1/me" for r in app.routes):
        app.include_router(me_route.router)
    return app


class ServerThread:
    """uvicorn in a thread of the test process, so the API shares the session's graph and models."""

    def __init__(self, app: FastAPI, port: int) -> None:
        config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on")
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, name="ui-test-api", daemon=True)

    def __enter__(self) -> ServerThread:
        self.thread.start()
        deadline = time.monotonic() + 60
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("the API did not start")
            time.sleep(0.05)
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=30)


@pytest.fixture(scope="package")
def ui_world(
    graph_settings: Settings,
    session_store: GraphStore,
    embedder: SentenceTransformerEmbedder,
    chat_model,  # noqa: F811
    shared_data: Path,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[UiWorld]:
    data_dir = tmp_path_factory.mktemp("ui-data")
    settings = graph_settings.model_copy(update={"data_dir": data_dir, "api_rate_limit_per_minute": 100_000})
    ctx = AppContext(settings, store=session_store, indexes=ChunkIndexes(data_dir / "indexes", embedder),
                     generator=chat_model)  # fmt: skip
    seed(ctx, shared_data, data_dir)
    app = with_me_route(create_app(settings, ctx))
    db = app.state.services.db
    keys = {}
    for role in ROLES:
        user = accounts.create_user(db, f"{role}@{TENANT}", tenant=TENANT, role=role)
        keys[role] = accounts.create_key(db, user.id, ttl_days=1).token
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    previous = os.environ.get("LLMX_UI_API_URL")
    os.environ["LLMX_UI_API_URL"] = url  # the UI's settings, read by pages run in this process
    get_settings.cache_clear()
    with ServerThread(app, port):
        yield UiWorld(app, url, settings, ctx, keys)
    if previous is None:
        os.environ.pop("LLMX_UI_API_URL", None)
    else:
        os.environ["LLMX_UI_API_URL"] = previous
    get_settings.cache_clear()
