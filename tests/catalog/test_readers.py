"""Catalog readers over the real source files, plus small malformed copies of each format."""

from __future__ import annotations

import csv
import json
from collections import Counter
from datetime import date
from pathlib import Path

import pytest

from catalog.orgs import license_id, org_from_model_name, org_from_source, org_id, organizations, slugify
from catalog.readers import EpochReader, LitellmReader, LlmStatsReader, ModelsDevReader, Reader, ReaderError
from catalog.readers.litellm import model_id_of
from catalog.records import ModelRecord, Quarantined

DATA = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "catalog"
LLM_STATS = DATA / "llm_stats"
EPOCH = DATA / "epoch_ai"
LITELLM = DATA / "litellm" / "model_prices_and_context_window_litellm-1.109.1.json"
MODELS_DEV_FILE = DATA / "models_dev" / "models_dev_api_2026-05.json"


class Result:
    """One full read: records by source key, quarantined rows, and the reader's counters."""

    def __init__(self, reader: Reader) -> None:
        rows = list(reader.read())
        self.reader = reader
        self.records = {r.source_key: r for r in rows if isinstance(r, ModelRecord)}
        self.quarantined = [r for r in rows if isinstance(r, Quarantined)]
        self.keys = [r.source_key for r in rows if isinstance(r, ModelRecord)]


@pytest.fixture(scope="module")
def models_dev() -> Result:
    return Result(ModelsDevReader())


@pytest.fixture(scope="module")
def llm_stats() -> Result:
    return Result(LlmStatsReader(LLM_STATS))


@pytest.fixture(scope="module")
def epoch() -> Result:
    return Result(EpochReader(EPOCH))


@pytest.fixture(scope="module")
def litellm() -> Result:
    return Result(LitellmReader(LITELLM))


# --- organisations and licences ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("meta-llama", "meta"),
        ("Meta", "meta"),
        ("Meta AI", "meta"),
        ("facebook", "meta"),
        ("mistralai", "mistral"),
        ("Mistral AI", "mistral"),
        ("qwen", "alibaba"),
        ("Alibaba", "alibaba"),
        ("Alibaba Cloud", "alibaba"),
        ("deepseek-ai", "deepseek"),
        ("openai", "openai"),
        ("OpenAI", "openai"),
        ("google", "google"),
        ("Google DeepMind", "google"),
        ("anthropic", "anthropic"),
        ("xai", "xai"),
        ("x-ai", "xai"),
        ("moonshotai", "moonshotai"),
        ("zai", "zhipuai"),
        ("zhipuai", "zhipuai"),
        ("Z.ai", "zhipuai"),
        ("zai-org", "zhipuai"),
        ("minimax", "minimax"),
        ("cohere", "cohere"),
        ("ai21", "ai21"),
        ("nvidia", "nvidia"),
        ("microsoft", "microsoft"),
        ("amazon", "amazon"),
        ("ibm", "ibm"),
        ("01-ai", "01-ai"),
        ("baidu", "baidu"),
        ("tencent", "tencent"),
        ("bytedance", "bytedance"),
        ("stepfun", "stepfun"),
        ("xiaomi", "xiaomi"),
        ("perplexity", "perplexity"),
        ("inception", "inception"),
        ("upstage", "upstage"),
        ("sarvam", "sarvam"),
        ("allenai", "allenai"),
        ("tii", "tii"),
        ("Technology Innovation Institute", "tii"),
        ("  META_LLAMA ", "meta"),
        ("Alibaba Cloud / Qwen Team", "alibaba"),
    ],
)
def test_org_id_maps_every_spelling_to_one_canonical_id(text: str, expected: str) -> None:
    assert org_id(text) == expected


def test_org_id_does_not_invent_organisations() -> None:
    assert org_id("Stanford University") is None
    assert org_id("") is None and org_id(None) is None
    assert org_from_source("Stanford University") == "stanford-university"
    assert (org_from_source("University of Montreal / Université de Montréal") or "é").isascii()
    assert org_from_source("Meta AI") == "meta"
    assert org_from_source("Unknown") is None


