"""The seven stages in one run: data -> base model -> set-up -> LoRA (+DPO) -> evaluation -> registry
-> monitoring baseline. Work goes to `<data_dir>/finetune/<name>/`; the result to the registry."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from core.access import AccessFilter
from core.settings import Settings
from kg.store import GraphStore
from rag.eval.items import QAItem
from rag.generation.transformers_backend import TransformersGenerator
from rag.pipeline import build_hybrid, open_indexes
from rag.qa import Generator

from . import evaluate as E
from . import monitor, registry
from .config import FinetuneConfig
from .dataset import (
    answer_messages,
    build_dataset,
    load_examples,
    preference_pairs,
    product_shown,
    target_answer,
)
from .train import ADAPTER, base_model_dir, load_tokenizer, token_counter, train_dpo, train_sft


@dataclass
class RunResult:
    name: str
    run_dir: Path
    adapter: Path | None
    stages_s: dict[str, float] = field(default_factory=dict)
    dataset: dict[str, Any] = field(default_factory=dict)
    training: dict[str, Any] = field(default_factory=dict)
    dpo: dict[str, Any] | None = None
    metrics: dict[str, Any] = field(default_factory=dict)
    beats_base: bool | None = None

    def to_json(self) -> dict[str, Any]:
        return {k: (str(v) if isinstance(v, Path) else v) for k, v in asdict(self).items()}


def beats(tuned: dict[str, Any], base: dict[str, Any]) -> bool:
    """The acceptance rule: grounding >= 0.95 and 20 points over base, style defects at most a tenth
    of base's, accuracy not lower."""
    return (
        (tuned["grounding_pass"] or 0) >= 0.95
        and (tuned["grounding_pass"] or 0) >= (base["grounding_pass"] or 0) + 0.20
        and tuned["style_defects"] <= base["style_defects"] / 10
        and (tuned["accuracy"] or 0) >= (base["accuracy"] or 0)
    )


