"""The `llmx` command line, run as a real process against the session's graph server."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from core.settings import Settings
from kg import queries
from kg.store import GraphStore
from tests.catalog.test_ingest import cli

COMMANDS = [[], ["ingest"], ["ingest", "catalog"], ["graph"], ["graph", "stats"], ["graph", "query"],
            ["graph", "start"], ["graph", "stop"], ["graph", "status"], ["demo"]]  # fmt: skip


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: " ".join(c) or "llmx")
def test_every_command_has_help(command: list[str]) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "llmx", *command, "--help"], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    assert "Usage" in result.stdout


def test_graph_query_prints_rows_and_refuses_writes(store: GraphStore, graph_settings: Settings) -> None:
    store.write_rows(
        queries.UPSERT_ORGANIZATIONS,
        [{"id": "meta", "props": {"name": "Meta"}}, {"id": "openai", "props": {"name": "OpenAI"}}],
        now="t",
    )
    result = cli(
        graph_settings, "graph", "query", "MATCH (o:Organization {id: $org}) RETURN o.name AS name",
        "--param", "org=meta", "--json",
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == [{"name": "Meta"}]

    refused = cli(graph_settings, "graph", "query", "MATCH (o:Organization) DETACH DELETE o")
    assert refused.returncode == 2
    assert "write clause DETACH" in refused.stderr
    assert store.read("MATCH (o:Organization) RETURN count(o) AS n") == [{"n": 2}]

    broken = cli(graph_settings, "graph", "query", "MATCH (o:Organization RETURN o")
    assert broken.returncode == 2 and "The query failed" in broken.stderr


def test_graph_stats_json(store: GraphStore, graph_settings: Settings) -> None:
    store.write_rows(queries.UPSERT_ORGANIZATIONS, [{"id": "meta", "props": {"name": "Meta"}}], now="t")
    result = cli(graph_settings, "graph", "stats", "--json")
    assert result.returncode == 0, result.stderr
    stats = json.loads(result.stdout)
    assert stats["nodes"] == {"Organization": 1}
    assert stats["backend"] == "arcadedb" and stats["models"] == 0


def test_graph_status_reports_the_running_server(graph_settings: Settings, graph_server) -> None:
    result = cli(graph_settings, "graph", "status")
    assert result.returncode == 0
    assert str(graph_settings.embedded_bolt_port) in result.stdout
