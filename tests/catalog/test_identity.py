"""Model identity: canonical models vs listings, derivatives, curation, display names, and the
hand-labelled listing pairs (pure logic: records built by hand, except the pair evaluation)."""

from __future__ import annotations

import csv
from datetime import date
from pathlib import Path

import pytest

from catalog.curation import Curation, Decision, load_curation
from catalog.identity import (
    UNKNOWN_DEVELOPER,
    Evidence,
    Identity,
    identify,
    maker_of,
    strip_variant,
    variant_ladder,
)
from catalog.identity_eval import SETS, evaluate_listing_pairs, format_report, identity_of
from catalog.names import clean_name, disambiguate, display_name, pretty_id, without_tier
from catalog.records import ModelRecord, SourceName
from catalog.resolve import ModelResolver, name_key, normalize

LS, MD, EP, LL = SourceName.LLM_STATS, SourceName.MODELS_DEV, SourceName.EPOCH, SourceName.LITELLM
DATA = Path(__file__).resolve().parents[1] / "data"


def rec(
    source: SourceName, key: str, model_id: str | None = None, name: str | None = None, **extra
) -> ModelRecord:
    model_id = model_id or key.split("/", 1)[-1]
    return ModelRecord(source=source, source_key=key, model_id=model_id, name=name or model_id, **extra)


def run(*records: ModelRecord, curation: Curation | None = None) -> Identity:
    return identify(ModelResolver().resolve(records), curation)


def model_of(identity: Identity, source_key: str) -> str | None:
    return next((m.id for m in identity.models for r in m.records if r.source_key == source_key), None)


LLAMA_31 = [
    rec(LS, "llama-3.1-8b-instruct", name="Llama 3.1 8B Instruct", organization="meta", open_weights=True),
    rec(LS, "llama-3.1-70b-instruct", name="Llama 3.1 70B Instruct", organization="meta", open_weights=True),
]
CLAUDE = rec(
    LS, "claude-opus-4-1-20250805", name="Claude Opus 4.1", organization="anthropic", open_weights=False
)


def test_reseller_sku_and_reasoning_budget_are_listings_of_the_model() -> None:
    fast = rec(LL, "zerogpu/llama-3.1-8b-instruct-fast", organization="meta")
    budget = rec(MD, "nano-gpt/claude-opus-4-1-thinking:32768", name="Claude 4.1 Opus Thinking (32K)")
    identity = run(*LLAMA_31, CLAUDE, fast, budget)
    assert len(identity.models) == 3
    assert model_of(identity, fast.source_key) == model_of(identity, "llama-3.1-8b-instruct")
    assert model_of(identity, budget.source_key) == model_of(identity, CLAUDE.source_key)
    listings = {x.records[0].source_key: x for x in identity.listings}
    assert listings[fast.source_key].evidence is Evidence.VARIANT and listings[fast.source_key].resolved


def test_a_size_less_id_of_several_sizes_stays_an_unresolved_listing_with_candidates() -> None:
    identity = run(*LLAMA_31, rec(LL, "fireworks_ai/llama3.1", organization="meta"))
    (listing,) = identity.listings
    assert not listing.resolved and listing.evidence is Evidence.AMBIGUOUS
    assert len(listing.candidates) == 2


def test_open_weights_thinking_release_is_not_a_mode_of_its_base() -> None:
    base = rec(LS, "qwen3-30b-a3b", name="Qwen3 30B A3B", organization="alibaba", open_weights=True)
    thinking = rec(LL, "novita/qwen/qwen3-30b-a3b-thinking", organization="alibaba")
    mode = rec(
        MD, "nano-gpt/qwen/qwen3-30b-a3b:thinking", name="Qwen3 30B A3B Thinking", organization="alibaba"
    )
    as_mode = run(base, mode)
    assert model_of(as_mode, mode.source_key) == model_of(as_mode, base.source_key)
    as_release = run(base, thinking)
    assert model_of(as_release, thinking.source_key) != model_of(as_release, base.source_key)


def test_community_fine_tune_is_its_makers_model_fine_tuned_from_the_base() -> None:
    base = rec(LS, "llama-3.3-70b-instruct", name="Llama 3.3 70B Instruct", organization="meta")
    owned = rec(
        MD, "nano-gpt/huihui-ai/Llama-3.3-70B-Instruct-abliterated", name="Llama 3.3 70B Instruct abliterated"
    )
    anonymous = rec(
        MD,
        "nano-gpt/Llama-3.3-70B-ArliAI-RPMax-v2",
        name="Llama 3.3 70B ArliAI RPMax v2",
        organization="meta",
    )
    identity = run(base, owned, anonymous)
    models = {m.records[0].source_key: m for m in identity.models}
    base_id = models[base.source_key].id
    assert models[owned.source_key].evidence is Evidence.DERIVATIVE
    assert (models[owned.source_key].developer, models[owned.source_key].base_id) == ("huihui-ai", base_id)
    assert (models[anonymous.source_key].developer, models[anonymous.source_key].base_id) == (
        UNKNOWN_DEVELOPER,
        base_id,
    )


