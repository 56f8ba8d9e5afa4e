"""Question analysis: link a question to graph entities, pick its family, fill typed slots.

Built once from the graph's names (`QuestionAnalyzer.from_store`) or from a list of entities (tests).

**Linking.** Models and organisations go through the news `EntityLinker` (its normalisation, version
boundaries, alias ownership and context rules), then a scan of the question's word n-grams catches
what prose rules leave out in a typed question: lower-case names (``mistral``), a name completed by a
size (``llama 3.1 8b`` -> ``Llama 3.1 8B Instruct``). A one-word name without a digit from that scan
must be capitalised unless it is an organisation that is not an English word. Licences, benchmarks and
topics are matched by name on the same n-grams, and only next to a cue (a licence word, a score or
rank word, a discussion word). Only when nothing is linked, rapidfuzz matches n-grams that carry a
digit or a capital against model names, and only if the digits agree exactly: ``Llama 3.1 8B`` can
never become ``70B``.

**Families**, first rule that applies wins:
1. lineage: a lineage cue (fine-tuned, based on, derived, base model) and a model;
2. topic: a topic, a discussion cue (discussed, mentioned, news) and a question about models;
3. news: a news cue and a model, organisation or topic;
4. count: "how many / number of" about models, or a count cue and no model;
5. rank: a benchmark and no model (a model with a benchmark asks for its own score);
6. compare: two or more models;  7. attribute: one model (no attribute word: all its facts);
8. organization: an organisation and no other filter;  9. list: filters or "which ... models";
10. open: anything else (vector and keyword evidence only).

**Follow-ups.** With `history` (earlier questions, oldest first), a question that links nothing
("and its context window?") takes the entities of the last question that had some; a short one that
links a model but asks nothing ("and Claude 3 Opus?") takes the previous family and attribute.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta

from rapidfuzz import fuzz, process

from core import attributes as registry
from core.linking import GENERIC_WORDS, STOPWORDS, CatalogEntity, EntityLinker, TypoCorrector, normalise
from kg import qa_queries
from kg.store import GraphStore
from rag import scope
from rag.contracts import (
    Comparison,
    Condition,
    EntityKind,
    Family,
    Filters,
    LinkedEntity,
    QueryPlan,
    QuestionAnalysis,
    Slots,
)
from rag.plan import make_plan


@dataclass(frozen=True)
class NamedEntity:
    """A name the analyser can link; `org` is a model's developer id (context for the linker)."""

    id: str
    kind: EntityKind
    name: str
    aliases: tuple[str, ...] = ()
    org: str | None = None
    sources: int = 0  # how many catalog sources describe it: the canonical pick among duplicates


@dataclass
class _Links:
    ids: dict[str, list[str]] = field(default_factory=dict)  # kind -> ids, in question order
    spans: list[tuple[int, int]] = field(default_factory=list)
    names: list[LinkedEntity] = field(default_factory=list)

    def add(self, e: NamedEntity, start: int, end: int, surface: str) -> None:
        if e.id not in self.ids.setdefault(e.kind, []):
            self.ids[e.kind].append(e.id)
            self.names.append(LinkedEntity(id=e.id, kind=e.kind, name=e.name, surface=surface))
        self.spans.append((start, end))

    def covers(self, start: int, end: int) -> bool:
        return any(s < end and start < e for s, e in self.spans)

    def get(self, kind: EntityKind) -> list[str]:
        return self.ids.get(kind, [])

    def first(self, kind: EntityKind) -> str | None:
        return next(iter(self.ids.get(kind, [])), None)


def _rx(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern, re.I)


# fmt: off
_SCORE = _rx(r"\bscor\w*|\bbenchmark\w*|\bcompar\w*|\bvs\.?(?!\w)|\bversus\b|\bbest\b|\btop\b|\bhighest\b|\bleader\w*|\brank\w*|\bperform\w*|\bresults?\b"
             r"|\bleads?\b|\bgets?\b|\bachiev\w*|\bhow (well|good)\b|\bdo(es)? on\b|\bstrongest\b")
_LINEAGE = _rx(r"\bfine[- ]?tun\w*|\bbased on\b|\bderiv\w*|\bbase model\b|\bbuilt on\b|\bdescend\w*|\blineage\b"
               r"|\bancestors?\b|\bparent model\b|\bdistill\w* from\b")
_NEWS = _rx(r"\bnews\b|\bheadlines?\b|\barticles?\b|\breport(ed|s)?\b|\bannounce\w*|\bcoverage\b|\bpress\b"
            r"|\bwhat happened\b|\blatest on\b|\bstor(y|ies)\b|\bwritten about\b|\bsa(y|ying|ys|id) about\b"
            r"|\bwhat'?s new\b|\blately\b|\brecently\b")
_DISCUSSED = _rx(r"\bdiscuss\w*|\bmention\w*|\btalked about\b|\bcovered\b|\bcoverage\b|\bnews\b|\barticles?\b"
                 r"|\bassociated with\b|\bin connection with\b|\bin the context of\b|\blinked to\b|\bsa(y|ying|ys|id) about\b")
