"""Turn a `RetrievalResult` into a cited `Answer`, and refuse rather than invent.

A 135M-parameter model phrases well enough but misquotes numbers and invents citations, so the
model's text is checked before it is returned: citations must point at a numbered evidence item,
and for fact questions the exact value from the graph must appear in the answer, with every number
in it backed by the cited evidence. When the check fails the answer is composed from the facts.
"""

from __future__ import annotations

import calendar
import re
import time
from collections.abc import Iterable, Sequence
from typing import Any

from rag.prompts import GROUNDED_ANSWER, PromptTemplate, format_evidence
from rag.qa import Answer, Citation, Evidence, Generator, RetrievalResult

FACT_FREE_FAMILIES = frozenset({"open", "news", "topic"})  # answered from articles, not graph facts
MAX_KEY_FACTS = 5
MAX_SENTENCES = 3
NEAREST = 3  # evidence items cited by a refusal

_CITATION = re.compile(r"\s*\[(\d+(?:\s*,\s*\d+)*)\]")
_NUMBER = re.compile(r"\d+(?:\.\d+)?(?:\s?(?:%|k|m|b|thousand|million|billion)\b)?")
_ECHOED_LABELS = re.compile(
    r"\s*\(source: [^)]*\)|\b(?:Article|Model card) \([^)]*\):\s*|\b(?:Evidence|Answer):\s*"
)
_SCALES = ((10**9, "b", "billion"), (10**6, "m", "million"), (10**3, "k", "thousand"))


class Answerer:
    """Numbers the top evidence, asks the generator, then keeps only what the evidence supports.

    `phrase_facts=False` skips the model when graph facts hold the answer, returning the composed
    sentence directly: the same answer the check falls back to, in milliseconds instead of seconds.
    """

    def __init__(
        self,
        generator: Generator,
        *,
        max_new_tokens: int = 96,
        max_evidence: int = 6,
        template: PromptTemplate = GROUNDED_ANSWER,
        phrase_facts: bool = True,
    ) -> None:
        self.generator = generator
        self.max_new_tokens = max_new_tokens
        self.max_evidence = max_evidence
        self.template = template
        self.phrase_facts = phrase_facts

    def answer(self, result: RetrievalResult) -> Answer:
        started = time.perf_counter()
        timings = dict(result.timings_ms)
        numbered = result.evidence[: self.max_evidence]
        fact_family = result.analysis.family not in FACT_FREE_FAMILIES
        key = key_facts(result, numbered) if fact_family else []
        if not numbered or (fact_family and not key):
            return self._build(
                result, numbered, refusal_text(result, numbered), nearest(numbered), True, timings
            )

        mark = time.perf_counter()
        messages = self.template.render(question=result.question, evidence=format_evidence(numbered))
        timings["prompt"] = _ms(mark)
        mark = time.perf_counter()
        raw = ""
        if not key or self.phrase_facts:
            raw = self.generator.generate(messages, max_new_tokens=self.max_new_tokens)
        timings["generate"] = _ms(mark)

        mark = time.perf_counter()
        text, cited = clean_citations(tidy(raw), len(numbered))
        refused = False
        if key:
            checked = check_fact_answer(text, cited, numbered, key)
            text, cited = checked if checked is not None else compose(key)
        elif not text or not cited:  # nothing the evidence backs: do not pass it off as grounded
            text, cited, refused = refusal_text(result, numbered), nearest(numbered), True
        timings["ground"] = _ms(mark)
        timings["answer_total"] = _ms(started)
        return self._build(result, numbered, text, cited, refused, timings)

    @staticmethod
    def _build(
        result: RetrievalResult,
        numbered: list[Evidence],
        text: str,
        cited: Sequence[int],
        refused: bool,
        timings: dict[str, float],
    ) -> Answer:
        citations = [_citation(n, numbered[n - 1]) for n in cited]
        analysis = result.analysis
        return Answer(
            question=result.question, answer=text, citations=citations, family=analysis.family,
            slots=dict(analysis.slots), template=analysis.template, refused=refused,
            evidence=numbered, timings_ms=timings,
        )  # fmt: skip


