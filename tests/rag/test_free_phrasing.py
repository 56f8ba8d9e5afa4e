"""The free-phrasing set is frozen and well formed, and its scoring rules read answers as intended."""

from __future__ import annotations

from collections import Counter

from rag.eval.free_phrasing import FAMILIES, KINDS, FreeItem, accuracy, load, verdict_first


def test_the_set_is_frozen_large_enough_and_split_per_family() -> None:
    items = load()
    assert len(items) >= 200
    assert len({i.id for i in items}) == len(items)
    assert {i.family for i in items} <= set(FAMILIES) and {i.kind for i in items} <= set(KINDS)
    splits = Counter((i.family, i.split) for i in items)
    for family in {i.family for i in items}:  # every family is measured on held-out questions
        assert splits[(family, "test")] >= 3, family
        assert splits[(family, "dev")] >= 2, family
    for i in items:
        assert i.split in ("dev", "test")
        assert i.answerable == (i.match != "refuse")
        assert i.answers or i.match in ("refuse", "cite"), i.id
        assert i.gold_articles or i.match != "cite", i.id


def _item(match: str, answers: list[list[object]], **info: object) -> FreeItem:
    return FreeItem(id="x", question="q", history=[], family="compare", kind="typed", answerable=True,
                    answers=answers, match=match, gold_models=[], gold_articles=["a1"], split="test",
                    info=dict(info))  # fmt: skip


def test_a_verdict_must_come_first_and_name_the_winner() -> None:
    item = _item("verdict", [["Claude 3.5 Sonnet"], [128000], [200000]], loser="GPT-4o")
    good = "Claude 3.5 Sonnet supports the longer context: 200,000 tokens [2] against 128,000 tokens for GPT-4o [1]."
    listed = "GPT-4o has a context length of 128,000 tokens [1]. Claude 3.5 Sonnet has a context length of 200,000 tokens [2]."
    assert accuracy(item, good, False, []) == 1.0
    assert accuracy(item, listed, False, []) == 0.0  # both values, no conclusion
    assert not verdict_first("GPT-4o is older than Claude 3.5 Sonnet [1].", "Claude 3.5 Sonnet", "GPT-4o")


def test_first_list_cite_and_refusal_rules() -> None:
    first = _item("first", [["Llama 4 Scout"]])
    assert (
        accuracy(first, "1. Llama 4 Scout: 10,000,000 tokens [1]. 2. Gemini 1.5 Pro [2].", False, []) == 1.0
    )
    assert accuracy(first, "1. Gemini 1.5 Pro [1]. 2. Llama 4 Scout [2].", False, []) == 0.0
    listed = _item("list", [["Grok-3", "Grok-4"]])
    assert accuracy(listed, "Grok-4 by xAI [1]. Grok-3 by xAI [2]. GPT-5 by OpenAI [3].", False, []) == 1.0
    assert accuracy(listed, "GPT-5 by OpenAI [1]. o3 by OpenAI [2]. Grok-3 by xAI [3].", False, []) == 0.0
    cite = _item("cite", [])
    assert accuracy(cite, "Some news [1].", False, ["a1#0"]) == 1.0
    assert accuracy(cite, "Some news [1].", False, ["a2#0"]) == 0.0
    refuse = _item("refuse", [])
    assert accuracy(refuse, "The knowledge graph does not say.", True, []) == 1.0
