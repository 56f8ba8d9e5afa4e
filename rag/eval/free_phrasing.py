"""The free-phrasing evaluation: questions written by hand in users' words, frozen in
`rag/eval/free_phrasing.jsonl`, split dev/test at random (seed 11) before any result was looked at.

Each item carries a family (what it asks: attribute, compare, compare_benchmark, superlative,
filter_list, count, organization, lineage, topic_news, unanswerable) and a phrasing kind (how it is
asked: typed, lowercase, squashed, typo, shortform, followup, noentity). Gold answers were read from
a graph built from `shared/data` and checked by hand against the catalog sources; golds name models
by NAME, never by id, so the ids the catalog's entity resolution gives can shift without breaking it.

How an answer is scored, by the item's `match`:
- `all`: every gold group is stated (a group lists interchangeable forms: "MIT" / "mit");
- `any`: one gold group is stated;
- `first`: a superlative: the first cited segment of the answer names a gold model (ties allowed);
- `verdict`: a "which ... A or B" comparison: the first sentence states a comparison (a comparative
  word: older, bigger, longer, higher ...) and names the winner before the loser, and the answer
  states both values;
- `list`: a filtered list: cut after each citation, at least one item names a model of the gold set
  and no more than a third of the items name none;
- `cite`: a news or topic question: it answers and cites one of the gold articles;
- `refuse`: an unanswerable question: the answer refuses.

Citation precision: a cited item supports the answer when it is a gold article or its text states a
gold value. Linking: the share of the models a question names (`gold_models`) that the analysis linked,
compared by normalised name, reported per phrasing kind (typed vs lower case, squashed, typos, short
forms side by side).

`python -m rag.eval.free_phrasing [--split test] [--out DIR]` runs the hybrid system over the graph and
indexes of the configured data dir (composed fact answers: `phrase_facts=False`) and writes
`free_report.json` and `free_report.md`.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from core.access import AccessFilter
from rag.eval import metrics as M
from rag.qa import Answer, Evidence, RetrievalResult, Retriever

FREE_SET = Path(__file__).with_name("free_phrasing.jsonl")
SPLIT_SEED = 11
FAMILIES = ("attribute", "compare", "compare_benchmark", "superlative", "filter_list", "count",
            "organization", "lineage", "topic_news", "unanswerable")  # fmt: skip
KINDS = ("typed", "lowercase", "squashed", "typo", "shortform", "followup", "noentity")
_NAME_KEY = re.compile(r"[^a-z0-9]+")


@dataclass
class FreeItem:
    id: str
    question: str
    history: list[str]
    family: str
    kind: str
    answerable: bool
    answers: list[list[Any]]
    match: str
    gold_models: list[str]
    gold_articles: list[str]
    split: str
    gold_spec: list[Any] = field(default_factory=list)
    info: dict[str, Any] = field(default_factory=dict)


@dataclass
class FreeResult:
    id: str
    split: str
    family: str
    kind: str
    question: str
    answer: str = ""
    refused: bool = False
    analysed_family: str = ""
    linked: list[str] = field(default_factory=list)
    cited_ids: list[str] = field(default_factory=list)
    accuracy: float | None = None
    citation_precision: float | None = None
    refusal_correct: float | None = None
    false_refusal: float | None = None
    linking: float | None = None
    retrieve_ms: float = 0.0
    error: str | None = None


def load(path: Path = FREE_SET) -> list[FreeItem]:
    return [FreeItem(**json.loads(line)) for line in path.read_text().splitlines() if line.strip()]


def name_key(name: str) -> str:
    return _NAME_KEY.sub("", name.lower())


# -- scoring ------------------------------------------------------------------------------------
_FIRST_SEGMENT = re.compile(r"^.*?\[\d+(?:\s*,\s*\d+)*\]", re.S)
_SENTENCE = re.compile(r"^.*?(?:[.!?](?=\s|$)|$)", re.S)


def first_segment(text: str) -> str:
    """The answer up to its first citation marker (a ranked list's first item, a sentence's claim)."""
    m = _FIRST_SEGMENT.match(text)
    return m.group(0) if m else text


def first_sentence(text: str) -> str:
    m = _SENTENCE.match(M._CITATION.sub("", text).strip())  # noqa: SLF001  # the metrics' citation pattern
    return m.group(0) if m else text


def named(name: str, text: str) -> bool:
    return M.name_in_text(name, text)


_COMPARATIVE = re.compile(
    r"\b(older|newer|earlier|later|first|bigger|larger|smaller|longer|shorter|higher|lower|"
    r"more|fewer|less|better|worse|level|same)\b",
    re.I,
)


def _position(name: str, text: str) -> int:
    needle = M._name_form(name)  # noqa: SLF001  # the metrics' name form: hyphens and spaces alike
    m = re.search(rf"(?<![a-z0-9.]){re.escape(needle)}s?(?![a-z0-9]|\.\d)", M._name_form(text))  # noqa: SLF001
    return m.start() if m else -1


def verdict_first(text: str, winner: str, loser: str) -> bool:
    """The first sentence states a comparison (a comparative word) and names the winner before the
    loser, if it names the loser at all."""
    head = first_sentence(text)
    won, lost = _position(winner, head), _position(loser, head) if loser else -1
    return won >= 0 and _COMPARATIVE.search(head) is not None and (lost < 0 or won < lost)


def accuracy(item: FreeItem, text: str, refused: bool, cited: Sequence[str]) -> float:
    if item.match == "refuse":
        return float(refused)
    if refused and item.match != "cite":
        return 0.0
    if item.match == "cite":
        return float(not refused and any(M.doc_key(c) in set(item.gold_articles) for c in cited))
    if item.match == "first":
        head = first_segment(text)
        return float(any(named(str(n), head) for group in item.answers for n in group))
    if item.match == "verdict":
        return float(
            verdict_first(text, str(item.answers[0][0]), str(item.info.get("loser", "")))
            and all(any(M.value_in_text(v, text) for v in group) for group in item.answers[1:])
        )
    if item.match == "list":
        segments = _segments(text)
        hits = [seg for seg in segments if any(named(str(n), seg[:120]) for n in item.answers[0])]
        return float(bool(hits) and len(segments) - len(hits) <= len(segments) / 3)
    return M.answer_score(text, item.answers, match=item.match)


def _segments(text: str) -> list[str]:
    """An answer cut after each citation marker: one listed item (or one sentence) each."""
    return [seg.strip(" .;\n") for seg in re.split(r"\[\d+(?:\s*,\s*\d+)*\]\.?", text) if seg.strip(" .;\n")]


def cited_supports(item: FreeItem, evidence: Evidence | None, cited_id: str) -> bool:
    if M.doc_key(cited_id) in set(item.gold_articles):
        return True
    if evidence is None:
        return False
    text = " ".join(str(x) for x in (evidence.title, evidence.text, evidence.date) if x)
    values = [v for group in item.answers for v in group]
    return any(M.value_in_text(v, text) for v in values)


def linking(item: FreeItem, result: RetrievalResult) -> tuple[float | None, list[str]]:
    linked = [e.name for e in result.analysis.slots.entities if e.kind == "Model"]
    if not item.gold_models:
        return None, linked
    keys = {name_key(n) for n in linked}
    return sum(name_key(g) in keys for g in item.gold_models) / len(item.gold_models), linked


def score(item: FreeItem, result: RetrievalResult, answer: Answer) -> FreeResult:
    out = FreeResult(item.id, item.split, item.family, item.kind, item.question)
    out.answer, out.analysed_family = answer.answer, result.analysis.family
    out.refused = M.is_refusal(answer.answer, answer.refused)
    out.cited_ids = [c.id for c in answer.citations]
    out.linking, out.linked = linking(item, result)
    out.accuracy = accuracy(item, answer.answer, out.refused, out.cited_ids)
    if not item.answerable:
        out.refusal_correct = out.accuracy
        return out
    out.false_refusal = float(out.refused)
    if out.cited_ids and not out.refused:
        by_id = {e.id: e for e in [*answer.evidence, *result.evidence]}
        supported = [cited_supports(item, by_id.get(c), c) for c in out.cited_ids]
        out.citation_precision = sum(supported) / len(supported)
    return out


# -- running ------------------------------------------------------------------------------------
class Answering:
    """Retrieve then answer, with the conversation's history (follow-ups)."""

    def __init__(self, retriever: Retriever, answerer: Any, access: AccessFilter | None = None) -> None:
        self.retriever, self.answerer = retriever, answerer
        self.access = access or AccessFilter.public()

    def run(self, item: FreeItem, k: int = 8) -> tuple[RetrievalResult, Answer, float]:
        started = time.perf_counter()
        result = self.retriever.search(item.question, k=k, access=self.access, history=item.history)
        retrieve_ms = (time.perf_counter() - started) * 1000
        return result, self.answerer.answer(result), retrieve_ms


