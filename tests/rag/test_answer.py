"""Grounded answers: the real SmolLM2 over facts built from the real catalog, plus scripted model
replies for what a small model does only sometimes (invented citations, misquoted values)."""

from __future__ import annotations

import re
from collections.abc import Sequence

import pytest

from rag.answer import Answerer, check_fact_answer, clean_citations, mentions, tidy
from rag.contracts import LinkedEntity
from rag.generation.transformers_backend import TransformersGenerator
from rag.prompts import GROUNDED_ANSWER, PromptError, PromptTemplate, format_evidence
from rag.qa import Answer, Evidence, Generator
from tests.generation_fixtures import catalog_rows, chat_model, fact, result_for  # noqa: F401

GPT4O = "gpt-4o-2024-05-13"
ARTICLE = Evidence(
    kind="article", id="hello-gpt-4o#0", title="Hello GPT-4o", url="https://openai.com/index/hello-gpt-4o/",
    date="2024-05-13", source="openai.com",
    text="OpenAI announced GPT-4o, a flagship model that reasons across audio, vision and text in real time.",
)  # fmt: skip


class ScriptedGenerator(Generator):
    """Returns a fixed reply and counts calls: for replies the real model gives only sometimes."""

    name = "scripted"

    def __init__(self, reply: str) -> None:
        self.reply, self.calls = reply, 0

    def generate(
        self, messages: Sequence[dict[str, str]], *, max_new_tokens: int = 96, stop: Sequence[str] = ()
    ) -> str:
        self.calls += 1
        return self.reply


def gpt4o_context() -> list[Evidence]:
    return [fact(GPT4O, "context_length"), fact(GPT4O, "release_date"), fact(GPT4O, "developer")]


def assert_citations_map(answer: Answer) -> None:
    for citation in answer.citations:
        item = answer.evidence[citation.n - 1]
        assert (citation.id, citation.kind, citation.title) == (item.id, item.kind, item.title)
    numbers = {int(n) for group in re.findall(r"\[([\d, ]+)\]", answer.answer) for n in group.split(",")}
    assert numbers <= {c.n for c in answer.citations}


class Recording(Generator):
    """The real model, with its raw replies kept: shows what the model said before the check."""

    def __init__(self, model: Generator) -> None:
        self.model, self.name = model, model.name
        self.replies: list[str] = []

    def generate(
        self, messages: Sequence[dict[str, str]], *, max_new_tokens: int = 96, stop: Sequence[str] = ()
    ) -> str:
        self.replies.append(self.model.generate(messages, max_new_tokens=max_new_tokens, stop=stop))
        return self.replies[-1]


def test_real_model_answer_states_the_exact_catalog_value(chat_model: TransformersGenerator) -> None:  # noqa: F811
    value = catalog_rows()[GPT4O]["max_context_tokens"]
    question = "What is the context length of GPT-4o?"
    evidence = gpt4o_context()
    result = result_for(question, evidence, model_ids=[GPT4O], attribute="context_length")
    model = Recording(chat_model)
    answer = Answerer(model, max_new_tokens=48).answer(result)
    assert not answer.refused
    # The model itself stated the value: its own reply passed the check and is the answer. (A
    # misquote would be replaced by the composed fact, which states the value whatever the model said.)
    [reply] = model.replies
    assert mentions(reply, value), reply
    checked = check_fact_answer(*clean_citations(tidy(reply), len(evidence)), evidence, [(1, evidence[0])])
    assert checked is not None, reply
    assert answer.answer == checked[0]
    assert 1 in {c.n for c in answer.citations}  # the fact holding the value is cited
    assert_citations_map(answer)
    assert {"prompt", "generate", "ground"} <= set(answer.timings_ms)
    assert (answer.family, answer.analysis.slots.attribute, answer.template) == (
        "attribute",
        "context_length",
        "test",
    )


