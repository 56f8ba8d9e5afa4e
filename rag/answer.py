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

from core import attributes as registry
from rag.contracts import GroundingCheck, Slots
from rag.grounding import check_grounding, replaced
from rag.prompts import GROUNDED_ANSWER, PromptTemplate, format_evidence
from rag.qa import Answer, Citation, Evidence, Generator, RetrievalResult, document_key
from rag.scope import refusal as scope_refusal
from rag.text import plain
from rag.verdict import verdict

ARTICLE_FAMILIES = frozenset({"open", "news"})  # answered from articles, not graph facts
# The model phrases answers about one or two models' facts; lists, counts, rankings and organisation
# facts are composed from the facts themselves (a 135M model only garbles a list).
PHRASED_FAMILIES = frozenset({"attribute", "compare"})
FACT_STOP = (". ", "\n")  # an attribute answer is one sentence
TEXT_STOP = ("\n",)  # one paragraph
NEWS_ITEMS = 3  # articles a news answer lists
NEWS_SENTENCE_CHARS = 220
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
        family = result.analysis.family
        from_facts = family not in ARTICLE_FAMILIES
        scope = result.analysis.slots.out_of_scope
        if (
            scope is not None
            and scope.kind == "subject"
            and numbered
            and addresses(result.question, numbered)
        ):
            scope = None  # off the catalog's subject, but what was retrieved (a tenant's document) holds it
        if scope is not None:  # what the catalog does not hold
            return self._build(result, numbered, out_of_scope_refusal(result), [], True, timings)
        key = key_facts(result, numbered) if from_facts else []
        if not numbered or (from_facts and not key) or unknown_subject(result):
            return self._build(result, numbered, *refusal(result, numbered), True, timings)
        settled = verdict(result, key)  # "which ... A or B": the conclusion from the facts, first
        if settled is not None or (key and not (self.phrase_facts and family in PHRASED_FAMILIES)):
            text, cited = settled or compose(key)
            timings["answer_total"] = _ms(started)
            return self._build(result, numbered, text, cited, False, timings)

        if family == "news" and (items := news_items(result, numbered)):
            text, cited = news_digest(items, result.analysis.slots)
            timings["answer_total"] = _ms(started)
            return self._build(result, numbered, text, cited, False, timings)

        mark = time.perf_counter()
        shown = key or list(enumerate(numbered, start=1))  # a fact answer's prompt shows only its facts
        evidence = format_evidence([e for _, e in shown], [n for n, _ in shown])
        messages = self.template.render(question=result.question, evidence=evidence)
        timings["prompt"] = _ms(mark)
        mark = time.perf_counter()
        stop = FACT_STOP if family == "attribute" else TEXT_STOP
        raw = self.generator.generate(messages, max_new_tokens=self.max_new_tokens, stop=stop)
        timings["generate"] = _ms(mark)

        mark = time.perf_counter()
        text, cited = clean_citations(tidy(raw), len(numbered))
        refused = False
        # The strict check (rag.grounding) first: a sentence its cited evidence does not hold, or a
        # placeholder, rejects the model's text; the reason travels with the answer.
        grounding = check_grounding(text, numbered, question=result.question)
        if key:
            # what would be served: the answering sentences, key facts cited where the model forgot
            checked = check_fact_answer(text, cited, numbered, key)
            if checked is not None:
                grounding = check_grounding(checked[0], numbered, question=result.question)
            if checked is None or not grounding.passed:
                reason = "does not state the key facts" if checked is None else None
                grounding, checked = replaced(grounding, text, reason), None
            text, cited = checked if checked is not None else compose(key)
        elif (
            not grounding.passed
            or not says_something(text)
            or not cited
            or not addresses(result.question, [numbered[n - 1] for n in cited])
        ):  # no grounded answer, or one whose evidence is about something else
            reason = None if not grounding.passed else "says nothing the evidence backs on what was asked"
            grounding = replaced(grounding, text, reason)
            (text, cited), refused = refusal(result, numbered), True
        timings["ground"] = _ms(mark)
        timings["answer_total"] = _ms(started)
        return self._build(result, numbered, text, cited, refused, timings, grounding)

    @staticmethod
    def _build(
        result: RetrievalResult,
        numbered: list[Evidence],
        text: str,
        cited: Sequence[int],
        refused: bool,
        timings: dict[str, float],
        grounding: GroundingCheck | None = None,
    ) -> Answer:
        citations = [_citation(n, numbered[n - 1]) for n in cited]
        return Answer(
            question=result.question, answer=text, citations=citations,
            analysis=result.analysis.model_copy(deep=True), refused=refused, evidence=numbered,
            timings_ms=timings, grounding=grounding,
        )  # fmt: skip


