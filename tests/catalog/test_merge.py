"""Precedence of conflicting values (pure logic)."""

from __future__ import annotations

from datetime import date

from catalog.merge import choose, merge, tier
from catalog.records import ModelRecord


def rec(source: str, key: str, **fields) -> ModelRecord:
    return ModelRecord(source=source, source_key=key, model_id=key, name=fields.pop("name", key), **fields)


def test_tiers() -> None:
    assert tier(rec("llm-stats", "a")) == "llm-stats"
    assert tier(rec("models-dev", "openai/a", first_party=True)) == "first-party"
    assert tier(rec("models-dev", "openrouter/a")) == "models-dev"


def test_first_party_wins_context_but_curated_wins_parameters() -> None:
    records = [
        rec("llm-stats", "x", context_length=100_000, parameters=7_000_000_000),
        rec("models-dev", "vendor/x", first_party=True, context_length=128_000),
        rec("epoch", "X", parameters=8_000_000_000),
    ]
    ctx = choose(records, "context_length")
    assert ctx is not None and (ctx.value, ctx.source) == (128_000, "models-dev")
    params = choose(records, "parameters")
    assert params is not None and (params.value, params.source) == (7_000_000_000, "llm-stats")


def test_majority_within_a_tier_and_agreeing_sources() -> None:
    records = [
        rec("models-dev", "a/x", context_length=131_072),
        rec("models-dev", "b/x", context_length=128_000),
        rec("models-dev", "c/x", context_length=128_000),
        rec("litellm", "d/x", context_length=128_000),
    ]
    choice = choose(records, "context_length")
    assert choice is not None and choice.value == 128_000
    assert choice.sources == ["litellm", "models-dev"]


def test_merge_marks_sources_and_undisclosed_parameters() -> None:
    records = [
        rec("llm-stats", "gpt-x", name="GPT-X", release_date=date(2024, 5, 13), parameters_disclosed=False),
        rec(
            "models-dev",
            "openai/gpt-x",
            first_party=True,
            release_date=date(2024, 5, 1),
            context_length=128_000,
        ),
    ]
    merged = merge("gpt-x", records, ["GPT-X", "gpt-x", "openai/gpt-x"])
    assert merged.props["name"] == "GPT-X"
    assert merged.props["release_date"] == date(2024, 5, 13)
    assert merged.props["release_date_source"] == "llm-stats"
    assert merged.props["context_length_source"] == "models-dev"
    assert merged.props["parameters_status"] == "undisclosed"
    assert merged.props["sources"] == ["llm-stats", "models-dev"]
    assert "GPT-X" not in merged.props["aliases"]


def test_nothing_known_is_none_not_a_default() -> None:
    merged = merge("m", [rec("litellm", "m")], ["m"])
    assert merged.props["context_length"] is None and merged.props["context_length_source"] is None
    assert merged.props["parameters_status"] == "unknown"
    assert merged.organization is None