def test_registry_ids_are_canonical_slugs() -> None:
    orgs = organizations()
    assert len(orgs) >= 60
    assert all(org.id == slugify(org.id) for org in orgs.values())
    assert orgs["mistral"].country == "FR" and orgs["alibaba"].kind == "company"


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("claude-3-opus", "anthropic"),
        ("gpt-4o", "openai"),
        ("o3-mini", "openai"),
        ("Llama-3.1-Nemotron-70B-Instruct", "nvidia"),
        ("Meta-Llama-3.1-8B", "meta"),
        ("QwQ-32B", "alibaba"),
        ("olmo-2", "allenai"),
        ("novita-model", None),
        ("stepfun-x", None),
    ],
)
def test_family_prefixes(name: str, expected: str | None) -> None:
    assert org_from_model_name(name) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("apache_2_0", "apache-2.0"),
        ("Apache 2.0", "apache-2.0"),
        ("apache-2.0", "apache-2.0"),
        ("MIT", "mit"),
        ("llama_3_1", "llama-3.1"),
        ("Llama 3.1 Community License", "llama-3.1"),
        ("llama_3_3_community_license_agreement", "llama-3.3"),
        ("llama3_2", "llama-3.2"),
        ("Proprietary", "proprietary"),
        ("unknown", None),
        (None, None),
        ("MNPL-0.1", "mnpl-0.1"),
    ],
)
def test_license_id(text: str | None, expected: str | None) -> None:
    assert license_id(text) == expected


# --- models.dev ----------------------------------------------------------------------------------


def test_models_dev_installed_package_yields_llm_records(models_dev: Result) -> None:
    assert len(models_dev.records) > 4000
    assert len(models_dev.keys) == len(models_dev.records)  # source keys are unique
    gpt = models_dev.records["openai/gpt-4o"]
    assert (gpt.organization, gpt.first_party, gpt.context_length, gpt.max_output) == (
        "openai",
        True,
        128000,
        16384,
    )
    assert gpt.release_date == date(2024, 5, 13)
    assert gpt.knowledge_cutoff == date(2023, 9, 1)  # "2023-09" -> first day of the month
    assert gpt.input_modalities == ["image", "pdf", "text"] and gpt.tool_use is True
    offer = gpt.offers[0]
    assert (offer.provider_id, offer.input_usd_per_1m, offer.output_usd_per_1m) == ("openai", 2.5, 10.0)


def test_models_dev_organisation_of_resold_models(models_dev: Result) -> None:
    llama = models_dev.records["openrouter/meta-llama/llama-3.1-8b-instruct"]
    assert (llama.organization, llama.first_party, llama.open_weights) == ("meta", False, True)
    claude_on_bedrock = models_dev.records["amazon-bedrock/anthropic.claude-haiku-4-5-20251001-v1:0"]
    assert (claude_on_bedrock.organization, claude_on_bedrock.first_party) == ("anthropic", False)
    assert models_dev.records["alibaba-cn/MiniMax-M2.5"].organization == "minimax"
    assert models_dev.records["alibaba/qwen-max"].first_party is True
    known = set(organizations())
    assert {r.organization for r in models_dev.records.values()} - {None} <= known
    assert sum(r.organization is None for r in models_dev.records.values()) < 250


def test_models_dev_scope_and_unknowns(models_dev: Result) -> None:
    assert models_dev.reader.skipped > 150
    assert "openai/text-embedding-3-large" not in models_dev.records
    assert "openai/gpt-image-1" not in models_dev.records
    assert models_dev.records["poe/cerebras/llama-3.3-70b-cs"].context_length is None  # limit.context 0
    # A real invalid date in the data (February 31st) is quarantined, not crashed on.
    bad = {q.source_key: q.reason for q in models_dev.quarantined}
    assert "2025-02-31" in bad["azure/claude-haiku-4-5"]


def test_models_dev_file_matches_installed_package(models_dev: Result) -> None:
    from_file = Result(ModelsDevReader(MODELS_DEV_FILE))
    assert from_file.records.keys() == models_dev.records.keys()