def test_real_model_news_answer_cites_only_numbered_evidence(chat_model: TransformersGenerator) -> None:  # noqa: F811
    release = fact(GPT4O, "release_date")
    result = result_for("Which model did OpenAI announce on 2024-05-13?", [ARTICLE, release], family="news")
    answer = Answerer(chat_model, max_new_tokens=32).answer(result)
    # A refusal also has text and the nearest citations: the answer must be the model's, grounded.
    assert not answer.refused, answer.answer
    assert answer.timings_ms["generate"] > 0
    assert_citations_map(answer)
    cited = [answer.evidence[c.n - 1] for c in answer.citations]
    assert ARTICLE in cited  # the article that says what was announced
    assert "GPT-4o" in answer.answer and all("GPT-4o" in e.text for e in cited)


def test_invented_citations_are_dropped() -> None:
    reply = "GPT-4o has a context length of 128,000 tokens [1][7]. It was made by OpenAI [3, 9]."
    result = result_for("What is the context length of GPT-4o?", gpt4o_context(), attribute="context_length")
    answer = Answerer(ScriptedGenerator(reply)).answer(result)
    assert answer.answer == "GPT-4o has a context length of 128,000 tokens [1]."
    assert [c.n for c in answer.citations] == [1]
    assert_citations_map(answer)


def test_sentences_that_do_not_answer_are_left_out() -> None:
    reply = "It was made by OpenAI [3]. GPT-4o has a context length of 128,000 tokens [1]."
    result = result_for("What is the context length of GPT-4o?", gpt4o_context(), attribute="context_length")
    answer = Answerer(ScriptedGenerator(reply)).answer(result)
    assert answer.answer == "GPT-4o has a context length of 128,000 tokens [1]."
    assert [c.id for c in answer.citations] == [f"fact:{GPT4O}:context_length"]


def test_a_misquoted_value_is_replaced_by_the_fact() -> None:
    result = result_for("What is the context length of GPT-4o?", gpt4o_context(), attribute="context_length")
    for reply in (
        "GPT-4o has a context length of 32,000 tokens [1].",  # wrong value
        "GPT-4o has a context length of 128,000 tokens and 200 billion parameters [1].",  # unsupported number
        "",  # nothing at all
    ):
        answer = Answerer(ScriptedGenerator(reply)).answer(result)
        assert answer.answer == "GPT-4o has a context length of 128,000 tokens [1].", reply
        assert [c.n for c in answer.citations] == [1] and not answer.refused


def test_a_right_value_without_citation_gets_the_fact_cited() -> None:
    result = result_for("When was GPT-4o released?", gpt4o_context(), attribute="release_date")
    answer = Answerer(ScriptedGenerator("GPT-4o came out on May 13, 2024.")).answer(result)
    assert answer.answer == "GPT-4o came out on May 13, 2024 [2]."
    assert [c.id for c in answer.citations] == [f"fact:{GPT4O}:release_date"]


def test_compare_needs_every_value() -> None:
    claude = "claude-3-5-sonnet-20241022"
    evidence = [fact(claude, "context_length"), fact(GPT4O, "context_length")]
    result = result_for("Compare the context of Claude 3.5 Sonnet and GPT-4o", evidence, family="compare")
    answer = Answerer(ScriptedGenerator("Claude 3.5 Sonnet has 200K tokens [1].")).answer(result)
    assert answer.answer == (
        "Claude 3.5 Sonnet has a context length of 200,000 tokens [1]. "
        "GPT-4o has a context length of 128,000 tokens [2]."
    )


