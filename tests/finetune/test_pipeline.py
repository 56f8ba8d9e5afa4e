"""The tiny recipe runs all seven stages end to end on a real graph (LLM-Stats + real news), with the
real SmolLM2 and MiniLM: the loss falls, the adapter registers, reloads, merges and is served by
`llmx ask`, resume continues from a checkpoint, a DPO step runs."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from itertools import islice
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from catalog.news.inputs import inputs_from_specs
from catalog.sources import readers_for
from core.settings import Settings
from finetune import registry
from finetune.config import load_config
from finetune.dataset import load_examples
from finetune.pipeline import RunResult, run_pipeline
from finetune.train import LOSSES, base_model_dir, read_losses, train_sft
from kg.store import GraphStore
from llmx.ask_cli import make_ask_command
from rag.generation.transformers_backend import DEFAULT_CACHE_NAME, TransformersGenerator
from services.context import AppContext
from services.ingest import ingest_catalog, ingest_news
from tests.generation_fixtures import MODEL_CACHE, chat_model  # noqa: F401

ROOT = Path(__file__).resolve().parents[2]
TINY = ROOT / "configs" / "finetune" / "tiny.yaml"
NEWS_STORIES = 150


@pytest.fixture(scope="module")
def ft_settings(
    graph_settings: Settings,
    session_store: GraphStore,
    shared_data: Path,
    tmp_path_factory: pytest.TempPathFactory,
) -> Settings:
    """The session graph filled with LLM-Stats and a slice of the real news; the model cache shared
    with the session's chat model (no second GGUF dequantization)."""
    news = tmp_path_factory.mktemp("news") / "stories.jsonl"
    with (shared_data / "news" / "ainews_stories.jsonl").open() as handle:
        news.write_text("".join(islice(handle, NEWS_STORIES)))
    with AppContext(graph_settings, store=session_store) as ctx:
        ingest_catalog(
            ctx, readers_for([f"llm-stats={shared_data / 'catalog' / 'llm_stats'}"], installed=False)
        )
        ingest_news(ctx, inputs_from_specs([str(news)], mapping=None, classification="public",
                                           state_dir=graph_settings.feed_state_dir))  # fmt: skip
    cache = graph_settings.model_cache_dir
    cache.mkdir(parents=True, exist_ok=True)
    if not (cache / DEFAULT_CACHE_NAME).exists():
        (cache / DEFAULT_CACHE_NAME).symlink_to(MODEL_CACHE / DEFAULT_CACHE_NAME)
    return graph_settings


@pytest.fixture(scope="module")
def tiny_run(
    ft_settings: Settings,
    session_store: GraphStore,
    chat_model: TransformersGenerator,  # noqa: F811
) -> Iterator[tuple[RunResult, float]]:
    started = time.perf_counter()
    result = run_pipeline(load_config(TINY), ft_settings, store=session_store, base_generator=chat_model,
                          log=lambda _: None)  # fmt: skip
    yield result, time.perf_counter() - started


def test_every_stage_runs_and_the_loss_falls(tiny_run: tuple[RunResult, float]) -> None:
    result, seconds = tiny_run
    print(f"tiny pipeline: {seconds:.0f} s, stages {result.stages_s}")
    assert seconds < 180, (
        f"the tiny recipe must run all seven stages in under 3 minutes, took {seconds:.0f} s"
    )
    assert set(result.stages_s) == {
        "2-model",
        "1-dataset",
        "3-4-sft",
        "4-dpo",
        "5-evaluate",
        "6-7-register-monitor",
    }
    # stage 1: every split has examples, and the card counts what the files hold
    card = result.dataset
    for split in ("train", "val", "test"):
        held = load_examples(result.run_dir / "dataset" / f"{split}.jsonl")
        assert held and len(held) == sum(card["counts"][split].values())
    train_models = {
        m for ex in load_examples(result.run_dir / "dataset" / "train.jsonl") for m in ex.model_ids
    }
    test_models = {m for ex in load_examples(result.run_dir / "dataset" / "test.jsonl") for m in ex.model_ids}
    assert not train_models & test_models, "a model of the test split was seen in training"
    # stages 3-4: the validation loss falls from the base model's
    history = read_losses(result.run_dir / LOSSES)
    vals = [r["val_loss"] for r in history if "val_loss" in r]
    assert len(vals) >= 2 and min(vals[1:]) < vals[0], vals
    assert result.dpo is not None and result.dpo["steps"] >= 1 and result.dpo["first_loss"] is not None
    # stage 5: both systems scored on the same test items
    report = json.loads((result.run_dir / "report.json").read_text())
    assert set(report["overall"]) == {"base", "tuned"}
    assert report["overall"]["base"]["n"] == report["overall"]["tuned"]["n"] >= 1
    # stage 6: registered with everything a loader and a reader need
    folder = result.adapter
    assert folder is not None
    for name in ("adapter_config.json", "adapter_model.safetensors", "config.yaml", "dataset_card.md",
                 "report.md", "README.md", registry.MANIFEST, "monitor_baseline.json"):  # fmt: skip
        assert (folder / name).is_file(), name
    assert "library_name: peft" in (folder / "README.md").read_text()
    manifest = json.loads((folder / registry.MANIFEST).read_text())
    assert manifest["peft_type"] == "LORA" and "peft" in manifest["libraries"]


