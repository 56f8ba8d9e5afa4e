"""Entity resolution: normalize, the required merges and non-merges, dates, determinism, anchors,
speed, and precision/recall on the hand-labelled pair sample (pure logic: records built by hand)."""

from __future__ import annotations

import csv
import random
import time
from pathlib import Path

import pytest

from catalog.records import ModelRecord, SourceName
from catalog.resolve import ModelCluster, ModelResolver, normalize, same_model
from catalog.resolve_eval import evaluate_pairs, format_report

PAIRS = Path(__file__).resolve().parents[1] / "data" / "entity_pairs.csv"

LS, MD, EP, LL = SourceName.LLM_STATS, SourceName.MODELS_DEV, SourceName.EPOCH, SourceName.LITELLM


def rec(
    source: SourceName, model_id: str, name: str | None = None, key: str | None = None, **extra
) -> ModelRecord:
    return ModelRecord(
        source=source, source_key=key or model_id, model_id=model_id, name=name or model_id, **extra
    )


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("gpt-4o-2024-08-06", "gpt-4o-20240806"),
        ("GPT-4o", "gpt-4o"),
        ("openrouter/openai/gpt-4o", "gpt-4o"),
        ("anthropic.claude-3-5-sonnet-20240620-v1:0", "claude-3-5-sonnet-20240620"),
        ("bedrock/us.anthropic.claude-3-5-sonnet-20241022-v2:0", "claude-3-5-sonnet-20241022"),
        ("Claude 3.5 Sonnet (2024-10-22)", "claude-3-5-sonnet-20241022"),
        ("vertex_ai/claude-3-5-haiku@20241022", "claude-3-5-haiku-20241022"),
        ("meta-llama/Llama-3.1-8B-Instruct", "llama-3-1-8b"),
        ("Llama 3.1 8B Instruct", "llama-3-1-8b"),
        ("Llama 3.1-8B", "llama-3-1-8b"),
        ("llama3.1-8b", "llama-3-1-8b"),
        ("mistralai/Mistral-7B-Instruct-v0.3", "mistral-7b-v0-3"),
        ("openrouter/z-ai/glm-4.5-air:free", "glm-4-5-air"),
        ("accounts/fireworks/models/deepseek-v3p1", "deepseek-v3-1"),
        ("together_ai/Qwen/Qwen2.5-7B-Instruct-Turbo", "qwen-2-5-7b"),
        ("groq/llama-3.3-70b-versatile", "llama-3-3-70b"),
        ("Qwen3-235B-A22B-Instruct-2507", "qwen-3-235b-a22b-2507"),
        ("Qwen3-235B-A22B-Instruct (Jul 2025)", "qwen-3-235b-a22b-2507"),
        ("GPT-4o (Aug 2024)", "gpt-4o-2408"),
        ("command-r-plus-08-2024", "command-r-plus-2408"),
        ("Command R+", "command-r-plus"),
        ("Mistral Small v24.09", "mistral-small-2409"),
        ("Amazon: Nova Micro 1.0", "nova-micro"),
        ("deepseek.r1-v1:0", "deepseek-r1"),
        ("Qwen: Qwen3-235B-A22B", "qwen-3-235b-a22b"),
        ("gemma3:27b", "gemma-3-27b"),
        ("gemma-3-27b-it", "gemma-3-27b"),
        ("o1-mini", "o1-mini"),
        ("moonshot-v1-8k", "moonshot-v1-8k"),
        ("anthropic.claude-v2:1", "claude-v2-1"),
        ("anthropic.claude-v2", "claude-v2"),
        ("anthropic.claude-instant-v1", "claude-instant"),
        ("llama-3.1-8b-instant", "llama-3-1-8b"),
        ("openai/gpt-5.1-instant", "gpt-5-1-instant"),  # OpenAI's model name, after a version: no tier
        ("mistral-7b-instruct-v03", "mistral-7b-v0-3"),
        ("amazon.nova-pro-v1:0", "nova-pro"),
        ("ERNIE-4.5-VL-424B-A47B (文心大模型4.5)", "ernie-4-5-vl-424b-a47b"),
        ("Steelskull/L3.3-Cu-Mai-R1-70b", "llama-3-3-cu-mai-r1-70b"),
        ("Gryphe/MythoMax-L2-13b", "mythomax-llama-2-13b"),
    ],
)
def test_normalize(text: str, expected: str) -> None:
    assert normalize(text) == expected