def test_models_dev_malformed_rows_are_quarantined(tmp_path: Path) -> None:
    good = {
        "id": "acme-1",
        "name": "Acme 1",
        "family": "claude",
        "release_date": "2025-01",
        "knowledge": "2024-06-30",
        "limit": {"context": 0, "output": 4096},
        "modalities": {"input": ["text"], "output": ["text"]},
        "cost": {"input": 1, "output": 2},
        "open_weights": False,
    }
    models = {
        "good": good,
        "no-id": {k: v for k, v in good.items() if k != "id"},
        "bad-date": good | {"id": "bad-date", "release_date": "2025-13-01"},
        "negative": good | {"id": "negative", "limit": {"context": -5}},
        "wrong-type": good | {"id": "wrong-type", "name": 123},
        "bad-cost": good | {"id": "bad-cost", "cost": {"input": "cheap"}},
        "embed": good | {"id": "acme-embed-1"},
    }
    path = tmp_path / "models.json"
    path.write_text(json.dumps({"anthropic": {"name": "Anthropic", "models": models}, "broken": "nope"}))
    result = Result(ModelsDevReader(path))
    assert list(result.records) == ["anthropic/good"]
    rec = result.records["anthropic/good"]
    assert rec.release_date == date(2025, 1, 1) and rec.context_length is None
    assert (rec.organization, rec.first_party) == ("anthropic", True)
    reasons = {q.source_key: q.reason for q in result.quarantined}
    assert set(reasons) == {
        f"anthropic/{k}" for k in ("no-id", "bad-date", "negative", "wrong-type", "bad-cost")
    } | {"broken"}
    assert "'id'" in reasons["anthropic/no-id"]
    assert "release_date" in reasons["anthropic/bad-date"]
    assert "context_length" in reasons["anthropic/negative"]
    assert "name" in reasons["anthropic/wrong-type"]
    assert all("\n" not in r for r in reasons.values())
    assert result.reader.skipped == 1
    assert result.quarantined[0].raw


# --- llm-stats -----------------------------------------------------------------------------------


def test_llm_stats_reads_every_model(llm_stats: Result) -> None:
    assert len(llm_stats.records) == 169 and llm_stats.quarantined == []
    assert sum(len(r.scores) for r in llm_stats.records.values()) == 2224
    assert sum(len(r.offers) for r in llm_stats.records.values()) == 244
    orgs = Counter(r.organization for r in llm_stats.records.values())
    assert orgs["alibaba"] == 24 and orgs["zhipuai"] == 4 and None not in orgs
    assert set(llm_stats.reader.organizations) <= set(organizations())
    assert llm_stats.reader.organizations["mistral"].country == "FR"


def test_llm_stats_open_model(llm_stats: Result) -> None:
    llama = llm_stats.records["llama-3.1-8b-instruct"]
    assert (llama.organization, llama.parameters, llama.open_weights) == ("meta", 8_000_000_000, True)
    assert (llama.license, llama.license_name) == ("llama-3.1", "Llama 3.1 Community License")
    assert llama.knowledge_cutoff == date(2023, 12, 31) and llama.release_date == date(2024, 7, 23)
    assert llama.context_length == 131072 and llama.source_url == "https://ai.meta.com/blog/meta-llama-3-1/"
    groq = next(o for o in llama.offers if o.provider_id == "groq")
    assert (groq.input_usd_per_1m, groq.output_usd_per_1m) == (0.05, 0.08)  # from cents per million


def test_llm_stats_proprietary_model_and_scores(llm_stats: Result) -> None:
    gpt = llm_stats.records["gpt-4o-2024-08-06"]
    assert (gpt.license, gpt.open_weights, gpt.parameters, gpt.parameters_disclosed) == (
        "proprietary",
        False,
        None,
        False,
    )
    assert gpt.input_modalities == ["image", "text"] and gpt.context_length == 128000
    aime = next(s for s in gpt.scores if s.benchmark_id == "aime-2024")
    assert (aime.benchmark_name, aime.score, aime.self_reported) == ("AIME 2024", 0.131, True)
    assert aime.categories == ["math", "reasoning"]


