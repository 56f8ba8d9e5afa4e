"""Stage 5: base vs tuned on the test split, the model phrasing EVERY answer (no composed fallback).

Each test example's prompt is the one the product renders; the model's text is cleaned as the
Answerer cleans it (`tidy`, invalid citations dropped) and then scored as served: accuracy (the
gold values stated, or a refusal where the graph has no answer), exact-value rate, citation
precision and recall, refusal correctness, the strict grounding check's pass rate, and style
defects counted by `style_defects`. The validation loss curve comes from training's `losses.jsonl`.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from rag.answer import TEXT_STOP, clean_citations, tidy
from rag.eval import metrics as M
from rag.grounding import check_grounding
from rag.qa import Evidence, Generator

from .dataset import Example

_PREAMBLE = re.compile(
    r"^\s*(?:the answer is\b|answer\s*:|sure\b|certainly\b|based on the (?:numbered )?evidence\b|"
    r"according to the (?:numbered )?evidence\b|here is\b|evidence\s*:)",
    re.IGNORECASE,
)
_REPEAT_LEAD = {"by", "from", "on", "of", "under", "with"}
_CITE = re.compile(r"\s*\[[\d,\s]+\]")


def _words(text: str) -> list[str]:
    return [w.rstrip(".") for w in re.findall(r"[a-z0-9][a-z0-9.'-]*", _CITE.sub(" ", text.lower()))]


def style_defects(text: str, question: str, *, unsupported: bool = False, evidence: str = "") -> list[str]:
    """The style defects of an answer: 'preamble' ("The answer is:"), 'parroted question' (a
    question mark, or six words of the question in a row that the evidence does not hold, as a long
    model name), 'repeated clause' (three words said twice
    in one sentence, as in 'released in 2023 was released in 2023' or 'built by Amazon and was
    developed by Amazon'; parallel sentences of a comparison or a list are not repeats, nor is a
    repeat the evidence itself makes), 'unsupported claim' (the grounding check found a claim the
    evidence does not hold), 'empty' (nothing but citations)."""
    defects = []
    words = _words(text)
    if len(words) < 2:
        return ["empty"]
    if _PREAMBLE.search(text):
        defects.append("preamble")
    asked, given_words = _words(question), _words(evidence)
    grams = {tuple(asked[i : i + 6]) for i in range(len(asked) - 5)}
    grams -= {tuple(given_words[i : i + 6]) for i in range(len(given_words) - 5)}  # a long name copied
    if "?" in _CITE.sub("", text) or any(tuple(words[i : i + 6]) in grams for i in range(len(words) - 5)):
        defects.append("parroted question")
    given = _repeats(given_words)
    for sentence in re.split(r"(?<=[.!?])\s+", text):
        if _repeats(_words(sentence)) - given:
            defects.append("repeated clause")
            break
    if unsupported:
        defects.append("unsupported claim")
    return defects


def _repeats(words: list[str]) -> set[tuple[str, ...]]:
    """Three-word sequences, and 'by X'-style pairs, that occur twice."""
    threes = [tuple(words[i : i + 3]) for i in range(len(words) - 2)]
    pairs = [tuple(words[i : i + 2]) for i in range(len(words) - 1) if words[i] in _REPEAT_LEAD]
    return {g for g in threes if threes.count(g) > 1} | {g for g in pairs if pairs.count(g) > 1}


@dataclass
class Scored:
    example: str
    family: str
    system: str
    question: str
    answer: str
    target: str
    correct: bool
    exact_value: bool | None
    citation_precision: float | None
    citation_recall: float | None
    refusal_correct: bool | None  # unanswerable items: refused
    false_refusal: bool | None  # answerable items: refused
    grounded: bool
    rejections: list[str]
    defects: list[str]
    seconds: float


def numbered_of(ex: Example) -> list[Evidence]:
    """The evidence by number as the prompt showed it; numbers not shown hold an empty item."""
    shown = dict(ex.shown())
    size = max(shown) if shown else 0
    return [shown.get(n) or Evidence(kind="fact", id=f"unshown:{n}", text="") for n in range(1, size + 1)]


def score_answer(ex: Example, raw: str, system: str, seconds: float) -> Scored:
    numbered = numbered_of(ex)
    text, cited = clean_citations(tidy(raw), len(numbered))
    check = check_grounding(text, numbered, question=ex.question)
    refused = M.is_refusal(text)
    cited_items = [numbered[n - 1] for n in cited]
    if ex.answerable:
        if ex.match == "cite":
            correct = M.citation_recall([e.id for e in cited_items], ex.gold_evidence) or 0.0
            ok = correct > 0 and not refused
            exact = None
        else:
            ok = (
                not refused
                and M.answer_score(text, ex.answers, match=ex.match, precision=ex.precision) >= 1.0
            )
            exact = ok and M.answer_score(text, ex.answers, match="all", precision=ex.precision) >= 1.0
    else:
        ok, exact = refused, None
    supported = [M.cited_supports(e.id, _text(e), ex.answers, ex.gold_evidence, precision=ex.precision)
                 for e in cited_items]  # fmt: skip
    unsupported = any(r.reason.endswith("not in the cited evidence") for r in check.rejections)
    return Scored(
        example=ex.id, family=ex.family, system=system, question=ex.question, answer=text, target=ex.target,
        correct=bool(ok), exact_value=exact,
        citation_precision=M.citation_precision(supported) if ex.answerable else None,
        citation_recall=M.citation_recall([e.id for e in cited_items], ex.gold_evidence) if ex.answerable else None,
        refusal_correct=refused if not ex.answerable else None,
        false_refusal=refused if ex.answerable else None,
        grounded=check.passed, rejections=[f"{r.reason}: {r.claim}" for r in check.rejections],
        defects=style_defects(text, ex.question, unsupported=unsupported,
                              evidence=" ".join(_text(e) for e in numbered)),
        seconds=round(seconds, 2),
    )  # fmt: skip


def _text(e: Evidence) -> str:
    return " ".join(str(x) for x in (e.title, e.text, e.date) if x)


def answer_all(
    generator: Generator,
    examples: Sequence[Example],
    system: str,
    *,
    max_new_tokens: int,
    news_max_new_tokens: int | None = None,
    batch_size: int = 1,
    on_item: Callable[[], None] | None = None,
) -> list[Scored]:
    """Every example answered and scored, in the examples' order. Examples are decoded in batches of
    similar prompt length and the same token budget; an answer's seconds are its batch's share."""

    def budget(ex: Example) -> int:
        return news_max_new_tokens if ex.kind == "news" and news_max_new_tokens else max_new_tokens

    order = sorted(range(len(examples)), key=lambda i: (budget(examples[i]), _prompt_chars(examples[i])))
    scored: dict[int, Scored] = {}
    start = 0
    while start < len(order):
        batch = order[start : start + batch_size]
        batch = [i for i in batch if budget(examples[i]) == budget(examples[batch[0]])]
        start += len(batch)
        began = time.perf_counter()
        raws = generator.generate_batch([examples[i].messages for i in batch],
                                        max_new_tokens=budget(examples[batch[0]]), stop=TEXT_STOP)  # fmt: skip
        share = (time.perf_counter() - began) / len(batch)
        for i, raw in zip(batch, raws, strict=True):
            scored[i] = score_answer(examples[i], raw, system, share)
            if on_item is not None:
                on_item()
    return [scored[i] for i in range(len(examples))]


def _prompt_chars(ex: Example) -> int:
    return sum(len(m["content"]) for m in ex.messages)


METRICS = ("accuracy", "exact_value", "citation_precision", "citation_recall", "refusal_correct",
           "false_refusal", "grounding_pass", "style_defects_per_answer", "answers_with_defects")  # fmt: skip


def summarise(scored: Sequence[Scored]) -> dict[str, Any]:
    def mean(values: Sequence[float | bool | None]) -> float | None:
        kept = [float(v) for v in values if v is not None]
        return round(sum(kept) / len(kept), 3) if kept else None

    defects: dict[str, int] = {}
    for s in scored:
        for d in s.defects:
            defects[d] = defects.get(d, 0) + 1
    return {
        "n": len(scored),
        "accuracy": mean([s.correct for s in scored]),
        "exact_value": mean([s.exact_value for s in scored]),
        "citation_precision": mean([s.citation_precision for s in scored]),
        "citation_recall": mean([s.citation_recall for s in scored]),
        "refusal_correct": mean([s.refusal_correct for s in scored]),
        "false_refusal": mean([s.false_refusal for s in scored]),
        "grounding_pass": mean([s.grounded for s in scored]),
        "style_defects": sum(len(s.defects) for s in scored),
        "style_defects_per_answer": mean([len(s.defects) for s in scored]),
        "answers_with_defects": mean([bool(s.defects) for s in scored]),
        "defects_by_kind": defects,
        "seconds_per_answer": mean([s.seconds for s in scored]),
    }


@dataclass
class EvalReport:
    systems: list[str]
    overall: dict[str, dict[str, Any]]
    by_family: dict[str, dict[str, dict[str, Any]]]
    losses: list[dict[str, Any]]
    results: list[Scored] = field(default_factory=list)
    seconds: float = 0.0

    def to_json(self) -> dict[str, Any]:
        return {"systems": self.systems, "overall": self.overall, "by_family": self.by_family,
                "losses": self.losses, "seconds": self.seconds,
                "results": [asdict(r) for r in self.results]}  # fmt: skip


def evaluate(
    systems: dict[str, Generator],
    examples: Sequence[Example],
    *,
    max_new_tokens: int,
    news_max_new_tokens: int | None = None,
    batch_size: int = 1,
    losses: Sequence[dict[str, Any]] = (),
    on_item: Callable[[], None] | None = None,
) -> EvalReport:
    started = time.perf_counter()
    results: list[Scored] = []
    for name, generator in systems.items():
        results += answer_all(generator, examples, name, max_new_tokens=max_new_tokens,
                              news_max_new_tokens=news_max_new_tokens, batch_size=batch_size,
                              on_item=on_item)  # fmt: skip
    overall = {name: summarise([r for r in results if r.system == name]) for name in systems}
    families = sorted({r.family for r in results})
    by_family = {f: {n: summarise([r for r in results if r.system == n and r.family == f]) for n in systems}
                 for f in families}  # fmt: skip
    return EvalReport(list(systems), overall, by_family, list(losses), results,
                      round(time.perf_counter() - started, 1))  # fmt: skip


def write_report(report: EvalReport, out_dir: Path) -> None:
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "report.json").write_text(json.dumps(report.to_json(), indent=2, default=str))
    (out_dir / "report.md").write_text(render_markdown(report))


def _cell(value: Any) -> str:
    if value is None:
        return "-"
    return f"{value:.3f}" if isinstance(value, float) else str(value)


def render_markdown(report: EvalReport, *, samples: int = 10) -> str:
    cols = ("n", *METRICS, "style_defects", "seconds_per_answer")
    lines = [f"# Base vs tuned, test split, model phrasing every answer ({report.seconds} s)", "",
             "| system | " + " | ".join(cols) + " |", "|---|" + "---:|" * len(cols)]  # fmt: skip
    for name in report.systems:
        lines.append(f"| {name} | " + " | ".join(_cell(report.overall[name].get(c)) for c in cols) + " |")
    lines += ["", "## Per family", "", "| family | system | n | accuracy | grounding_pass | defects |",
              "|---|---|---:|---:|---:|---:|"]  # fmt: skip
    for family, rows in report.by_family.items():
        for name, row in rows.items():
            lines.append(f"| {family} | {name} | {row['n']} | {_cell(row['accuracy'])} | "
                         f"{_cell(row['grounding_pass'])} | {row['style_defects']} |")  # fmt: skip
    lines += ["", "## Style defects by kind", ""]
    for name in report.systems:
        lines.append(f"- {name}: {report.overall[name]['defects_by_kind'] or 'none'}")
    vals = [r for r in report.losses if "val_loss" in r]
    if vals:
        lines += [
            "",
            "## Validation loss (perplexity)",
            "",
            "| step | val loss | val ppl |",
            "|---:|---:|---:|",
        ]
        lines += [f"| {r['step']} | {r['val_loss']:.4f} | {r.get('val_ppl', '-')} |" for r in vals]
    lines += ["", f"## {samples} answers side by side", ""]
    by_example: dict[str, dict[str, Scored]] = {}
    for r in report.results:
        by_example.setdefault(r.example, {})[r.system] = r
    for n, answers in enumerate(_across_families(list(by_example.values()))[:samples], start=1):
        first = next(iter(answers.values()))
        lines.append(f"{n}. **{first.question}** ({first.family})")
        for name, r in answers.items():
            flags = ", ".join(r.defects + ([] if r.grounded else ["grounding failed"])) or "ok"
            lines.append(f"   - {name}: {r.answer} — *{'correct' if r.correct else 'wrong'}; {flags}*")
    return "\n".join(lines) + "\n"


def _across_families(examples: list[dict[str, Scored]]) -> list[dict[str, Scored]]:
    """The examples taken one family at a time, in turn: the side-by-side shows every family."""
    queues: dict[str, list[dict[str, Scored]]] = {}
    for answers in examples:
        queues.setdefault(next(iter(answers.values())).family, []).append(answers)
    out: list[dict[str, Scored]] = []
    while any(queues.values()):
        out += [queue.pop(0) for queue in queues.values() if queue]
    return out