@pytest.mark.parametrize(
    ("a", "b"),
    [
        (
            rec(LS, "gpt-4o-2024-08-06", "GPT-4o"),
            rec(MD, "gpt-4o", "GPT-4o", key="openai/gpt-4o", first_party=True),
        ),
        (
            rec(LS, "gpt-4o-2024-08-06", "GPT-4o"),
            rec(MD, "openai/gpt-4o", "GPT-4o", key="openrouter/openai/gpt-4o"),
        ),
        (rec(LS, "gpt-4o-2024-08-06", "GPT-4o"), rec(LL, "azure/gpt-4o-2024-08-06")),
        (rec(LS, "gpt-4o-2024-08-06", "GPT-4o"), rec(EP, "GPT-4o (Aug 2024)")),
        (
            rec(LS, "claude-3-5-sonnet-20240620", "Claude 3.5 Sonnet"),
            rec(LL, "anthropic.claude-3-5-sonnet-20240620-v1:0"),
        ),
        (
            rec(LS, "llama-3.1-8b-instruct", "Llama 3.1 8B Instruct"),
            rec(MD, "meta-llama/Llama-3.1-8B-Instruct"),
        ),
        (rec(LS, "llama-3.1-8b-instruct", "Llama 3.1 8B Instruct"), rec(EP, "Llama 3.1-8B")),
        (
            rec(MD, "meta-llama/Llama-3.1-8B-Instruct"),
            rec(LL, "fireworks_ai/accounts/fireworks/models/llama-v3p1-8b-instruct"),
        ),
        (
            rec(MD, "anthropic/claude-4-opus", "Claude 4 Opus"),
            rec(MD, "claude-opus-4", "Claude Opus 4", key="x/claude-opus-4"),
        ),
        (rec(LL, "code-llama-34b"), rec(LL, "codellama/CodeLlama-34b-Instruct-hf")),
        (
            rec(MD, "arcee-trinity-large", "Trinity Large"),
            rec(MD, "arcee-ai/trinity-large", "Arcee AI: Trinity Large"),
        ),
    ],
)
def test_same_model_merges(a: ModelRecord, b: ModelRecord) -> None:
    assert same_model(a, b)
    assert same_model(b, a)


@pytest.mark.parametrize(
    ("a", "b"),
    [
        (rec(MD, "meta-llama/Llama-3.1-8B-Instruct"), rec(MD, "meta-llama/Llama-3.1-70B-Instruct", key="y")),
        (rec(LS, "llama-3.1-8b-instruct", "Llama 3.1 8B Instruct"), rec(EP, "Llama 3.1-70B")),
        (rec(LS, "o1-2024-12-17", "o1"), rec(MD, "openai/o1-mini", "o1-mini")),
        (rec(MD, "openai/gpt-4", "GPT-4"), rec(MD, "openai/gpt-4o", "GPT-4o", key="z")),
        (rec(MD, "openai/gpt-4", "GPT-4"), rec(MD, "openai/gpt-4-turbo", "GPT-4 Turbo", key="z")),
        (rec(MD, "openai/gpt-4o", "GPT-4o"), rec(MD, "openai/gpt-4-turbo", "GPT-4 Turbo", key="z")),
        (rec(LS, "gemini-1.5-pro", "Gemini 1.5 Pro"), rec(MD, "google/gemini-1.5-flash", "Gemini 1.5 Flash")),
        (rec(LS, "qwen-2.5-7b-instruct", "Qwen2.5 7B Instruct"), rec(MD, "Qwen/Qwen2.5-VL-7B-Instruct")),
        (rec(MD, "anthropic/claude-3-5-sonnet"), rec(MD, "anthropic/claude-3-7-sonnet", key="z")),
        (rec(LS, "deepseek-v3", "DeepSeek-V3"), rec(MD, "deepseek-ai/DeepSeek-R1")),
        (rec(LS, "deepseek-v3", "DeepSeek-V3"), rec(MD, "deepseek-ai/DeepSeek-V3-0324")),
        (rec(LS, "qwen3-235b-a22b", "Qwen3 235B A22B"), rec(MD, "Qwen/Qwen3-235B-A22B-Instruct-2507")),
        (rec(LS, "gemma-3n-e2b", "Gemma 3n E2B"), rec(MD, "google/gemma-3n-e4b-it")),
        (rec(LL, "magistral-small"), rec(LL, "mistral-small")),
        (rec(LL, "inclusionai/ling-1t"), rec(LL, "inclusionai/ring-1t")),
        (rec(LL, "anthropic.claude-v2:1"), rec(LL, "anthropic.claude-v1")),
        (rec(LL, "anthropic.claude-v2:1"), rec(LL, "anthropic.claude-v2")),
        (rec(LL, "anthropic.claude-instant-v1"), rec(LL, "anthropic.claude-v1")),
        (rec(LL, "anthropic.claude-v2:1"), rec(EP, "Claude")),
    ],
)
def test_different_models_stay_apart(a: ModelRecord, b: ModelRecord) -> None:
    assert not same_model(a, b)
    assert not same_model(b, a)