def test_llm_stats_lineage(llm_stats: Result) -> None:
    r1 = llm_stats.records["deepseek-r1-0528"]
    assert (r1.base_model, r1.base_relation, r1.license) == ("deepseek-r1", "FINE_TUNED_FROM", "mit")
    assert sum(r.base_model is not None for r in llm_stats.records.values()) == 15


def _write(path: Path, content: object) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(content if isinstance(content, str) else json.dumps(content))
    return path


def test_llm_stats_malformed_rows_are_quarantined(tmp_path: Path) -> None:
    org = tmp_path / "organizations" / "acme"
    _write(org / "organization.json", {"organization_id": "acme", "name": "Acme Labs", "country": "FR"})
    base = {"name": "Acme", "organization_id": "acme", "release_date": "2025-01-02", "license_id": "mit"}
    _write(org / "models" / "good" / "model.json", base | {"model_id": "good", "param_count": 7_000_000_000})
    _write(
        org / "models" / "good" / "benchmarks.json", [{"benchmark_id": "mmlu", "score": 0.5}, {"score": 1}]
    )
    _write(org / "models" / "no-id" / "model.json", base)
    _write(
        org / "models" / "bad-date" / "model.json", base | {"model_id": "bad-date", "release_date": "soon"}
    )
    _write(org / "models" / "neg" / "model.json", base | {"model_id": "neg", "param_count": -1})
    _write(org / "models" / "garbage" / "model.json", "{not json")
    _write(tmp_path / "licenses" / "mit.json", {"license_id": "mit", "name": "MIT", "allow_commercial": True})
    offer = {"model_id": "good", "provider_id": "p", "input_cents_per_million_tokens": 150}
    _write(tmp_path / "providers" / "p" / "models.json", [offer, offer | {"max_input_tokens": -3}])
    result = Result(LlmStatsReader(tmp_path))
    assert list(result.records) == ["good"]
    good = result.records["good"]
    assert good.organization == "acme-labs" and good.license_allows_commercial is True
    assert [s.benchmark_id for s in good.scores] == ["mmlu"] and good.offers[0].input_usd_per_1m == 1.5
    reasons = {q.source_key: q.reason for q in result.quarantined}
    assert "'model_id'" in reasons["no-id"]
    assert "release_date" in reasons["bad-date"]
    assert "parameters" in reasons["neg"]
    assert "not readable JSON" in reasons["organizations/acme/models/garbage/model.json"]
    assert "benchmark_id" in reasons["good/benchmarks/None"]
    assert any("max_input_tokens" in r for k, r in reasons.items() if k.startswith("providers/p"))
    assert result.reader.organizations["acme-labs"].country == "FR"


# --- Epoch ---------------------------------------------------------------------------------------


def test_epoch_directory_reads_language_models_with_lineage(epoch: Result) -> None:
    assert len(epoch.records) == 484 and epoch.quarantined == []
    assert epoch.reader.skipped == 492  # non-language models
    r1 = epoch.records["DeepSeek-R1"]
    assert (r1.organization, r1.parameters, r1.open_weights) == ("deepseek", 671_000_000_000, True)
    assert (r1.base_model, r1.base_relation, r1.release_date) == (
        "DeepSeek-V3",
        "FINE_TUNED_FROM",
        date(2025, 1, 20),
    )
    claude = epoch.records["Claude 3.5 Sonnet"]
    assert (claude.organization, claude.parameters, claude.parameters_disclosed, claude.open_weights) == (
        "anthropic",
        None,
        False,
        False,
    )
    llama = epoch.records["Llama 3.1-405B"]
    assert (llama.organization, llama.parameters, llama.open_weights) == ("meta", 405_000_000_000, True)
    assert epoch.records["Solar Open 100B"].organization == "upstage"
    assert epoch.reader.organizations["stanford-university"].country == "US"


