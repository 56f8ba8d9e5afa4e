"""Shared, expensive fixtures: one embedded graph server per test session, real data paths."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

from core.settings import Settings
from kg import queries
from kg.embedded import EmbeddedServer
from kg.store import GraphStore
from rag.embedder import SentenceTransformerEmbedder

ROOT = Path(__file__).resolve().parents[1]
SHARED_DATA = ROOT.parent / "shared" / "data"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="session")
def shared_data() -> Path:
    if not SHARED_DATA.is_dir():
        pytest.fail(f"The real data is expected at {SHARED_DATA} (../shared/data beside the project).")
    return SHARED_DATA


@pytest.fixture(scope="session")
def graph_settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """Settings for a private embedded server on free ports, so tests never touch a user's graph."""
    data_dir = tmp_path_factory.mktemp("llmx-data")
    return Settings(
        data_dir=data_dir,
        graph_uri=None,
        embedded_bolt_port=free_port(),
        embedded_http_port=free_port(),
        _env_file=None,  # type: ignore[call-arg]
    )


@pytest.fixture(scope="session")
def graph_server(graph_settings: Settings) -> Iterator[EmbeddedServer]:
    server = EmbeddedServer(graph_settings)
    server.ensure_running()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def session_store(graph_settings: Settings, graph_server: EmbeddedServer) -> Iterator[GraphStore]:
    with GraphStore.connect(graph_settings) as store:
        store.apply_schema()
        yield store


@pytest.fixture
def store(session_store: GraphStore) -> Iterator[GraphStore]:
    """The shared store, emptied before each test that asks for it."""
    session_store.write(queries.DELETE_ALL)
    yield session_store


@pytest.fixture(scope="session")
def embedder() -> SentenceTransformerEmbedder:
    """The real MiniLM, loaded once for every test that embeds."""
    model = SentenceTransformerEmbedder(device="cpu")
    model.embed(["warm up"])
    return model