def test_two_curated_models_never_merge() -> None:
    # llm-stats lists both GPT-4o snapshots under the same name: they stay two models.
    assert not same_model(rec(LS, "gpt-4o-2024-05-13", "GPT-4o"), rec(LS, "gpt-4o-2024-08-06", "GPT-4o"))
    assert not same_model(rec(EP, "GPT-4o (May 2024)"), rec(EP, "GPT-4o (Aug 2024)"))


def test_snapshots_merge_unless_a_curated_source_splits_them() -> None:
    undated = rec(MD, "openai/gpt-4o", "GPT-4o")
    may, aug = rec(LL, "gpt-4o-2024-05-13"), rec(LL, "azure/gpt-4o-2024-08-06")
    clusters = ModelResolver().resolve([undated, may, aug])
    assert len(clusters) == 1  # provider snapshots meet through the undated id
    curated_may = rec(LS, "gpt-4o-2024-05-13", "GPT-4o")
    assert not same_model(curated_may, aug)  # a curated snapshot does not take another date
    assert same_model(curated_may, undated)

    clusters = ModelResolver().resolve(
        [undated, may, aug, curated_may, rec(LS, "gpt-4o-2024-08-06", "GPT-4o")]
    )
    by_key = {r.source_key: c.id for c in clusters for r in c.records}
    assert by_key["gpt-4o-2024-05-13"] == "gpt-4o-20240513"
    assert by_key["azure/gpt-4o-2024-08-06"] == "gpt-4o-20240806"
    assert by_key["openai/gpt-4o"] == "gpt-4o-20240806"  # an undated id joins the latest snapshot


def test_organisations_must_agree_when_known() -> None:
    a = rec(MD, "zephyr-7b", key="a/zephyr-7b", organization="acme")
    b = rec(MD, "zephyr-7b", key="b/zephyr-7b", organization="globex")
    assert not same_model(a, b)
    assert same_model(a, rec(MD, "zephyr-7b", key="c/zephyr-7b"))


def test_a_name_that_contradicts_the_id_is_ignored() -> None:
    # A reseller labels its Kimi K2.5 endpoint "Kimi K2 Instruct": the id wins.
    mislabelled = rec(MD, "Kimi-K2.5", "Kimi K2 Instruct", key="vultr/Kimi-K2.5")
    assert not same_model(rec(LS, "kimi-k2-instruct", "Kimi K2 Instruct"), mislabelled)
    assert same_model(rec(LL, "moonshot/kimi-k2.5"), mislabelled)


