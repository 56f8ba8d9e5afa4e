"""Fast checks without a model: the config names a bad field, the strict grounding check, the style
checker, the answer log and its report. Evidence comes from real catalog rows."""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pytest

from core import attributes as registry
from finetune import monitor
from finetune.config import FinetuneConfigError, load_config
from finetune.evaluate import EvalReport, Scored, render_markdown, style_defects, summarise
from finetune.train import epoch_steps
from rag.contracts import GroundingCheck, QuestionAnalysis
from rag.embedder import SentenceTransformerEmbedder
from rag.grounding import check_grounding
from rag.qa import Answer, Citation, Evidence
from tests.generation_fixtures import catalog_rows, fact

ROOT = Path(__file__).resolve().parents[2]
TINY = ROOT / "configs" / "finetune" / "tiny.yaml"


@pytest.mark.parametrize(
    ("field", "value"),
    [("train.learning_rate", -1), ("lora.rank", 0), ("train.scheduler", "sawtooth"), ("data.k", "many"),
     ("lora.dropout", 1.5), ("train.max_length", 100)],
)  # fmt: skip
def test_a_bad_value_names_its_field(field: str, value: object) -> None:
    with pytest.raises(FinetuneConfigError) as caught:
        load_config(TINY, **{field: value})
    assert field in str(caught.value)


def test_an_unknown_field_is_named(tmp_path: Path) -> None:
    path = tmp_path / "typo.yaml"
    path.write_text("name: x\ntrain:\n  learning_rat: 0.1\n")
    with pytest.raises(FinetuneConfigError, match=r"train\.learning_rat"):
        load_config(path)


def test_both_shipped_recipes_are_valid() -> None:
    for name in ("default", "tiny"):
        assert load_config(ROOT / "configs" / "finetune" / f"{name}.yaml").name == name


# -- the strict grounding check ---------------------------------------------------------------------
def _models_with(attribute: str) -> list[str]:
    rows = catalog_rows()
    out = []
    for model_id in sorted(rows):
        try:
            if fact(model_id, attribute).value is not None:
                out.append(model_id)
        except (KeyError, ValueError, AssertionError):
            continue
    return out[:5]


def test_every_fact_sentence_in_its_own_words_passes() -> None:
    """The composed answer (each fact's own sentence, cited) passes for every registered attribute:
    the check rejects inventions, not the evidence's words."""
    checked = 0
    for attribute in [a.name for a in registry.graph_facts()]:
        for model_id in _models_with(attribute):
            evidence = fact(model_id, attribute)
            sentence = evidence.text.split(" (source:")[0].rstrip(".") + " [1]."
            result = check_grounding(sentence, [evidence])
            assert result.passed, (sentence, result.rejections)
            checked += 1
    assert checked >= 20


INVENTED = [
    ("llama-3.1-405b-instruct", "developer",
     "Llama 3.1 405B Instruct was built by Meta and is attributed to the University of California [1]."),
    ("phi-3.5-moe-instruct", "developer", "Phi-3.5-MoE-instruct is a Microsoft-based software development kit (SDK) [1]."),
    ("deepseek-v3", "developer", "DeepSeek-V3 is a product of [company_name] [1]."),
    ("gpt-4o-2024-05-13", "context_length", "GPT-4o has a context length of 256,000 tokens [1]."),
    ("gpt-4o-2024-05-13", "release_date", "GPT-4o was released on June 13, 2024 [1]."),
    ("gpt-4o-2024-05-13", "release_date", "GPT-4o was released on 2024-05-13 and is the most popular model [1]."),
    ("llama-3.1-405b-instruct", "license", "The license is a non-commercial license [1]."),
    ("llama-3.1-405b-instruct", "parameters", "Llama 3.1 405B Instruct has 405,000,000 parameters [1]."),
]  # fmt: skip


@pytest.mark.parametrize(("model_id", "attribute", "text"), INVENTED)
def test_an_invented_claim_is_rejected_with_its_reason(model_id: str, attribute: str, text: str) -> None:
    result = check_grounding(text, [fact(model_id, attribute)])
    assert not result.passed
    assert result.rejections and all(r.reason for r in result.rejections)


def test_an_uncited_answer_and_a_citation_of_the_wrong_item_are_rejected() -> None:
    date = fact("gpt-4o-2024-05-13", "release_date")
    context = fact("gpt-4o-2024-05-13", "context_length")
    assert not check_grounding("GPT-4o was released on 2024-05-13.", [date]).passed
    assert not check_grounding("GPT-4o was released on 2024-05-13 [1].", [context, date]).passed
    assert check_grounding("GPT-4o was released on 2024-05-13 [2].", [context, date]).passed