def key_facts(result: RetrievalResult, numbered: Sequence[Evidence]) -> list[tuple[int, Evidence]]:
    """The numbered graph facts that hold the answer: facts with a value, narrowed to the asked
    attributes when the analysis names some (fact ids carry them: `fact:<model>:<attribute>[:...]`).
    An attribute question whose attribute has no fact gets none: other facts are no answer to it."""
    facts = [(n, e) for n, e in enumerate(numbered, start=1) if e.kind == "fact" and e.value is not None]
    slots = result.analysis.slots
    wanted = {a for a in [slots.get("attribute"), *(slots.get("attributes") or [])] if isinstance(a, str)}
    if wanted:
        matching = [(n, e) for n, e in facts if wanted & set(e.id.split(":")[2:])]
        facts = matching if matching or result.analysis.family == "attribute" else facts
    return facts[:MAX_KEY_FACTS]


def tidy(text: str) -> str:
    """Whitespace collapsed, evidence labels the model echoed removed, a leading `[n]` moved behind
    its sentence, repeated sentences dropped (greedy decoding loops), at most a few sentences, and
    a sentence cut off by the token limit removed."""
    text = _ECHOED_LABELS.sub("", " ".join(text.split()))
    parts = [p for p in re.split(r"(?<=[.!?])\s+(?=[A-Z\[])", text) if p]
    if len(parts) > 1 and not re.search(r"[.!?\]]$", parts[-1]):
        parts.pop()
    sentences: list[str] = []
    for sentence in parts:
        lead = re.match(r"\[([\d, ]+)\]\s*(.+?)([.!?]?)$", sentence)
        if lead:
            sentence = f"{lead.group(2)} [{lead.group(1)}]{lead.group(3)}"
        if sentence not in sentences:
            sentences.append(sentence)
    return " ".join(sentences[:MAX_SENTENCES])


def clean_citations(text: str, count: int) -> tuple[str, list[int]]:
    """Drop markers that point at no numbered item; return the text and the cited numbers in order."""
    cited: list[int] = []

    def keep(match: re.Match[str]) -> str:
        valid = [n for n in (int(x) for x in match.group(1).split(",")) if 1 <= n <= count]
        cited.extend(n for n in valid if n not in cited)
        return f" [{', '.join(map(str, dict.fromkeys(valid)))}]" if valid else ""

    return _CITATION.sub(keep, text).strip(), cited


def check_fact_answer(
    text: str, cited: list[int], numbered: Sequence[Evidence], key: Sequence[tuple[int, Evidence]]
) -> tuple[str, list[int]] | None:
    """The model's text if it states every key value and every number in it is in the cited
    evidence (key facts are cited for it when it forgot); None when it must not be returned."""
    if not text or not all(mentions(text, fact.value) for _, fact in key):
        return None
    missing = [n for n, _ in key if n not in cited]
    cited = cited + missing
    backing = [numbered[n - 1] for n in cited]
    support: set[str] = set()
    for item in backing:
        support |= _numbers(_support_text(item)) | _value_tokens(item.value)
    if not _numbers(_CITATION.sub("", text)) <= support:
        return None
    if missing:
        text = _append_citations(text, missing)
    return text, cited


def compose(key: Sequence[tuple[int, Evidence]]) -> tuple[str, list[int]]:
    """The answer written from the facts themselves: each fact's sentence with its citation."""
    sentences = []
    for n, fact in key:
        sentence = _ECHOED_LABELS.sub("", " ".join(fact.text.split())).rstrip(".")
        numeric = isinstance(fact.value, int | float) and not isinstance(fact.value, bool)
        if numeric and not mentions(sentence, fact.value):
            sentence = f"{sentence}: {_render_number(fact.value)}"
        sentences.append(f"{sentence} [{n}].")
    return " ".join(sentences), [n for n, _ in key]


