"""The strict grounding check: every sentence of a model's answer must be held by the evidence it cites.

A sentence is rejected when it
* leaves a placeholder (`[company_name]`, `<model>`, `{org}`),
* states a number (or a date's parts) that its cited evidence does not hold,
* names an entity (a capitalised word, an acronym, a word with digits) its cited evidence does not name,
* asserts a property word (`non-commercial`, `software development kit`, `popular`) found neither in
  its cited evidence, nor in the question, nor in the small vocabulary every answer needs
  (`released`, `developed`, `context`, `tokens` ...),
* qualifies a number with a bound its cited evidence does not give that number ('on or after
  2026-12-31' where the evidence says 'on or before 2026-12-31'),
* repeats one word four times in a row (a degenerate generation: 'Meituan-Lang-Lang-Lang-Lang'),
* or the answer cites nothing at all.
A sentence without its own citation is checked against everything the answer cites. A sentence
that says the evidence does not hold the answer (a refusal) is checked for placeholders only.
The check is lexical by design: it cannot tell a paraphrase from an invention, so it rejects both,
and an answer written in the evidence's own words passes.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from typing import Any

from .contracts import GroundingCheck, GroundingRejection
from .qa import Evidence
from .text import plain

_CITE = re.compile(r"\[(\d+(?:\s*,\s*\d+)*)\]")
_PLACEHOLDER = re.compile(
    r"\[(?!\s*\d)[^\]]*[A-Za-z_][^\]]*\]|<[A-Za-z_ ]+>|\{[A-Za-z_ ]+\}|\bX{3,}\b|\bN/A\b|\[insert",
    re.IGNORECASE,
)
_SENTENCE = re.compile(r"(?<=[.!?])\s+(?=[A-Z\[])|(?<=\])\s+(?=[A-Z])")
_NUMBER = re.compile(r"\d+(?:\.\d+)?")
_WORD = re.compile(r"[A-Za-z][A-Za-z0-9'’-]*[A-Za-z0-9]|[A-Za-z]")
_REFUSAL = re.compile(
    r"(does not (?:say|state|mention|hold|list|include|contain|give)|doesn't (?:say|state|mention)|"
    r"do not know|don't know|no information|not (?:in|found in) the (?:evidence|graph|knowledge graph)|"
    r"cannot (?:find|answer|be determined)|(?:is|are) (?:unknown|not known)|not (?:been )?disclosed|"
    r"no (?:data|record|evidence))",
    re.IGNORECASE,
)
# A number with the bound that qualifies it: the evidence must state the same bound of the same number.
_BOUND = re.compile(r"\b(?:after|before|since|until|above|below|over|under|least|most|than)\s+\d[\d,.\-]*\d",
                    re.IGNORECASE)  # fmt: skip
_MONTHS = ["january", "february", "march", "april", "may", "june", "july", "august", "september", "october",
           "november", "december"]  # fmt: skip
# Words any answer may use without the evidence holding them: grammar and the vocabulary of the
# fact sentences' own relations (checked against the registry's phrasings by a test).
_ALLOWED_WORDS = """
a an the and or but nor of to in on at by for with from as into than then so also both either neither
is are was were be been being has have had having do does did can could may might will would shall should
it its it's this that these those there their they them which who whom whose what when where while whereas
not no yes only just about over under up down out per each every all any some more most less least many much
other another same such own very one two three four five six seven eight nine ten first second third
model models llm llms language large version versions family variant variants
released release releases launched launch announced published dated date dates day year month
developed developer developers develops created creator built builds made makes maker owned owner
organization organisation company companies lab labs team
context length window tokens token parameters parameter params size sized billion million thousand
license licence licensed licenses under terms
supports support supported supporting accepts accept handles handle input inputs output outputs
modalities modality text image images audio video pdf multimodal
knowledge cutoff cut-off training trained data
price prices priced pricing costs cost usd dollars per
according evidence catalog graph knowledge source sources says say states state lists list listed shows
open weights weight available availability
fine-tuned fine tuned finetuned based derived descendant ancestor base lineage built-on
score scores scored benchmark benchmarks result results ranks ranked ranking rank top highest lowest
count number total includes include including
news article articles reported reports report mentioned mention mentions discussed covered covers
answer answers question questions following nearest
latest newest oldest recent recently earlier later before after between since until
larger smaller bigger longer shorter higher lower greater fewer newer older
came come comes went out became appeared arrived debuted introduced unveiled shipped offers offer provides
provide uses use using known called named features feature designed respectively whose
"""
ALLOWED = frozenset(_ALLOWED_WORDS.split())


def check_grounding(text: str, numbered: Sequence[Evidence], *, question: str = "") -> GroundingCheck:
    """Check every sentence of `text` against the evidence it cites (numbers index `numbered`)."""
    sentences = [s.strip() for s in _SENTENCE.split(" ".join(text.split())) if s.strip()]
    all_cited = _cited(text, len(numbered))
    rejections: list[GroundingRejection] = []
    if not all_cited and not (sentences and all(_REFUSAL.search(s) for s in sentences)):
        rejections.append(GroundingRejection(sentence=text[:300], reason="no citation", claim=None))
    for sentence in sentences:
        for problem, claim in _sentence_problems(sentence, numbered, all_cited, question):
            rejections.append(GroundingRejection(sentence=sentence[:300], reason=problem, claim=claim))
    return GroundingCheck(passed=not rejections, sentences=len(sentences), rejections=rejections)


def _cited(text: str, count: int) -> list[int]:
    numbers = [int(x) for m in _CITE.finditer(text) for x in m.group(1).split(",")]
    return list(dict.fromkeys(n for n in numbers if 1 <= n <= count))


def _sentence_problems(
    sentence: str, numbered: Sequence[Evidence], all_cited: Sequence[int], question: str
) -> Iterable[tuple[str, str | None]]:
    placeholder = _PLACEHOLDER.search(sentence)
    if placeholder:
        yield "placeholder", placeholder.group(0)
        return
    if _REFUSAL.search(sentence):
        return
    own = _cited(sentence, len(numbered))
    items = [numbered[n - 1] for n in (own or all_cited)]
    if not items:
        return  # the answer-level "no citation" rejection covers it
    support = " ".join(_support_text(e) for e in items)
    claim_text = _CITE.sub(" ", sentence)
    numbers = _support_numbers(support)
    for raw, value in _scaled_numbers(claim_text):
        if value not in numbers:
            yield "number not in the cited evidence", raw
    flat_support = " ".join(support.lower().split())
    for bound in _BOUND.finditer(claim_text):  # 'on or after 2026-12-31' where the evidence says 'before'
        if " ".join(bound.group(0).lower().split()) not in flat_support:
            yield "bound not in the cited evidence", bound.group(0)
    words = re.findall(r"[a-z]+", claim_text.lower())
    if any(len(set(words[i : i + 4])) == 1 for i in range(len(words) - 3)):
        yield "degenerate repetition", claim_text[:80]
    support_key = _key(support)
    support_words = _stems(support) | _stems(question)
    months = _support_months(support)
    for i, word in enumerate(_WORD.findall(claim_text)):
        lower = word.lower()
        if lower in _MONTHS:
            if _MONTHS.index(lower) + 1 not in months:
                yield "date not in the cited evidence", word
            continue
        if _is_name(word, first=i == 0) and lower not in ALLOWED:
            if _key(word) and _key(word) not in support_key:
                yield "entity not in the cited evidence", word
            continue
        if lower in ALLOWED or len(lower) < 3 or any(c.isdigit() for c in lower):
            continue
        if _stem(lower) not in support_words and not all(
            _stem(p) in support_words | ALLOWED for p in lower.split("-")
        ):
            yield "claim not in the cited evidence", word


def _is_name(word: str, *, first: bool) -> bool:
    if any(c.isdigit() for c in word) or (len(word) > 1 and word.isupper()):
        return True
    return word[0].isupper() and not first


def _support_text(e: Evidence) -> str:
    parts: list[Any] = [e.text, plain(e.text), e.title, e.date, e.source]  # answers quote plain text
    parts += _flatten(e.value)
    return " ".join(str(p) for p in parts if p is not None and not isinstance(p, bool))


def _flatten(value: Any) -> list[Any]:
    if isinstance(value, dict):
        return [x for v in value.values() for x in _flatten(v)]
    if isinstance(value, list | tuple | set | frozenset):
        return [x for v in value for x in _flatten(v)]
    return [value]


def _strip_separators(text: str) -> str:
    return re.sub(r"(?<=\d)[,\u202f](?=\d{3}(?!\d))", "", text)


_SCALED = re.compile(
    r"(\d+(?:\.\d+)?)(?:\s*(thousand|million|billion|trillion)\b|([kmbt])\b)?", re.IGNORECASE
)
_SCALE = {
    "k": 1e3,
    "thousand": 1e3,
    "m": 1e6,
    "million": 1e6,
    "b": 1e9,
    "billion": 1e9,
    "t": 1e12,
    "trillion": 1e12,
}


def _scaled_numbers(text: str) -> list[tuple[str, float]]:
    """Each number with its scale applied: '128K' is 128000, '2.7 billion' 2.7e9, '128,000' 128000."""
    out = []
    for match in _SCALED.finditer(_strip_separators(text)):
        word = (match.group(2) or match.group(3) or "").lower()
        out.append((match.group(0), round(float(match.group(1)) * _SCALE.get(word, 1.0), 6)))
    return out


def _support_numbers(text: str) -> set[float]:
    """Every number of the evidence at its full value and as written (235B is 235e9 and 235), and
    a share as a percentage (0.85 as 85). A scaled-down number without its scale word is NOT a form
    of the value: '235,000,000' does not restate 235,000,000,000."""
    out: set[float] = set()
    for match in _SCALED.finditer(_strip_separators(text)):
        bare = round(float(match.group(1)), 6)
        word = (match.group(2) or match.group(3) or "").lower()
        out |= {bare, round(bare * _SCALE.get(word, 1.0), 6)}
        if 0 < bare <= 1:
            out |= {round(bare * 100, 6), round(bare * 100, 1)}
    return out


def _support_months(text: str) -> set[int]:
    """The months the evidence's dates name: 2024-05-13 and 'May 2024' both give 5."""
    months = {int(m) for m in re.findall(r"\b\d{4}-(\d{2})(?:-\d{2})?\b", text) if 1 <= int(m) <= 12}
    lower = text.lower()
    return months | {i + 1 for i, name in enumerate(_MONTHS) if re.search(rf"\b{name}\b", lower)}


def _key(text: str) -> str:
    return re.sub(r"[^a-z0-9]", "", text.lower())


def _stem(word: str) -> str:
    return _key(word)[:5]


def _stems(text: str) -> set[str]:
    return {_stem(w) for w in _WORD.findall(text)}


def replaced(check: GroundingCheck, model_text: str, reason: str | None = None) -> GroundingCheck:
    """The check of a model text that was not served: marked failed, the text kept for the record."""
    rejections = list(check.rejections)
    if reason is not None:
        rejections.append(GroundingRejection(sentence=model_text[:300], reason=reason, claim=None))
    return check.model_copy(update={"passed": False, "model_text": model_text, "rejections": rejections})