def test_the_adapter_reloads_merges_and_is_served_by_llmx_ask(
    tiny_run: tuple[RunResult, float], ft_settings: Settings, session_store: GraphStore, tmp_path: Path
) -> None:
    root = ft_settings.data_dir / "adapters"
    registry.activate(root, "tiny")
    assert registry.resolve_adapter(ft_settings) == root / "tiny"
    contexts: list[AppContext] = []

    def make_context(settings: Settings) -> AppContext:
        contexts.append(AppContext(ft_settings, store=session_store))
        return contexts[-1]

    app = typer.Typer()
    app.command()(make_ask_command(make_context))
    out = CliRunner().invoke(
        app, ["What is the context length of GPT-4o?", "--json", "--max-new-tokens", "32"]
    )
    assert out.exit_code == 0, out.stderr
    record = json.loads(out.stdout)
    assert record["answer"] and "grounding" in record
    assert contexts[0].generator.name.endswith("+tiny")  # the active adapter answered
    # merge: a full model whose greedy output equals the adapter-on-load model's
    merged = registry.merge(
        root,
        "tiny",
        tmp_path / "merged",
        base_dir=base_model_dir(load_config(TINY), ft_settings.model_cache_dir),
    )
    assert (merged / "config.json").is_file() and not (merged / "adapter_config.json").exists()
    messages = [{"role": "user", "content": "Name one large language model."}]
    via_merge = TransformersGenerator(merged, cache_dir=tmp_path, device="cpu").generate(
        messages, max_new_tokens=12
    )
    assert via_merge == contexts[0].generator.generate(messages, max_new_tokens=12)
    registry.activate(root, None)
    assert registry.resolve_adapter(ft_settings) is None


def test_resume_continues_from_a_checkpoint(
    tiny_run: tuple[RunResult, float], ft_settings: Settings, tmp_path: Path
) -> None:
    result, _ = tiny_run
    cfg = load_config(TINY)
    train = load_examples(result.run_dir / "dataset" / "train.jsonl")
    val = load_examples(result.run_dir / "dataset" / "val.jsonl")
    model_dir = base_model_dir(cfg, ft_settings.model_cache_dir)
    first = train_sft(cfg, train, val, tmp_path, model_dir=model_dir, stop_after=3)
    assert first.steps == 3 and (tmp_path / "checkpoints" / "step-3" / "state.json").is_file()
    second = train_sft(cfg, train, val, tmp_path, model_dir=model_dir, resume=True)
    assert second.resumed_from == 3 and second.steps == cfg.train.max_steps
    steps = [r["step"] for r in read_losses(tmp_path / LOSSES) if "loss" in r]
    assert steps == list(range(1, cfg.train.max_steps + 1))
    # within noise of the uninterrupted run of the same recipe
    straight = [r["val_loss"] for r in read_losses(result.run_dir / LOSSES) if "val_loss" in r][-1]
    resumed = [r["val_loss"] for r in read_losses(tmp_path / LOSSES) if "val_loss" in r][-1]
    assert abs(straight - resumed) < 0.05, (straight, resumed)