def test_moving_alias_is_never_a_model() -> None:
    pointer = rec(LL, "mistral/devstral-latest", organization="mistral", first_party=True)
    identity = run(pointer)
    assert identity.models == [] and len(identity.listings) == 1


def test_curation_attaches_promotes_and_keeps() -> None:
    classic = rec(MD, "poe/openai/gpt-4-classic", name="GPT-4-Classic")  # Poe's name for GPT-4 (0613)
    snapshot = rec(LS, "gpt-4-0613", name="GPT-4", organization="openai")
    router = rec(MD, "kilo/kilo-auto/frontier", name="Kilo Auto Frontier")
    assert model_of(run(snapshot, classic), classic.source_key) is None
    decisions = Curation(
        decisions=[
            Decision(listing="poe/openai/gpt-4-classic", attach="gpt-4-0613"),
            Decision(listing="kilo/kilo-auto/frontier", keep=True),
        ]
    )
    identity = run(snapshot, classic, router, curation=decisions)
    assert model_of(identity, classic.source_key) == "gpt-4-0613"
    assert model_of(identity, router.source_key) is None
    promoted = run(
        router, curation=Curation(decisions=[Decision(listing="frontier", promote=True, developer="unknown")])
    )
    assert [m.developer for m in promoted.models] == [UNKNOWN_DEVELOPER]
    with pytest.raises(ValueError):
        Decision(listing="x", attach="y", keep=True)


def test_the_shipped_curation_file_loads() -> None:
    assert load_curation().version == 1


@pytest.mark.parametrize(
    ("key", "expected"),
    [
        (("claude", "opus", "4", "1", "thinking", "32768"), ("claude", "opus", "4", "1")),
        (("qwen", "3", "5", "9b", "q4", "k", "m"), ("qwen", "3", "5", "9b")),
        (("llama", "3", "3", "70b", "fp4", "fast"), ("llama", "3", "3", "70b")),
        (("doubao", "seed", "1", "8", "251215"), ("doubao", "seed", "1", "8")),
        (("qwen", "3", "30b", "a3b", "thinking", "2507"), ("qwen", "3", "30b", "a3b", "thinking", "2507")),
        (("gpt", "oss", "120b", "mxfp", "4"), ("gpt", "oss", "120b")),
    ],
)
def test_strip_variant(key: tuple[str, ...], expected: tuple[str, ...]) -> None:
    assert strip_variant(key) == expected


@pytest.mark.parametrize(
    "key",
    [
        ("gpt", "oss", "120b", "mxfp", "4"),
        ("qwen", "3", "5", "9b", "q4", "k", "m"),
        ("llama", "3", "fp", "8"),
    ],
)
def test_strip_variant_and_the_variant_ladder_read_quantisation_alike(key: tuple[str, ...]) -> None:
    """One quantisation reading (catalog/identity.py `_without_quantisation`) serves both."""
    assert variant_ladder(key)[0][0] == strip_variant(key, thinking=False)


@pytest.mark.parametrize(
    ("name", "model_id", "expected"),
    [
        ("Anthropic: Claude 3.5 Sonnet v2", "claude-3-5-sonnet", "Claude 3.5 Sonnet v2"),
        ("Mistral: Saba", "mistralai/mistral-saba", "Mistral Saba"),
        ("Qwen 3.5 9B (Q4_K_M)", "qwen3_5-9b-q4_k_m", "Qwen 3.5 9B"),
        ("Mistral Large (latest)", "mistral-large-latest", "Mistral Large"),
        ("Seed 1.8 (251228)", "seed-1-8-251228", "Seed 1.8"),
    ],
)
def test_clean_name(name: str, model_id: str, expected: str) -> None:
    assert clean_name(name, model_id) == expected


def test_raw_ids_are_written_out_and_litellm_keys_never_shown() -> None:
    assert pretty_id("deepseek-coder-1b-base", {"deepseek": "DeepSeek"}) == "DeepSeek Coder 1B Base"
    assert pretty_id("claude-haiku-5-5", {}) == "Claude Haiku 5.5"
    assert pretty_id("xai/grok-build-latest", {}) == "Grok Build"
    assert pretty_id("volcengine/doubao-seed-2-1-pro-260628", {}) == "Doubao Seed 2.1 Pro"
    records = [rec(LL, "fireworks_ai/accounts/fireworks/models/qwen2-vl-2b-instruct", "qwen2-vl-2b-instruct")]
    assert display_name(records, {"qwen2": "Qwen2", "vl": "VL"}) == "Qwen2 VL 2B Instruct"
    assert name_key("Qwen2 VL 2B Instruct") == name_key("qwen2-vl-2b-instruct")


