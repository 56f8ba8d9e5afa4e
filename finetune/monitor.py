"""Stage 7: the answer log, quality over time, drift of questions, and thumbs-down as DPO candidates.

Each served answer appends one line to `<data_dir>/logs/answers.jsonl`: id, time, family, the
model/adapter, evidence and cited ids, refusal, the grounding check's result and rejection reasons,
latency. No confidential text: the question is kept only when every evidence item is public (else
only its hash), and no evidence text is logged (the answer text only with the question). Feedback goes to
`feedback.jsonl` by answer id; a thumbs-down on a logged question becomes a DPO candidate.

`monitor_report` gives, per day, the grounding pass rate, citation rate, refusal rate, composed
fallback rate and feedback, and the drift of recent questions from the training questions: each
question's cosine distance to its nearest training question, against the same statistic of the
held-out validation questions (the baseline saved with the adapter). Thresholds say when to retrain.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

import numpy as np

from rag.base import Embedder
from rag.qa import Answer

ANSWER_LOG = "answers.jsonl"
FEEDBACK_LOG = "feedback.jsonl"
BASELINE = "monitor_baseline.json"
QUESTIONS = "monitor_questions.npy"


@dataclass(frozen=True)
class Thresholds:
    """When to retrain: below these quality levels or above this drift, with enough answers."""

    min_grounding_pass: float = 0.9
    max_thumbs_down: float = 0.2
    max_drifted_share: float = 0.25
    min_answers: int = 20


def log_answer(log_dir: Path, answer: Answer, *, model: str, latency_ms: float | None = None) -> str:
    """Append one served answer; returns its id (for feedback)."""
    public = all(e.classification == "public" for e in answer.evidence)
    grounding = answer.grounding
    record = {
        "id": uuid.uuid4().hex, "at": datetime.now(UTC).isoformat(timespec="seconds"),
        "question": answer.question if public else None,
        "answer": answer.answer if public else None,  # kept for DPO pairs from thumbs-down, public only
        "question_sha256": hashlib.sha256(answer.question.encode()).hexdigest(),
        "family": answer.family, "model": model,
        "evidence_ids": [e.id for e in answer.evidence if e.classification == "public"],
        "cited": [c.n for c in answer.citations], "refused": answer.refused,
        "phrased": grounding is not None,
        "grounded": None if grounding is None else grounding.passed,
        "rejections": [] if grounding is None else sorted({r.reason for r in grounding.rejections}),
        "latency_ms": latency_ms if latency_ms is not None else answer.timings_ms.get("answer_total"),
    }  # fmt: skip
    log_dir.mkdir(parents=True, exist_ok=True)
    with (log_dir / ANSWER_LOG).open("a") as handle:
        handle.write(json.dumps(record) + "\n")
    return str(record["id"])


def record_feedback(
    log_dir: Path, answer_id: str, rating: Literal["up", "down"], comment: str | None = None
) -> None:
    log_dir.mkdir(parents=True, exist_ok=True)
    with (log_dir / FEEDBACK_LOG).open("a") as handle:
        handle.write(json.dumps({"answer_id": answer_id, "rating": rating, "comment": comment,
                                 "at": datetime.now(UTC).isoformat(timespec="seconds")}) + "\n")  # fmt: skip


def _read(path: Path) -> list[dict[str, Any]]:
    if not path.is_file():
        return []
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def dpo_candidates(log_dir: Path) -> list[dict[str, Any]]:
    """Thumbs-down answers whose question may be kept: re-asked through retrieval, their composed
    answer becomes 'chosen' and the served one 'rejected' (`finetune.dataset.preference_pairs`)."""
    down = {f["answer_id"]: f for f in _read(log_dir / FEEDBACK_LOG) if f["rating"] == "down"}
    return [{"question": a["question"], "answer": a.get("answer"), "answer_id": a["id"], "family": a["family"],
             "rejections": a["rejections"]}
            for a in _read(log_dir / ANSWER_LOG) if a["id"] in down and a.get("question")]  # fmt: skip


# -- drift --------------------------------------------------------------------------------------------
def _nearest_distance(vectors: np.ndarray, reference: np.ndarray) -> np.ndarray:
    a = vectors / np.linalg.norm(vectors, axis=1, keepdims=True).clip(1e-9)
    b = reference / np.linalg.norm(reference, axis=1, keepdims=True).clip(1e-9)
    return np.asarray(1.0 - (a @ b.T).max(axis=1))


def save_baseline(
    folder: Path, embedder: Embedder, train_questions: Sequence[str], val_questions: Sequence[str]
) -> dict[str, Any]:
    """The training questions' embeddings and the distance statistic of held-out questions."""
    train = np.asarray(embedder.embed(list(dict.fromkeys(train_questions))), dtype=np.float32)
    folder.mkdir(parents=True, exist_ok=True)
    np.save(folder / QUESTIONS, train)
    held = list(dict.fromkeys(val_questions)) or list(train_questions)[:50]
    distances = _nearest_distance(np.asarray(embedder.embed(held), dtype=np.float32), train)
    baseline = {"train_questions": int(len(train)), "held_out": len(held),
                "mean_distance": round(float(distances.mean()), 4),
                "p95_distance": round(float(np.percentile(distances, 95)), 4)}  # fmt: skip
    (folder / BASELINE).write_text(json.dumps(baseline, indent=2))
    return baseline