def run(
    items: Sequence[FreeItem], system: Answering, *, progress: bool = False, sink: Path | None = None
) -> list[FreeResult]:
    """Every item answered and scored; with `sink`, each result is also appended to that JSON-lines
    file as soon as it is scored (a slow run, such as the chat model phrasing, can be read part-way)."""
    results = []
    for item in items:
        try:
            result, answer, ms = system.run(item)
            scored = score(item, result, answer)
            scored.retrieve_ms = round(ms, 1)
        except Exception as exc:  # noqa: BLE001  # one broken question must not hide the others
            scored = FreeResult(item.id, item.split, item.family, item.kind, item.question,
                                accuracy=0.0, error=f"{type(exc).__name__}: {exc}")  # fmt: skip
        results.append(scored)
        if sink is not None:
            with sink.open("a") as handle:
                handle.write(json.dumps(asdict(scored), default=str) + "\n")
        if progress:
            print(f"{len(results)}/{len(items)} {item.id} acc={scored.accuracy}", file=sys.stderr, flush=True)
    return results


_METRICS = ("accuracy", "citation_precision", "refusal_correct", "false_refusal", "linking")


def summarise(results: Sequence[FreeResult], by: str) -> list[dict[str, Any]]:
    """Mean of each metric per value of `by` (family or kind), plus 'all'."""
    groups = sorted({getattr(r, by) for r in results}) + ["all"]
    rows = []
    for g in groups:
        mine = [r for r in results if g in ("all", getattr(r, by))]
        row: dict[str, Any] = {by: g, "n": len(mine), "errors": sum(r.error is not None for r in mine)}
        for metric in _METRICS:
            value = M.mean(getattr(r, metric) for r in mine)
            row[metric] = round(value, 3) if value is not None else None
        rows.append(row)
    return rows