@pytest.mark.parametrize(
    ("name", "floor"), [("test", (0.98, 0.94)), ("dev", (0.95, 0.91)), ("new", (0.95, 0.95))]
)
def test_listing_pairs_precision_and_recall(shared_data: Path, name: str, floor: tuple[float, float]) -> None:
    """The hand-labelled pairs drawn from the listings: the held-out test set
    (tests/data/listing_pairs_test.csv, labelled before the rules it measures were written) and the
    dev set the rules were tuned on (tests/data/listing_pairs.csv). The floors catch a regression."""
    path = SETS[name]
    with path.open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) >= (50 if name == "new" else 200) and all(r["same"] in ("0", "1") for r in rows)
    result = evaluate_listing_pairs(identity_of(shared_data), path)
    print(format_report(result))
    assert result["precision"] >= floor[0], format_report(result)
    assert result["recall"] >= floor[1], format_report(result)


def test_held_out_pairs_share_no_record_with_the_dev_set() -> None:
    def records(path: Path) -> set[str]:
        with path.open(newline="") as handle:
            return {r["record"] for r in csv.DictReader(handle)}

    assert not records(SETS["test"]) & records(SETS["dev"])


def test_reseller_prefixes_and_developer_brands_are_read_away() -> None:
    glm = rec(LL, "zai/glm-5.3", organization="zhipuai", first_party=True)
    seed = rec(LS, "seed-2.0-lite", name="Seed 2.0 Lite", organization="bytedance")
    coding = rec(MD, "aihubmix/coding-glm-5.3", name="Coding GLM 5.3")
    duo = rec(MD, "gitlab/duo-chat-glm-5-3", name="Duo Chat GLM 5.3")
    brand = rec(
        MD, "zenmux/volcengine/doubao-seed-2.0-lite", name="Doubao-Seed-2.0-lite", organization="bytedance"
    )
    identity = run(glm, seed, coding, duo, brand)
    assert {model_of(identity, r.source_key) for r in (coding, duo)} == {model_of(identity, glm.source_key)}
    assert model_of(identity, brand.source_key) == model_of(identity, seed.source_key)
    assert (
        model_of(run(glm, rec(MD, "other/coding-glm-5.3")), "other/coding-glm-5.3") is None
    )  # not its table


def test_the_longest_reading_that_names_a_model_wins() -> None:
    grok = rec(LS, "grok-4", name="Grok-4", organization="xai", open_weights=False)
    fast = rec(LS, "grok-4-fast", name="Grok 4 Fast", organization="xai", open_weights=False)
    listing = rec(MD, "poe/xai/grok-4-fast-reasoning", name="Grok-4-Fast-Reasoning", organization="xai")
    identity = run(grok, fast, listing)
    assert model_of(identity, listing.source_key) == model_of(identity, fast.source_key)


def test_thinking_is_a_mode_of_a_model_its_records_call_a_reasoning_model() -> None:
    def model(reasoning: bool) -> list[ModelRecord]:
        return [
            rec(LL, f"p{i}/deepseek-v3.2", organization="deepseek", open_weights=True, reasoning=reasoning)
            for i in range(4)
        ] + [
            rec(LL, "deepseek/deepseek-v3.2", organization="deepseek", first_party=True, reasoning=reasoning)
        ]

    thinking = rec(MD, "vercel/deepseek/deepseek-v3.2-thinking", organization="deepseek")
    hybrid = run(*model(True), thinking)
    assert model_of(hybrid, thinking.source_key) == model_of(hybrid, "deepseek/deepseek-v3.2")
    instruct = run(*model(False), thinking)
    assert model_of(instruct, thinking.source_key) != model_of(instruct, "deepseek/deepseek-v3.2")


def test_thinking_listed_with_the_same_date_as_the_model_is_its_mode_a_later_one_a_release() -> None:
    """A provider that lists an open model most records call a reasoning one (but fewer than a hybrid's
    share) and its "-thinking" id released the same day serves two modes of one release (DeepSeek
    V3.2 Exp); a "-Thinking" checkpoint published months later (ERNIE 4.5 21B A3B Thinking), or beside
    a model most records call non-reasoning (Qwen3-Omni's Instruct and Thinking checkpoints), is a
    release of its own; and the mode never falls through to a shorter name
    ('deepseek-v3.2-exp-thinking' is not DeepSeek V3.2)."""
    day, later = date(2025, 9, 29), date(2025, 12, 1)

    def exp(released: date, reasoning: bool = True) -> list[ModelRecord]:
        return [
            rec(
                LS, "deepseek-v3.2-exp", name="DeepSeek-V3.2-Exp", organization="deepseek", open_weights=True
            ),
            rec(LS, "deepseek-v3.2", name="DeepSeek-V3.2", organization="deepseek", open_weights=True),
            *(
                rec(MD, f"p{i}/deepseek-ai/deepseek-v3.2", organization="deepseek", reasoning=True)
                for i in range(3)
            ),
            *(
                rec(MD, f"p{i}/deepseek-ai/deepseek-v3.2-exp", organization="deepseek", reasoning=reasoning)
                for i in range(2)
            ),
            rec(
                MD,
                "nano-gpt/deepseek-ai/deepseek-v3.2-exp",
                organization="deepseek",
                reasoning=False,
                release_date=released,
            ),
        ]

    thinking = rec(
        MD,
        "nano-gpt/deepseek-ai/deepseek-v3.2-exp-thinking",
        organization="deepseek",
        reasoning=True,
        release_date=day,
    )
    same_day = run(*exp(day), thinking)
    assert model_of(same_day, thinking.source_key) == model_of(same_day, "deepseek-v3.2-exp")
    for other in (run(*exp(later), thinking), run(*exp(day, reasoning=False), thinking)):
        assert model_of(other, thinking.source_key) not in (
            model_of(other, "deepseek-v3.2-exp"),
            model_of(other, "deepseek-v3.2"),
        )


