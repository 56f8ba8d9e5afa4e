"""The evaluation metrics are pure functions: no graph, no models."""

from __future__ import annotations

import pytest

from rag.eval import metrics as m


@pytest.mark.parametrize(
    "text",
    ["GPT-4o has a 128K context window [1].", "It reads 128,000 tokens.", "128 thousand tokens",
     "a context of 128000", "128k"],
)  # fmt: skip
def test_numbers_are_matched_however_they_are_written(text: str) -> None:
    assert m.value_in_text(128000, text)


def test_numbers_do_not_match_lookalikes() -> None:
    assert not m.value_in_text(128000, "It has a 32K context window.")
    assert not m.value_in_text(4, "GPT-4 is a model [4].")  # a name and a citation marker are not the count
    assert not m.value_in_text(3, "Llama-3 was released.")
    assert m.value_in_text(3, "Meta has three models.")
    assert m.value_in_text(131072, "a 128K window")  # binary K
    assert m.value_in_text(7_240_000_000, "about 7.24B parameters")
    assert m.value_in_text(671_000_000_000, "671 billion parameters")
    assert not m.value_in_text(671_000_000_000, "67 billion parameters")


def test_scores_and_prices() -> None:
    assert m.value_in_text(0.884, "It scores 88.4% on GPQA.")
    assert m.value_in_text(0.884, "a score of 0.884")
    assert m.value_in_text(2.5, "It costs $2.50 per million input tokens.")
    assert not m.value_in_text(2.5, "It costs $3 per million input tokens.")


@pytest.mark.parametrize(
    "text",
    ["Released on 2024-05-13.", "It came out on May 13, 2024.", "13 May 2024", "on the 13th of May 2024",
     "May 13th 2024", "13/05/2024", "2024/05/13"],
)  # fmt: skip
def test_dates_in_several_formats(text: str) -> None:
    assert m.value_in_text("2024-05-13", text)


def test_date_precision() -> None:
    assert not m.value_in_text("2024-05-13", "It came out in May 2024.")
    assert m.value_in_text("2024-07-31", "Its knowledge cutoff is July 2024.", precision="month")
    assert m.value_in_text("2024-07-31", "cutoff: 2024-07", precision="month")
    assert not m.value_in_text("2024-07-31", "cutoff: June 2024", precision="month")
    assert not m.value_in_text("2024-05-13", "May 14, 2024")


def test_names_case_and_punctuation_insensitive() -> None:
    assert m.value_in_text("DeepSeek-V3", "It is fine-tuned from deepseek v3 [2].")
    assert m.value_in_text("Anthropic", "Claude is made by ANTHROPIC.")
    assert not m.value_in_text("GPT-4", "GPT-4o is newer.")
    assert not m.value_in_text("GPT-4", "GPT-4.5 is newer.")
    assert m.value_in_text("image", "It takes text and images.")


def test_booleans() -> None:
    assert m.value_in_text(True, "Yes, Llama 3 has open weights [1].")
    assert m.value_in_text(False, "No, GPT-4o is closed (API only).")
    assert not m.value_in_text(True, "GPT-4o does not have open weights.")
    assert not m.value_in_text(False, "Yes, it has open weights.")


def test_answer_score_all_and_any() -> None:
    answers = [["GPT-4o", "gpt-4o"], ["Claude 3 Opus"]]
    assert m.answer_score("GPT-4o and Claude 3 Opus.", answers) == 1.0
    assert m.answer_score("Only gpt-4o.", answers) == 0.5
    assert m.answer_score("Only gpt-4o.", answers, match="any") == 1.0
    assert m.answer_score("Nothing.", []) == 0.0


def test_refusals() -> None:
    assert m.is_refusal("The knowledge graph does not say the parameters of X.")
    assert m.is_refusal("The parameter count is undisclosed.")
    assert m.is_refusal("anything", refused=True)
    assert m.is_refusal("The developer of X has not disclosed its parameter count [1].")
    assert not m.is_refusal("GPT-4o has a 128K context window [1].")
    assert not m.is_refusal("No, its weights are not available: it is API only [1].")


def test_evidence_matching() -> None:
    assert m.evidence_matches("fact:gpt-4o:context_length", "fact:gpt-4o:context_length")
    assert m.evidence_matches("fact:gpt-4o:context_length", "fact:gpt-4o")
    assert not m.evidence_matches("fact:gpt-4o-mini:context_length", "fact:gpt-4o")
    assert m.evidence_matches("abc#3", "abc")
    assert m.evidence_matches("article:abc", "abc#0")
    assert not m.evidence_matches("abcd#0", "abc")
    assert not m.evidence_matches("fact:abc:x", "abc")


def test_recall_and_reciprocal_rank() -> None:
    gold = [["fact:a:context_length", "a#0"], ["fact:b:context_length", "b#0"]]
    ranked = ["x#0", "a#0", "y#1", "fact:b:context_length"]
    assert m.recall_at_k(ranked, gold, 2) == 0.5
    assert m.recall_at_k(ranked, gold, 5) == 1.0
    assert m.reciprocal_rank(ranked, gold) == 0.5
    assert m.reciprocal_rank(["x"], gold) == 0.0
    assert m.recall_at_k(ranked, [], 5) is None and m.reciprocal_rank(ranked, []) is None


def test_citations() -> None:
    answers = [[128000]]
    gold = [["fact:a:context_length"]]
    assert m.cited_supports("fact:a:context_length", "whatever", answers, gold)
    assert m.cited_supports("z#0", "Model A reads 128K tokens.", answers, gold)
    assert not m.cited_supports("z#0", "Model A is fast.", answers, gold)
    assert m.citation_precision([True, False]) == 0.5 and m.citation_precision([]) is None
    assert m.citation_recall(["fact:a:context_length"], gold) == 1.0
    assert m.citation_recall(["z#0"], gold) == 0.0 and m.citation_recall([], []) is None


def test_percentiles_and_latency_summary() -> None:
    assert m.percentile([1, 2, 3, 4, 5], 50) == 3
    assert m.percentile([1, 2], 95) == pytest.approx(1.95)
    assert m.percentile([], 50) is None
    summary = m.latency_summary([{"graph": 10.0, "total": 30.0}, {"graph": 20.0}, {"graph": 30.0}])
    assert summary["graph"] == {"p50": 20.0, "p95": 29.0, "n": 3}
    assert summary["total"]["n"] == 1
    assert m.mean([1.0, None, 3.0]) == 2.0 and m.mean([None]) is None
