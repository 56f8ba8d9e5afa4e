"""Scope: does the catalog hold what a question asks? A question outside it is refused, not answered
with whatever is near (an organisation's profile for "who is the ceo of openai", a price listing for
"what did it cost to train llama", an article on AI weather forecasting for "weather in paris").

Three checks, on the question with its linked names replaced by `@` (so a name is never the ask):

- **attribute**: the words that ask ("how many X", "how much X", "the X of @", "@'s X", "@ X" at the
  start, "who founded @", "when was @ founded", a training cost or compute) are read against what
  the graph holds: the model attribute registry's cues and the organisation attributes
  (core.attributes.ORG_ATTRIBUTES, the `Organization` properties of kg.schema) or a catalog word
  (models, benchmarks, scores, news). An ask that none of them names is out of scope;
- **unknown model**: a series word of the catalog followed by a version no model has ("gpt-8",
  "gemini 9 ultra") when no model name starts that way (see `QuestionAnalyzer`);
- **subject**: an open question (nothing linked, no attribute asked) with no word of the domain
  (AI, LLMs, models, benchmarks, training ...) is about something else.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections.abc import Collection, Sequence
from typing import Literal, cast

from core import attributes as registry
from core.linking import normalise
from rag.contracts import OutOfScope

About = Literal["model", "organization"]


def _rx(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern, re.I)


_W = r"[a-z][a-z-]*"
_PHRASE = rf"{_W}(?:\s+{_W}){{0,2}}?"
_AUX = r"(?:does|do|did|has|have|had|is|are|was|were|can|could|will|would|should)"
# fmt: off
# A training run's cost, compute, data or footprint: never held (the knowledge cutoff is asked otherwise).
_TRAINING = _rx(r"\b(cost|costs|spend|spent|compute|flops|gpus?|tpus?|hours|energy|power|electricity|carbon|co2"
                r"|emissions?|tokens?|data(set)?|money|budget)\b[^@?]{0,30}?\b(to train|train(ed|ing)?\s+(it|on|for|with|@))"
                r"|\btraining\s+(cost|compute|flops|run|budget|time|hardware|tokens|corpus|set|dataset|energy|emissions)\b"
                r"|\bcosts?\s+to\s+(train|build|develop)\b")
_ASKS: tuple[tuple[str, re.Pattern[str]], ...] = (
    # the lead words are part of the ask ("how many tokens" is the context cue)
    ("lead", _rx(rf"\bhow many\s+(?P<x>{_PHRASE})(?=\s+(?:{_AUX}|at|in|on|per|@)\b|\s*[?@]|\s*$)")),
    ("word", _rx(rf"\bhow much\s+(?!{_AUX}\b|it\b|they\b|for\b|per\b|to\b|a\b|an\b|the\b|@)(?P<x>{_W})")),
    ("word", _rx(rf"(?:\bthe|\bits|\btheir|\bhis|\bher|^|what'?s|whats|what is|who'?s|whos|who is|tell me)\s+"
                 rf"(?P<x>{_PHRASE})\s+(?:of|for|at|behind)\s+@")),
    ("word", _rx(rf"@\s*'\s*s?\s+(?P<x>{_W}(?:\s+{_W}){{0,3}})")),
    ("word", _rx(rf"^\s*@\s+(?P<x>{_W}(?:\s+{_W}){{0,3}}?)\s*(?:\b(?:today|now|right now|currently|these days)\b)?\s*\??\s*$")),
    ("word", _rx(r"\bwho\s+(?P<x>founded|co-?founded|owns|runs|leads|heads|funds|funded|invested in|acquired|bought"
                 r"|works (at|for)|started)\b")),
    ("word", _rx(r"\bwhen (?:was|were|did)\s+@\s+(?P<x>founded|established|started|incorporated|set up|formed)\b")),
    ("word", _rx(r"\bhow\s+(?P<x>fast|quick|quickly|profitable|many people)\b")),
)
# Words that name what the catalog holds whoever is asked about: its models, scores, news.
_CATALOG = _rx(r"\bmodels?\b|\bllms?\b|\bbenchmark\w*|\bscor\w*|\bresults?\b|\brank\w*|\bnews\b|\barticles?\b"
               r"|\bversions?\b|\bvariants?\b|\bproviders?\b|\bapis?\b|\blineage\b|\bfine[- ]?tun\w*|\bbased on\b"
               r"|\bbase model\b|\bparent\b|\bancestors?\b|\bderivatives?\b|\bdescendants?\b|\bfamily\b|\bseries\b")
# Words of the domain: an open question with none of them is not about LLMs or AI.
_DOMAIN = _rx(r"\bai\b|\ba\.i\.|\bllms?\b|\bmodels?\b|\bgpt\w*|\bchat ?bots?\b|\bchatgpt\b|\bmachine learning\b|\bml\b"
              r"|\bneural\b|\bdeep learning\b|\btransformers?\b|\bbenchmark\w*|\btokens?\b|\binference\b|\bfine[- ]?tun\w*"
              r"|\btrain(ed|ing)?\b|\bprompt\w*|\bagents?\b|\bagentic\b|\bagi\b|\bopen[- ]?(source|weights?)\b|\bweights\b"
              r"|\bparameters?\b|\bembedding\w*|\brag\b|\brlhf\b|\bdiffusion\b|\bmultimodal\b|\breasoning\b|\balignment\b"
              r"|\bsafety\b|\bgpus?\b|\bapis?\b|\bcontext window\b|\bnews\b|\bheadlines\b|\bartificial\b|\brobot\w*"
              r"|\bcompute\b|\bdatasets?\b|\bhallucinat\w*|\bcoding assistant\w*|\bcopilot\b")
# fmt: on


# A series word and a version number ("gpt-8", "claude 7", "gemini 2.5"), not a size ("gemma 27b").
_VERSIONED = _rx(
    r"\b(?P<word>[a-z]{2,})[- ]?v?(?P<version>\d+(?:\.\d+)?)(?![\d.]*\s*(?:[bmkt]|x\d)\b)(?![\w.])"
)
# Families whose answer depends on the words that ask (an overview, a profile, a count, an attribute);
# lineage, news, rank and list questions say what they ask with their own words.
_ASKED_BY_WORDS = frozenset({"attribute", "compare", "organization", "count", "open"})


def check(
    marked: str, family: str, *, models: bool, orgs: bool, linked: bool, asked: bool,
    series: Collection[str], model_keys: Sequence[str],
) -> OutOfScope | None:  # fmt: skip
    """What a question (`marked`: its linked names as `@`) asks that the catalog does not hold: a model
    name of a known series that no model has, an attribute of a model or organisation the graph does
    not hold, or (an open question, nothing linked, no attribute asked) a subject outside LLMs and AI."""
    if (unknown := unknown_model(marked, series, model_keys)) is not None:
        return OutOfScope(kind="unknown_model", asked=unknown)
    found = unheld_attribute(marked, model=models, org=orgs, asks=family in _ASKED_BY_WORDS)
    if found is not None:
        return found
    return off_subject(marked) if family == "open" and not linked and not asked else None


def unknown_model(marked: str, series: Collection[str], model_keys: Sequence[str]) -> str | None:
    """'gpt-8', 'gemini 9 ultra': a series word (the leading word of several model names) and a
    version that starts no model's name (`model_keys`: normalised names, sorted)."""
    for m in _VERSIONED.finditer(marked):
        word, version = m.group("word").lower(), m.group("version")
        if word not in series or (version.isdigit() and int(version) >= 1000):
            continue
        key = normalise(f"{word} {version}")
        at = bisect_left(model_keys, key)
        if not (at < len(model_keys) and model_keys[at].startswith(key)):
            return m.group(0).strip()
    return None