def test_values_that_are_not_plain_text_are_checked_or_composed() -> None:
    jamba = catalog_rows()["jamba-1.5-large"]
    offer = jamba["providers"][0]
    price = {"input_usd_per_1m": offer["input_usd_per_1m"], "output_usd_per_1m": offer["output_usd_per_1m"]}
    price_fact = Evidence(
        kind="fact", id=f"fact:jamba-1.5-large:price:{offer['provider']}", value=price, source="llm-stats",
        text=f"{offer['provider']} serves {jamba['name']} at ${price['input_usd_per_1m']:,.2f} per million input "
        f"tokens and ${price['output_usd_per_1m']:,.2f} per million output tokens (source: llm-stats).",
    )  # fmt: skip
    reply = "It costs $2.00 per million input tokens and $8.00 per million output tokens [1]."
    assert (price["input_usd_per_1m"], price["output_usd_per_1m"]) == (2.0, 8.0)
    answer = Answerer(ScriptedGenerator(reply)).answer(
        result_for("What does Jamba 1.5 Large cost?", [price_fact])
    )
    assert answer.answer == reply

    assert catalog_rows()[GPT4O]["open_weights"] is False
    weights = Evidence(
        kind="fact", id=f"fact:{GPT4O}:open_weights", value=False, source="llm-stats",
        text="GPT-4o does not have open weights (API only) (source: llm-stats).",
    )  # fmt: skip
    result = result_for("Does GPT-4o have open weights?", [weights], attribute="open_weights")
    answer = Answerer(ScriptedGenerator("Yes, GPT-4o has open weights [1].")).answer(result)
    assert answer.answer == "GPT-4o does not have open weights (API only) [1]."


def test_no_evidence_is_refused_without_calling_the_model() -> None:
    model = ScriptedGenerator("GPT-4o has 1.8 trillion parameters [1].")
    answer = Answerer(model).answer(result_for("How many parameters does GPT-4o have?", []))
    assert answer.refused and answer.citations == [] and model.calls == 0
    assert answer.answer.startswith("The knowledge graph does not say")


def test_a_fact_question_without_its_fact_is_refused_with_the_nearest_evidence() -> None:
    assert catalog_rows()[GPT4O]["param_count"] is None  # the catalog really does not know it
    model = ScriptedGenerator("GPT-4o has 1.8 trillion parameters [1].")
    result = result_for("How many parameters does GPT-4o have?", gpt4o_context(), model_ids=[GPT4O], attribute="parameters")  # fmt: skip
    answer = Answerer(model).answer(result)
    assert answer.refused and model.calls == 0
    assert answer.answer == f"The knowledge graph does not say the parameters of {GPT4O}. Nearest evidence: [1], [2], [3]."  # fmt: skip
    assert [c.n for c in answer.citations] == [1, 2, 3]


def test_a_missing_fact_is_refused_in_the_catalogs_own_cited_words_naming_the_model() -> None:
    gpt4o = [LinkedEntity(id=GPT4O, kind="Model", name="GPT-4o", surface="gpt-4o")]
    missing = fact(GPT4O, "parameters")
    assert missing.value is None  # the catalog's sentence that it lacks the parameter count
    model = ScriptedGenerator("GPT-4o has 1.8 trillion parameters [1].")
    result = result_for("How big is gpt-4o?", [*gpt4o_context(), missing], model_ids=[GPT4O],
                        attribute="parameters", entities=gpt4o)  # fmt: skip
    answer = Answerer(model).answer(result)
    assert answer.refused and model.calls == 0
    assert answer.answer == "The catalog has no parameter count for GPT-4o [4]."
    assert [c.n for c in answer.citations] == [4]
    without = result_for("How big is gpt-4o?", gpt4o_context(), model_ids=[GPT4O], attribute="parameters",
                         entities=gpt4o)  # fmt: skip
    assert Answerer(model).answer(without).answer == (
        "The knowledge graph does not say the parameters of GPT-4o. Nearest evidence: [1], [2], [3]."
    )


def test_an_uncited_open_answer_is_refused() -> None:
    answer = Answerer(ScriptedGenerator("OpenAI is a great company.")).answer(
        result_for("What is OpenAI up to?", [ARTICLE], family="open")
    )
    assert answer.refused and [c.n for c in answer.citations] == [1]


def test_facts_can_skip_the_model() -> None:
    model = ScriptedGenerator("unused")
    result = result_for("Who developed GPT-4o?", gpt4o_context(), attribute="developer")
    answer = Answerer(model, phrase_facts=False).answer(result)
    assert answer.answer == "GPT-4o was developed by OpenAI [3]." and model.calls == 0