# Text just before a model name that asks for what is built on it ("Which models are based on X?").
_DESCENDANT = _rx(r"\b(based on|built on( top of)?|fine[- ]?tuned (from|on)|derived from|distill\w* from|descend\w* (of|from)"
                  r"|(derivatives?|descendants?|children|fine[- ]?tunes|variants?) of)\s*(the )?$")
_ANCESTOR = _rx(r"\b(base model|parent( model)?|ancestors?) of\s*(the )?$")
_MODELS_WORD = _rx(r"\bmodels?\b|\bllms?\b")
_COUNT = _rx(r"\bhow many\b|\bnumber of\b|\bcount\b")
_COUNT_MODELS = _rx(r"\b(how many|number of|count( of)?)\b(\s+[\w()-]+){0,5}?\s+(models?|llms?)\b")
_DATE_FILTERS = {"released_after", "released_before"}
_PER_ORG = _rx(r"\b(each|per|every|by) (organi[sz]ation|company|companies|lab|developer|org)\b"
               r"|\bwhich (organi[sz]ation|company|lab|developer)\b.*\bmost\b")
_LIST = _rx(r"\b(which|what|list|show|name|find|give me)\b(\s+[\w-]+){0,3}?\s+(models?|llms?)\b")
_ORG_MODELS = _rx(r"\b(which|what|list|show|name)\b(\s+[\w-]+){0,3}?\s+(models|llms)\b")  # plural: a list
_LICENSE_WORD = _rx(r"\blicen[cs]\w*\b")
_FOLLOW_UP = _rx(r"^\s*(and|what about|how about|same for|what of|also)\b")
_OPEN = _rx(r"\bopen[- ]?(weights?|source[ds]?)\b|\bopen models?\b|\bdownloadable\b|\bself-?host\w*")
_CLOSED = _rx(r"\bclosed([- ]?(weights?|source))?\b|\bproprietary\b|\bapi[- ]only\b")
_REASONING = _rx(r"\b(reasoning|thinking) models?\b")
_MODALITY = (("image", _rx(r"\bvision\b|\bimages?\b|\bmultimodal\b")), ("audio", _rx(r"\baudio\b|\bspeech\b")),
             ("video", _rx(r"\bvideos?\b")), ("pdf", _rx(r"\bpdfs?\b")))
_QUANTITY = _rx(r"(?P<num>\d[\d,]*(?:\.\d+)?)\s*(?P<unit>k|m|thousand|million)?\b\s*(?P<tok>tokens?)?")
_NUMBER_WORDS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
                 "nine": 9, "ten": 10, "twenty": 20}
_NUM = r"(\d{1,3}|" + "|".join(_NUMBER_WORDS) + r")"
_LIMIT = _rx(rf"\btop[- ]{_NUM}\b|\b{_NUM}\s+(best|top|newest|latest|most|largest|biggest|highest|recent|models?|llms?)\b"
             rf"|\blimit {_NUM}\b")
_MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
_WHEN = r"(\d{4}-\d{2}-\d{2}|(?:" + "|".join(_MONTHS) + r")[a-z]*\.?\s+(?:19|20)\d{2}|(?:19|20)\d{2})\b"
_DATE_BETWEEN = _rx(rf"\bbetween\s+{_WHEN}\s+and\s+{_WHEN}")
_DATE = _rx(rf"\b(?P<prep>since|after|from|before|until|till|through|by|in|during|of)?\s*{_WHEN}")
_RELATIVE = _rx(r"\b(last|past|previous)\s+(\d+\s+)?(day|week|month|year)s?\b|\bthis (week|month|year)\b")
_ORDINAL = {"first": 1, "1st": 1, "second": 2, "2nd": 2, "third": 3, "3rd": 3, "fourth": 4, "4th": 4}
_QUARTER = _rx(r"\b(?:(?P<prep>since|after|from|before|until|till|through|by|in|during|of)\s+(?:the\s+)?)?"
               r"(?:q(?P<q>[1-4])|(?P<qw>first|second|third|fourth|1st|2nd|3rd|4th)\s+quarter(?:\s+of)?"
               r"|h(?P<h>[12])|(?P<hw>first|second)\s+half(?:\s+of)?)\s*(?:of\s+)?'?(?P<year>(?:19|20)\d{2})\b")
# Words that, lower-case, are words and not names in a question.
_QUESTION_WORDS = STOPWORDS | {"writer", "inception", "morph", "fair", "together", "open", "essential"}
_WORD = re.compile(r"[A-Za-z0-9+]+")
_SHORT_ORG_NAMES = {"xai", "ibm"}  # short organisation names that are no English word: linked lower-case too
_SIZE = re.compile(r"\d+(x\d+)?[bmBM]")  # "8B", "8x7B": a size completes a name to the model of that size
# Benchmark names that are English words: linked only when not written in lower case.
_WORDLIKE_BENCHMARKS = {"if", "include", "drop", "arc", "meld", "nexus", "pope", "frames", "nq", "hle", "crag",
                        "ruler", "blink", "collie", "arena", "aider"}