def test_a_thinking_checkpoint_a_provider_dates_months_after_the_open_model_is_its_own_release() -> None:
    """ERNIE 4.5 VL 28B A3B (June 2025) is called a reasoning model by most records, but the provider
    that lists it dates its "-Thinking" id November 2025: a release of its own, not a mode of it."""

    def ernie(released: date) -> list[ModelRecord]:
        return [
            *(
                rec(
                    MD,
                    f"p{i}/baidu/ernie-4.5-vl-28b-a3b",
                    organization="baidu",
                    reasoning=True,
                    open_weights=True,
                )
                for i in range(3)
            ),
            rec(LL, "baidu/ernie-4.5-vl-28b-a3b", organization="baidu", first_party=True, reasoning=True),
            rec(MD, "novita-ai/baidu/ernie-4.5-vl-28b-a3b", organization="baidu", release_date=released),
        ]

    thinking = rec(
        MD,
        "novita-ai/baidu/ernie-4.5-vl-28b-a3b-thinking",
        organization="baidu",
        reasoning=True,
        release_date=date(2025, 11, 26),
    )
    later = run(*ernie(date(2025, 6, 30)), thinking)
    assert model_of(later, thinking.source_key) != model_of(later, "baidu/ernie-4.5-vl-28b-a3b")
    together = run(*ernie(date(2025, 11, 26)), thinking)
    assert model_of(together, thinking.source_key) == model_of(together, "baidu/ernie-4.5-vl-28b-a3b")


def test_a_dated_preview_is_a_snapshot_listing_but_never_of_another_snapshot() -> None:
    pro = rec(LS, "gemini-2.5-pro", name="Gemini 2.5 Pro", organization="google")
    turbo = rec(LS, "gpt-3.5-turbo-0125", name="GPT-3.5 Turbo", organization="openai")
    preview = rec(MD, "nano-gpt/gemini-2.5-pro-preview-03-25", name="Gemini 2.5 Pro Preview 0325")
    older = rec(MD, "azure/gpt-3.5-turbo-0301", name="GPT-3.5 Turbo 0301", organization="openai")
    identity = run(pro, turbo, preview, older)
    assert model_of(identity, preview.source_key) == model_of(identity, pro.source_key)
    assert model_of(identity, older.source_key) is None


def test_a_dated_snapshot_served_with_a_speed_tier_is_a_listing_of_the_model() -> None:
    """The serving word comes off before the date tag: 'DeepSeek-V4.1-Flash-1017-Fast' and Fireworks'
    router 'deepseek-v4p1-flash-1017-spot' are DeepSeek V4.1 Flash, like 'deepseek-v4.1-flash-1017'."""
    flash = rec(LS, "deepseek-v4.1-flash", name="DeepSeek-V4.1-Flash", organization="deepseek")
    fast = rec(LL, "baseten/deepseek-ai/DeepSeek-V4.1-Flash-1017-Fast", organization="deepseek")
    spot = rec(
        LL,
        "fireworks_ai/accounts/fireworks/routers/deepseek-v4p1-flash-1017-spot",
        "deepseek-v4p1-flash-1017-spot",
        organization="deepseek",
    )
    identity = run(flash, fast, spot)
    assert model_of(identity, fast.source_key) == model_of(identity, flash.source_key)
    assert model_of(identity, spot.source_key) == model_of(identity, flash.source_key)


def test_a_month_named_listing_is_the_dated_snapshot_of_that_month() -> None:
    """Poe's 'Claude-Sonnet-3.5-June' is the 20240620 snapshot, 'GPT-4o-Aug' the 20240806 one; a month no
    snapshot has stays unresolved."""
    june = rec(LS, "claude-3-5-sonnet-20240620", name="Claude 3.5 Sonnet", organization="anthropic")
    october = rec(LS, "claude-3-5-sonnet-20241022", name="Claude 3.5 Sonnet", organization="anthropic")
    may = rec(LS, "gpt-4o-2024-05-13", name="GPT-4o", organization="openai")
    august = rec(LS, "gpt-4o-2024-08-06", name="GPT-4o", organization="openai")
    plain = rec(LS, "gpt-4o", name="GPT-4o", organization="openai")
    poe = [
        rec(
            MD,
            "poe/anthropic/claude-sonnet-3.5-june",
            name="Claude-Sonnet-3.5-June",
            organization="anthropic",
        ),
        rec(MD, "poe/openai/gpt-4o-aug", name="GPT-4o-Aug", organization="openai"),
        rec(MD, "poe/openai/gpt-4o-dec", name="GPT-4o-Dec", organization="openai"),
    ]
    identity = run(june, october, may, august, plain, *poe)
    assert model_of(identity, poe[0].source_key) == model_of(identity, june.source_key)
    assert model_of(identity, poe[1].source_key) == model_of(identity, august.source_key)
    assert model_of(identity, poe[2].source_key) is None