def test_cluster_ids_order_and_aliases() -> None:
    records = [
        rec(LL, "openrouter/openai/o3-mini"),
        rec(MD, "o3-mini", "o3-mini", key="azure/o3-mini"),
        rec(LS, "o3-mini", "o3-mini"),
        rec(MD, "o3-mini", "o3-mini", key="openai/o3-mini", first_party=True),
        rec(EP, "o3-mini"),
    ]
    (cluster,) = ModelResolver().resolve(records)
    assert cluster.id == "o3-mini"
    assert [r.source for r in cluster.records] == [LS, MD, EP, LL, MD]
    assert cluster.records[1].first_party
    assert cluster.aliases == ["o3-mini", "openrouter/openai/o3-mini"]


def test_colliding_ids_get_suffixes() -> None:
    a = rec(MD, "zephyr-7b", key="a/zephyr-7b", organization="acme")
    b = rec(MD, "zephyr-7b", key="b/zephyr-7b", organization="globex")
    assert [c.id for c in ModelResolver().resolve([b, a])] == ["zephyr-7b", "zephyr-7b-2"]


def _sample() -> list[ModelRecord]:
    """Every distinct record of the pair sample, as a realistic mixed input."""
    out = []
    with PAIRS.open(newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            for side in ("left", "right"):
                source, ident = SourceName(row[f"{side}_source"]), row[f"{side}_id"]
                model_id = ident.split("/", 1)[1] if source == MD else ident
                out.append(rec(source, model_id, row[f"{side}_name"], key=ident))
    return list({(r.source, r.source_key): r for r in out}.values())


def _shape(clusters: list[ModelCluster]) -> list[tuple[str, list[str]]]:
    return [(c.id, [f"{r.source}:{r.source_key}" for r in c.records]) for c in clusters]


def test_deterministic_under_shuffling() -> None:
    records = _sample()
    expected = _shape(ModelResolver().resolve(records))
    rng = random.Random(7)
    for _ in range(5):
        rng.shuffle(records)
        assert _shape(ModelResolver().resolve(records)) == expected


def test_anchors_keep_ids_across_runs() -> None:
    records = _sample()
    first = ModelResolver().resolve(records)
    anchors = {c.id: c.aliases for c in first}
    assert _shape(ModelResolver(anchors).resolve(records)) == _shape(first)

    # A later run: a new reseller id attaches to the existing model; a new model gets a fresh id.
    later = [rec(LL, "some_cloud/gpt-4o-2024-08-06"), rec(LL, "some_cloud/brand-new-model-9b")]
    clusters = {c.records[0].source_key: c.id for c in ModelResolver(anchors).resolve(later)}
    assert clusters["some_cloud/gpt-4o-2024-08-06"] == "gpt-4o-20240806"
    assert clusters["some_cloud/brand-new-model-9b"] == "brand-new-model-9b"


def test_new_ids_never_reuse_an_anchor_id() -> None:
    anchors = {"zephyr-7b": ["zephyr-7b"]}
    a = rec(MD, "zephyr-7b", key="a/zephyr-7b", organization="acme")
    b = rec(MD, "zephyr-7b", key="b/zephyr-7b", organization="globex")
    assert sorted(c.id for c in ModelResolver(anchors).resolve([a, b])) == [
        "zephyr-7b",
        "zephyr-7b-2",
    ]


def test_resolves_ten_thousand_records_in_seconds() -> None:
    families = ["llama", "qwen", "gemma", "mistral", "phi", "granite", "olmo", "falcon", "yi", "glm"]
    records = []
    for f, family in enumerate(families):
        for version in range(10):
            for size in (1, 3, 8, 14, 32, 70, 120, 235, 405, 671):
                for host in range(10):
                    model_id = f"{family}-{version}.{f}-{size}b-instruct"
                    records.append(rec(LL, f"host{host}/{model_id}"))
    start = time.perf_counter()
    clusters = ModelResolver().resolve(records)
    elapsed = time.perf_counter() - start
    print(f"resolved {len(records)} records into {len(clusters)} clusters in {elapsed:.2f}s")
    assert len(records) == 10_000 and len(clusters) == 1_000
    assert elapsed < 10


def test_entity_pairs_precision_recall() -> None:
    result = evaluate_pairs(PAIRS)
    print(format_report(result))
    assert result["pairs"] >= 150
    assert result["precision"] >= 0.98  # 146/148 = 0.986 since 'instruct' after 'turbo' stays
    assert result["recall"] >= 0.9
