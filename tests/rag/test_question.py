"""Question analysis: linking, families and slots on a small entity list, then on the real catalog graph."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from catalog.job import CatalogIngestJob
from catalog.readers.llm_stats import LlmStatsReader
from kg import queries
from kg.store import GraphStore
from rag.contracts import Slots
from rag.question import NamedEntity, QuestionAnalyzer

TODAY = date(2025, 6, 15)

ENTITIES = [
    NamedEntity("gpt-4o", "Model", "GPT-4o", ("gpt-4o", "GPT 4o"), "openai"),
    NamedEntity("gpt-4o-mini", "Model", "GPT-4o mini", ("gpt-4o-mini",), "openai"),
    NamedEntity(
        "llama-3-1-8b",
        "Model",
        "Llama 3.1 8B Instruct",
        ("Llama 3.1 8B", "Meta-Llama-3.1-8B-Instruct"),
        "meta",
    ),
    NamedEntity("llama-3-1-70b", "Model", "Llama 3.1 70B Instruct", ("Llama-3.1-70B-Instruct",), "meta"),
    NamedEntity("claude-3-opus", "Model", "Claude 3 Opus", ("claude-3-opus",), "anthropic"),
    NamedEntity("claude-3-5-sonnet", "Model", "Claude 3.5 Sonnet", ("claude-3.5-sonnet",), "anthropic"),
    NamedEntity("kimi-k2", "Model", "Kimi K2 Instruct", ("kimi-k2-instruct",), "moonshot"),
    NamedEntity("openai", "Organization", "OpenAI", ("open-ai",)),
    NamedEntity("meta", "Organization", "Meta", ("Meta AI", "meta-llama")),
    NamedEntity("mistral", "Organization", "Mistral AI", ("Mistral", "mistralai")),
    NamedEntity("anthropic", "Organization", "Anthropic", ()),
    NamedEntity("apache-2.0", "License", "Apache 2.0", ("apache-2.0",)),
    NamedEntity("mmlu", "Benchmark", "MMLU", ("mmlu",)),
    NamedEntity("gpqa", "Benchmark", "GPQA", ("gpqa",)),
    NamedEntity("drop", "Benchmark", "DROP", ("drop",)),
    NamedEntity("safety", "Topic", "Safety / alignment / security", ("Safety", "alignment", "security")),
    NamedEntity("policy", "Topic", "Regulation / policy", ("Regulation", "policy")),
]


@pytest.fixture(scope="module")
def analyzer() -> QuestionAnalyzer:
    return QuestionAnalyzer(ENTITIES, today=TODAY)


def subset(slots: Slots, expected: dict[str, Any]) -> dict[str, Any]:
    """The expected keys of the slots as JSON (dates as ISO strings), filters as the ones given."""
    plain = slots.model_dump(mode="json")
    plain["filters"] = slots.filters.model_dump(mode="json", exclude_none=True)
    return {key: plain[key] for key in expected}


@pytest.mark.parametrize(
    ("question", "family", "expected"),
    [
        ("What is the context length of GPT-4o?", "attribute", {"model_ids": ["gpt-4o"], "attribute": "context_length"}),
        ("what's the context window of gpt4o", "attribute", {"model_ids": ["gpt-4o"], "attribute": "context_length"}),
        ("How big is GPT-4o mini?", "attribute", {"model_ids": ["gpt-4o-mini"], "attribute": "parameters"}),
        ("Who developed Claude 3 Opus?", "attribute", {"model_ids": ["claude-3-opus"], "attribute": "developer"}),
        ("When was Claude 3.5 Sonnet released?", "attribute", {"model_ids": ["claude-3-5-sonnet"], "attribute": "release_date"}),
        ("What is the max output of GPT-4o?", "attribute", {"attribute": "max_output"}),
        ("What licence does Llama 3.1 8B have?", "attribute", {"model_ids": ["llama-3-1-8b"], "attribute": "license"}),
        ("Is Llama 3.1 70B open weights?", "attribute", {"attribute": "open_weights"}),
        ("What is GPT-4o's knowledge cutoff?", "attribute", {"attribute": "knowledge_cutoff"}),
        ("How much does GPT-4o cost per million tokens?", "attribute", {"attribute": "price"}),
        ("What does GPT-4o cost per 1M input tokens?", "attribute", {"attribute": "price", "attributes": ["price"]}),
        ("How many input tokens can GPT-4o take?", "attribute", {"attribute": "context_length"}),
        ("Can Claude 3 Opus read images?", "attribute", {"attribute": "modalities"}),
        ("Tell me about GPT-4o", "attribute", {"model_ids": ["gpt-4o"], "attribute": None}),
        ("What does GPT-4o score on MMLU?", "attribute", {"benchmark_id": "mmlu", "attribute": "benchmark_score"}),
        ("Compare GPT-4o and Claude 3 Opus", "compare", {"model_ids": ["gpt-4o", "claude-3-opus"]}),
        ("Which has a longer context window, GPT-4o or Claude 3.5 Sonnet?", "compare", {"attribute": "context_length"}),
        ("Which open-weight models have a context window of at least 128k tokens?", "list",
         {"filters": {"open_weights": True, "min_context": 128_000}}),
        ("List models released after March 2025 with vision", "list",
         {"filters": {"released_after": "2025-04-01", "modality": "image"}}),
        ("Which models are licensed under Apache 2.0?", "list", {"license_id": "apache-2.0"}),
        ("Which open-weight models does Meta offer?", "list", {"filters": {"open_weights": True, "org": "meta"}}),
        ("How many open-weight models are there?", "count", {"filters": {"open_weights": True}, "group_by": None}),
        ("How many models does mistral have?", "count", {"org_id": "mistral"}),
        ("Which organization has the most models?", "count", {"group_by": "organization"}),
        ("Which model scores highest on GPQA?", "rank", {"benchmark_id": "gpqa", "answer_count": 1}),
        ("Which models score highest on GPQA?", "rank", {"benchmark_id": "gpqa", "answer_count": None}),
        ("top 5 models on mmlu", "rank", {"benchmark_id": "mmlu", "limit": 5, "answer_count": 5}),
        ("What is Meta's newest model?", "organization", {"org_id": "meta", "latest": True}),
        ("Which country is Mistral AI based in?", "organization", {"org_id": "mistral", "latest": False}),
        ("Up to when does the training data of GPT-4o go?", "attribute", {"attribute": "knowledge_cutoff"}),
        ("Which kinds of input can GPT-4o take?", "attribute", {"attribute": "modalities"}),
        ("Are the weights of Llama 3.1 70B openly available?", "attribute", {"attribute": "open_weights"}),
        ("What licence is Llama 3.1 8B released under?", "attribute", {"attribute": "license"}),
        ("How many parameters does Pyrrin-4 Max have?", "open", {"model_ids": [], "attribute": "parameters"}),
        ("GPT-4o context size?", "attribute", {"attribute": "context_length", "attributes": ["context_length"]}),
        ("How many Meta models came out in 2024?", "count", {"org_id": "meta", "date_from": "2024-01-01"}),
        ("What is Kimi K2 Instruct fine-tuned from?", "lineage", {"model_ids": ["kimi-k2"], "lineage_direction": "ancestor"}),
        ("Which models are based on Llama 3.1 70B?", "lineage", {"model_ids": ["llama-3-1-70b"], "lineage_direction": "descendant"}),
        ("What is the base model of Kimi K2 Instruct?", "lineage", {"lineage_direction": "ancestor"}),
        ("List models built on top of Llama 3.1 70B", "lineage", {"lineage_direction": "descendant"}),
        ("Show the lineage of Llama 3.1 70B", "lineage", {"lineage_direction": None}),
        ("Who won the 2022 football world cup?", "open", {"model_ids": []}),
        ("Is Llama 3.1 8B released under Apache 2.0?", "attribute", {"attribute": "license", "license_id": "apache-2.0"}),
        ("Until when does GPT-4o know about the world?", "attribute", {"attribute": "knowledge_cutoff"}),
        ("How long a prompt can GPT-4o handle?", "attribute", {"attribute": "context_length"}),
        ("What's the max number of tokens I can send to GPT-4o?", "attribute", {"attribute": "context_length"}),
        ("GPT-4o or Claude 3 Opus: which one takes longer prompts?", "compare", {"attribute": "context_length"}),
        ("Tell me about Mistral AI", "organization", {"org_id": "mistral"}),
        ("What is the latest news about Claude 3 Opus?", "news", {"model_ids": ["claude-3-opus"]}),
        ("Any news about OpenAI in March 2024?", "news",
         {"org_id": "openai", "date_from": "2024-03-01", "date_to": "2024-03-31"}),
        ("What happened with Anthropic in the last 2 weeks?", "news", {"date_from": "2025-06-01", "date_to": "2025-06-15"}),
        ("Which models are discussed in articles about safety?", "topic", {"topic_id": "safety"}),
        ("What are people saying about AI regulation?", "news", {"topic_id": "policy"}),
        ("What is the best way to fine-tune a model?", "open", {"model_ids": []}),
        ("How do I drop a column in pandas?", "open", {"benchmark_id": None}),
    ],
)  # fmt: skip
def test_families_and_slots(
    analyzer: QuestionAnalyzer, question: str, family: str, expected: dict[str, Any]
) -> None:
    analysis = analyzer.analyze(question)
    assert analysis.family == family, analysis.slots
    assert subset(analysis.slots, expected) == expected


def test_sizes_never_swap_and_fuzzy_needs_the_same_digits(analyzer: QuestionAnalyzer) -> None:
    assert analyzer.analyze("How many parameters does Llama 3.1 8B have?").slots.model_ids == ["llama-3-1-8b"]
    assert analyzer.analyze("how many parameters does llama-3.1-70b have").slots.model_ids == [
        "llama-3-1-70b"
    ]
    # a misspelling is forgiven, a different size is not
    assert analyzer.analyze("context window of Lama 3.1 70B?").slots.model_ids == ["llama-3-1-70b"]
    assert analyzer.analyze("context window of Lama 3.1 8B?").slots.model_ids == ["llama-3-1-8b"]
    assert analyzer.analyze("context window of Llama 3.1 13B?").slots.model_ids == []
    # a name that continues with a version is not its prefix ("GPT-4o" is not in "GPT-4o mini")
    assert analyzer.analyze("Who made GPT-4o mini?").slots.model_ids == ["gpt-4o-mini"]


def test_model_names_do_not_leak_into_dates_or_numbers(analyzer: QuestionAnalyzer) -> None:
    slots = analyzer.analyze("When was Llama 3.1 8B released?").slots
    assert slots.date_from is None and slots.limit is None and slots.filters.min_context is None


def test_date_ranges(analyzer: QuestionAnalyzer) -> None:
    def dates(question: str) -> tuple[str | None, str | None]:
        slots = analyzer.analyze(question).slots
        return tuple(d and d.isoformat() for d in (slots.date_from, slots.date_to))  # type: ignore[return-value]

    assert dates("news about OpenAI since 2024") == ("2024-01-01", None)
    assert dates("news about OpenAI after 2024") == ("2025-01-01", None)
    assert dates("news about OpenAI before May 2024") == (None, "2024-04-30")
    assert dates("news about OpenAI between 2023-12-01 and 2024-02-29") == ("2023-12-01", "2024-02-29")
    assert dates("news about OpenAI this year") == ("2025-01-01", "2025-06-15")


def test_follow_ups_use_the_conversation(analyzer: QuestionAnalyzer) -> None:
    first = "What is the context length of GPT-4o?"
    pronoun = analyzer.analyze("and its max output?", history=[first])
    assert (pronoun.family, pronoun.slots.model_ids, pronoun.slots.attribute) == (
        "attribute",
        ["gpt-4o"],
        "max_output",
    )
    assert pronoun.slots.resolved_from_history and "GPT-4o" in pronoun.slots.search_text
    other = analyzer.analyze("And Claude 3 Opus?", history=[first])
    assert (other.family, other.slots.model_ids, other.slots.attribute) == (
        "attribute",
        ["claude-3-opus"],
        "context_length",
    )
    chained = analyzer.analyze("who developed it?", history=[first, "And Claude 3 Opus?"])
    assert (chained.slots.model_ids, chained.slots.attribute) == (["claude-3-opus"], "developer")
    news = analyzer.analyze("any news about it?", history=["Who developed Claude 3 Opus?"])
    assert (news.family, news.slots.model_ids) == ("news", ["claude-3-opus"])
    count = analyzer.analyze("and Meta?", history=["How many open-weight models does Mistral have?"])
    assert (count.family, count.slots.filters.given()) == ("count", {"open_weights": True, "org": "meta"})
    fresh = analyzer.analyze("Who developed Claude 3 Opus?", history=[first])
    assert fresh.slots.model_ids == ["claude-3-opus"] and not fresh.slots.resolved_from_history


# -- the real catalog graph ------------------------------------------------------------------------
@pytest.fixture(scope="module")
def real_analyzer(session_store: GraphStore, shared_data: Path) -> QuestionAnalyzer:
    session_store.write(queries.DELETE_ALL)
    CatalogIngestJob(session_store, [LlmStatsReader(shared_data / "catalog" / "llm_stats")]).run()
    return QuestionAnalyzer.from_store(session_store)


def test_real_catalog_names_link_and_classify(
    real_analyzer: QuestionAnalyzer, session_store: GraphStore
) -> None:
    rows = session_store.read(
        "MATCH (m:Model)-[:DEVELOPED_BY]->(o:Organization) WHERE m.context_length IS NOT NULL "
        "RETURN m.id AS id, m.name AS name, o.id AS org ORDER BY m.id"
    )
    names: dict[str, int] = {}
    for r in rows:
        names[r["name"]] = names.get(r["name"], 0) + 1
    unique = [r for r in rows if names[r["name"]] == 1]
    assert len(unique) > 100
    linked = 0
    for r in unique:
        analysis = real_analyzer.analyze(f"What is the context window of {r['name']}?")
        assert analysis.family == "attribute", (r["name"], analysis.slots)
        linked += analysis.slots.model_ids == [r["id"]]
    assert linked / len(unique) >= 0.95
    assert real_analyzer.analyze("Tell me about Anthropic").slots.org_id == "anthropic"
    rank = real_analyzer.analyze("Which model has the best GPQA score?")
    assert (rank.family, rank.slots.benchmark_id) == ("rank", "gpqa")
    lineage = real_analyzer.analyze("What is DeepSeek-R1-0528 fine-tuned from?")
    assert (lineage.family, lineage.slots.model_ids) == ("lineage", ["deepseek-r1-0528"])


def _misspelt(name: str) -> str | None:
    """The name with two neighbouring letters of its longest word (five letters or more) swapped."""
    words = [w for w in re.findall(r"[A-Za-z]+", name) if len(w) >= 5]
    if not words:
        return None
    word = max(words, key=len)
    i = len(word) // 2
    if word[i - 1].lower() == word[i].lower():
        return None  # swapping equal letters changes nothing
    return name.replace(word, word[: i - 1] + word[i] + word[i - 1] + word[i + 1 :], 1)


def test_lower_case_and_misspelt_names_link_as_well_as_typed_ones(
    real_analyzer: QuestionAnalyzer, session_store: GraphStore
) -> None:
    rows = session_store.read("MATCH (m:Model) RETURN m.id AS id, m.name AS name ORDER BY m.id")
    counts: dict[str, int] = {}
    for r in rows:
        counts[r["name"]] = counts.get(r["name"], 0) + 1
    unique = [r for r in rows if counts[r["name"]] == 1 and _misspelt(r["name"])]
    assert len(unique) > 60
    rates = {}
    for kind, form in (("typed", str), ("lower", str.lower), ("misspelt", lambda n: _misspelt(n) or n)):
        hits = [
            real_analyzer.analyze(f"when was {form(r['name'])} released?").slots.model_ids[:1] == [r["id"]]
            for r in unique
        ]
        rates[kind] = sum(hits) / len(hits)
    print("linking rates, typed vs lower case vs misspelt:", rates, len(unique))
    assert rates["lower"] >= rates["typed"] - 0.03, rates
    assert rates["misspelt"] >= rates["typed"] - 0.10, rates


def test_typo_correction_leaves_known_words_and_ambiguity_alone() -> None:
    from core.linking import TypoCorrector

    typos = TypoCorrector(
        ["Claude Sonnet 4", "GPT-4o mini", "Mistral Large 2"], ["release", "context", "license"]
    )
    assert typos.correct("claude sonet 4 relase date") == (
        "claude sonnet 4 release date",
        {"sonet": "sonnet", "relase": "release"},
    )
    assert typos.correct("gpt-4o mnini contxt")[0] == "gpt-4o mini context"
    for untouched in ("in what order were they released", "sonet", "which is larger", "Mistral Large 2"):
        assert typos.correct(untouched)[0] == untouched  # known words; a name word needs a name or number


# -- scope: what the catalog does not hold is refused, not answered with what is near -------------
SCOPE_ENTITIES = [
    *ENTITIES,
    NamedEntity("gpt-4", "Model", "GPT-4", ("gpt-4",), "openai"),
    NamedEntity("gpt-3-5-turbo", "Model", "GPT-3.5 Turbo", ("gpt-3.5-turbo",), "openai"),
    NamedEntity("claude-3-haiku", "Model", "Claude 3 Haiku", ("claude-3-haiku",), "anthropic"),
    NamedEntity("llama-3-8b", "Model", "Llama 3 8B", ("llama-3-8b",), "meta"),
]


@pytest.fixture(scope="module")
def scope_analyzer() -> QuestionAnalyzer:
    return QuestionAnalyzer(SCOPE_ENTITIES, today=TODAY)


@pytest.mark.parametrize(
    ("question", "kind", "asked"),
    [
        ("who is the chief executive of meta", "attribute", "chief executive"),
        ("what is anthropic's market cap", "attribute", "market cap"),
        ("how many staff does mistral have", "attribute", "staff"),
        ("meta share price right now", "attribute", "share price"),
        ("who founded openai", "attribute", "founded"),
        ("when was anthropic founded", "attribute", "founded"),
        ("how much vram does llama 3.1 70b need", "attribute", "vram"),
        ("what did gpt-4o cost to train", "attribute", "cost to train"),
        ("how many layers has claude 3 opus got", "attribute", "layers"),
        ("what's the weather like in rome", "subject", "what's the weather like in rome"),
        ("what is the gpt-9 context window", "unknown_model", "gpt-9"),
        ("is claude 8 any good", "unknown_model", "claude 8"),
    ],
)
def test_what_the_catalog_does_not_hold_is_out_of_scope(
    scope_analyzer: QuestionAnalyzer, question: str, kind: str, asked: str
) -> None:
    analysis = scope_analyzer.analyze(question)
    scope = analysis.slots.out_of_scope
    assert scope is not None and (scope.kind, scope.asked) == (kind, asked), analysis.slots
    assert analysis.family == "open" and analysis.plan is None  # no organisation profile, no list


@pytest.mark.parametrize(
    ("question", "family"),
    [
        ("where is anthropic based", "organization"),
        ("what's openai's website", "organization"),
        ("how many models does meta have", "count"),
        ("what is the context window of gpt-4o", "attribute"),
        ("how many tokens can claude 3 opus read", "attribute"),
        ("how much does gpt-4o cost", "attribute"),
        ("can i download the weights of llama 3.1 70b", "attribute"),
        ("how big is llama 3.1 70b", "attribute"),
        ("up to when is gpt-4o trained", "attribute"),
        ("latest news on ai safety", "news"),
        ("what is a mixture of experts model", "open"),
        ("which llama 3 models are there", "list"),
        ("tell me about mistral", "organization"),
    ],
)
def test_what_the_catalog_holds_stays_in_scope(
    scope_analyzer: QuestionAnalyzer, question: str, family: str
) -> None:
    analysis = scope_analyzer.analyze(question)
    assert analysis.slots.out_of_scope is None, analysis.slots.out_of_scope
    assert analysis.family == family


def test_organisation_attributes_are_properties_the_graph_holds() -> None:
    from core.attributes import ORG_ATTRIBUTES
    from kg.schema import ORGANIZATION_FIELDS

    properties = {a.graph_property for a in ORG_ATTRIBUTES.values() if a.graph_property}
    assert properties and properties <= ORGANIZATION_FIELDS