# fmt: on
# Words of questions that misspelt are corrected to (core.linking.TypoCorrector), beside the names.
CUE_VOCABULARY = [
    "release",
    "released",
    "date",
    "context",
    "length",
    "window",
    "parameters",
    "parameter",
    "params",
    "licence",
    "license",
    "developed",
    "developer",
    "benchmark",
    "tokens",
    "cutoff",
    "price",
    "pricing",
    "weights",
    "reasoning",
    "modalities",
    "output",
    "maximum",
    "compare",
]
_SERIES = _rx(
    r"\b(who|(which|what) (company|lab|organi[sz]ation|developer|firm))\b.{0,20}?\b(makes?|made|builds?|built"
    r"|develops?|developed|creates?|created|trains?|trained|behind|owns?|releases?|released)\s+(the\s+)?"
    r"(?P<series>[a-z][\w.-]*)(\s+(models?|llms?|family|series|line))?\s*\??\s*$"
)
_FUZZY_CUTOFF = 88.0
_MAX_NGRAM = 8
DEFAULT_LIMIT = 10
MAX_LIMIT = 100


def _digits(key: str) -> list[str]:
    return re.findall(r"\d+", key)


def _linkable(aliases: Iterable[str] | None) -> list[str]:
    """Names that can appear in a question: routing paths ('azure/eu/gpt-4o') cannot."""
    return [a for a in aliases or [] if "/" not in a and ":" not in a]


