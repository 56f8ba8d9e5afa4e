"""Entity linking: the hard cases on a small hand-made catalog, then the gold-tag F1 on real issues."""

from __future__ import annotations

from pathlib import Path

import pytest

from catalog.news.linking_eval import entities_from_catalog_files, evaluate_linking, map_gold_tag
from core.linking import CatalogEntity, EntityLinker

E = CatalogEntity

# Honest figures on the newer (test) half, rounded down to 0.05: see linking_eval.py for the design.
MODEL_F1_MIN = 0.65
ORG_F1_MIN = 0.80


@pytest.fixture(scope="module")
def linker() -> EntityLinker:
    return EntityLinker(
        [
            E("org:openai", "Organization", "OpenAI", []),
            E("org:mistral", "Organization", "Mistral AI", ["Mistral"]),
            E("org:microsoft", "Organization", "Microsoft", []),
            E("org:google", "Organization", "Google", []),
            E("org:meta", "Organization", "Meta", []),
            E("org:huawei", "Organization", "Huawei", []),
            E("org:noah", "Organization", "Huawei Noah's Ark Lab", []),
            E("deepseek-v3", "Model", "DeepSeek V3", [], None, None),
            E("deepseek-v3-turbo", "Model", "DeepSeek V3 (Turbo)", [], None, None),
            E("gpt-4", "Model", "GPT-4", [], None, "org:openai"),
            E("gpt-4o", "Model", "GPT-4o", ["gpt-4o-2024-05-13"], None, "org:openai"),
            E("gpt-4o-mini", "Model", "GPT-4o mini", [], "gpt-4o", "org:openai"),
            E("o1", "Model", "o1", [], None, "org:openai"),
            E("phi", "Model", "Phi", [], None, "org:microsoft"),
            E("phi-3", "Model", "Phi-3", [], "phi", "org:microsoft"),
            E("gemini", "Model", "Gemini", [], None, "org:google"),
            E("gemini-1.5-pro", "Model", "Gemini 1.5 Pro", [], "gemini", "org:google"),
            E("llama-3", "Model", "Llama 3", [], None, "org:meta"),
            E("llama-3-70b", "Model", "Llama 3 70B", [], "llama-3", "org:meta"),
            E("llama-3.1", "Model", "Llama 3.1", [], None, "org:meta"),
            E("claude-3.5", "Model", "Claude 3.5", [], None, None),
            E(
                "claude-3.5-sonnet",
                "Model",
                "Claude 3.5 Sonnet",
                ["claude-3-5-sonnet-20241022"],
                "claude-3.5",
            ),
            E("mistral-large", "Model", "Mistral Large", [], None, "org:mistral"),
        ]
    )


def ids(linker: EntityLinker, text: str) -> list[str]:
    return [m.entity_id for m in linker.link(text)]


@pytest.mark.parametrize(
    ("text", "expected", "count"),
    [
        ("GPT-4o, gpt4o and GPT 4o", "gpt-4o", 3),
        ("Llama 3.1, llama-3.1, Llama3.1 and LLAMA 3.1", "llama-3.1", 4),
        ("Meta AI's LLaMA-3 is here", "llama-3", 1),
    ],
)
def test_case_hyphen_space_and_dot_variants_are_one_entity(
    linker: EntityLinker, text: str, expected: str, count: int
) -> None:
    mentions = [m for m in linker.link(text) if m.kind == "Model"]
    assert [(m.entity_id, m.count) for m in mentions] == [(expected, count)]


def test_version_suffixes_link_to_the_base_model(linker: EntityLinker) -> None:
    assert ids(linker, "Claude 3.5 Sonnet (new) beats gpt-4o-2024-08-06") == ["claude-3.5-sonnet", "gpt-4o"]
    assert ids(linker, "we pinned claude-3-5-sonnet-20241022") == ["claude-3.5-sonnet"]


def test_longest_match_wins(linker: EntityLinker) -> None:
    assert ids(linker, "We tried GPT-4o mini today") == ["gpt-4o-mini"]
    assert ids(linker, "Llama 3 70B tops the chart") == ["llama-3-70b"]


def test_a_version_is_not_a_prefix_of_a_longer_version(linker: EntityLinker) -> None:
    assert "llama-3" not in ids(linker, "Meta released Llama 3.2 today")
    assert ids(linker, "GPT-4V is out") == []  # GPT-4 is not GPT-4V


def test_family_mentions_link_to_the_family_entity(linker: EntityLinker) -> None:
    assert ids(linker, "Claude 3.5 is a family") == ["claude-3.5"]
    assert ids(linker, "Llama 3 weights") == ["llama-3"]