def test_epoch_hub_scores_join_by_model_name(epoch: Result) -> None:
    scored = [r for r in epoch.records.values() if r.scores]
    assert len(scored) >= 30 and sum(len(r.scores) for r in scored) == 173
    gpqa = next(s for s in epoch.records["DeepSeek-R1"].scores if s.benchmark_id == "gpqa-diamond")
    assert gpqa.benchmark_name == "GPQA diamond" and gpqa.self_reported is False
    assert round(gpqa.score, 4) == 0.7172
    assert isinstance(epoch.reader, EpochReader) and epoch.reader.unmatched_runs == 163


def test_epoch_single_file(tmp_path: Path) -> None:
    result = Result(EpochReader(EPOCH / "all_ai_models_2025-03.csv"))
    assert len(result.records) == 1041 and not any(r.scores for r in result.records.values())


def test_epoch_malformed_rows_are_quarantined(tmp_path: Path) -> None:
    columns = [
        "Model",
        "Organization",
        "Publication date",
        "Domain",
        "Parameters",
        "Model accessibility",
        "Base model",
    ]
    rows = [
        [
            "Good LM",
            "Meta AI,Stanford University",
            "2024-01-02",
            "Language",
            "1.76e+12",
            "Open weights (restricted)",
            "",
        ],
        ["", "OpenAI", "2024-01-02", "Language", "", "API access", ""],
        ["Bad Date", "OpenAI", "2024-02-30", "Language", "", "API access", ""],
        ["Bad Params", "OpenAI", "2024-01-02", "Language", "lots", "API access", ""],
        ["Negative", "OpenAI", "2024-01-02", "Language", "-5", "API access", ""],
        ["Vision Only", "OpenAI", "2024-01-02", "Vision", "", "API access", ""],
    ]
    path = tmp_path / "notable.csv"
    with path.open("w", newline="", encoding="utf-8") as handle:
        csv.writer(handle).writerows([columns, *rows])
    result = Result(EpochReader(path))
    assert list(result.records) == ["Good LM"]
    good = result.records["Good LM"]
    assert (good.organization, good.parameters, good.open_weights) == ("meta", 1_760_000_000_000, True)
    reasons = {q.source_key: q.reason for q in result.quarantined}
    assert "'Model'" in reasons["notable.csv:3"]
    assert "Publication date" in reasons["Bad Date"]
    assert "Parameters" in reasons["Bad Params"]
    assert "parameters" in reasons["Negative"]
    assert result.reader.skipped == 1


# --- litellm -------------------------------------------------------------------------------------


def test_litellm_reads_chat_models(litellm: Result) -> None:
    assert len(litellm.records) > 3200 and litellm.quarantined == []
    assert "sample_spec" not in litellm.records and litellm.reader.skipped > 1200
    gpt = litellm.records["gpt-4o"]
    assert (gpt.model_id, gpt.organization, gpt.first_party, gpt.context_length) == (
        "gpt-4o",
        "openai",
        True,
        128000,
    )
    assert (gpt.offers[0].input_usd_per_1m, gpt.offers[0].output_usd_per_1m) == (2.5, 10.0)
    assert gpt.input_modalities == ["image", "pdf", "text"] and gpt.tool_use is True


def test_litellm_model_ids_and_resellers(litellm: Result) -> None:
    azure = litellm.records["azure/gpt-4o-2024-05-13"]
    assert (azure.model_id, azure.organization, azure.first_party) == ("gpt-4o-2024-05-13", "openai", False)
    bedrock = litellm.records["anthropic.claude-3-5-sonnet-20240620-v1:0"]
    assert (bedrock.model_id, bedrock.organization, bedrock.first_party) == (
        "claude-3-5-sonnet-20240620",
        "anthropic",
        False,
    )
    regional = litellm.records["bedrock/us-gov-east-1/nvidia.nemotron-nano-12b-v2"]
    assert (regional.model_id, regional.organization) == ("nemotron-nano-12b-v2", "nvidia")
    vertex = litellm.records["vertex_ai/claude-sonnet-4-5@20250929"]
    assert vertex.model_id == "claude-sonnet-4-5-20250929" and vertex.reasoning is True
    kimi = litellm.records["deepinfra/moonshotai/Kimi-K2-Instruct"]
    assert (kimi.model_id, kimi.organization) == ("moonshotai/Kimi-K2-Instruct", "moonshotai")
    assert litellm.records["gemini/gemini-2.5-pro"].model_id == "gemini-2.5-pro"
    assert litellm.records["perplexity/llama-3.1-8b-instruct"].first_party is False
    assert litellm.records["databricks/databricks-gpt-5"].model_id == "gpt-5"