class QuestionAnalyzer:
    """Links, classifies and fills slots; pure logic after construction (no graph access)."""

    def __init__(self, entities: Iterable[NamedEntity], *, today: date | None = None) -> None:
        self.today = today or date.today()
        self.entities: dict[tuple[str, str], NamedEntity] = {(e.kind, e.id): e for e in entities}
        people = [e for e in self.entities.values() if e.kind in ("Model", "Organization")]
        self._linker = EntityLinker(
            CatalogEntity(f"{e.kind}:{e.id}", e.kind, e.name, _linkable(e.aliases), None,  # type: ignore[arg-type]
                          e.org and f"Organization:{e.org}")
            for e in people
        )  # fmt: skip
        # Licences, benchmarks, topics: normalised name -> entity (the first registered keeps a name).
        self._phrases: dict[str, dict[str, NamedEntity]] = {"License": {}, "Benchmark": {}, "Topic": {}}
        for e in self.entities.values():
            if e.kind in self._phrases:
                for name in (e.name, *e.aliases):
                    if normalise(name):
                        self._phrases[e.kind].setdefault(normalise(name), e)
        # Duplicates: models whose names differ only by a serving suffix ("Qwen2.5-72B" from one
        # source, "Qwen2.5 72B Instruct" from another) or not at all (two "GPT-4o" snapshots).
        self._siblings: dict[str, list[NamedEntity]] = {}
        for e in self.entities.values():
            if e.kind == "Model":
                self._siblings.setdefault(_family_key(e.name), []).append(e)
        self._model_keys = sorted(
            {normalise(n) for e in people for n in (e.name, *_linkable(e.aliases))} - {""}
        )
        self._typos = TypoCorrector((e.name for e in self.entities.values()), CUE_VOCABULARY)
        # Series words: the leading word of at least three model names ("gpt", "llama", "gemini").
        leads: dict[str, int] = {}
        for e in self.entities.values():
            if e.kind == "Model" and (m := re.match(r"[a-z]{2,}", normalise(e.name))):
                leads[m.group()] = leads.get(m.group(), 0) + 1
        self._series_words = {w for w, n in leads.items() if n >= 3 and w not in _QUESTION_WORDS}

    @classmethod
    def from_store(
        cls, store: GraphStore, *, today: date | None = None, limit: int = 100_000
    ) -> QuestionAnalyzer:
        entities = [NamedEntity(r["id"], "Model", r["name"] or r["id"], tuple(r["aliases"] or ()), r["org"],
                                r.get("sources") or 0)
                    for r in store.read(qa_queries.QA_MODEL_NAMES, limit=limit)]  # fmt: skip
        entities += [NamedEntity(r["id"], "Organization", r["name"] or r["id"], tuple(r["aliases"] or ()))
                     for r in store.read(qa_queries.QA_ORGANIZATION_NAMES, limit=limit)]  # fmt: skip
        entities += [NamedEntity(r["id"], "License", r["name"] or r["id"], (r["id"],))
                     for r in store.read(qa_queries.QA_LICENSE_NAMES, limit=limit)]  # fmt: skip
        entities += [NamedEntity(r["id"], "Benchmark", r["name"] or r["id"], (r["id"],))
                     for r in store.read(qa_queries.QA_BENCHMARK_NAMES, limit=limit)]  # fmt: skip
        entities += [NamedEntity(r["id"], "Topic", r["name"] or r["id"], _topic_aliases(r["id"], r["name"] or ""))
                     for r in store.read(qa_queries.QA_TOPIC_NAMES, limit=limit)]  # fmt: skip
        return cls(entities, today=today)

    # ------------------------------------------------------------------ public
    def analyze(self, question: str, history: Sequence[str] = ()) -> QuestionAnalysis:
        asked = question
        question, _ = self._typos.correct(question)  # "relase", "sonet 4": one edit from a known word
        question = expand_short_forms(question)
        links = self.link(question)
        analysis = self._decide(question, links)
        if history:
            analysis = self._follow_up(question, links, analysis, list(history)[-3:])
        if question != asked:
            analysis.slots.understood = question
        return analysis

    def link(self, question: str) -> _Links:
        links = _Links()
        for m in self._linker.link(question):
            kind, eid = m.entity_id.split(":", 1)
            for surface in m.surface_forms:
                start = question.find(surface)
                links.add(self.entities[(kind, eid)], start, start + len(surface), surface)
        words = list(_WORD.finditer(question))
        self._scan_people(question, words, links)
        self._scan_phrases(question, words, links)
        if not links.get("Model") and not links.get("Organization"):
            self._fuzzy(question, words, links)
        self._canonical(links)
        return links

    def _canonical(self, links: _Links) -> None:
        """A linked model that has duplicates (names equal but for a serving suffix) becomes the
        canonical one when that one is described by more catalog sources; among equals, the longer
        name (it carries the suffix the sources agree on), then the smallest id. The others are kept
        as the link's alternatives, so the answer can say which model was understood."""
        ids = links.ids.get("Model", [])
        for n, linked in enumerate(list(links.names)):
            if linked.kind != "Model":
                continue
            group = self._siblings.get(_family_key(linked.name), [])
            if len(group) < 2:
                continue
            best = sorted(group, key=lambda e: (-e.sources, -len(e.name), e.id))[0]
            current = self.entities.get(("Model", linked.id))
            if current is not None and current.sources >= best.sources:
                best = current  # only a better-described duplicate replaces what the words named
            others = [e.name if e.name != best.name else e.id for e in group if e.id != best.id]
            if best.id != linked.id and best.id in ids:
                others = [o for o in others if o != linked.name]
            links.names[n] = linked.model_copy(
                update={"id": best.id, "name": best.name, "alternatives": others[:5]}
            )
            ids[:] = list(dict.fromkeys(best.id if i == linked.id else i for i in ids))

    # ----------------------------------------------------------------- linking
    def _ngrams(self, words: list[re.Match[str]], links: _Links) -> Iterable[tuple[int, int, str]]:
        """(first word, last word + 1, normalised key), longest first at each position, uncovered only."""
        for i in range(len(words)):
            for j in range(min(len(words), i + _MAX_NGRAM), i, -1):
                if not links.covers(words[i].start(), words[j - 1].end()):
                    yield i, j, normalise("".join(w.group() for w in words[i:j]))

    def _scan_people(self, q: str, words: list[re.Match[str]], links: _Links) -> None:
        taken = -1
        for i, j, key in self._ngrams(words, links):
            if i <= taken:
                continue
            start, end = words[i].start(), words[j - 1].end()
            entity = self._linker.lookup(key)
            if entity is None and j - i >= 2 and _SIZE.fullmatch(words[j - 1].group()):
                entity = self._complete(key)  # "llama 3.1 8b" -> "Llama 3.1 8B Instruct"
            if (
                entity is None
                or not self._accept(entity.kind, q[start:end], key)
                or self._continues(q, end, key)
            ):
                continue
            kind, eid = entity.id.split(":", 1)
            links.add(self.entities[(kind, eid)], start, end, q[start:end])
            taken = j - 1

    def _complete(self, key: str) -> CatalogEntity | None:
        """The shortest model name that starts with `key` and has the same digits."""
        at = bisect_left(self._model_keys, key)
        options: list[str] = []
        while at < len(self._model_keys) and self._model_keys[at].startswith(key) and len(options) < 50:
            if _digits(self._model_keys[at]) == _digits(key):
                options.append(self._model_keys[at])
            at += 1
        return self._linker.lookup(min(options, key=len), "Model") if options else None

    @staticmethod
    def _continues(q: str, end: int, key: str = "x") -> bool:
        """True when a version goes on after a name that ends in a digit ('Llama 3' in 'Llama 3.1')."""
        return key[-1:].isdigit() and re.match(r"[.,]\d|[ -]\d{1,2}\b", q[end : end + 4]) is not None

    @staticmethod
    def _accept(kind: str, surface: str, key: str) -> bool:
        if any(c.isdigit() for c in key) or len(surface.split()) >= 2:
            return True
        word = surface.lower()
        if kind == "Organization" and word in _SHORT_ORG_NAMES:
            return True
        if len(key) <= 3 or word in _QUESTION_WORDS:
            return surface != word  # "IBM", "xAI", "Writer"; not "fair" or "writer"
        if kind == "Organization":
            return True
        return surface[:1].isupper() and word not in GENERIC_WORDS

    def _scan_phrases(self, q: str, words: list[re.Match[str]], links: _Links) -> None:
        cue = {
            "License": _LICENSE_WORD.search(q),
            "Benchmark": _SCORE.search(q),
            "Topic": _DISCUSSED.search(q) or _NEWS.search(q),
        }
        for kind in ("License", "Benchmark", "Topic"):
            taken = -1
            for i, j, key in self._ngrams(words, links):
                entity = self._phrases[kind].get(key) or self._phrases[kind].get(key.removesuffix("s"))
                if i <= taken or entity is None:
                    continue
                surface = q[words[i].start() : words[j - 1].end()]
                if kind == "Benchmark" and surface.islower() and key in _WORDLIKE_BENCHMARKS:
                    continue  # "if", "drop", "arc": a benchmark only when written like one
                if cue[kind] or (kind == "License" and any(c.isdigit() for c in key)):
                    links.add(entity, words[i].start(), words[j - 1].end(), surface)
                    taken = j - 1

    def _fuzzy(self, q: str, words: list[re.Match[str]], links: _Links) -> None:
        best: tuple[float, int, int, str] | None = None
        for i, j, key in self._ngrams(words, links):
            span = words[i:j]
            if len(key) < 5 or not any(
                w.group()[0].isupper() or any(c.isdigit() for c in w.group()) for w in span
            ):
                continue
            for name, score in self._near(key, sized=bool(_SIZE.fullmatch(span[-1].group()))):
                if _digits(name) == _digits(key) and (best is None or score > best[0]):
                    best = (score, span[0].start(), span[-1].end(), name)
        if best is not None and (entity := self._linker.lookup(best[3])) is not None:
            kind, eid = entity.id.split(":", 1)
            links.add(self.entities[(kind, eid)], best[1], best[2], q[best[1] : best[2]])

    def _near(self, key: str, *, sized: bool) -> list[tuple[str, float]]:
        """Model names within the fuzzy cutoff of `key`; a key ending in a size ('lama 3.1 70b') may
        also match the start of a longer name ('llama 3.1 70b instruct')."""
        hits = process.extract(key, self._model_keys, scorer=fuzz.ratio, score_cutoff=_FUZZY_CUTOFF, limit=5)
        out = [(name, float(score)) for name, score, _ in hits]
        if sized:
            for name, _, _ in process.extract(key, self._model_keys, scorer=fuzz.partial_ratio,
                                              score_cutoff=_FUZZY_CUTOFF, limit=10):  # fmt: skip
                score = fuzz.ratio(key, name[: len(key) + 1])
                if score >= _FUZZY_CUTOFF:
                    out.append((name, score - 1))  # a whole-name match of equal score wins
        return out

    # ------------------------------------------------------------ families
    def _decide(self, q: str, links: _Links) -> QuestionAnalysis:
        models, orgs = links.get("Model"), links.get("Organization")
        benchmark = links.first("Benchmark")
        topic = links.first("Topic")
        rest = _blank(q, links.spans)  # cues and numbers are read without the linked names
        attributes = _attributes(rest, has_benchmark=benchmark is not None,
                                 has_license=bool(models and links.first("License")))  # fmt: skip
        filters = _filters(rest, links, self.today)
        given = set(filters.given())
        since, until = _date_range(rest, self.today)
        family: Family
        if models and _LINEAGE.search(rest):
            family = "lineage"
        elif topic and not models and _DISCUSSED.search(rest) and _LIST.search(rest):
            family = "topic"  # fmt: skip
        elif _NEWS.search(rest) and (models or orgs or topic):
            family = "news"
        elif (
            _COUNT_MODELS.search(rest)
            or (_COUNT.search(rest) and not models and not any(registry.get(a).quantity for a in attributes))
            or _PER_ORG.search(rest)
        ):
            family = "count"
        elif benchmark and not models:
            family = "rank"
        elif len(models) >= 2:
            family = "compare"
        elif models:
            family = "attribute"
        elif orgs and given <= {"org"} and not (_ORG_MODELS.search(rest) and not _LATEST.search(rest)):
            family = "organization"
        elif _LIST.search(rest) or (given and (_MODELS_WORD.search(rest) or given - _DATE_FILTERS)):
            family = "list"  # a year alone makes no list: "Who won the 2022 world cup?"
        else:
            family = "open"
        out_of_scope = scope.check(
            scope.mark(q, links.spans), family, models=bool(models), orgs=bool(orgs),
            linked=bool(links.ids), asked=bool(attributes), series=self._series_words, model_keys=self._model_keys,
        )  # fmt: skip
        if out_of_scope is not None:  # refused: an organisation named in it makes no profile request
            family = "open"
        comparison = _comparison(rest, attributes) if family == "compare" else None
        if comparison is not None and comparison.attribute not in attributes:
            attributes = [comparison.attribute, *attributes]
        slots = Slots(
            model_ids=models, org_ids=orgs, org_id=orgs[0] if orgs else None,
            license_id=links.first("License"), benchmark_id=benchmark, topic_id=topic,
            attribute=attributes[0] if attributes else None, attributes=attributes, filters=filters,
            date_from=since, date_to=until,
            limit=_limit(rest), answer_count=_answer_count(rest), latest=bool(_LATEST.search(rest)),
            group_by="organization" if family == "count" and _PER_ORG.search(rest) else None,
            entities=links.names, resolved_from_history=False, search_text=q, comparison=comparison,
            lineage_direction=_lineage_direction(q, links) if family == "lineage" else None,
            out_of_scope=out_of_scope,
        )  # fmt: skip
        analysis = QuestionAnalysis(family=family, slots=slots)
        if out_of_scope is not None:
            return analysis
        if family in ("open", "organization") and not models and not orgs:
            series = self._series(rest)
            if series is not None:  # "who makes the gemini models": the developer of most of them
                analysis.family = "count"
                analysis.plan = QueryPlan(
                    conditions=[Condition(attribute="name", op="starts", value=series)],
                    group_by="organization", aggregation="count", limit=1, report=["developer"],
                )  # fmt: skip
                return analysis
        return _with_plan(analysis, rest)

    def _series(self, text: str) -> str | None:
        """The series a "who makes the X models" question names: a word that starts model names."""
        m = _SERIES.search(text)
        if m is None:
            return None
        word = normalise(m.group("series"))
        at = bisect_left(self._model_keys, word)
        return (
            word
            if len(word) >= 2 and at < len(self._model_keys) and self._model_keys[at].startswith(word)
            else None
        )

    def _follow_up(
        self, q: str, links: _Links, current: QuestionAnalysis, history: list[str]
    ) -> QuestionAnalysis:
        previous = self.analyze(history[-1], history[:-1])
        prev = previous.slots
        if not links.ids:  # "and its context window?": the entities of the previous question
            inherited = _Links(names=list(prev.entities))
            for kind, ids in _inherited_ids(prev):
                if ids:
                    inherited.ids[kind] = ids
            if not inherited.ids:
                return current
            resolved = self._decide(q, inherited)
            if not resolved.slots.attributes and resolved.family in (
                "attribute",
                "compare",
                "organization",
                "open",
            ):
                resolved.family = previous.family
                resolved.slots.attribute, resolved.slots.attributes = prev.attribute, list(prev.attributes)
        elif _FOLLOW_UP.search(q) and not current.slots.attributes and len(q.split()) <= 8:
            resolved = current  # "and Claude 3 Opus?": the previous question, asked about another entity
            resolved.family = _carried_family(previous.family, current)
            resolved.slots.attribute, resolved.slots.attributes = prev.attribute, list(prev.attributes)
            if resolved.family in ("count", "list", "rank"):
                resolved.slots.filters = Filters(**{**prev.filters.given(), **current.slots.filters.given()})
                resolved.slots.benchmark_id = current.slots.benchmark_id or prev.benchmark_id
        else:
            return current
        names = ", ".join(e.name for e in resolved.slots.entities)
        resolved.slots.resolved_from_history = True
        resolved.slots.search_text = f"{names}: {q}" if names else q
        return resolved


