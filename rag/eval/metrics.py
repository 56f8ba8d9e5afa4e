"""Pure scoring functions: did retrieval find the gold evidence, does the answer state the gold
value, do its citations support it, did it refuse when it should, and how long each stage took.

Values are compared the way people write them, not as strings: 128000 matches "128K", "128,000"
and "128 thousand"; 2024-05-13 matches "May 13, 2024" and "13/05/2024"; 0.884 matches "88.4%";
names match case-insensitively with hyphens and spaces treated alike.
"""

from __future__ import annotations

import calendar
import math
import re
from collections.abc import Iterable, Mapping, Sequence
from datetime import date
from typing import Any

# -- evidence ids ---------------------------------------------------------------------------------
_DOC_PREFIXES = ("article:", "chunk:", "model:", "doc:")


def doc_key(evidence_id: str) -> str:
    """The document an id points at: 'article:abc', 'abc#3' and 'abc' are all 'abc'."""
    for prefix in _DOC_PREFIXES:
        if evidence_id.startswith(prefix):
            evidence_id = evidence_id[len(prefix) :]
            break
    return evidence_id.split("#", 1)[0]


def evidence_matches(evidence_id: str, gold_id: str) -> bool:
    """A fact gold id matches itself and any more specific fact under it ('fact:m' covers
    'fact:m:context_length'); any other gold id matches every chunk of the same document."""
    if gold_id.startswith("fact:") or evidence_id.startswith("fact:"):
        return evidence_id == gold_id or evidence_id.startswith(gold_id + ":")
    return doc_key(evidence_id) == doc_key(gold_id)


def _group_hit(evidence_id: str, group: Sequence[str]) -> bool:
    return any(evidence_matches(evidence_id, g) for g in group)


def recall_at_k(evidence_ids: Sequence[str], gold: Sequence[Sequence[str]], k: int) -> float | None:
    """Share of gold groups (each a list of interchangeable ids) found in the top k; None without gold."""
    if not gold:
        return None
    top = evidence_ids[:k]
    return sum(1 for group in gold if any(_group_hit(e, group) for e in top)) / len(gold)


def reciprocal_rank(evidence_ids: Sequence[str], gold: Sequence[Sequence[str]]) -> float | None:
    """1/rank of the first item that matches any gold group; 0 when none does, None without gold."""
    if not gold:
        return None
    for rank, evidence_id in enumerate(evidence_ids, start=1):
        if any(_group_hit(evidence_id, group) for group in gold):
            return 1.0 / rank
    return 0.0


# -- values in text -------------------------------------------------------------------------------
_CITATION = re.compile(r"\[\d+(?:\s*,\s*\d+)*\]")
_THOUSANDS = re.compile(r"(?<=\d)[,\u202f\u00a0 ](?=\d{3}(?!\d))")
_SCALE = {"k": 1e3, "thousand": 1e3, "m": 1e6, "million": 1e6, "b": 1e9, "bn": 1e9, "billion": 1e9,
          "t": 1e12, "trillion": 1e12}  # fmt: skip
_NUMBER = re.compile(
    r"(?<![\w.\-])\$?(\d+(?:\.\d+)?)\s?(%|thousand|million|billion|trillion|bn|[kmbt])?(?![a-z0-9])",
    re.IGNORECASE,
)
_WORDS = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven",
          "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen", "nineteen", "twenty")  # fmt: skip
_MONTHS = {name.lower(): i for i, name in enumerate(calendar.month_name) if name}
_MONTHS |= {name.lower(): i for i, name in enumerate(calendar.month_abbr) if name}
_MONTHS["sept"] = 9
_MONTH_RE = "|".join(sorted(_MONTHS, key=len, reverse=True))
_DATE_PATTERNS = (  # each yields (year, month, day-or-None)
    (re.compile(r"\b(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})\b"), "ymd"),
    (re.compile(rf"\b({_MONTH_RE})\.?\s+(\d{{1,2}})(?:st|nd|rd|th)?,?\s+(\d{{4}})\b"), "mdy"),
    (re.compile(rf"\b(\d{{1,2}})(?:st|nd|rd|th)?\s+(?:of\s+)?({_MONTH_RE})\.?,?\s+(\d{{4}})\b"), "dmy"),
    (re.compile(r"\b(\d{1,2})/(\d{1,2})/(\d{4})\b"), "numeric"),
    (re.compile(rf"\b({_MONTH_RE})\.?,?\s+(\d{{4}})\b"), "my"),
    (re.compile(r"\b(\d{4})-(\d{2})\b(?!-)"), "ym"),
)
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_POSITIVE = re.compile(r"\b(yes|open[- ]weights?|open[- ]source|openly|weights are (?:available|released))\b")
_NEGATIVE = re.compile(
    r"\b(no|not|closed|api[- ]only|proprietary|isn't|aren't|doesn't|unavailable|unreleased)\b"
)


