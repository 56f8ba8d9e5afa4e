"""Tag news items with topics and industries from a documented keyword taxonomy (``taxonomy.yaml``).

Why rules and not a model: the taxonomy is small, tags must be explainable in the graph, and the
only labels are a hand-labelled sample (``tests/data/topic_labels.jsonl``). Each entry has *strong*
phrases (weight 2) and *weak* ones (weight 1), matched case-insensitively on whole words (a trailing
``*`` allows word endings) after HTML tags and URLs are removed. Score of an entry: each phrase found
in the text adds ``weight * min(count, max_count)``; a strong phrase in the title adds ``2 *
title_weight`` more, a weak one 1 more; an optional ``title_regex`` adds 2 (a Hugging Face repo id
as the whole title means a public model or dataset). An entry is tagged when its score reaches
``threshold`` (3): one strong word in the body is not enough, a strong word in the title or two
pieces of evidence are.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from itertools import islice
from pathlib import Path
from typing import Any, Literal

import yaml

TAXONOMY_PATH = Path(__file__).with_name("taxonomy.yaml")
_NOISE = re.compile(r"<[^>]+>|https?://\S+|\(\s*\)")  # HTML tags and URLs are markup, not words
_WORD = re.compile(r"\w+")


def _clean(text: str) -> str:
    return _NOISE.sub(" ", text)


@dataclass(frozen=True)
class TopicTag:
    """One tag on an item: a taxonomy id and the evidence score that passed the threshold."""

    id: str
    score: float


@dataclass(frozen=True)
class TaxonomyEntry:
    id: str
    kind: Literal["topic", "industry"]
    label: str
    description: str
    patterns: tuple[tuple[re.Pattern[str], float, str], ...]  # pattern, weight, a substring it needs
    title_patterns: tuple[re.Pattern[str], ...] = ()
    whole: tuple[bool, ...] = ()  # per pattern: its needle is a whole word of any text it matches


def _compile(phrase: str) -> re.Pattern[str]:
    """Whole-word pattern; spaces/hyphens match either, a trailing ``*`` any word ending."""
    prefix = phrase.endswith("*")
    words = [re.escape(w) for w in re.split(r"[\s-]+", phrase.rstrip("*").strip()) if w]
    body = r"[\s\-]+".join(words) + (r"\w*" if prefix else "")
    return re.compile(rf"(?<![\w@]){body}(?!\w)", re.IGNORECASE)


def _needle(phrase: str) -> str:
    """The first word, lower-cased: a cheap test before running the regex."""
    return re.split(r"[\s-]+", phrase.rstrip("*").strip())[0].lower()


def _whole_word(phrase: str) -> bool:
    """Whether a match always has the needle as a whole word of the text (a word set can test it):
    not a one-word phrase with a trailing ``*`` ('upgrade*' matches 'upgraded'), and only word chars
    ('llama.cpp' is no single word)."""
    words = re.split(r"[\s-]+", phrase.rstrip("*").strip())
    return not (phrase.endswith("*") and len(words) == 1) and _WORD.fullmatch(words[0]) is not None


def load_taxonomy(path: str | Path = TAXONOMY_PATH) -> tuple[list[TaxonomyEntry], dict[str, Any]]:
    """The entries and the scoring settings (threshold, title_weight, max_count)."""
    data = yaml.safe_load(Path(path).read_text())
    entries = []
    for raw in data["entries"]:
        phrases = [(p, 2.0) for p in raw.get("strong", [])] + [(p, 1.0) for p in raw.get("weak", [])]
        pats = tuple((_compile(p), weight, _needle(p)) for p, weight in phrases)
        whole = tuple(_whole_word(p) for p, _ in phrases)
        titles = tuple(re.compile(r) for r in raw.get("title_regex", []))
        entries.append(
            TaxonomyEntry(raw["id"], raw["kind"], raw["label"], raw["description"], pats, titles, whole)
        )
    settings = {k: data[k] for k in ("threshold", "title_weight", "max_count")}
    return entries, settings


_Rule = tuple[int, re.Pattern[str], float]  # entry index, pattern, weight


class TopicTagger:
    """Weighted keyword rules over title and text; see the module docstring.

    Only the rules whose needle is in a text run their regex: a needle that is a whole word is looked
    up in the text's word set (one hash lookup per distinct word, instead of a scan of the text per
    phrase: ingestion time of the full news corpus), the few others are substring tests."""

    def __init__(self, path: str | Path = TAXONOMY_PATH, threshold: float | None = None) -> None:
        self.entries, settings = load_taxonomy(path)
        self.threshold = float(threshold if threshold is not None else settings["threshold"])
        self.title_weight = float(settings["title_weight"])
        self.max_count = int(settings["max_count"])
        self._by_word: dict[str, list[_Rule]] = {}
        self._by_substring: list[tuple[str, _Rule]] = []
        for i, entry in enumerate(self.entries):
            for (pattern, weight, needle), whole in zip(entry.patterns, entry.whole, strict=True):
                if whole:
                    self._by_word.setdefault(needle, []).append((i, pattern, weight))
                else:
                    self._by_substring.append((needle, (i, pattern, weight)))

    def _rules_in(self, text: str) -> list[_Rule]:
        """The rules whose needle occurs in `text`, each once."""
        low = text.lower()
        rules = [r for word in set(_WORD.findall(low)) for r in self._by_word.get(word, ())]
        rules += [rule for needle, rule in self._by_substring if needle in low]
        return rules

    def scores(self, title: str, text: str) -> dict[str, float]:
        """Evidence score of every entry (tagged or not), for inspection."""
        title, text = _clean(title or ""), _clean(text or "")
        stripped = title.strip()
        totals = [2.0 * sum(1 for p in e.title_patterns if p.search(stripped)) for e in self.entries]
        for i, pattern, weight in self._rules_in(text):  # matches past max_count add nothing
            totals[i] += weight * sum(1 for _ in islice(pattern.finditer(text), self.max_count))
        for i, pattern, weight in self._rules_in(title):
            if pattern.search(title):
                totals[i] += weight * (self.title_weight if weight > 1 else 1.0)
        return {e.id: score for e, score in zip(self.entries, totals, strict=True)}

    def tag(self, title: str, text: str) -> list[TopicTag]:
        """Tags whose score reaches the threshold, highest score first."""
        tags = [TopicTag(k, v) for k, v in self.scores(title, text).items() if v >= self.threshold]
        return sorted(tags, key=lambda t: (-t.score, t.id))

    def kind(self, tag_id: str) -> str:
        return next(e.kind for e in self.entries if e.id == tag_id)


# ------------------------------------------------------------------------------- evaluation
def title_and_text(source: str, record: dict[str, Any]) -> tuple[str, str]:
    """The (title, text) a news record of each shared file offers to the tagger."""
    if source == "ainews_issues":
        return record["title"], record.get("summary") or ""
    if source == "ainews_stories":
        return record["headline"], record.get("text") or ""
    return record["title"], record.get("description") or ""


def evaluate_tags(items: list[tuple[str, str, set[str]]], tagger: TopicTagger) -> dict[str, Any]:
    """Per-label precision/recall/support and micro P/R/F1 of ``(title, text, gold labels)`` items."""
    per: dict[str, dict[str, int]] = {e.id: {"tp": 0, "fp": 0, "fn": 0} for e in tagger.entries}
    for title, text, gold in items:
        pred = {t.id for t in tagger.tag(title, text)}
        for label in per:
            key = (
                "tp"
                if label in pred and label in gold
                else "fp"
                if label in pred
                else "fn"
                if label in gold
                else None
            )
            if key:
                per[label][key] += 1
    tp, fp, fn = (sum(c[k] for c in per.values()) for k in ("tp", "fp", "fn"))
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    labels = {
        k: {
            "precision": round(c["tp"] / (c["tp"] + c["fp"]), 3) if c["tp"] + c["fp"] else None,
            "recall": round(c["tp"] / (c["tp"] + c["fn"]), 3) if c["tp"] + c["fn"] else None,
            "support": c["tp"] + c["fn"],
            "predicted": c["tp"] + c["fp"],
        }
        for k, c in per.items()
    }
    f1 = 2 * p * r / (p + r) if p + r else 0.0
    return {"micro": {"precision": round(p, 4), "recall": round(r, 4), "f1": round(f1, 4)}, "labels": labels}