def _with_plan(analysis: QuestionAnalysis, text: str) -> QuestionAnalysis:
    """Attach the query plan of a question about models in general that sorts ("cheapest", "longest
    context") or filters beyond the named filters ("under 10B parameters"): it is answered from the
    plan as a list (limit 1 for a singular superlative), or counted."""
    plan = make_plan(analysis, text)
    newest = (
        plan is not None
        and plan.sort is not None
        and (plan.sort.attribute, plan.sort.order) == ("release_date", "desc")
    )
    if plan is None or (analysis.family == "organization" and newest and not plan.conditions):
        return analysis  # "Meta's newest model": the organisation template answers it
    if plan.aggregation in ("min", "max"):  # "the longest context per company": one model per group
        analysis.family = "list"
    elif analysis.family == "count":
        plan.aggregation = "count"
    elif analysis.family in ("open", "organization", "rank", "list"):
        analysis.family = "list"
    else:
        return analysis
    analysis.plan = plan
    return analysis


# Names as people type them: short forms written out before linking, first rule first. Each rule only
# fires where the full name is not already written ("sonnet 3.5" but not "claude 3.5 sonnet").
# fmt: off
_SHORT_FORMS: tuple[tuple[re.Pattern[str], str], ...] = (
    (_rx(r"(?<![\w-])(?<!gpt-)(?<!gpt )(\d(?:\.\d)?)o\b"), r"GPT-\1o"),                 # 4o, 4o mini
    (_rx(r"\bclaude\s+(sonnet|opus|haiku)\s+(3(?:\.\d)?)\b"), r"Claude \2 \1"),        # claude opus 3
    (_rx(r"(?<!claude )(?<!\d )\b(sonnet|opus|haiku)\s+(3(?:\.\d)?)\b"), r"Claude \2 \1"),  # sonnet 3.5
    (_rx(r"(?<!claude )(?<!\d )\b(sonnet|opus|haiku)\s+([4-9](?:\.\d)?)\b"), r"Claude \1 \2"),  # sonnet 4
    (_rx(r"(?<![\w-])(?<!deepseek )r1\b"), "DeepSeek-R1"),                                   # r1, r1 zero
    (_rx(r"(?<![\w-])(?<!deepseek )v3\b"), "DeepSeek-V3"),
    (_rx(r"(?<![\w-])(?<!kimi )k2\b(?! base| 0905|-instruct-0905)"), "Kimi K2 Instruct"),
    (_rx(r"\bcommand r (plus|\+)"), "Command R+"),
    (_rx(r"(?<!llama 4 )\b(scout|maverick)\b"), r"Llama 4 \1"),
    (_rx(r"(?<![\w-])l(\d(?:\.\d)?)\s+(\d+b)\b"), r"Llama \1 \2"),                  # L3 70B
)
# fmt: on