# -- style defects ----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "defect"),
    [("The answer is: [1] Claude 3.5 Haiku was created by Anthropic.", "preamble"),
     ("Jamba 1.5 Mini has a knowledge cutoff of 2024-03-05 and up to when does it go [1]?", "parroted question"),
     ("The Nova Pro model was built by Amazon and was developed by Amazon [1].", "repeated clause"),
     ("[1]", "empty")],
)  # fmt: skip
def test_style_defects_are_found(text: str, defect: str) -> None:
    assert defect in style_defects(
        text, "What is the knowledge cutoff of Jamba 1.5 Mini and up to when does it go?"
    )


def test_a_plain_cited_answer_has_no_defect() -> None:
    assert style_defects("Nova Pro was developed by Amazon [1].", "Who built Nova Pro?") == []


def test_a_fact_restated_in_one_sentence_is_a_repeat_but_parallel_sentences_are_not() -> None:
    restated = (
        "TensorTour is based in the US [1]. The latest model released in 2023 was released in 2023 [1]."
    )
    assert "repeated clause" in style_defects(restated, "Where is TensorTour headquartered?")
    parallel = ("GigaChat 2 Max by Sber: context length 128,000 tokens [1]. "
                "GigaChat 2 Pro by Sber: context length 128,000 tokens [3].")  # fmt: skip
    assert style_defects(parallel, "List the Sber models that can take image as input.") == []
    given = "released on or after 2024-01-01, released on or before 2024-12-31"
    assert style_defects(f"The catalog has 3 models {given} [1].", "How many?", evidence=given) == []


def test_a_long_name_copied_from_the_evidence_is_not_a_parroted_question() -> None:
    name = "Gemini 2.5 Flash Lite Preview 09-2025"
    answer = f"The catalog has no parameter count for {name} [1]."
    question = f"How big is {name} in parameters?"
    assert style_defects(answer, question, evidence=f"{answer} (source: llm-stats)") == []
    assert style_defects(answer, question) == ["parroted question"]


# -- monitoring -------------------------------------------------------------------------------------
def _answer(question: str, classification: str, grounded: bool) -> Answer:
    evidence = [Evidence(kind="article", id="a1#0", text="secret text", classification=classification)]
    return Answer(question=question, answer="x [1].", citations=[Citation(1, "article", "a1#0", None, None)],
                  analysis=QuestionAnalysis(family="open"), refused=False, evidence=evidence,
                  timings_ms={"answer_total": 1200.0},
                  grounding=GroundingCheck(passed=grounded, sentences=1, rejections=[]))  # fmt: skip


def test_the_answer_log_keeps_no_confidential_text_and_reports_quality(
    tmp_path: Path, embedder: SentenceTransformerEmbedder
) -> None:
    logs = tmp_path / "logs"
    ids = [monitor.log_answer(logs, _answer(f"What is the context length of model {i}?", "public", i % 4 != 0),
                              model="m") for i in range(24)]  # fmt: skip
    secret = monitor.log_answer(logs, _answer("Internal roadmap of ACME-9?", "confidential", True), model="m")
    text = (logs / monitor.ANSWER_LOG).read_text()
    assert "ACME-9" not in text and "secret text" not in text and secret in text
    for answer_id in ids[:8]:
        monitor.record_feedback(logs, answer_id, "down")
    monitor.record_feedback(logs, secret, "down")
    candidates = monitor.dpo_candidates(logs)
    assert len(candidates) == 8 and all(c["question"] for c in candidates)  # the confidential one is not
    adapter = tmp_path / "adapter"
    monitor.save_baseline(adapter, embedder, [f"What is the context length of model {i}?" for i in range(40)],
                          ["What is the context length of model 99?"])  # fmt: skip
    report = monitor.monitor_report(logs, adapter_dir=adapter, embedder=embedder)
    assert report["overall"]["answers"] == 25
    assert report["overall"]["grounding_pass"] == pytest.approx(19 / 25, abs=0.01)
    assert report["retrain"] and any("grounding" in r for r in report["reasons"])
    assert report["drift"]["drifted_share"] < 0.5  # the same kind of questions
    far = monitor.drift(adapter, embedder, ["Recipe for banana bread with walnuts"] * 3)
    assert far is not None and far["drifted_share"] == 1.0
    assert json.loads((adapter / monitor.BASELINE).read_text())["train_questions"] == 40
    assert np.load(adapter / monitor.QUESTIONS).shape == (40, embedder.dim)