def run_pipeline(
    cfg: FinetuneConfig,
    settings: Settings,
    *,
    resume: bool = False,
    stop_after: int | None = None,
    base_generator: Generator | None = None,
    store: GraphStore | None = None,
    log: Callable[[str], None] = print,
) -> RunResult:
    """Run every stage; `stop_after` stops training after that many steps (an interruption, for
    tests of `resume`) and skips the later stages. `base_generator` reuses a loaded base model."""
    run_dir = settings.data_dir / "finetune" / cfg.name
    data_dir = run_dir / "dataset"
    result = RunResult(cfg.name, run_dir, None)
    clock = time.perf_counter()

    def lap(stage: str) -> None:
        nonlocal clock
        result.stages_s[stage] = round(time.perf_counter() - clock, 1)
        clock = time.perf_counter()
        log(f"stage {stage} done in {result.stages_s[stage]} s")

    if cfg.model.threads is not None:
        import torch

        torch.set_num_threads(cfg.model.threads)  # measured: 5x faster with 1 thread on 2 busy cores
    # Stage 2 first (the tokenizer measures stage 1's lengths).
    model_dir = base_model_dir(cfg, settings.model_cache_dir)
    tokenizer = load_tokenizer(model_dir)
    lap("2-model")
    if not (resume and (data_dir / "train.jsonl").is_file()):
        own = store is None
        graph = store or GraphStore.connect(settings)
        try:
            summary = build_dataset(graph, build_hybrid(graph, open_indexes(settings)), cfg.data, data_dir,
                                    count_tokens=token_counter(tokenizer))  # fmt: skip
        finally:
            if own:
                graph.close()
        log(f"dataset: {summary.counts} dropped {dict(summary.dropped)}")
    result.dataset = json.loads((data_dir / "dataset_card.json").read_text())
    train, val, test = (load_examples(data_dir / f"{s}.jsonl") for s in ("train", "val", "test"))
    lap("1-dataset")

    trained = train_sft(
        cfg, train, val, run_dir, model_dir=model_dir, resume=resume, stop_after=stop_after, log=log
    )
    result.training = trained.to_json()
    (run_dir / "training.json").write_text(json.dumps(result.training, indent=2))
    lap("3-4-sft")
    if stop_after is not None and trained.steps < (cfg.train.max_steps or trained.steps + 1):
        return result  # interrupted on purpose: resume later
    adapter = run_dir / ADAPTER
    if cfg.dpo.enabled:
        pairs = preference_pairs(train, cfg.dpo.max_pairs, cfg.data.seed)
        pairs += _feedback_pairs(settings, cfg)
        dpo = train_dpo(cfg, pairs, adapter, run_dir, model_dir=model_dir)
        result.dpo = asdict(dpo)
        lap("4-dpo")

    base = base_generator or TransformersGenerator(
        cfg.model.base, cache_dir=settings.model_cache_dir, device="cpu"
    )
    tuned = TransformersGenerator(
        cfg.model.base, cache_dir=settings.model_cache_dir, adapter_dir=adapter, device="cpu"
    )
    systems: dict[str, Generator] = {"tuned": tuned}
    if cfg.eval.compare_base:
        systems = {"base": base, "tuned": tuned}
    chosen = test[: cfg.eval.max_items] if cfg.eval.max_items else test
    report = E.evaluate(systems, chosen, max_new_tokens=cfg.eval.max_new_tokens,
                        news_max_new_tokens=cfg.eval.news_max_new_tokens, batch_size=cfg.eval.batch_size,
                        losses=[r for r in _losses(run_dir) if "val_loss" in r])  # fmt: skip
    E.write_report(report, run_dir)
    result.metrics = report.overall
    if "base" in report.overall:
        result.beats_base = beats(report.overall["tuned"], report.overall["base"])
    lap("5-evaluate")

    from rag.embedder import SentenceTransformerEmbedder

    monitor.save_baseline(run_dir, SentenceTransformerEmbedder(settings.embedding_model, device="cpu"),
                          [ex.question for ex in train], [ex.question for ex in val])  # fmt: skip
    manifest = {"description": cfg.description, "metrics": report.overall, "beats_base": result.beats_base,
                "training": {k: result.training[k] for k in ("steps", "best_step", "best_val_loss", "seconds")},
                "dpo": result.dpo, "dataset": result.dataset["counts"]}  # fmt: skip
    result.adapter = registry.register(settings.data_dir / "adapters", cfg.name, adapter_dir=adapter,
                                       run_files=run_dir, base_model=str(model_dir), manifest=manifest)  # fmt: skip
    for extra in (monitor.QUESTIONS,):
        if (run_dir / extra).is_file():
            (result.adapter / extra).write_bytes((run_dir / extra).read_bytes())
    lap("6-7-register-monitor")
    (run_dir / "run.json").write_text(json.dumps(result.to_json(), indent=2, default=str))
    return result


def _losses(run_dir: Path) -> list[dict[str, Any]]:
    from .train import LOSSES, read_losses

    return read_losses(run_dir / LOSSES)


def _feedback_pairs(settings: Settings, cfg: FinetuneConfig) -> list[dict[str, Any]]:
    """Thumbs-down answers (stage 7) as preference pairs: the question re-asked through the product's
    retrieval, the answer written from its evidence is chosen, the served answer rejected."""
    candidates = [c for c in monitor.dpo_candidates(settings.log_dir) if c.get("answer")]
    if not candidates:
        return []
    pairs = []
    with GraphStore.connect(settings) as graph:
        retriever = build_hybrid(graph, open_indexes(settings))
        for c in candidates:
            result = retriever.search(c["question"], k=cfg.data.k, access=AccessFilter.public())
            numbered, shown = product_shown(result, cfg.data.max_evidence)
            item = QAItem(id=c["answer_id"], family=c["family"], question=c["question"], answerable=True,
                          answers=[], match="cite", gold_evidence=[], model_ids=[])  # fmt: skip
            made = target_answer(item, result, numbered)
            if made is not None and made[0] != c["answer"]:
                pairs.append({"prompt": answer_messages(c["question"], shown), "chosen": made[0],
                              "rejected": c["answer"], "flaw": "thumbs down"})  # fmt: skip
    return pairs