LINKING_GROUPS = {"typed": ("typed",), "lowercase": ("lowercase", "squashed"), "misspelled": ("typo",),
                  "shortform": ("shortform",)}  # fmt: skip


def linking_side_by_side(results: Sequence[FreeResult]) -> dict[str, float | None]:
    """Linking rate of correctly typed names beside lower-case (and squashed), misspelled and short
    forms, each with its number of questions that name a model; and all the sloppy kinds together."""
    out: dict[str, Any] = {}
    for group, kinds in LINKING_GROUPS.items():
        values = [r.linking for r in results if r.kind in kinds and r.linking is not None]
        out[group], out[f"{group}_n"] = M.mean(values), len(values)
    sloppy = [r.linking for r in results if r.kind != "typed" and r.kind in sum(LINKING_GROUPS.values(), ())
              and r.linking is not None]  # fmt: skip
    out["lowercase_misspelled_short"], out["sloppy_n"] = M.mean(sloppy), len(sloppy)
    return out


def report(results: Sequence[FreeResult]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for split in ("dev", "test"):
        mine = [r for r in results if r.split == split]
        if not mine:
            continue
        retrieve = [r.retrieve_ms for r in mine if r.error is None]
        out[split] = {"by_family": summarise(mine, "family"), "by_kind": summarise(mine, "kind"),
                      "linking": linking_side_by_side(mine),
                      "retrieve_p50_ms": M.percentile(retrieve, 50), "retrieve_p95_ms": M.percentile(retrieve, 95)}  # fmt: skip
    return out


def markdown(summary: dict[str, Any]) -> str:
    lines = []
    for split, s in summary.items():
        if split not in ("dev", "test"):
            continue
        lines += [f"## {split}", ""]
        for by in ("family", "kind"):
            rows = s[f"by_{by}"]
            lines += [f"| {by} | n | acc | cite P | refusal | false refusal | linking | errors |",
                      "|---|---:|---:|---:|---:|---:|---:|---:|"]  # fmt: skip
            for row in rows:
                cells = [_cell(row[m]) for m in _METRICS]
                lines.append(f"| {row[by]} | {row['n']} | " + " | ".join(cells) + f" | {row['errors']} |")
            lines.append("")
        link = s["linking"]
        sides = ", ".join(f"{g} {_cell(link[g])} (n={link[f'{g}_n']})" for g in LINKING_GROUPS)
        lines += [f"Linking side by side: {sides}; all but typed {_cell(link['lowercase_misspelled_short'])} "
                  f"(n={link['sloppy_n']}). Retrieval (cold, in the run) p50 {_cell(s['retrieve_p50_ms'])} ms, "
                  f"p95 {_cell(s['retrieve_p95_ms'])} ms.", ""]  # fmt: skip
    if warm := summary.get("warm_retrieval_ms"):
        lines.append(f"Warm retrieval (second pass, {warm['n']} questions): p50 {_cell(warm['p50'])} ms, "
                     f"p95 {_cell(warm['p95'])} ms.")  # fmt: skip
    return "\n".join(lines)


def warm_retrieval(retriever: Retriever, items: Sequence[FreeItem], access: AccessFilter) -> dict[str, Any]:
    """Retrieval alone, timed on a second pass over the items (the first warms caches and models)."""
    times: list[float] = []
    for _ in range(2):
        times.clear()  # only the second pass counts
        for item in items:
            started = time.perf_counter()
            retriever.search(item.question, k=8, access=access, history=item.history)
            times.append((time.perf_counter() - started) * 1000)
    return {"n": len(times), "p50": M.percentile(times, 50), "p95": M.percentile(times, 95)}


def _cell(value: Any) -> str:
    return "-" if value is None else f"{value:.2f}" if isinstance(value, float) else str(value)


def main(argv: Sequence[str] | None = None) -> None:  # pragma: no cover - a command line
    from core.settings import get_settings
    from kg.store import GraphStore
    from rag.answer import Answerer
    from rag.pipeline import build_generator, build_hybrid, open_indexes

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--split", choices=("dev", "test", "both"), default="both")
    parser.add_argument("--out", type=Path, default=Path("eval-free"))
    parser.add_argument("--only", default="", help="comma-separated item ids")
    parser.add_argument("--phrase", action="store_true", help="the chat model phrases fact answers (slow)")
    parser.add_argument("--warm", action="store_true", help="also time retrieval warm (a second pass)")
    args = parser.parse_args(argv)
    settings = get_settings()
    items = [i for i in load() if args.split in ("both", i.split)]
    if args.only:  # in the order given
        order = {item_id: n for n, item_id in enumerate(args.only.split(","))}
        items = sorted((i for i in items if i.id in order), key=lambda i: order[i.id])
    with GraphStore.connect(settings) as store:
        retriever = build_hybrid(store, open_indexes(settings))
        system = Answering(retriever, Answerer(build_generator(settings), phrase_facts=args.phrase))
        args.out.mkdir(parents=True, exist_ok=True)
        sink = args.out / "free_results.jsonl"
        sink.unlink(missing_ok=True)
        results = run(items, system, progress=True, sink=sink)
        warm = warm_retrieval(retriever, items, system.access) if args.warm else None
    summary = report(results)
    summary["phrase_facts"] = args.phrase
    if warm is not None:
        summary["warm_retrieval_ms"] = warm
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "free_report.json").write_text(
        json.dumps({"summary": summary, "results": [asdict(r) for r in results]}, indent=1, default=str)
    )
    (args.out / "free_report.md").write_text(markdown(summary))
    print(markdown(summary))


if __name__ == "__main__":  # pragma: no cover
    main()