def test_an_epoch_sees_every_row_once_in_batches_of_like_length() -> None:
    lengths = [900 if i % 5 == 0 else 200 + i for i in range(103)]
    steps = epoch_steps(lengths, 4, "42:0")
    seen = [i for step in steps for i in step]
    assert len(steps) == 26 and set(seen) == set(range(103))  # ceil(103 / 4); the last step topped up
    padded = sum(len(s) * max(lengths[i] for i in s) for s in steps)
    assert padded < 1.15 * sum(lengths)  # a random order pads about half of the steps to 900
    assert steps == epoch_steps(lengths, 4, "42:0") and steps != epoch_steps(lengths, 4, "42:1")


def test_a_misstated_bound_and_a_degenerate_repetition_are_rejected() -> None:
    """Two claims the hand check of the base model's answers found accepted (adapters/default's
    grounding_hand_check.md): the numbers are the evidence's, the claim is not."""
    count = Evidence(kind="fact", id="count:inception", text="The catalog has 2 models developed by inception, "
                     "released on or after 2026-01-01, released on or before 2026-12-31.")  # fmt: skip
    own_words = f"{count.text[:-1]} [1]."
    assert check_grounding(own_words, [count]).passed
    garbled = check_grounding(
        "The catalog has 2 models developed by inception, released on or after 2026-12-31 [1].", [count]
    )
    assert [r.reason for r in garbled.rejections] == ["bound not in the cited evidence"]
    listing = Evidence(
        kind="fact", id="list:meituan", text="LongCat Flash Lite by Meituan: released 2026-02-06"
    )
    degenerate = check_grounding("Meituan-Lang-Lang-Lang-Lang-Lang [1]", [listing])
    assert [r.reason for r in degenerate.rejections] == ["degenerate repetition"]


def test_the_reports_side_by_side_answers_cover_every_family() -> None:
    def scored(family: str, n: int, system: str) -> Scored:
        return Scored(example=f"{family}-{n}", family=family, system=system, question=f"{family} {n}?",
                      answer="a [1].", target="a [1].", correct=True, exact_value=True, citation_precision=1.0,
                      citation_recall=1.0, refusal_correct=None, false_refusal=False, grounded=True,
                      rejections=[], defects=[], seconds=1.0)  # fmt: skip

    results = [
        scored(f, n, s) for f in ("attribute", "news", "list") for n in range(5) for s in ("base", "tuned")
    ]
    overall = {s: summarise([r for r in results if r.system == s]) for s in ("base", "tuned")}
    report = EvalReport(["base", "tuned"], overall, {}, [], results)
    shown = re.findall(
        r"^\d+\. \*\*(\w+) \d\?\*\*", render_markdown(report, samples=3).split("side by side")[1], re.M
    )
    assert sorted(shown) == ["attribute", "list", "news"]


def test_preference_pairs_take_each_flaw_in_turn_and_reject_a_copied_article() -> None:
    from finetune.dataset import Example, preference_pairs

    article = {"n": 2, "kind": "article", "id": "a#0", "doc": "a", "title": "Llama 4 ships", "date": "2025-04-08",
               "source": "AINews", "url": None, "value": None,
               "text": "Llama 4 ships. [Meta](https://ai.meta.com) released **Scout**."}  # fmt: skip
    fact_row = {"n": 1, "kind": "fact", "id": "f", "doc": "f", "title": None, "date": None, "source": "catalog",
                "url": None, "value": 8192, "text": "Llama 3 8B has a context length of 8,192 tokens."}  # fmt: skip

    def example(i: int, evidence: list[dict[str, object]]) -> Example:
        return Example(id=f"e{i}", item_id=f"i{i}", family="attribute", split="train", question="Context of Llama 3 8B?",
                       messages=[], target="Llama 3 8B has a context length of 8,192 tokens [1].", evidence=evidence,
                       cited=[1], answerable=True, answers=[[8192]], match="number", precision="day",
                       gold_evidence=[], model_ids=[])  # fmt: skip

    examples = [example(i, [fact_row]) for i in range(30)] + [example(30, [fact_row, article])]
    pairs = preference_pairs(examples, limit=12, seed=3)
    flaws = [p["flaw"] for p in pairs]
    assert "copied evidence" in flaws[:6]  # one example of 31 can have it, and it is not drowned out
    assert len(set(flaws[:6])) == 6
    copied = next(p for p in pairs if p["flaw"] == "copied evidence")
    assert copied["rejected"] == "Article (Llama 4 ships; AINews; 2025-04-08): Meta released Scout."