def test_a_quantisers_namespace_and_a_serving_providers_name_are_no_model_of_their_own() -> None:
    kimi = rec(LS, "kimi-k2.5", name="Kimi K2.5", organization="moonshotai")
    r1 = rec(LS, "deepseek-r1", name="DeepSeek-R1", organization="deepseek")
    llama = rec(LS, "llama-3.3-70b-instruct", name="Llama 3.3 70B Instruct", organization="meta")
    nova = rec(LS, "nova-pro", name="Nova Pro", organization="amazon")
    quant = rec(MD, "synthetic/hf:nvidia/Kimi-K2.5-NVFP4", name="Kimi K2.5 (NVFP4)", organization="nvidia")
    served = rec(MD, "nano-gpt/deepseek-r1-sambanova", name="DeepSeek R1 Fast", organization="deepseek")
    tune = rec(MD, "nano-gpt/Llama-3.3-70B-Nova", name="Llama 3.3 70B Nova")
    offers = [
        rec(LL, "sambanova/other-model", organization="meta"),
        rec(LL, "nova/yet-another", organization="meta"),
    ]
    identity = run(kimi, r1, llama, nova, quant, served, tune, *offers)
    assert model_of(identity, quant.source_key) == model_of(identity, kimi.source_key)
    assert model_of(identity, served.source_key) == model_of(identity, r1.source_key)
    assert model_of(identity, tune.source_key) != model_of(identity, llama.source_key)


def test_a_dated_id_and_its_marketing_name_are_one_model() -> None:
    dated = rec(
        MD, "mistral/mistral-medium-2505", name="Mistral Medium 3", organization="mistral", first_party=True
    )
    named = rec(LL, "mistral/mistral-medium-3", organization="mistral", first_party=True)
    tagged = rec(LL, "mistral/ministral-14b-2512", organization="mistral", first_party=True)
    versioned = rec(LL, "mistral/ministral-3-14b-2512", organization="mistral", first_party=True)
    bare = rec(MD, "vercel/mistral/ministral-14b", name="Ministral 14B", organization="mistral",
               first_party=False, release_date=date(2025, 12, 1))  # fmt: skip
    bare_api = rec(LL, "mistral/ministral-14b", organization="mistral", first_party=True)
    four = rec(LL, "mistral/mistral-large-4", organization="mistral", first_party=True)
    four_oh = rec(LL, "mistral/mistral-large-4-0", organization="mistral", first_party=True)
    other = rec(LL, "mistral/ministral-8b-2512", organization="mistral", first_party=True)
    identity = run(dated, named, tagged, versioned, bare, bare_api, four, four_oh, other)
    assert model_of(identity, named.source_key) == model_of(identity, dated.source_key)
    assert {model_of(identity, r.source_key) for r in (versioned, bare, bare_api)} == {
        model_of(identity, tagged.source_key)
    }
    assert model_of(identity, four_oh.source_key) == model_of(identity, four.source_key)
    assert len(identity.models) == 4
    twins = {x.id for x in identity.listings if x.evidence is Evidence.TWIN}
    june, september = (
        rec(LL, f"volcengine/doubao-seed-2-1-pro-{tag}", organization="bytedance", first_party=True)
        for tag in ("260628", "260915")
    )
    dated = run(june, september)
    assert len(dated.models) == 1 and model_of(dated, september.source_key) == model_of(
        dated, june.source_key
    )
    assert "mistral-medium-3" in twins and "mistral-large-4-0" in twins


def test_a_routers_namespace_names_no_maker() -> None:
    served = [rec(LL, f"openrouter/{org}/m-{org}", organization=org) for org in ("meta", "google", "xai")]
    stealth = rec(MD, "kilo/openrouter/owl-alpha", name="Owl Alpha")
    maker = rec(MD, "nano-gpt/arcee-ai/trinity-mini", name="Trinity Mini")
    identity = run(*served, stealth, maker)
    assert model_of(identity, stealth.source_key) is None
    assert model_of(identity, maker.source_key) is not None


def test_the_shipped_curation_decisions_all_apply(shared_data: Path) -> None:
    """Every decision in catalog/curation.yaml still finds its listing, and an attach its model."""
    identity = identity_of(shared_data)
    curation = load_curation()
    assert len(curation.decisions) >= 10 and all(d.note for d in curation.decisions)
    for decision in curation.decisions:
        listing = next((x for x in identity.listings if decision.listing.casefold() in _folded(x)), None)
        model = next((m for m in identity.models if decision.listing.casefold() in _folded(m)), None)
        if decision.attach:
            assert listing is not None and listing.model_id == decision.attach, decision
        elif decision.keep:
            assert listing is not None and not listing.resolved, decision
        else:
            assert model is not None and model.evidence is Evidence.CURATION, decision


