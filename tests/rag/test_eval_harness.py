"""The evaluation set and harness on a real graph: the llm-stats catalog plus a slice of real news,
real MiniLM indexes, the real retrievers and the packaged SmolLM2 chat model."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Sequence
from itertools import islice
from pathlib import Path

import numpy as np
import pytest

from catalog.job import CatalogIngestJob
from catalog.news.inputs import inputs_from_specs
from catalog.readers.llm_stats import LlmStatsReader
from core.settings import Settings
from kg import queries
from kg.store import GraphStore
from rag.answer import Answerer
from rag.base import Embedder
from rag.embedder import SentenceTransformerEmbedder
from rag.eval.baselines import SYSTEMS, build_systems
from rag.eval.harness import METRICS, run_eval
from rag.eval.items import QAItem, load_items
from rag.eval.qa_set import build_from_graph
from rag.generation.transformers_backend import TransformersGenerator
from rag.indexes import ChunkIndexes
from services.context import AppContext
from services.ingest import ingest_news
from tests.generation_fixtures import chat_model  # noqa: F401  # the session's real chat model

NEWS_SLICE = {"ainews_issues.jsonl": 20, "ainews_stories.jsonl": 160}
GROUPS = {
    "attribute",
    "list",
    "compare",
    "count",
    "rank",
    "lineage",
    "organization",
    "news",
    "topic",
    "unanswerable",
}


class SharedVectors(Embedder):
    """The session's MiniLM, remembering each text's vector: the LangChain baseline embeds the same
    chunks the indexes did, and paying for that twice on two cores buys the test nothing."""

    def __init__(self, real: Embedder) -> None:
        self.real, self.known = real, {}

    @property
    def dim(self) -> int:
        return self.real.dim

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        unknown = list(dict.fromkeys(t for t in texts if t not in self.known))
        if unknown:
            self.known.update(zip(unknown, self.real.embed(unknown), strict=True))
        return np.stack([self.known[t] for t in texts]) if texts else np.zeros((0, self.dim), np.float32)


@pytest.fixture(scope="module")
def eval_graph(
    session_store: GraphStore, shared_data: Path, tmp_path_factory: pytest.TempPathFactory,
    embedder: SentenceTransformerEmbedder,
) -> tuple[GraphStore, ChunkIndexes]:  # fmt: skip
    session_store.write(queries.DELETE_ALL)
    CatalogIngestJob(session_store, [LlmStatsReader(shared_data / "catalog" / "llm_stats")]).run()
    folder = tmp_path_factory.mktemp("eval-news")
    files = []
    for name, count in NEWS_SLICE.items():
        with (shared_data / "news" / name).open() as source:
            (folder / name).write_text("".join(islice(source, count)))
        files.append(str(folder / name))
    indexes = ChunkIndexes(folder / "indexes", SharedVectors(embedder))
    inputs = inputs_from_specs(files, mapping=None, classification="public", state_dir=folder)
    ingest_news(AppContext(Settings(_env_file=None), store=session_store, indexes=indexes), inputs)  # type: ignore[call-arg]
    return session_store, indexes


@pytest.fixture(scope="module")
def qa_set(eval_graph: tuple[GraphStore, ChunkIndexes], tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("eval")
    build_from_graph(eval_graph[0], out)
    return out


def test_qa_set_covers_every_family_and_splits_by_model(
    qa_set: Path, eval_graph: tuple[GraphStore, ChunkIndexes], tmp_path: Path
) -> None:
    dev, test = load_items(qa_set / "qa_dev.jsonl"), load_items(qa_set / "qa_test.jsonl")
    assert {i.group for i in dev + test} == GROUPS
    assert len({i.group for i in dev}) >= 8 and len({i.group for i in test}) >= 8
    dev_models = {m for i in dev for m in i.model_ids}
    assert dev_models and not dev_models & {m for i in test for m in i.model_ids}
    for item in dev + test:
        assert item.split in ("dev", "test") and item.question.strip()
        if item.answerable:
            assert item.gold_evidence and (item.answers or item.match == "cite")
        else:
            assert not item.answers and not item.gold_evidence
    # several phrasings per family, and both kinds of unanswerable question
    templates = {(i.family, i.template) for i in dev + test if i.answerable}
    assert all(sum(1 for f, _ in templates if f == fam) >= 2 for fam in GROUPS - {"unanswerable"})
    assert {i.slots["kind"] for i in dev + test if not i.answerable} == {"unknown_field", "made_up"}
    # gold read from the graph: an attribute's gold value is the graph's value
    item = next(i for i in test if i.family == "attribute" and i.slots["attribute"] == "context_length")
    value = eval_graph[0].read("MATCH (m:Model {id: $id}) RETURN m.context_length AS v", id=item.model_ids[0])
    assert item.answers == [[value[0]["v"]]]
    # deterministic
    build_from_graph(eval_graph[0], tmp_path)
    assert (tmp_path / "qa_test.jsonl").read_text() == (qa_set / "qa_test.jsonl").read_text()


def _one_per_group(items: list[QAItem]) -> list[QAItem]:
    """An attribute question and an unanswerable one first (those get answered), then one per group."""
    firsts = {i.group: i for i in reversed(items)}
    lead = [firsts["attribute"], firsts["unanswerable"]]
    return lead + [i for g, i in sorted(firsts.items()) if i not in lead]


def test_harness_reports_every_metric_for_every_system(
    qa_set: Path, eval_graph: tuple[GraphStore, ChunkIndexes], chat_model: TransformersGenerator,  # noqa: F811
    tmp_path: Path,
) -> None:  # fmt: skip
    store, indexes = eval_graph
    items = _one_per_group(load_items(qa_set / "qa_dev.jsonl") + load_items(qa_set / "qa_test.jsonl"))
    answerer = Answerer(chat_model, max_new_tokens=16, phrase_facts=False)
    systems = build_systems(SYSTEMS, store, indexes, chat_model, answerer=answerer, max_new_tokens=16)
    report = run_eval("test", systems, items=items, answer_limit=2, out_dir=tmp_path)

    assert report.systems == list(SYSTEMS) and report.items == len(items)
    overall = {r["system"]: r for r in report.rows if r["group"] == "all"}
    assert set(overall) == set(SYSTEMS)
    for name, row in overall.items():
        assert row["errors"] == 0, [r.error for r in report.results if r.error]
        assert row["answered"] == 2 and row["n"] == len(items)
        for metric in ("accuracy", "recall@5", "mrr", "refusal_correct", "false_refusal", "family_correct"):
            assert row[metric] is not None, (name, metric)
        assert set(METRICS) <= set(row)
        assert report.latency[name]["retrieve_wall"]["n"] == len(items)
        assert report.latency[name]["end_to_end"]["n"] == 2
    # the graph-backed systems find the gold evidence the chunk-only ones cannot
    assert overall["hybrid"]["recall@5"] >= 0.6 and overall["graph"]["family_correct"] >= 0.6
    assert overall["hybrid"]["recall@5"] >= overall["vector"]["recall@5"]
    saved = json.loads((tmp_path / "report.json").read_text())
    assert saved["rows"] == report.rows and len(saved["results"]) == len(items) * len(SYSTEMS)
    table = (tmp_path / "report.md").read_text()
    assert all(f"| {name} |" in table for name in SYSTEMS) and "| unanswerable |" in table


def test_eval_command_builds_the_qa_set(
    eval_graph: tuple[GraphStore, ChunkIndexes], graph_settings: Settings
) -> None:
    env = os.environ | {"LLMX_DATA_DIR": str(graph_settings.data_dir),
                        "LLMX_EMBEDDED_BOLT_PORT": str(graph_settings.embedded_bolt_port),
                        "LLMX_EMBEDDED_HTTP_PORT": str(graph_settings.embedded_http_port)}  # fmt: skip
    env.pop("LLMX_GRAPH_URI", None)
    script = "import typer; from llmx.eval_cli import evaluate; typer.run(evaluate)"
    run = subprocess.run([sys.executable, "-c", script, "--build", "--systems", ""], capture_output=True,
                         text=True, env=env, timeout=300)  # fmt: skip
    assert run.returncode == 0, run.stderr
    for split in ("dev", "test"):
        assert load_items(graph_settings.data_dir / "eval" / f"qa_{split}.jsonl")
    bad = subprocess.run([sys.executable, "-c", script, "--split", "val"], capture_output=True, text=True,
                         env=env, timeout=120)  # fmt: skip
    assert bad.returncode == 2 and "Unknown split" in bad.stderr