_SERVING_SUFFIX = re.compile(r"(instruct|chat|it)$")


def _family_key(name: str) -> str:
    """A model name without its serving suffix: 'Qwen2.5 72B Instruct' and 'Qwen2.5-72B' agree."""
    return _SERVING_SUFFIX.sub("", normalise(name))


def expand_short_forms(question: str) -> str:
    """'when did 4o mini come out' -> 'when did GPT-4o mini come out': the short forms users type,
    written out so the linker finds the model (see `_SHORT_FORMS`)."""
    for pattern, full in _SHORT_FORMS:
        question = pattern.sub(full, question)
    return question


def _inherited_ids(slots: Slots) -> list[tuple[EntityKind, list[str]]]:
    """The entity ids of earlier slots, by kind, for a follow-up that names none."""

    def one(value: str | None) -> list[str]:
        return [value] if value else []

    return [("Model", list(slots.model_ids)), ("Organization", list(slots.org_ids)),
            ("Benchmark", one(slots.benchmark_id)), ("Topic", one(slots.topic_id)),
            ("License", one(slots.license_id))]  # fmt: skip


def _carried_family(previous: Family, current: QuestionAnalysis) -> Family:
    models, orgs = current.slots.model_ids, current.slots.org_ids
    if previous in ("attribute", "compare"):
        return "compare" if len(models) >= 2 else "attribute" if models else "organization"
    if previous in ("news", "lineage") and (models or (previous == "news" and orgs)):
        return previous
    if previous in ("count", "list", "rank", "organization") and not models:
        return previous
    return current.family