def normalise(text: str) -> str:
    """Lower case, citation markers and thousands separators removed, dashes unified."""
    text = _CITATION.sub(" ", text)
    text = text.replace("\u2013", "-").replace("\u2014", "-").replace("\u2011", "-")
    return _THOUSANDS.sub("", text.lower())


def numbers_in(text: str) -> list[float]:
    """Every number the text states, scaled ('128K' -> 128000 and 131072, '88.4%' -> 0.884)."""
    found: list[float] = []
    for match in _NUMBER.finditer(normalise(text)):
        value, unit = float(match.group(1)), (match.group(2) or "").lower()
        if unit == "%":
            found += [value, value / 100]
        elif unit in _SCALE:
            found.append(value * _SCALE[unit])
            if unit == "k":
                found.append(value * 1024)  # '128K' context windows are often 131,072 tokens
        else:
            found.append(value)
    words = re.findall(r"[a-z]+", normalise(text))
    found += [float(_WORDS.index(w)) for w in words if w in _WORDS]
    return found


def number_in_text(value: float, text: str) -> bool:
    """The text states `value`, allowing for the rounding of a scaled display ('7.2B' for 7.24e9)."""
    for found in numbers_in(text):
        tolerance = 0.01 if abs(value) >= 1000 else 1e-6
        if math.isclose(found, value, rel_tol=tolerance, abs_tol=1e-9):
            return True
        if 0 < abs(value) < 1 and math.isclose(found, round(value, 2), rel_tol=1e-6):  # '0.88' for 0.884
            return True
    return False


def dates_in(text: str) -> list[tuple[int, int, int | None]]:
    """(year, month, day) of every date the text states; day is None for 'July 2024'."""
    low = normalise(text)
    found: list[tuple[int, int, int | None]] = []
    for pattern, order in _DATE_PATTERNS:
        for m in pattern.finditer(low):
            g = m.groups()
            if order == "ymd":
                found.append((int(g[0]), int(g[1]), int(g[2])))
            elif order == "mdy":
                found.append((int(g[2]), _MONTHS[g[0]], int(g[1])))
            elif order == "dmy":
                found.append((int(g[2]), _MONTHS[g[1]], int(g[0])))
            elif order == "numeric":  # ambiguous: keep both readings
                found += [(int(g[2]), int(g[1]), int(g[0])), (int(g[2]), int(g[0]), int(g[1]))]
            elif order == "my":
                found.append((int(g[1]), _MONTHS[g[0]], None))
            else:
                found.append((int(g[0]), int(g[1]), None))
    return found


def date_in_text(value: str | date, text: str, *, precision: str = "day") -> bool:
    """The text states the date; with precision 'month' a month and year suffice ('July 2024')."""
    gold = value if isinstance(value, date) else date.fromisoformat(str(value)[:10])
    for year, month, day in dates_in(text):
        if (year, month) != (gold.year, gold.month):
            continue
        if day == gold.day or (precision == "month" and day is None):
            return True
    return False


def _name_form(text: str) -> str:
    text = re.sub(r"[-_/:]", " ", normalise(text))
    return " ".join(text.split())


def name_in_text(name: str, text: str) -> bool:
    """Case-insensitive whole-name match; 'DeepSeek-V3' = 'deepseek v3', 'GPT-4' is not in 'GPT-4o'."""
    needle = _name_form(name)
    if not needle:
        return False
    pattern = rf"(?<![a-z0-9.]){re.escape(needle)}s?(?![a-z0-9]|\.\d)"
    return re.search(pattern, _name_form(text)) is not None