def test_litellm_malformed_rows_are_quarantined(tmp_path: Path) -> None:
    good = {
        "litellm_provider": "openai",
        "mode": "chat",
        "max_input_tokens": 1000,
        "input_cost_per_token": 1e-06,
    }
    data = {
        "sample_spec": {"mode": "one of: chat, embedding"},
        "gpt-good": good,
        "negative": good | {"max_input_tokens": -1},
        "wrong-type": good | {"input_cost_per_token": "cheap"},
        "no-provider": {"mode": "chat"},
        "not-an-object": 42,
        "text-embedding-x": good | {"mode": "embedding"},
    }
    path = tmp_path / "prices.json"
    path.write_text(json.dumps(data))
    result = Result(LitellmReader(path))
    assert list(result.records) == ["gpt-good"]
    assert result.records["gpt-good"].offers[0].input_usd_per_1m == 1.0
    reasons = {q.source_key: q.reason for q in result.quarantined}
    assert set(reasons) == {"negative", "wrong-type", "no-provider", "not-an-object"}
    assert "context_length" in reasons["negative"] and "input_usd_per_1m" in reasons["wrong-type"]
    assert "'litellm_provider'" in reasons["no-provider"]
    assert result.reader.skipped == 2


# --- unreadable sources --------------------------------------------------------------------------


def _garbage(path: Path) -> Path:
    path.write_bytes(bytes(range(256)) * 4)
    return path


@pytest.mark.parametrize(
    "make",
    [
        lambda tmp: ModelsDevReader(tmp / "missing.json"),
        lambda tmp: ModelsDevReader(_garbage(tmp / "garbage.json")),
        lambda tmp: ModelsDevReader(_write(tmp / "list.json", [1, 2])),
        lambda tmp: LitellmReader(tmp / "missing.json"),
        lambda tmp: LitellmReader(_garbage(tmp / "garbage.json")),
        lambda tmp: LitellmReader(_write(tmp / "flat.json", {"a": 1})),
        lambda tmp: LlmStatsReader(tmp / "missing"),
        lambda tmp: LlmStatsReader(tmp),
        lambda tmp: LlmStatsReader((tmp / "organizations").mkdir() or tmp),
        lambda tmp: EpochReader(tmp / "missing.csv"),
        lambda tmp: EpochReader(_garbage(tmp / "garbage.csv")),
        lambda tmp: EpochReader(tmp),
        lambda tmp: EpochReader(_write(tmp / "other.csv", "a,b\n1,2\n")),
    ],
)
def test_unreadable_source_raises_reader_error(tmp_path: Path, make) -> None:  # type: ignore[no-untyped-def]
    reader = make(tmp_path)
    with pytest.raises(ReaderError) as error:
        list(reader.read())
    message = str(error.value)
    assert str(tmp_path) in message and message.endswith(".") and "\n" not in message


@pytest.mark.parametrize(
    ("key", "expected"),
    [
        ("bedrock/us-east-1/anthropic.claude-v2:1", "claude-v2:1"),  # Claude 2.1, not Claude
        ("anthropic.claude-3-5-sonnet-20240620-v1:0", "claude-3-5-sonnet-20240620"),
        ("amazon.nova-pro-v1:0", "nova-pro"),
        ("mistral.mistral-7b-instruct-v0:2", "mistral-7b-instruct-v0:2"),
    ],
)
def test_a_bedrock_revision_is_stripped_but_a_version_stays(key: str, expected: str) -> None:
    assert model_id_of(key, "bedrock") == expected
