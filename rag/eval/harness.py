"""Run systems over a QA split and score them: per system and per family, every metric, with the
per-item records kept so a miss can be looked at. Writes `report.json` and `report.md`.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

from core.progress import NullProgress, Progress
from rag.eval import metrics as M
from rag.eval.baselines import System
from rag.eval.items import QAItem, load_items
from rag.qa import Answer, RetrievalResult

RECALL_K = 5
METRICS = ("accuracy", "citation_precision", "citation_recall", "recall@5", "mrr", "refusal_correct",
           "false_refusal", "family_correct")  # fmt: skip


@dataclass
class ItemResult:
    """One question put to one system, scored; metrics that do not apply stay None."""

    item_id: str
    system: str
    group: str
    question: str
    answer: str = ""
    answered: bool = False
    refused: bool = False
    evidence_ids: list[str] = field(default_factory=list)
    cited_ids: list[str] = field(default_factory=list)
    analysed_family: str = ""
    accuracy: float | None = None  # answerable questions only
    citation_precision: float | None = None
    citation_recall: float | None = None
    recall_at_5: float | None = None
    mrr: float | None = None
    refusal_correct: float | None = None  # unanswerable questions only
    false_refusal: float | None = None  # answerable questions only
    family_correct: float | None = None  # did the analyser pick the gold family
    timings_ms: dict[str, float] = field(default_factory=dict)
    error: str | None = None


@dataclass
class EvalReport:
    split: str
    systems: list[str]
    items: int
    rows: list[dict[str, Any]]  # one per (system, group), plus group 'all'
    latency: dict[str, dict[str, dict[str, float]]]  # system -> stage -> p50/p95/n
    results: list[ItemResult]
    seconds: float

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    def markdown(self) -> str:
        return render_markdown(self)


def score(item: QAItem, result: RetrievalResult, answer: Answer | None, system: str) -> ItemResult:
    """Every metric of one (question, system) pair; without an answer, retrieval metrics only."""
    evidence_ids = [e.id for e in result.evidence]
    out = ItemResult(item.id, system, item.group, item.question, evidence_ids=evidence_ids,
                     analysed_family=result.analysis.family, answered=answer is not None)  # fmt: skip
    if item.answerable:
        out.family_correct = float(result.analysis.family == item.family)
        out.recall_at_5 = M.recall_at_k(evidence_ids, item.gold_evidence, RECALL_K)
        out.mrr = M.reciprocal_rank(evidence_ids, item.gold_evidence)
    if answer is None:
        return out
    out.answer, out.cited_ids = answer.answer, [c.id for c in answer.citations]
    out.refused = M.is_refusal(answer.answer, answer.refused)
    if not item.answerable:
        out.refusal_correct = float(out.refused)
        return out
    out.false_refusal = float(out.refused)
    precision = str(item.slots.get("precision", "day"))
    by_id = {e.id: e for e in [*answer.evidence, *result.evidence]}
    supported = [
        M.cited_supports(c, _text(by_id.get(c)), item.answers, item.gold_evidence, precision=precision)
        for c in out.cited_ids
    ]
    out.citation_precision = M.citation_precision(supported)
    out.citation_recall = M.citation_recall(out.cited_ids, item.gold_evidence)
    if item.match == "cite":  # news: correct when it answers and cites a gold article
        out.accuracy = float(not out.refused and (out.citation_recall or 0.0) > 0)
    else:
        value = M.answer_score(answer.answer, item.answers, match=item.match, precision=precision)
        out.accuracy = 0.0 if out.refused and value < 1 else value
    return out


def _text(evidence: Any) -> str:
    if evidence is None:
        return ""
    return " ".join(str(x) for x in (evidence.title, evidence.text, evidence.date) if x)


def run_items(
    items: Sequence[QAItem],
    system: System,
    *,
    k: int = 8,
    answer_limit: int | None = None,
    on_item: Callable[[], None] | None = None,
) -> list[ItemResult]:
    """Retrieve for every question and answer the first `answer_limit` (default all); an exception
    is recorded against its item, never against the whole run."""
    results = []
    for n, item in enumerate(items):
        try:
            started = time.perf_counter()
            retrieved = system.retrieve(item.question, k)
            timings = {**retrieved.timings_ms, "retrieve_wall": _ms(started)}
            answered = None
            if answer_limit is None or n < answer_limit:
                mark = time.perf_counter()
                answered = system.answer(retrieved)
                timings |= {**answered.timings_ms, "answer_wall": _ms(mark), "end_to_end": _ms(started)}
            scored = score(item, retrieved, answered, system.name)
            scored.timings_ms = {stage: round(float(ms), 2) for stage, ms in timings.items()}
        except Exception as exc:  # noqa: BLE001  # one broken question must not hide the others' scores
            scored = ItemResult(
                item.id, system.name, item.group, item.question, error=f"{type(exc).__name__}: {exc}"
            )
        results.append(scored)
        if on_item is not None:
            on_item()
    return results


def _ms(since: float) -> float:
    return (time.perf_counter() - since) * 1000


def aggregate(results: Sequence[ItemResult]) -> list[dict[str, Any]]:
    """Mean of each metric per (system, group) and per system overall; errors counted, not scored."""
    rows = []
    keys = sorted({(r.system, r.group) for r in results}) + sorted({(r.system, "all") for r in results})
    for system, group in keys:
        mine = [r for r in results if r.system == system and group in ("all", r.group)]
        chosen = [r for r in mine if r.error is None]
        row: dict[str, Any] = {"system": system, "group": group, "n": len(chosen),
                               "answered": sum(r.answered for r in chosen), "errors": len(mine) - len(chosen)}  # fmt: skip
        for metric in METRICS:
            value = M.mean(getattr(r, metric.replace("@", "_at_")) for r in chosen)
            row[metric] = round(value, 3) if value is not None else None
        for stage in ("retrieve_wall", "end_to_end"):
            walls = [r.timings_ms[stage] for r in chosen if stage in r.timings_ms]
            row[f"{stage}_p50_ms"] = _rounded(M.percentile(walls, 50))
            row[f"{stage}_p95_ms"] = _rounded(M.percentile(walls, 95))
        rows.append(row)
    return rows


def _rounded(value: float | None) -> float | None:
    return round(value, 1) if value is not None else None


def run_eval(
    split: str,
    systems: Sequence[System],
    *,
    items: Sequence[QAItem] | None = None,
    eval_dir: Path | None = None,
    limit: int | None = None,
    k: int = 8,
    answer_limit: int | None = None,
    out_dir: Path | None = None,
    progress: Progress | None = None,
) -> EvalReport:
    """Score `systems` on a split (the items given, or `<eval_dir>/qa_<split>.jsonl`). The first
    `limit` items of a split cover every family (the split file interleaves them). With
    `answer_limit`, retrieval is scored on every item but only the first that many are answered:
    generation on a CPU costs seconds per answer."""
    if items is None:
        if eval_dir is None:
            raise ValueError("run_eval needs items or an eval_dir holding qa_<split>.jsonl")
        items = load_items(eval_dir / f"qa_{split}.jsonl")
    chosen = list(items)[:limit] if limit else list(items)
    started = time.perf_counter()
    results: list[ItemResult] = []
    steps: Progress = progress or NullProgress()
    for system in systems:
        task = steps.start(f"eval {system.name}", total=len(chosen))
        results += run_items(
            chosen, system, k=k, answer_limit=answer_limit, on_item=partial(steps.advance, task)
        )
    latency = {
        s.name: M.latency_summary(r.timings_ms for r in results if r.system == s.name and r.error is None)
        for s in systems
    }
    report = EvalReport(split=split, systems=[s.name for s in systems], items=len(chosen),
                        rows=aggregate(results), latency=latency, results=results,
                        seconds=round(time.perf_counter() - started, 1))  # fmt: skip
    if out_dir is not None:
        write_report(report, out_dir)
    return report


def write_report(report: EvalReport, out_dir: Path) -> None:
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "report.json").write_text(json.dumps(report.to_json(), indent=2, default=str))
    (out_dir / "report.md").write_text(report.markdown())


_COLUMNS = (("n", "n"), ("answered", "answered"), ("accuracy", "acc"), ("citation_precision", "cite P"),
            ("citation_recall", "cite R"), ("recall@5", "R@5"), ("mrr", "MRR"), ("refusal_correct", "refusal"),
            ("false_refusal", "false refusal"), ("family_correct", "family"),
            ("retrieve_wall_p50_ms", "retrieve p50 ms"), ("end_to_end_p50_ms", "answer p50 ms"),
            ("end_to_end_p95_ms", "answer p95 ms"), ("errors", "errors"))  # fmt: skip


def render_markdown(report: EvalReport) -> str:
    """Per family and system. 'refusal' is scored on unanswerable questions, answer metrics on the
    answered ones; '-' where a metric does not apply."""
    lines = [f"# QA evaluation: {report.split} split, {report.items} questions, {report.seconds} s", ""]
    lines.append("| family | system | " + " | ".join(label for _, label in _COLUMNS) + " |")
    lines.append("|---|---|" + "---:|" * len(_COLUMNS))
    order = {s: i for i, s in enumerate(report.systems)}
    rows = sorted(report.rows, key=lambda r: (r["group"] == "all", r["group"], order.get(r["system"], 99)))
    for row in rows:
        cells = [_cell(row.get(key)) for key, _ in _COLUMNS]
        lines.append(f"| {row['group']} | {row['system']} | " + " | ".join(cells) + " |")
    lines += [
        "",
        "## Latency per stage (ms)",
        "",
        "| system | stage | p50 | p95 | n |",
        "|---|---|---:|---:|---:|",
    ]
    for system, stages in report.latency.items():
        for stage, s in stages.items():
            lines.append(f"| {system} | {stage} | {s['p50']} | {s['p95']} | {s['n']} |")
    return "\n".join(lines) + "\n"


def _cell(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:.0f}" if value >= 100 else f"{value:.2f}"
    return str(value)