def test_tidy_moves_leading_markers_and_drops_loops_and_cut_sentences() -> None:
    raw = "Evidence: [1] GPT-4o was released on 2024-05-13. (source: llm-stats)\n[1] GPT-4o was released on 2024-05-13. [2] It"
    assert tidy(raw) == "GPT-4o was released on 2024-05-13 [1]."


@pytest.mark.parametrize(
    ("text", "value", "expected"),
    [
        ("a context of 128,000 tokens", 128000, True),
        ("a context of 128K tokens", 128000, True),
        ("a context of 1280000 tokens", 128000, False),
        ("405 billion parameters", 405_000_000_000, True),
        ("released on July 23, 2024", "2024-07-23", True),
        ("released on 2024-07-24", "2024-07-23", False),
        ("made by openai", "OpenAI", True),
        ("scores 88.7% on MMLU", 0.887, True),
        ("text and image input", ["text", "image"], True),
        ("yes it has open weights", True, False),  # booleans are never read off text
    ],
)
def test_mentions(text: str, value: object, expected: bool) -> None:
    assert mentions(text, value) is expected


def test_prompt_templates_declare_and_check_their_inputs() -> None:
    with pytest.raises(PromptError, match="declares"):
        PromptTemplate(name="bad", system="s", user="{question} {context}", inputs=("question",))
    with pytest.raises(PromptError, match=r"missing inputs \['evidence'\]"):
        GROUNDED_ANSWER.render(question="q")
    with pytest.raises(PromptError, match=r"unexpected inputs \['history'\]"):
        GROUNDED_ANSWER.render(question="q", evidence="e", history="h")
    messages = GROUNDED_ANSWER.render(question="Who made {x}?", evidence="[1] e")
    assert [m["role"] for m in messages] == ["system", "user"] and "Who made {x}?" in messages[1]["content"]


def test_evidence_is_numbered_with_provenance() -> None:
    text = format_evidence([fact(GPT4O, "context_length"), ARTICLE])
    assert text.splitlines() == [
        "[1] GPT-4o has a context length of 128,000 tokens (source: llm-stats).",
        "[2] Article (Hello GPT-4o; openai.com; 2024-05-13): OpenAI announced GPT-4o, a flagship model that "
        "reasons across audio, vision and text in real time.",
    ]


def _facts(*items: tuple[str, object, str]) -> list[Evidence]:
    return [Evidence(kind="fact", id=i, value=v, text=t) for i, v, t in items]


def test_a_ranking_answers_with_as_many_items_as_asked() -> None:
    ranked = _facts(
        *(
            (f"fact:m{n}:score:mmlu", 0.9 - n / 100, f"M{n} scores {0.9 - n / 100:g} on MMLU")
            for n in range(6)
        )
    )
    model = ScriptedGenerator("unused")
    best = Answerer(model).answer(
        result_for("What is the best model on MMLU?", ranked, family="rank", answer_count=1)
    )
    assert best.answer == "M0 scores 0.9 on MMLU [1]." and [c.n for c in best.citations] == [1]
    top3 = Answerer(model).answer(result_for("Top 3 on MMLU?", ranked, family="rank", answer_count=3))
    assert [c.n for c in top3.citations] == [1, 2, 3] and model.calls == 0


def test_count_and_organisation_answers_cite_what_answers_them() -> None:
    count = _facts(("fact:count:models:org=meta", 49, "The catalog has 49 models developed by meta"),
                   ("fact:llama-3", "Llama 3", "Llama 3 by Meta"))  # fmt: skip
    answer = Answerer(ScriptedGenerator("unused")).answer(
        result_for("How many Meta models?", count, family="count")
    )
    assert answer.answer == "The catalog has 49 models developed by meta [1]."
    org = _facts(("fact:org:meta", {"country": "US"}, "Meta is a company based in US"),
                 ("fact:llama-4:developer", "Meta", "Llama 4 was developed by Meta (released 2025-04-05)"),
                 ("fact:llama-3:developer", "Meta", "Llama 3 was developed by Meta (released 2024-04-18)"))  # fmt: skip
    latest = Answerer(ScriptedGenerator("unused")).answer(
        result_for("What is Meta's newest model?", org, family="organization", latest=True)
    )
    assert [c.id for c in latest.citations] == ["fact:llama-4:developer"]
    where = Answerer(ScriptedGenerator("unused")).answer(
        result_for("Where is Meta based?", org, family="organization", latest=False)
    )
    assert [c.id for c in where.citations] == ["fact:org:meta"]