def says_something(text: str) -> bool:
    """More than citations and filler: a reply of '[1]' or 'The answer is: [1]' answers nothing."""
    words = re.findall(r"[A-Za-z0-9]{2,}", re.sub(r"\[[\d, ]+\]", " ", text))
    return len([w for w in words if w.lower() not in ("the", "answer", "is")]) >= 2


# Words of asking, not of the asked thing.
# fmt: off
_ASKING_WORDS = frozenset({
    "what", "whats", "who", "whos", "whom", "which", "when", "where", "why", "how", "does", "did", "do", "is", "are",
    "was", "were", "can", "could", "will", "would", "should", "tell", "give", "show", "me", "about", "please", "any",
    "some", "there", "their", "they", "them", "this", "that", "these", "those", "have", "has", "had", "get", "today",
    "now", "currently", "latest", "new", "recent", "recently", "know", "explain", "describe", "info", "information",
})
# fmt: on
ADDRESS_SHARE = 0.6  # share of the question's own words the cited evidence must contain


def addresses(question: str, cited: Sequence[Evidence]) -> bool:
    """Whether the cited evidence is about what an open question asks: it holds most of the
    question's content words (compared on their first five letters, so 'forecasts' finds
    'forecasting'). An article on AI weather forecasting does not address 'weather in paris today'."""
    words = {w[:5] for w in re.findall(r"[a-z0-9]{3,}", question.lower()) if w not in _ASKING_WORDS}
    words -= {w[:5] for w in ("the", "and", "for", "with", "from")}
    if not words:
        return True
    text = " ".join(_support_text(e) for e in cited).lower()
    found = sum(1 for w in words if w in text)
    return found >= ADDRESS_SHARE * len(words)


def key_facts(result: RetrievalResult, numbered: Sequence[Evidence]) -> list[tuple[int, Evidence]]:
    """The numbered graph facts that answer the question, by family: the asked attributes (none when
    the first asked attribute has no fact: other facts are no answer to it), the count, the
    organisation's facts or its latest model, the first `answer_count` of a ranking."""
    facts = [(n, e) for n, e in enumerate(numbered, start=1) if e.kind == "fact" and e.value is not None]
    slots, family = result.analysis.slots, result.analysis.family
    if family in ("attribute", "compare"):
        facts = _asked_facts(facts, slots, family)
    elif family == "count":
        facts = [f for f in facts if _scope(f[1]) == "count"]
    elif family == "organization":
        about_org = [f for f in facts if _scope(f[1]) == "org"]
        models = [f for f in facts if f not in about_org]
        if slots.latest:
            facts = models[:1]
        elif _ORG_MODELS.search(result.question):
            facts = about_org + models[: MAX_KEY_FACTS - len(about_org)]  # "tell me about X": its models too
        else:
            facts = about_org
    elif family in ("rank", "topic"):
        facts = facts[: slots.answer_count or MAX_KEY_FACTS]
    return facts[:MAX_KEY_FACTS]


_ORG_MODELS = re.compile(
    r"\b(models?|llms?|make|makes|made|release[sd]?|offer\w*|builds?|built|products?|tell me about|what does"
    r"|what has|overview)\b",
    re.I,
)


def _scope(e: Evidence) -> str | None:
    fact = e.fact_id
    return fact.scope if fact else None