def bool_in_text(value: bool, text: str) -> bool:
    """Whether the text takes the gold side of a yes/no fact (negations win over 'open')."""
    low = normalise(text)
    if _NEGATIVE.search(low):
        return value is False
    return value is True and _POSITIVE.search(low) is not None


def value_in_text(value: Any, text: str, *, precision: str = "day") -> bool:
    """Dispatch on the gold value's type: bool, number, ISO date, list (all of it) or name."""
    if value is None:
        return False
    if isinstance(value, bool):
        return bool_in_text(value, text)
    if isinstance(value, int | float):
        return number_in_text(float(value), text)
    if isinstance(value, date) or (isinstance(value, str) and _ISO_DATE.fullmatch(value)):
        return date_in_text(value, text, precision=precision)
    if isinstance(value, list | tuple):
        return bool(value) and all(value_in_text(v, text, precision=precision) for v in value)
    return name_in_text(str(value), text)


# -- answers --------------------------------------------------------------------------------------
def answer_score(
    text: str, answers: Sequence[Sequence[Any]], *, match: str = "all", precision: str = "day"
) -> float:
    """Share of gold groups stated ('all'), or 1/0 for any group stated ('any'). A group lists
    interchangeable forms of one gold item (a name, its id, its alias)."""
    if not answers:
        return 0.0
    hits = [any(value_in_text(v, text, precision=precision) for v in group) for group in answers]
    if match == "any":
        return 1.0 if any(hits) else 0.0
    return sum(hits) / len(hits)


_REFUSAL = re.compile(
    r"(does not say|doesn't say|do not know|don't know|no information|not (?:in|found in) the "
    r"(?:evidence|graph|knowledge graph)|cannot (?:find|answer)|can't (?:find|answer)|"
    r"(?:is|are|remains?) (?:unknown|not known)|not (?:been )?(?:disclosed|published)|undisclosed|"
    r"no (?:data|record|evidence|information)|catalog (?:has no|does not name))",
    re.IGNORECASE,
)


def is_refusal(text: str, refused: bool = False) -> bool:
    """A flagged refusal, or a text that says the answer is not known."""
    return refused or _REFUSAL.search(text) is not None


def cited_supports(
    evidence_id: str,
    evidence_text: str,
    answers: Sequence[Sequence[Any]],
    gold: Sequence[Sequence[str]],
    *,
    precision: str = "day",
) -> bool:
    """A cited item supports the answer when it is gold evidence or states a gold value."""
    if any(_group_hit(evidence_id, group) for group in gold):
        return True
    return any(value_in_text(v, evidence_text, precision=precision) for group in answers for v in group)


def citation_precision(supported: Sequence[bool]) -> float | None:
    return sum(supported) / len(supported) if supported else None


def citation_recall(cited_ids: Sequence[str], gold: Sequence[Sequence[str]]) -> float | None:
    """Share of gold groups that some citation points at; None without gold."""
    if not gold:
        return None
    return sum(1 for group in gold if any(_group_hit(c, group) for c in cited_ids)) / len(gold)


# -- aggregates -----------------------------------------------------------------------------------
def percentile(values: Sequence[float], q: float) -> float | None:
    """Linear-interpolated percentile (q in 0..100); None for no values."""
    if not values:
        return None
    ordered = sorted(values)
    position = (len(ordered) - 1) * q / 100
    low, high = math.floor(position), math.ceil(position)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def latency_summary(timings: Iterable[Mapping[str, float]]) -> dict[str, dict[str, float]]:
    """p50/p95 (ms) per stage over many runs; a stage absent from a run is not counted as zero."""
    per_stage: dict[str, list[float]] = {}
    for run in timings:
        for stage, ms in run.items():
            if isinstance(ms, int | float):
                per_stage.setdefault(stage, []).append(float(ms))
    return {
        stage: {
            "p50": round(percentile(v, 50) or 0.0, 2),
            "p95": round(percentile(v, 95) or 0.0, 2),
            "n": len(v),
        }  # fmt: skip
        for stage, v in sorted(per_stage.items())
    }


def mean(values: Iterable[float | None]) -> float | None:
    """Mean of the defined values; None when none is defined."""
    defined = [v for v in values if v is not None]
    return sum(defined) / len(defined) if defined else None