def mark(text: str, spans: list[tuple[int, int]]) -> str:
    """The question with each linked name replaced by `@` (spaces kept around it)."""
    out, last = [], 0
    for start, end in sorted(s for s in spans if s[0] >= 0):
        if start < last:
            continue
        out += [text[last:start], " @ "]
        last = end
    out.append(text[last:])
    return re.sub(r"\s+", " ", "".join(out)).strip()


_WINDOW = 25  # characters before an ask that a cue may start in ("download the weights of @")


def _held(marked: str, ask: str, span: tuple[int, int, int], kinds: Sequence[About]) -> bool:
    """The ask names something held, or a held cue of the question overlaps it (or just precedes it)."""
    if _CATALOG.search(ask) or any(registry.asks_held(ask, about) for about in kinds):
        return True
    lead, (start, end) = span[0], span[1:]
    windows = ((max(0, lead - _WINDOW), lead), (start, end))  # not the asking words ("how much") themselves
    return any(
        m.start() < hi and lo < m.end()
        for about in kinds
        for cue in registry.cues(about)
        for m in cue.finditer(marked)
        for lo, hi in windows
    )


def unheld_attribute(marked: str, *, model: bool, org: bool, asks: bool = True) -> OutOfScope | None:
    """The first ask of a question about a model or an organisation, when the catalog does not hold it.
    With `asks=False` (a family whose own words say what is asked: lineage, news, ranking, list) only
    a training cost or compute is looked for."""
    if not (model or org):
        return None
    kinds = cast(list[About], [k for k, linked in (("model", model), ("organization", org)) if linked])
    about: About = "model" if model else "organization"
    training = _TRAINING.search(marked)
    if training and not registry.get("knowledge_cutoff").cue.search(marked):  # type: ignore[union-attr]
        return OutOfScope(kind="attribute", asked=training.group(0).replace("@", "").strip(), about=about)
    found: list[tuple[int, int, int, str, str]] = []
    for how, pattern in _ASKS if asks else ():
        for m in pattern.finditer(marked):
            ask = m.group(0) if how == "lead" else m.group("x")
            words = re.sub(r"^(the|its|their|his|her)\s+", "", m.group("x").strip(), flags=re.I)
            found.append((m.start(), m.start("x"), m.end("x"), ask.strip(), words))
    if not found:
        return None
    lead, start, end, ask, words = min(found)
    if _held(marked, ask, (lead, start, end), kinds):
        return None
    return OutOfScope(kind="attribute", asked=words, about=about)


def off_subject(text: str) -> OutOfScope | None:
    """An open question with no word of the domain (nothing was linked and no attribute asked)."""
    if _DOMAIN.search(text):
        return None
    return OutOfScope(kind="subject", asked=text.strip().rstrip("?!. "))


def refusal(scope: OutOfScope, names: list[str]) -> str:
    """The sentence that refuses, saying what the catalog holds instead."""
    subject = " and ".join(names)
    if scope.kind == "unknown_model":
        return (f"The catalog has no model called {scope.asked}, so the knowledge graph does not say. "
                "Ask about a model it lists (llmx models, or the model explorer).")  # fmt: skip
    if scope.kind == "subject":
        return ("The knowledge graph does not say: it covers large language models (their developers, "
                "release dates, sizes, context, licences, prices, benchmark scores) and AI news, "
                f"not '{scope.asked}'.")  # fmt: skip
    about: About = scope.about or "model"
    whose = f" about {subject}" if subject else ""
    one = "an organisation" if about == "organization" else "a model"
    return (f"The knowledge graph does not say: the catalog holds no '{scope.asked}'{whose}. "
            f"For {one} it holds its {registry.held_labels(about)}.")  # fmt: skip