def _folded(item: object) -> set[str]:
    records = getattr(item, "records", [])
    names = {getattr(item, "id", ""), *getattr(item, "aliases", []), *(r.source_key for r in records)}
    names |= {f"{r.source.value}:{r.source_key}" for r in records}  # a decision may name 'source:key'
    return {n.casefold() for n in names}


def test_a_resellers_name_that_disagrees_with_its_id_is_not_shown() -> None:
    records = [
        rec(MD, "novita-ai/minimaxai/minimax-m1-80k", name="MiniMax M1"),
        rec(MD, "nano-gpt/MiniMaxAI/MiniMax-M1-80k", name="MiniMax M1 80K"),
    ]
    assert display_name(records) == "MiniMax M1 80K"
    garbled = rec(
        MD, "nano-gpt/huihui-ai/Llama-3.1-Nemotron-70B-Instruct-HF-abliterated", name="Nemotron 3.1 70B"
    )
    assert display_name([garbled]) == "Llama 3.1 Nemotron 70B Instruct Abliterated"
    labelled = [
        rec(MD, "azure/command-r-plus-08-2024", name="Cohere Command R+ 08-2024"),
        rec(MD, "kilo/cohere/command-r-plus-08-2024", name="Cohere: Command R+ (08-2024)"),
    ]
    assert display_name(labelled) == "Command R+ (08-2024)"


def test_display_names_lose_snapshot_tags_and_keep_a_slash_inside_a_name() -> None:
    assert display_name(
        [rec(MD, "aihubmix/doubao-seed-2-0-lite-260428", name="Doubao Seed 2.0 Lite 260428")]
    ) == ("Doubao Seed 2.0 Lite")
    assert display_name([rec(EP, "Theseus 6/768", model_id="Theseus 6/768")]) == "Theseus 6/768"
    assert display_name([rec(MD, "nvidia/meta/esmfold", name="esmfold")]) == "Esmfold"
    cohere = [rec(LL, "azure_ai/Cohere-command-a-plus-05-2026"), rec(LL, "command-a-plus-05-2026")]
    assert display_name(cohere) == "Command A Plus"


def test_models_that_share_a_name_carry_their_release_month() -> None:
    names = {"command-r-plus-2404": "Command R+", "command-r-plus-2408": "Command R+", "gpt-4o": "GPT-4o"}
    assert disambiguate(names) == {
        "command-r-plus-2404": "Command R+ (Apr 2024)",
        "command-r-plus-2408": "Command R+ (Aug 2024)",
        "gpt-4o": "GPT-4o",
    }


def test_a_quantisers_upload_names_no_maker() -> None:
    assert maker_of([rec(LL, "cloudflare/@hf/thebloke/codellama-7b-instruct-awq")]) is None
    assert maker_of([rec(MD, "nano-gpt/huihui-ai/Qwen3-8B-abliterated")]) == "huihui-ai"


def test_a_vision_listing_of_an_open_model_that_reads_images_and_a_model_of_one_size() -> None:
    llama = rec(
        LS, "llama-3.2-90b-instruct", name="Llama 3.2 90B Instruct", organization="meta", open_weights=True,
        input_modalities=["text", "image"],
    )  # fmt: skip
    prover = rec(LS, "deepseek-prover-v2-671b", name="DeepSeek Prover V2 671B", organization="deepseek")
    identity = run(
        llama,
        prover,
        rec(LL, "vertex_ai/meta/llama-3.2-90b-vision-instruct-maas", organization="meta"),
        rec(LL, "fireworks_ai/accounts/fireworks/models/deepseek-prover-v2", organization="deepseek"),
    )
    assert model_of(identity, "vertex_ai/meta/llama-3.2-90b-vision-instruct-maas") == "llama-3-2-90b"
    assert model_of(identity, "fireworks_ai/accounts/fireworks/models/deepseek-prover-v2") == (
        "deepseek-prover-v2-671b"
    )


def test_a_makers_size_less_id_of_its_only_sized_model_is_that_model() -> None:
    identity = run(
        rec(LL, "wandb/nvidia/NVIDIA-Nemotron-3.5-Lightning-30B-A3B"),
        rec(LL, "nebius/nvidia/Nemotron-3_5-Lightning"),
    )
    assert len(identity.models) == 1
    sized = model_of(identity, "wandb/nvidia/NVIDIA-Nemotron-3.5-Lightning-30B-A3B")
    assert sized is not None and sized == model_of(identity, "nebius/nvidia/Nemotron-3_5-Lightning")


def test_a_gguf_level_with_its_letters_is_a_serving_variant() -> None:
    assert strip_variant(name_key("Gemma-4-E4B-it-IQ4_XS")) == ("gemma", "4", "e4b")
    assert clean_name("Gemma 4 E4B Instruct (IQ4_XS)") == "Gemma 4 E4B Instruct"