# ---------------------------------------------------------------- slot helpers
def _topic_aliases(topic_id: str, label: str) -> tuple[str, ...]:
    """'Safety / alignment / security' -> ('Safety', 'alignment', 'security', 'safety')."""
    parts = [re.sub(r"\(.*?\)", "", p).strip() for p in label.split("/")]
    return tuple(p for p in [*parts, topic_id.replace("_", " ")] if p)


def _blank(text: str, spans: Sequence[tuple[int, int]]) -> str:
    """The question with linked names blanked, so 'GPT-4o-2024-08-06' or 'AIME 2025' are no dates."""
    chars = list(text)
    for start, end in spans:
        chars[start:end] = " " * (end - start)
    return "".join(chars)


def _lineage_direction(q: str, links: _Links) -> str | None:
    """'ancestor' (what X is built on), 'descendant' (what is built on X) or None (both): read from
    where the lineage words stand relative to the model's name."""
    surface = next((n.surface for n in links.names if n.kind == "Model"), None)
    if not surface or (at := q.find(surface)) < 0:
        return None
    if _DESCENDANT.search(q[:at]):
        return "descendant"
    if _LINEAGE.search(q[at + len(surface) :]) or _ANCESTOR.search(q[:at]):
        return "ancestor"
    return None


_WHICH_OF = _rx(
    r"\bwhich\b|\bwho\b|\bwhat'?s\b|\bwhat is\b|\bthan\b|\bor\b|\bvs\.?(?!\w)|\bversus\b|\bcompar\w*"
)


def _comparison(text: str, attributes: Sequence[str]) -> Comparison | None:
    """Which attribute a "which ... A or B" question compares and which end wins, from the registry's
    comparatives: an asked attribute's own first ("longer context": context_length), else the generic
    ones ("older": release_date, "bigger": parameters). A benchmark compared with no comparative
    ("compare A and B on MMLU") asks who scores higher."""
    if not _WHICH_OF.search(text):
        return None
    asked = [registry.get(a) for a in attributes if a in registry.ATTRIBUTES]
    generic = [a for a in registry.all_attributes() if a.generic_comparative and a not in asked]
    for attribute in [*asked, *generic]:
        if (found := attribute.comparative(text)) is not None:
            return Comparison(attribute=attribute.name, order=found[0], cue=found[1])
    if "benchmark_score" in attributes:
        return Comparison(attribute="benchmark_score", order="max", cue="")
    return None


def _attributes(text: str, *, has_benchmark: bool, has_license: bool) -> list[str]:
    """Asked attributes, first cue first; a linked benchmark or licence is asked before any cue
    ("Is Qwen2.5 72B released under Apache 2.0?" asks the licence)."""
    found = [(m.start(), a.name) for a in registry.all_attributes() if a.cue and (m := a.cue.search(text))]
    if has_benchmark:
        found.append((-1, "benchmark_score"))
    if has_license and "license" not in {name for _, name in found}:
        found.append((-2, "license"))
    return [name for _, name in sorted(found)]


def _filters(text: str, links: _Links, today: date) -> Filters:
    filters = Filters()
    if _OPEN.search(text):
        filters.open_weights = True
    elif _CLOSED.search(text):
        filters.open_weights = False
    if _REASONING.search(text):
        filters.reasoning = True
    for modality, rx in _MODALITY:
        if rx.search(text):
            filters.modality = modality
            break
    if re.search(r"\bcontext\b|\btokens?\b|\bwindow\b", text, re.I):
        for m in _QUANTITY.finditer(text):
            value = _quantity(m)
            if value is not None:
                filters.min_context = value
                break
    since, until = _date_range(text, today)
    if since:
        filters.released_after = since
    if until:
        filters.released_before = until
    if links.get("Organization"):
        filters.org = links.get("Organization")[0]
    if links.get("License"):
        filters.license = links.get("License")[0]
    return filters