def test_a_price_question_naming_the_provider_gets_that_price() -> None:
    prices = _facts(("fact:m:price:deepinfra", 0.05, "deepinfra serves M at $0.05 per million input tokens"),
                    ("fact:m:price:mistral", 0.1, "mistral serves M at $0.10 per million input tokens"))  # fmt: skip
    result = result_for(
        "What is the input price of M on the Mistral API?", prices, attribute="price", org_id="mistral"
    )
    answer = Answerer(ScriptedGenerator("unused"), phrase_facts=False).answer(result)
    assert [c.id for c in answer.citations] == ["fact:m:price:mistral"]


def test_a_model_attribute_of_an_unknown_model_is_refused() -> None:
    model = ScriptedGenerator("Pyrrin-4 Max has 7B parameters [1].")
    result = result_for(
        "How many parameters does Pyrrin-4 Max have?", [ARTICLE], family="open", attribute="parameters"
    )
    answer = Answerer(model).answer(result)
    assert answer.refused and model.calls == 0


def test_a_news_answer_quotes_the_matching_articles() -> None:
    other = Evidence(
        kind="article", id="x#0", title="Chips", text="Nvidia ships chips.", date="2024-05-20", source="a"
    )
    older = Evidence(
        kind="article", id="y#0", title="GPT-4o rumours", text="GPT-4o is coming.", date="2024-04-02"
    )
    result = result_for("What happened with GPT 4o in May 2024?", [other, older, ARTICLE], family="news",
                        entities=[LinkedEntity(id="gpt-4o", kind="Model", name="GPT-4o", surface="GPT 4o")], date_from="2024-05-01", date_to="2024-05-31")  # fmt: skip
    model = ScriptedGenerator("unused")
    answer = Answerer(model).answer(result)
    assert answer.answer == (
        "OpenAI announced GPT-4o, a flagship model that reasons across audio, vision and text in real time "
        '("Hello GPT-4o", openai.com, 2024-05-13) [3].'
    )
    assert not answer.refused and [c.id for c in answer.citations] == ["hello-gpt-4o#0"] and model.calls == 0


def test_a_news_answer_quotes_plain_text_and_does_not_repeat_a_title() -> None:
    marked = Evidence(kind="article", id="m#0", title="GPT-4o voice", date="2024-05-20", source="a",
                      text="[@sama](https://x.com/sama) says **GPT-4o** talks back.")  # fmt: skip
    bare = Evidence(kind="article", id="t#0", title="GPT-4o", text="GPT-4o", date="2024-05-21", source="b")
    result = result_for("What happened with GPT 4o in May 2024?", [marked, bare], family="news",
                        entities=[LinkedEntity(id="gpt-4o", kind="Model", name="GPT-4o", surface="GPT 4o")], date_from="2024-05-01", date_to="2024-05-31")  # fmt: skip
    answer = Answerer(ScriptedGenerator("unused")).answer(result)
    assert (
        answer.answer
        == '@sama says GPT-4o talks back ("GPT-4o voice", a, 2024-05-20) [1]. GPT-4o (b, 2024-05-21) [2].'
    )