def test_a_fine_tunes_name_loses_its_owners_words_and_a_listing_names_its_maker() -> None:
    drummer = rec(MD, "nano-gpt/TheDrummer 2/Cydonia-24B-v2", name="The Drummer Cydonia 24B v2")
    assert display_name([drummer]) == "Cydonia 24B v2"
    llama = rec(
        LS, "llama-3.3-70b-instruct", name="Llama 3.3 70B Instruct", organization="meta", open_weights=True
    )
    identity = run(
        llama,
        rec(MD, "nano-gpt/Llama-3.3-70B-Cu-Mai-R1", name="Llama 3.3 70B Cu Mai R1"),
        rec(MD, "nano-gpt/Steelskull/L3.3-Cu-Mai-R1-70b", name="L3.3 Cu Mai R1 70B"),
    )
    fine_tune = next(m for m in identity.models if m.id != "llama-3-3-70b")
    assert len(identity.models) == 2 and fine_tune.developer == "steelskull"
    assert fine_tune.base_id == "llama-3-3-70b"


def test_a_resellers_longer_sku_waits_for_the_plain_name() -> None:
    """Pass 2 reads the shortest names first: 'L3-8B-Lunaris-v1-Turbo' is deepinfra's SKU of the
    Lunaris fine-tune, whichever cluster the resolver listed first."""
    llama = rec(LS, "llama-3-8b-instruct", name="Llama 3 8B Instruct", organization="meta", open_weights=True)
    identity = run(
        llama,
        rec(LL, "deepinfra/Sao10K/L3-8B-Lunaris-v1-Turbo", model_id="Sao10K/L3-8B-Lunaris-v1-Turbo"),
        rec(MD, "openrouter/sao10k/l3-lunaris-8b", name="Sao10K: Llama 3 8B Lunaris"),
    )
    assert len(identity.models) == 2


def test_reasoning_modes_listed_in_pairs_dated_ids_and_stable_tags_are_ids_of_one_model() -> None:
    xai = [
        rec(LL, f"xai/grok-4.20{suffix}", organization="xai", first_party=True)
        for suffix in ("", "-reasoning", "-non-reasoning")
    ]
    sonar = [
        rec(LL, f"perplexity/sonar{s}", organization="perplexity", first_party=True)
        for s in ("", "-reasoning")
    ]
    seed = [
        rec(MD, "openrouter/bytedance-seed/seed-2.0-lite", name="Seed-2.0-Lite", organization="bytedance"),
        rec(LL, "volcengine/doubao-seed-2-0-lite-260215", organization="bytedance", first_party=True),
    ]
    flash = rec(LS, "gemini-2.0-flash", name="Gemini 2.0 Flash", organization="google")
    identity = run(
        *xai, *sonar, *seed, flash, rec(MD, "openrouter/google/gemini-2.0-flash-001", organization="google")
    )
    assert {m.id for m in identity.models} == {
        "grok-4-20",
        "sonar",
        "sonar-reasoning",
        "seed-2-0-lite",
        "gemini-2-0-flash",
    }
    assert model_of(identity, "volcengine/doubao-seed-2-0-lite-260215") == "seed-2-0-lite"
    assert model_of(identity, "openrouter/google/gemini-2.0-flash-001") == "gemini-2-0-flash"


def test_a_serving_providers_deployment_on_the_developers_api_is_not_named_after_the_provider() -> None:
    meta = dict(organization="meta", first_party=True)
    records = [
        rec(
            MD,
            "llama/cerebras-llama-4-maverick-17b-128e-instruct",
            name="Cerebras-Llama-4-Maverick-17B-128E-Instruct",
            **meta,
        ),
        rec(
            MD,
            "llama/llama-4-maverick-17b-128e-instruct-fp8",
            name="Llama-4-Maverick-17B-128E-Instruct-FP8",
            **meta,
        ),
    ]
    assert display_name(records) == "Llama-4-Maverick-17B-128E-Instruct"


def test_a_fine_tune_with_its_words_among_the_bases_is_a_derivative() -> None:
    llama = rec(
        LS, "llama-3-70b-instruct", name="Llama 3 70B Instruct", organization="meta", open_weights=True
    )
    identity = run(
        llama, rec(MD, "openrouter/sao10k/l3-euryale-70b", name="Sao10k: Llama 3 Euryale 70B v2.1")
    )
    tune = next(m for m in identity.models if m.id != "llama-3-70b")
    assert (tune.evidence, tune.developer, tune.base_id) == (Evidence.DERIVATIVE, "sao10k", "llama-3-70b")


