"""Topic tagging: the taxonomy, a few rules, and micro F1 on the held-out half of a labelled sample."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from catalog.news.topics import TopicTagger, evaluate_tags, load_taxonomy, title_and_text

LABELS = Path(__file__).resolve().parents[1] / "data" / "topic_labels.jsonl"
FILES = {
    "ainews_issues": "ainews_issues.jsonl",
    "ainews_stories": "ainews_stories.jsonl",
    "ai_news_direct_items": "ai_news_direct_items.jsonl",
}
# What the tagger honestly achieved on the held-out half, rounded down to 0.05.
HELDOUT_MICRO_F1_MIN = 0.70

TOPICS = "release benchmark open_source safety policy legal business hardware research agents multimodal"
INDUSTRIES = "healthcare finance legal_services education software science government media"


@pytest.fixture(scope="module")
def tagger() -> TopicTagger:
    return TopicTagger()


def test_taxonomy_covers_the_required_topics_and_industries() -> None:
    entries, settings = load_taxonomy()
    kinds = {e.id: e.kind for e in entries}
    assert {k for k, v in kinds.items() if v == "topic"} == set(TOPICS.split())
    assert {k for k, v in kinds.items() if v == "industry"} == set(INDUSTRIES.split())
    assert all(e.label and e.description and e.patterns for e in entries)
    assert settings["threshold"] > 0


def test_title_evidence_weighs_more_than_body(tagger: TopicTagger) -> None:
    assert "benchmark" in {t.id for t in tagger.tag("A new benchmark for agents", "")}
    assert "benchmark" not in {t.id for t in tagger.tag("Notes", "one benchmark mentioned")}


def test_matches_whole_words_only(tagger: TopicTagger) -> None:
    assert "agents" not in {t.id for t in tagger.tag("Reagents in chemistry", "agentless reagents")}
    assert "hardware" in {t.id for t in tagger.tag("Nvidia ships new GPUs", "")}


def _scores_by_every_regex(tagger: TopicTagger, title: str, text: str) -> dict[str, float]:
    """The scoring rule with no needle pre-filter: every pattern run over the whole title and text."""
    from itertools import islice

    from catalog.news.topics import _clean

    title, text = _clean(title), _clean(text)
    out = {}
    for e in tagger.entries:
        score = 2.0 * sum(1 for p in e.title_patterns if p.search(title.strip()))
        for pattern, weight, _ in e.patterns:
            score += weight * sum(1 for _ in islice(pattern.finditer(text), tagger.max_count))
            if pattern.search(title):
                score += weight * (tagger.title_weight if weight > 1 else 1.0)
        out[e.id] = score
    return out


@pytest.mark.parametrize(
    ("title", "text"),
    [
        ("Upgraded llama.cpp build", "We upgraded to LLAMA.CPP; benchmarks improved. Open-weight models."),
        ("meta-llama/Llama-3-8B", "RELEASED under apache 2.0 with a new version and red-teaming."),
        ("@release notes", "see @benchmark and e-mail: release_notes, reLeased re-leased"),
        ("Datacenter deal", "A data-center investment by investors; H100s and export controls."),
        ("", ""),
    ],
)
def test_needle_prefilter_scores_like_every_regex(tagger: TopicTagger, title: str, text: str) -> None:
    """The word-set and substring pre-filter only skips regexes that cannot match."""
    assert tagger.scores(title, text) == _scores_by_every_regex(tagger, title, text)
    assert any(tagger.scores(title, text).values()) or not (title or text)


def test_tags_are_sorted_by_score(tagger: TopicTagger) -> None:
    tags = tagger.tag("OpenAI raises $6B at a $157B valuation", "The funding round was led by investors.")
    assert tags[0].id == "business"
    assert [t.score for t in tags] == sorted((t.score for t in tags), reverse=True)


def _items(shared_data: Path, split: str) -> list[tuple[str, str, set[str]]]:
    labels = [json.loads(line) for line in LABELS.read_text().splitlines() if line.strip()]
    keys = {(r["source"], r["id"], r["url"]) for r in labels}
    records = {}
    for source, name in FILES.items():
        for line in (shared_data / "news" / name).read_text().splitlines():
            rec = json.loads(line)
            key = (source, rec["id"], rec.get("url"))
            if key in keys:
                records[key] = rec
    out = []
    for row in labels:
        if row["split"] == split:
            title, text = title_and_text(row["source"], records[(row["source"], row["id"], row["url"])])
            out.append((title, text, set(row["labels"])))
    return out


def test_labelled_sample_is_complete() -> None:
    labels = [json.loads(line) for line in LABELS.read_text().splitlines() if line.strip()]
    valid = set(TOPICS.split()) | set(INDUSTRIES.split())
    assert len(labels) >= 120
    assert {r["split"] for r in labels} == {"tune", "heldout"}
    assert {r["source"] for r in labels} == set(FILES)
    assert all(set(r["labels"]) <= valid for r in labels)


def test_heldout_micro_f1(shared_data: Path, tagger: TopicTagger) -> None:
    items = _items(shared_data, "heldout")
    result = evaluate_tags(items, tagger)
    micro = result["micro"]
    print(f"\ntopics, held-out half ({len(items)} items): {micro}")
    for label, stats in result["labels"].items():
        print(f"  {label:15s} {stats}")
    assert micro["f1"] >= HELDOUT_MICRO_F1_MIN