def test_short_names_need_exact_case_and_context(linker: EntityLinker) -> None:
    assert ids(linker, "the o1 in O(1) and an o1 on its own") == []
    assert ids(linker, "OpenAI released o1 today") == ["org:openai", "o1"]
    assert ids(linker, "phi in radians and Phi is great") == []
    assert ids(linker, "Microsoft's Phi-3 and Phi") == ["org:microsoft", "phi-3"]  # bare Phi folds into Phi-3


def test_generic_words_need_context(linker: EntityLinker) -> None:
    assert ids(linker, "The mistral wind blew hard.") == []
    assert ids(linker, "As a Gemini, I like June.") == []
    assert ids(linker, "Google's Gemini tops the arena") == ["org:google", "gemini"]
    assert ids(linker, "Mistral released Mistral Large today") == ["org:mistral", "mistral-large"]
    assert ids(linker, "The Mistral AI team") == ["org:mistral"]


def test_urls_are_not_mentions(linker: EntityLinker) -> None:
    assert ids(linker, "see https://example.com/gpt-4o-review for more") == []


def test_confidence_prefers_the_lede_and_repetition() -> None:
    linker = EntityLinker([E("gpt-4", "Model", "GPT-4", [])], lede_chars=20)
    early = linker.link("GPT-4 is out. " + "x " * 50)[0]
    late = linker.link("x " * 50 + "GPT-4 is out.")[0]
    assert early.confidence > late.confidence
    assert linker.link("x " * 50 + "GPT-4 is out.", min_confidence=0.5) == []


def test_duplicate_ids_are_rejected() -> None:
    with pytest.raises(ValueError):
        EntityLinker([E("x", "Model", "A", []), E("x", "Organization", "B", [])])


def test_lookup_by_kind_prefers_the_requested_kind(linker: EntityLinker) -> None:
    assert linker.lookup("mistral", "Organization").id == "org:mistral"  # type: ignore[union-attr]
    assert linker.lookup("gpt 4o") is not None


@pytest.fixture(scope="module")
def real_entities(shared_data: Path) -> list[CatalogEntity]:
    return entities_from_catalog_files(shared_data / "catalog")


def test_catalog_entities_merge_snapshots_and_derive_families(real_entities: list[CatalogEntity]) -> None:
    by_id = {e.id: e for e in real_entities}
    assert "gpt-4o-2024-08-06" in by_id["model:gpt-4o"].aliases
    assert by_id["model:gpt-4o-mini"].family == "model:gpt-4o"
    assert by_id["model:claude-3.5-sonnet"].family == "model:claude-3.5"
    assert by_id["model:llama-3.1-405b"].org == "org:meta"
    linker = EntityLinker(real_entities)
    assert map_gold_tag("llama-3-1-405b", "Model", linker) == "model:llama-3.1-405b"
    assert map_gold_tag("claude-3.5-sonnet", "Model", linker) == "model:claude-3.5-sonnet"
    assert map_gold_tag("meta-ai-fair", "Organization", linker) == "org:meta"
    assert map_gold_tag("google-deepmind", "Organization", linker) == "org:google"
    assert map_gold_tag("chatgpt", "Model", linker) is None


def test_linking_gold_f1(shared_data: Path, real_entities: list[CatalogEntity]) -> None:
    result = evaluate_linking(shared_data / "news" / "ainews_issues.jsonl", real_entities, split="test")
    models, orgs = result["models"], result["organizations"]
    print(
        f"\nlinking, test half ({result['issues']} issues): "
        f"models P={models['precision']} R={models['recall']} F1={models['f1']} "
        f"(gold in catalog {models['gold_in_catalog']}, not {models['gold_not_in_catalog']}); "
        f"orgs P={orgs['precision']} R={orgs['recall']} F1={orgs['f1']} "
        f"(gold in catalog {orgs['gold_in_catalog']}, not {orgs['gold_not_in_catalog']})"
    )
    assert models["gold_in_catalog"] > 0 and models["gold_not_in_catalog"] > 0
    assert models["f1"] >= MODEL_F1_MIN
    assert orgs["f1"] >= ORG_F1_MIN


def test_an_apostrophe_inside_a_name_keeps_the_longer_name(linker: EntityLinker) -> None:
    assert ids(linker, "Where is Huawei Noah's Ark Lab based?") == ["org:noah"]
    assert ids(linker, "Huawei Noah\u2019s Ark Lab and OpenAI's GPT-4o") == [
        "org:noah",
        "org:openai",
        "gpt-4o",
    ]
    assert ids(linker, "Huawei's new phone") == ["org:huawei"]


def test_a_bracketed_part_of_a_name_keeps_the_longer_name(linker: EntityLinker) -> None:
    assert ids(linker, "Compare DeepSeek V3 (Turbo) and GPT-4o") == ["deepseek-v3-turbo", "gpt-4o"]
    assert ids(linker, "DeepSeek V3 (the base model) is open") == ["deepseek-v3"]