def _asked_facts(facts: list[tuple[int, Evidence]], slots: Slots, family: str) -> list[tuple[int, Evidence]]:
    asked = [a for a in [slots.attribute, *slots.attributes] if a]
    asked = list(dict.fromkeys(_fact_part(a) for a in asked))
    if not asked:
        return facts  # "tell me about X": its overview

    def about(e: Evidence, attribute: str) -> bool:
        fact = e.fact_id
        return fact is not None and fact.scope == "model" and attribute in (fact.attribute, fact.qualifier)

    primary = [f for f in facts if about(f[1], asked[0])]
    if asked[0] == "price" and slots.org_id:  # "on the Mistral API": that provider's price
        primary = [f for f in primary if _qualifier(f[1]) == slots.org_id] or primary
    if not primary:
        return [] if family == "attribute" else facts
    return primary + [f for f in facts if f not in primary and any(about(f[1], a) for a in asked[1:])]


def unknown_subject(result: RetrievalResult) -> bool:
    """A question about a model attribute that links no model (a name the catalog does not know)."""
    slots = result.analysis.slots
    asked = registry.ATTRIBUTES.get(slots.attribute or "")
    return (
        result.analysis.family == "open"
        and asked is not None
        and asked.refuse_unknown
        and not slots.model_ids
    )


def news_items(result: RetrievalResult, numbered: Sequence[Evidence]) -> list[tuple[int, Evidence]]:
    """The numbered articles that name an entity of the question (compared as the entity linker
    compares names: 'GPT OSS 120B' is 'gpt-oss-120b') and fall in its date range."""
    slots = result.analysis.slots
    names = _entity_names(slots)
    since = slots.date_from.isoformat() if slots.date_from else None
    until = slots.date_to.isoformat() if slots.date_to else None
    # Only the graph knows which articles are about a topic: with one, chunks must be of those articles.
    on_topic = (
        {e.id for e in numbered if e.kind == "article" and document_key(e) == e.id}
        if slots.topic_id
        else None
    )
    items = []
    for n, e in enumerate(numbered, start=1):
        day = (e.date or "")[:10]
        in_range = (not since or day >= since) and (not until or (bool(day) and day <= until))
        topical = on_topic is None or document_key(e) in on_topic
        # a topic question with no model or organisation ("latest AI safety news"): its articles
        named = _naming_sentence(e, names) if names else slots.topic_id is not None
        if e.kind == "article" and in_range and topical and named:
            items.append((n, e))
    return items[:NEWS_ITEMS]


def news_digest(items: Sequence[tuple[int, Evidence]], slots: Slots) -> tuple[str, list[int]]:
    """What each matching article says about the entity, in its own words (its first sentence that
    names it), with title, source and date: extractive, so every word is in the cited evidence."""
    names = _entity_names(slots)
    lines = []
    for n, e in items:
        title = plain(e.title or "")
        sentence = _naming_sentence(e, names) or _lead(e) or title or e.id
        quoted = f'"{title}"' if title and title.strip(" .") != sentence else None  # no title twice
        about = ", ".join(x for x in (quoted, e.source, e.date) if x)
        lines.append(f"{sentence} ({about}) [{n}].")
    return " ".join(lines), [n for n, _ in items]


def _lead(e: Evidence) -> str | None:
    """An article's first sentence after its title (a topic digest names no entity to look for)."""
    body = e.text[len(e.title) :].lstrip(" .") if e.title and e.text.startswith(e.title) else e.text
    first = next((s for s in re.split(r"(?<=[.!?])\s+|\n+", body) if s.strip()), "")
    clean = plain(first).strip(" .")
    return (
        clean[:NEWS_SENTENCE_CHARS].rsplit(" ", 1)[0] + " ..."
        if len(clean) > NEWS_SENTENCE_CHARS
        else clean or None
    )


def _entity_names(slots: Slots) -> set[str]:
    """The question's models and organisations as name keys: name, the words the question used, and
    the id ('qwen-3-vl' finds 'Qwen3-VL' where the name 'Qwen3 VL Instruct' does not). Topics are
    not names: 'multimodal' must not make an article about another model match."""
    entities = [e for e in slots.entities if e.kind in ("Model", "Organization")]
    names = {_name_key(x) for e in entities for x in (e.name, e.surface, e.id) if x}
    return {n for n in names if len(n) >= 3}


def _name_key(text: str) -> str:
    return re.sub(r"[^a-z0-9]", "", text.lower())


