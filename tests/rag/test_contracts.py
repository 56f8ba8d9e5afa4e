"""The typed contracts: fact ids round-trip through their text form, the answer schema file is current."""

from __future__ import annotations

from pathlib import Path

import pytest

from rag.contracts import AnswerRecord, FactId, answer_schema_json

SCHEMA = Path(__file__).resolve().parents[2] / "docs" / "answer.schema.json"


@pytest.mark.parametrize(
    ("text", "fact"),
    [
        ("fact:gpt-4o:context_length", FactId.model_fact("gpt-4o", "context_length")),
        ("fact:gpt-4o", FactId.model_fact("gpt-4o")),
        ("fact:gpt-4o:score:mmlu", FactId.model_fact("gpt-4o", "score", "mmlu")),
        ("fact:jamba-1.5-large:price:bedrock", FactId.model_fact("jamba-1.5-large", "price", "bedrock")),
        ("fact:kimi-k2:fine_tuned_from:kimi-k2-base", FactId.model_fact("kimi-k2", "fine_tuned_from", "kimi-k2-base")),
        ("fact:org:meta", FactId.org("meta")),
        ("fact:topic:safety:gpt-4o", FactId.topic("safety", "gpt-4o")),
        ("fact:count:models", FactId.count()),
        ("fact:count:models:open_weights=true,org=meta", FactId.count(None, "open_weights=true,org=meta")),
        ("fact:count:org:meta", FactId.count("meta")),
        ("fact:count:org:meta:released_after=2024-01-01", FactId.count("meta", "released_after=2024-01-01")),
    ],
)  # fmt: skip
def test_fact_ids_round_trip(text: str, fact: FactId) -> None:
    assert str(fact) == text
    assert FactId.parse(text) == fact


@pytest.mark.parametrize("text", ["hello-gpt-4o#0", "gpt-4o#0", "fact", "fact:", "facts:gpt-4o:x"])
def test_chunk_and_article_ids_are_no_facts(text: str) -> None:
    assert FactId.parse(text) is None


def test_the_answer_schema_file_is_current() -> None:
    assert SCHEMA.read_text() == answer_schema_json(), (
        "docs/answer.schema.json is out of date with rag.contracts.AnswerRecord; "
        "run `.venv/bin/python -m rag.contracts > docs/answer.schema.json`"
    )


def test_the_schema_rejects_what_the_contract_does_not_know() -> None:
    record = {
        "question": "q", "answer": "a [1].", "family": "attribute", "template": None, "refused": False,
        "timings_ms": {}, "slots": {"attribute": "context_length", "filters": {"open_weights": True}},
        "citations": [{"n": 1, "kind": "fact", "id": "fact:m:context_length", "fact": None}],
    }  # fmt: skip
    AnswerRecord.model_validate(record)
    for bad in ({"slots": {"models": ["m"]}}, {"family": "weather"}, {"extra": 1}):
        with pytest.raises(ValueError):
            AnswerRecord.model_validate(record | bad)