def _quantity(m: re.Match[str]) -> int | None:
    """'128k', '1M tokens', '200,000 tokens' -> tokens; a bare small number or a year is none."""
    number = float(m.group("num").replace(",", ""))
    unit = (m.group("unit") or "").lower()
    scale = {"k": 1e3, "thousand": 1e3, "m": 1e6, "million": 1e6}.get(unit, 1.0)
    if unit or m.group("tok") or number >= 4096 and not 1900 <= number <= 2100:
        return int(number * scale)
    return None


def _answer_count(text: str) -> int | None:
    """How many ranked items answer the question: 'top 5' five, 'the best model' one, 'which models
    score highest' (a plural) several (None)."""
    limit = _limit(text)
    if limit is not None:
        return limit
    return None if _PLURAL_MODELS.search(text) else 1


def _limit(text: str) -> int | None:
    m = _LIMIT.search(text)
    if not m:
        return None
    word = next(g for g in m.groups() if g and g.lower() not in _LIMIT_FOLLOWERS).lower()
    return min(MAX_LIMIT, _NUMBER_WORDS.get(word) or int(word))


_PLURAL_MODELS = _rx(r"\b(models|llms|ones)\b")
_LATEST = _rx(r"\b(newest|latest|most recent(ly)?|last released|recently released)\b")
_LIMIT_FOLLOWERS = {"best", "top", "newest", "latest", "most", "largest", "biggest", "highest", "recent",
                    "model", "models", "llm", "llms"}  # fmt: skip


def _period(when: str) -> tuple[date, date]:
    """The first and last day of '2024-03-05', 'March 2024' or '2024'."""
    when = when.lower().strip()
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", when):
        day = date.fromisoformat(when)
        return day, day
    if when[:3] in _MONTHS:
        year, month = int(when.split()[-1]), _MONTHS.index(when[:3]) + 1
        nxt = date(year + (month == 12), month % 12 + 1, 1)
        return date(year, month, 1), nxt - timedelta(days=1)
    return date(int(when), 1, 1), date(int(when), 12, 31)


def _date_range(text: str, today: date) -> tuple[date | None, date | None]:
    """Inclusive (from, to); 'after 2024' starts in 2025, 'since 2024' in 2024, 'in 2024' is both ends."""
    if m := _DATE_BETWEEN.search(text):
        return _period(m.group(1))[0], _period(m.group(2))[1]
    if m := _QUARTER.search(text):  # "Q1 2025", "the first quarter of 2024", "H2 2025"
        year = int(m.group("year"))
        if m.group("q") or m.group("qw"):
            first_month, months = 3 * (int(m.group("q") or _ORDINAL[m.group("qw").lower()]) - 1) + 1, 3
        else:
            first_month, months = 6 * (int(m.group("h") or _ORDINAL[m.group("hw").lower()]) - 1) + 1, 6
        start = date(year, first_month, 1)
        end_month = first_month + months
        end = date(year + (end_month > 12), (end_month - 1) % 12 + 1, 1) - timedelta(days=1)
        prep = (m.group("prep") or "in").lower()
        if prep in ("since", "from"):
            return start, None
        if prep == "after":
            return end + timedelta(days=1), None
        if prep == "before":
            return None, start - timedelta(days=1)
        if prep in ("until", "till", "through", "by"):
            return None, end
        return start, end
    if m := _RELATIVE.search(text):
        calendar = (
            not m.group(4)
            and m.group(1).lower() in ("last", "previous")
            and not m.group(2)
            and m.group(3).lower() != "day"
            and not re.search(r"\b(the|in|over|during|within)\s*$", text[: m.start()], re.I)
        )
        if calendar:  # "last month", "last week": the previous calendar month, week (Mon-Sun), year
            unit = m.group(3).lower()
            if unit == "week":
                monday = today - timedelta(days=today.weekday() + 7)
                return monday, monday + timedelta(days=6)
            if unit == "month":
                end = today.replace(day=1) - timedelta(days=1)
                return end.replace(day=1), end
            return date(today.year - 1, 1, 1), date(today.year - 1, 12, 31)
        if m.group(4):
            unit = m.group(4).lower()
            start = {"week": today - timedelta(days=today.weekday()), "month": today.replace(day=1),
                     "year": today.replace(month=1, day=1)}[unit]  # fmt: skip
            return start, today
        days = {"day": 1, "week": 7, "month": 31, "year": 366}[m.group(3).lower()]
        return today - timedelta(days=days * int(m.group(2) or 1)), today
    since: date | None = None
    until: date | None = None
    for m in _DATE.finditer(text):
        first, last = _period(m.group(2))
        prep = (m.group("prep") or "in").lower()
        if prep == "from" and first.day == 1 and last.day >= 28 and first.month == last.month:
            since, until = first, last  # "from March 2025": that month
        elif prep in ("since", "from"):
            since = first
        elif prep == "after":
            since = last + timedelta(days=1)
        elif prep == "before":
            until = first - timedelta(days=1)
        elif prep in ("until", "till", "through", "by"):
            until = last
        else:
            since, until = first, last
    return since, until