def drift(adapter_dir: Path, embedder: Embedder, questions: Sequence[str]) -> dict[str, Any] | None:
    if not questions or not (adapter_dir / QUESTIONS).is_file() or not (adapter_dir / BASELINE).is_file():
        return None
    baseline = json.loads((adapter_dir / BASELINE).read_text())
    reference = np.load(adapter_dir / QUESTIONS)
    distances = _nearest_distance(np.asarray(embedder.embed(list(questions)), dtype=np.float32), reference)
    return {"questions": len(questions), "mean_distance": round(float(distances.mean()), 4),
            "baseline_mean_distance": baseline["mean_distance"], "baseline_p95_distance": baseline["p95_distance"],
            "drifted_share": round(float((distances > baseline["p95_distance"]).mean()), 3)}  # fmt: skip


def monitor_report(
    log_dir: Path,
    *,
    adapter_dir: Path | None,
    embedder: Embedder | None,
    thresholds: Thresholds = Thresholds(),
    recent: int = 200,
) -> dict[str, Any]:
    answers = _read(log_dir / ANSWER_LOG)
    feedback = {f["answer_id"]: f["rating"] for f in _read(log_dir / FEEDBACK_LOG)}
    days: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for a in answers:
        days[a["at"][:10]].append(a)

    def rates(rows: list[dict[str, Any]]) -> dict[str, Any]:
        phrased = [r for r in rows if r.get("phrased")]
        rated = [feedback[r["id"]] for r in rows if r["id"] in feedback]
        latencies = sorted(float(r["latency_ms"]) for r in rows if r.get("latency_ms") is not None)
        return {
            "answers": len(rows), "phrased": len(phrased),
            "grounding_pass": round(sum(bool(r["grounded"]) for r in phrased) / len(phrased), 3) if phrased else None,
            "citation_rate": round(sum(bool(r["cited"]) for r in rows) / len(rows), 3) if rows else None,
            "refusal_rate": round(sum(bool(r["refused"]) for r in rows) / len(rows), 3) if rows else None,
            "thumbs_up": rated.count("up"), "thumbs_down": rated.count("down"),
            "thumbs_down_rate": round(rated.count("down") / len(rated), 3) if rated else None,
            "latency_p50_ms": latencies[len(latencies) // 2] if latencies else None,
        }  # fmt: skip

    overall = rates(answers)
    questions = [a["question"] for a in answers[-recent:] if a.get("question")]
    drifted = (
        drift(adapter_dir, embedder, questions) if adapter_dir is not None and embedder is not None else None
    )
    reasons = []
    if overall["answers"] >= thresholds.min_answers:
        gp, td = overall["grounding_pass"], overall["thumbs_down_rate"]
        if gp is not None and gp < thresholds.min_grounding_pass:
            reasons.append(f"grounding pass rate {gp} < {thresholds.min_grounding_pass}")
        if td is not None and td > thresholds.max_thumbs_down:
            reasons.append(f"thumbs-down rate {td} > {thresholds.max_thumbs_down}")
        if drifted and drifted["drifted_share"] > thresholds.max_drifted_share:
            reasons.append(f"{drifted['drifted_share']} of recent questions beyond the training p95 distance")
    return {"overall": overall, "by_day": {d: rates(rows) for d, rows in sorted(days.items())}, "drift": drifted,
            "dpo_candidates": len(dpo_candidates(log_dir)), "thresholds": thresholds.__dict__,
            "retrain": bool(reasons), "reasons": reasons}  # fmt: skip