def refusal_text(result: RetrievalResult, numbered: Sequence[Evidence]) -> str:
    slots = result.analysis.slots
    attribute = slots.get("attribute")
    models = slots.get("model_ids") or slots.get("models")
    if isinstance(attribute, str) and models:
        names = ", ".join(map(str, models)) if isinstance(models, list | tuple) else str(models)
        subject = f"the {attribute.replace('_', ' ')} of {names}"
    else:
        subject = f"the answer to: {result.question.strip()}"
    text = f"The knowledge graph does not say {subject.rstrip('.?!')}."
    if numbered:
        text += " Nearest evidence: " + ", ".join(f"[{n}]" for n in nearest(numbered)) + "."
    return text


def nearest(numbered: Sequence[Evidence]) -> list[int]:
    return list(range(1, min(NEAREST, len(numbered)) + 1))


def mentions(text: str, value: Any) -> bool:
    """Whether `text` states `value` exactly, in one of the ways it is commonly written
    (128000 as 128,000 or 128K; 2024-05-13 as May 13, 2024). A list or mapping needs all its values;
    booleans cannot be read off text."""
    parts = _parts(value)
    if not parts or any(isinstance(part, bool) for part in parts):
        return False
    normal = _normalise(text)
    return all(
        any(re.search(rf"(?<![\w.]){re.escape(form)}(?!\w)", normal) for form in _forms(part))
        for part in parts
    )


def _parts(value: Any) -> list[Any]:
    """The scalar values inside a fact value (a price is a mapping, modalities are lists)."""
    if isinstance(value, dict):
        value = list(value.values())
    if isinstance(value, list | tuple | set | frozenset):
        return [part for v in value for part in _parts(v)]
    return [] if value is None else [value]


def _forms(value: Any) -> set[str]:
    if isinstance(value, int | float):
        forms = {_render_number(value), str(value)}
        for scale, short, word in _SCALES:
            if value >= scale and (value / scale) * 100 == int(value / scale * 100):
                forms |= {f"{value / scale:g}{short}", f"{value / scale:g} {word}"}
        if isinstance(value, float):
            if round(value, 2) == value:
                forms.add(f"{value:,.2f}")  # prices: 2.5 as 2.50
            if 0 < value <= 1:
                forms |= {f"{value * 100:g}%", f"{round(value * 100, 1):g}"}
        return forms
    text = _normalise(str(value))
    date = re.fullmatch(r"(\d{4})-(\d{2})-(\d{2})", text)
    if date:
        year, month, day = date.group(1), calendar.month_name[int(date.group(2))].lower(), int(date.group(3))
        return {text, f"{month} {day}, {year}", f"{day} {month} {year}"}
    return {text}


def _normalise(text: str) -> str:
    """Lower case, thousands separators removed, so '128,000' and '128000' compare equal."""
    return re.sub(r"(?<=\d)[,\u202f](?=\d{3}(?!\d))", "", text.lower())


def _numbers(text: str) -> set[str]:
    return {n.replace(" ", "") for n in _NUMBER.findall(_normalise(text))}


def _value_tokens(value: Any) -> set[str]:
    tokens: set[str] = set()
    for part in _parts(value):
        if not isinstance(part, bool):
            for form in _forms(part):
                tokens |= _numbers(form)
    return tokens


def _support_text(item: Evidence) -> str:
    return " ".join(str(x) for x in (item.text, item.title, item.date) if x)


def _render_number(value: int | float) -> str:
    return f"{value:,}" if isinstance(value, int) else f"{value:g}"


def _append_citations(text: str, numbers: Iterable[int]) -> str:
    marks = " ".join(f"[{n}]" for n in numbers)
    stripped = text.rstrip()
    if stripped.endswith((".", "!", "?")):
        return f"{stripped[:-1]} {marks}{stripped[-1]}"
    return f"{stripped} {marks}."


def _citation(n: int, item: Evidence) -> Citation:
    return Citation(n=n, kind=item.kind, id=item.id, title=item.title, url=item.url, date=item.date)


def _ms(since: float) -> float:
    return round((time.perf_counter() - since) * 1000, 2)