def test_context_and_speed_tiers_of_one_closed_model_are_listings_of_it() -> None:
    """Moonshot sells Moonshot V1 as 8K, 32K and 128K ids (no tier-less id): one model, named without
    its tier; GPT-3.5 Turbo's 16K id is a listing of GPT-3.5 Turbo; MiniMax's 'highspeed' id a
    listing of the model. Open-weights context tiers (Phi-3 Mini 4K and 128K) stay apart."""
    moon = [
        rec(LL, f"moonshot/moonshot-v1-{t}", organization="moonshotai", first_party=True)
        for t in ("8k", "32k", "128k")
    ]
    gpt = rec(LS, "gpt-3.5-turbo-0125", name="GPT-3.5 Turbo", organization="openai", open_weights=False)
    gpt16 = rec(LL, "openai/gpt-3.5-turbo-16k", model_id="gpt-3.5-turbo-16k", organization="openai")
    gpt16.first_party = True
    minimax = rec(MD, "minimax/MiniMax-M2.7", organization="minimax", first_party=True, open_weights=True)
    fast = rec(
        MD, "minimax/MiniMax-M2.7-highspeed", organization="minimax", first_party=True, open_weights=True
    )
    phi = [
        rec(
            MD,
            f"azure/phi-3-mini-{t}-instruct",
            organization="microsoft",
            first_party=True,
            open_weights=True,
        )
        for t in ("4k", "128k")
    ]
    identity = run(*moon, gpt, gpt16, minimax, fast, *phi)
    (moonshot,) = [m for m in identity.models if m.id.startswith("moonshot")]
    assert moonshot.id == "moonshot-v1-8k" and moonshot.tiered
    assert {model_of(identity, r.source_key) for r in moon} == {"moonshot-v1-8k"}
    assert model_of(identity, gpt16.source_key) == model_of(identity, gpt.source_key)
    assert model_of(identity, fast.source_key) == model_of(identity, minimax.source_key)
    assert len({model_of(identity, r.source_key) for r in phi}) == 2
    assert without_tier("Moonshot V1 8K") == "Moonshot V1" and without_tier("Step 2 (16K)") == "Step 2"


def test_a_resellers_version_less_id_of_a_fine_tune_is_its_one_versioned_release() -> None:
    """OpenRouter's 'thedrummer/rocinante-12b' is Rocinante 12B v1.1, the one release of that name and
    size; with two versioned releases (Cydonia 24B v4.1 and v4.3) the version-less id stays apart."""
    identity = run(
        rec(MD, "openrouter/thedrummer/rocinante-12b", name="TheDrummer: Rocinante 12B"),
        rec(MD, "nano-gpt/TheDrummer/Rocinante-12B-v1.1", name="Rocinante 12B v1.1"),
        rec(MD, "openrouter/thedrummer/cydonia-24b", name="TheDrummer: Cydonia 24B"),
        rec(MD, "nano-gpt/TheDrummer/Cydonia-24B-v4.1", name="Cydonia 24B v4.1"),
        rec(MD, "nano-gpt/TheDrummer/Cydonia-24B-v4.3", name="Cydonia 24B v4.3"),
    )
    rocinante = model_of(identity, "nano-gpt/TheDrummer/Rocinante-12B-v1.1")
    assert rocinante is not None and model_of(identity, "openrouter/thedrummer/rocinante-12b") == rocinante
    cydonia = {
        model_of(identity, k)
        for k in ("openrouter/thedrummer/cydonia-24b", "nano-gpt/TheDrummer/Cydonia-24B-v4.1")
    }
    assert len(cydonia) == 2


def test_ollamas_plain_tag_is_the_smallest_size_of_that_name() -> None:
    """'ollama/llama3.1' (and ':latest') pulls Llama 3.1 8B; another provider's size-less id of
    several sizes stays an unresolved listing (test above)."""
    plain = rec(LL, "ollama/llama3.1", organization="meta")
    latest = rec(LL, "ollama/llama2:latest", organization="meta")
    llama2 = [
        rec(LS, f"llama-2-{s}-chat", name=f"Llama 2 {s.upper()} Chat", organization="meta", open_weights=True)
        for s in ("70b", "7b", "13b")
    ]
    identity = run(*LLAMA_31, *llama2, plain, latest)
    assert model_of(identity, plain.source_key) == model_of(identity, "llama-3.1-8b-instruct")
    assert model_of(identity, latest.source_key) == model_of(identity, "llama-2-7b-chat")
    listing = next(x for x in identity.listings if x.records[0].source_key == plain.source_key)
    assert listing.evidence is Evidence.VARIANT


def test_instruct_after_turbo_names_another_model() -> None:
    """gpt-3.5-turbo-instruct is OpenAI's completion model, not GPT-3.5 Turbo; Together's
    '-Instruct-Turbo' serving tag still goes."""
    assert normalize("gpt-3.5-turbo-instruct") == "gpt-3-5-turbo-instruct"
    assert normalize("gpt-3.5-turbo") == "gpt-3-5-turbo"
    assert normalize("Meta-Llama-3.1-8B-Instruct-Turbo") == "llama-3-1-8b"
    identity = run(
        rec(LS, "gpt-3.5-turbo-0125", name="GPT-3.5 Turbo", organization="openai"),
        rec(MD, "azure/gpt-3.5-turbo-instruct", name="GPT-3.5 Turbo Instruct", organization="openai"),
    )
    assert model_of(identity, "azure/gpt-3.5-turbo-instruct") != model_of(identity, "gpt-3.5-turbo-0125")