def test_a_news_answer_with_a_topic_quotes_only_articles_the_graph_found_on_it() -> None:
    on_topic = Evidence(kind="article", id="safety-post", title="GPT-4o system card", date="2024-08-08",
                        text="OpenAI published the GPT-4o system card with its safety evaluations.")  # fmt: skip
    chunk_of_it = Evidence(kind="article", id="safety-post#1", title="GPT-4o system card", date="2024-08-08",
                           text="Red teamers probed GPT-4o voice mode.")  # fmt: skip
    elsewhere = Evidence(kind="article", id="launch#0", title="Safety of small models", date="2024-07-18",
                         text="GPT-4o mini launched at a low price.")  # fmt: skip
    topic_only = Evidence(kind="article", id="other", title="Safety news", date="2024-07-01",
                          text="A safety report on Claude.")  # fmt: skip
    entities = [LinkedEntity(kind="Model", id="gpt-4o", name="GPT-4o", surface="GPT-4o"),
                LinkedEntity(kind="Topic", id="safety", name="Safety", surface="safety")]  # fmt: skip
    result = result_for("What did safety news say about GPT-4o?", [elsewhere, on_topic, topic_only, chunk_of_it],
                        family="news", entities=entities, topic_id="safety")  # fmt: skip
    answer = Answerer(ScriptedGenerator("unused")).answer(result)
    assert [c.id for c in answer.citations] == ["safety-post", "safety-post#1"]
    assert "[2]" in answer.answer and "[4]" in answer.answer and "Claude" not in answer.answer


@pytest.mark.parametrize("reply", ["[1]", "The answer is: [1]."])
def test_a_reply_of_only_citations_is_a_refusal(reply: str) -> None:
    result = result_for("Who won the 2022 football world cup?", [ARTICLE], family="open")
    answer = Answerer(ScriptedGenerator(reply)).answer(result)
    assert answer.refused and "does not say" in answer.answer


def test_an_organisation_overview_names_its_latest_models() -> None:
    org = _facts(("fact:org:meta", {"country": "US"}, "Meta is a company based in US"),
                 ("fact:llama-4:developer", "Meta", "Llama 4 was developed by Meta (released 2025-04-05)"),
                 ("fact:llama-3:developer", "Meta", "Llama 3 was developed by Meta (released 2024-04-18)"))  # fmt: skip
    for question in ("Tell me about Meta", "what models does meta make", "what has Meta released"):
        answer = Answerer(ScriptedGenerator("unused")).answer(
            result_for(question, org, family="organization", latest=False)
        )
        assert [c.id for c in answer.citations] == [
            "fact:org:meta",
            "fact:llama-4:developer",
            "fact:llama-3:developer",
        ], question


def test_what_the_catalog_does_not_hold_is_refused_saying_what_it_holds() -> None:
    from rag.contracts import OutOfScope

    model = ScriptedGenerator("Meta is a company based in US [1].")
    org = _facts(("fact:org:meta", {"country": "US"}, "Meta is a company based in US"))
    scope = OutOfScope(kind="attribute", asked="chief executive", about="organization")
    meta = LinkedEntity(id="meta", kind="Organization", name="Meta", surface="meta")
    result = result_for("who is the chief executive of meta", org, family="open", org_ids=["meta"],
                        entities=[meta], out_of_scope=scope)  # fmt: skip
    answer = Answerer(model).answer(result)
    assert answer.refused and answer.citations == [] and model.calls == 0
    assert answer.answer.startswith(
        "The knowledge graph does not say: the catalog holds no 'chief executive' about Meta."
    )
    assert "country" in answer.answer and "website" in answer.answer  # what it does hold


FORECAST = Evidence(
    kind="article", id="graphcast#0", title="GraphCast", date="2023-11-14", source="deepmind.google",
    text="GraphCast, a machine learning model from Google DeepMind, forecasts the weather ten days ahead.",
)  # fmt: skip


def test_an_open_answer_needs_evidence_about_what_was_asked() -> None:
    reply = "GraphCast forecasts the weather ten days ahead [1]."
    off = Answerer(ScriptedGenerator(reply)).answer(
        result_for("will it be sunny in rome on saturday", [FORECAST], family="open")
    )
    assert off.refused, off.answer
    on = Answerer(ScriptedGenerator(reply)).answer(
        result_for("what does graphcast forecast", [FORECAST], family="open")
    )
    assert not on.refused and on.answer == reply