def _naming_sentence(e: Evidence, names: set[str]) -> str | None:
    """The first sentence of the article's text (else its title) that names one of `names`, clipped."""
    for sentence in [*re.split(r"(?<=[.!?])\s+|\n+", e.text), e.title or ""]:
        if any(name in _name_key(sentence) for name in names if name):
            clean = plain(sentence).strip(" .")
            if len(clean) > NEWS_SENTENCE_CHARS:
                clean = clean[:NEWS_SENTENCE_CHARS].rsplit(" ", 1)[0] + " ..."
            return clean
    return None


def tidy(text: str) -> str:
    """Whitespace collapsed, evidence labels the model echoed removed, a leading `[n]` moved behind
    its sentence, repeated sentences dropped (greedy decoding loops), at most a few sentences, and
    a sentence cut off by the token limit removed."""
    text = _ECHOED_LABELS.sub("", " ".join(text.split()))
    parts = _sentences(text)
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
    if not text:
        return None
    sentences = [s for s in _sentences(text) if any(mentions(s, fact.value) for _, fact in key)]
    text = " ".join(sentences)  # only what answers the question: no extra claims
    kept = {int(x) for m in _CITATION.finditer(text) for x in m.group(1).split(",")}
    cited = [n for n in cited if n in kept]
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


def _sentences(text: str) -> list[str]:
    return [p for p in re.split(r"(?<=[.!?])\s+(?=[A-Z\[])", text) if p]


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


def refusal(result: RetrievalResult, numbered: Sequence[Evidence]) -> tuple[str, list[int]]:
    """What a refusal says and cites. Where the evidence holds the catalog's own sentence that it
    lacks the asked fact ("The catalog has no licence for X"), that sentence, cited; otherwise that
    the knowledge graph does not say, naming the asked attribute and models (never echoing the
    whole question: a parroted question is a style defect), with the nearest evidence."""
    missing = missing_facts(result, numbered)
    if missing:
        return compose(missing)
    slots = result.analysis.slots
    names = [e.name for e in slots.entities if e.kind == "Model"] or slots.model_ids
    if slots.attribute and names:
        asked = registry.ATTRIBUTES.get(slots.attribute)
        label = asked.label if asked is not None else slots.attribute.replace("_", " ")
        text = f"The knowledge graph does not say the {label} of {' and '.join(names)}."
    else:
        text = "The knowledge graph does not say: none of the evidence answers the question."
    cited = nearest(numbered)
    if cited:
        text += " Nearest evidence: " + ", ".join(f"[{n}]" for n in cited) + "."
    return text, cited


def out_of_scope_refusal(result: RetrievalResult) -> str:
    """The refusal of a question about what the catalog does not hold (an unknown model, an
    attribute it keeps for nothing, another subject), saying what it holds instead."""
    assert result.analysis.slots.out_of_scope is not None
    names = [e.name for e in result.analysis.slots.entities if e.kind in ("Model", "Organization")]
    return scope_refusal(result.analysis.slots.out_of_scope, names)


def missing_facts(result: RetrievalResult, numbered: Sequence[Evidence]) -> list[tuple[int, Evidence]]:
    """The numbered facts that say the catalog lacks the first asked attribute of an asked model."""
    slots = result.analysis.slots
    if not (slots.attribute and slots.model_ids):
        return []
    part = _fact_part(slots.attribute)
    out = []
    for n, e in enumerate(numbered, start=1):
        fact = e.fact_id if e.kind == "fact" and e.value is None else None
        if fact is not None and fact.attribute == part and fact.subject in slots.model_ids:
            out.append((n, e))
    return out


def _fact_part(attribute: str) -> str:
    """The attribute's part of a fact id (`fact:<model>:<part>`): the registry's, else its own name."""
    return registry.get(attribute).fact_part if attribute in registry.ATTRIBUTES else attribute


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


def _qualifier(e: Evidence) -> str | None:
    fact = e.fact_id
    return fact.qualifier if fact else None


def _citation(n: int, item: Evidence) -> Citation:
    return Citation(n=n, kind=item.kind, id=item.id, title=item.title, url=item.url, date=item.date)


def _ms(since: float) -> float:
    return round((time.perf_counter() - since) * 1000, 2)
