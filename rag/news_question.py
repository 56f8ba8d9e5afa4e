"""Analysis of news questions that span several articles: publishers, dates, kind and parts.

"Does OpenAI's post on 2025-08-05 say X, while Hacker News' story the next day suggests Y?" becomes
a yes/no question with two parts, each with its own filters: the publisher (matched against the
graph's `Source` nodes and aliases derived from their ids and names, exactly or with rapidfuzz), a
date or date range ("on March 5, 2024", "in May 2025", "between ... and ...", "the next day"),
authors ("written by ..."), and the models and organisations the existing linker finds in that
part. Pure logic after construction: the sources come in as rows, the linker is the catalog
question analyzer's.

The question kinds: `yes_no` (does A say X, while B says Y), `which` (which company/model ...,
reported by A), `temporal` (did A's article come out before B's), `consistency` (is the coverage
of X by A and B consistent), `open` (anything else, answered as a digest).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Literal

from rapidfuzz import fuzz

from core.linking import STOPWORDS, normalise
from rag.question import QuestionAnalyzer

NewsKind = Literal["yes_no", "which", "temporal", "consistency", "open"]
Target = Literal["Organization", "Model", "any"]

_MONTHS = {
    m: i + 1
    for i, names in enumerate(
        [
            ("january", "jan"),
            ("february", "feb"),
            ("march", "mar"),
            ("april", "apr"),
            ("may",),
            ("june", "jun"),
            ("july", "jul"),
            ("august", "aug"),
            ("september", "sep", "sept"),
            ("october", "oct"),
            ("november", "nov"),
            ("december", "dec"),
        ]
    )  # fmt: skip
    for m in names
}
_MONTH = r"(?:" + "|".join(sorted(_MONTHS, key=len, reverse=True)) + r")\.?"
_DAY = r"(\d{1,2})(?:st|nd|rd|th)?"
_YEAR = r"(\d{4})"
_ISO = re.compile(r"\b(\d{4})-(\d{2})-(\d{2})\b")
_MDY = re.compile(rf"\b({_MONTH})\s+{_DAY}(?:,?\s+{_YEAR})?\b", re.I)
_DMY = re.compile(rf"\b{_DAY}\s+(?:of\s+)?({_MONTH})(?:,?\s+{_YEAR})?\b", re.I)
_MONTH_YEAR = re.compile(rf"\b(?:in\s+)?({_MONTH})\s+{_YEAR}\b", re.I)
_RELATIVE = re.compile(
    r"\b(?:on\s+)?(the\s+(?:next|following)\s+day|the\s+day\s+(?:after|before)|a\s+day\s+(?:later|earlier)"
    r"|the\s+previous\s+day|the\s+same\s+day|that\s+same\s+day)\b",
    re.I,
)
_AUTHOR = re.compile(r"\b(?:written|authored)\s+by\s+([A-Z][\w.'-]+(?:\s+[A-Z][\w.'-]+){0,2})")

_NEWS_NOUN = (
    r"(?:article|report|reporting|post|posts|piece|story|stories|item|blog|blog\s+post|announcement|"
    r"coverage|news|write-?up|entry|feed|recap|newsletter|headline)"
)
_OWN_NOUN = (  # what may follow a publisher's name: "OpenAI's post", "the Hacker News story"
    r"(?:article|report|post|piece|story|item|blog|announcement|coverage|write-?up|entry|feed|recap|"
    r"newsletter|headline|memo)"
)
_REPORTED_BY = r"(?:reported|published|posted|covered|written)\s+(?:by|on|in)\s+(?:the\s+)?$"
_PUBLISHER_BEFORE = re.compile(
    rf"{_REPORTED_BY}|(?:according\s+to|from|by|per|in|on|at)\s+(?:the\s+)?$", re.I
)
_STRONG_BEFORE = re.compile(
    rf"{_REPORTED_BY}|according\s+to\s+(?:the\s+)?$|"
    r"\b(?:article|report|post|piece|story|coverage|item|announcement|blog\s+post)\s+(?:from|by)\s+(?:the\s+)?$",
    re.I,
)
_PUBLISHER_AFTER = re.compile(rf"^(?:['’]s?)?\s*(?:own\s+)?{_OWN_NOUN}s?\b", re.I)
_DATED = re.compile(
    rf"^(?:['’]s?\s*(?:on|from|dated)\s+|\s*\()(?:\d{{4}}-\d{{2}}-\d{{2}}|{_MONTH}|\d{{1,2}}\s)", re.I
)
_POSSESSIVE = re.compile(r"^['’]s?\b|^['’]", re.I)

_SAYS = re.compile(
    r"\b(?:say|says|said|report|reports|reported|wrote|write|writes|publish\w*|post\w*|cover\w*)\b", re.I
)
_CAP = r"[A-Z][\w.&-]*(?:\s+[A-Z][\w.&-]*){0,2}"
_UNKNOWN_PUBLISHER = re.compile(
    rf"(?P<a>{_CAP})['’]s?\s+(?:own\s+)?{_OWN_NOUN}s?\b|"
    rf"\b(?:reported|published|posted|written)\s+by\s+(?:the\s+)?(?P<b>{_CAP})|"
    rf"\baccording\s+to\s+(?:the\s+)?(?P<c>{_CAP})",
)
_NOT_NAMES = {
    "which", "who", "what", "does", "did", "do", "is", "was", "the", "a", "an", "between", "and", "or",
    "so", "ok", "tell", "when", "how", "this", "that", "its", "their", "his", "her", "one", "same",
}  # fmt: skip

_CONSISTENCY = re.compile(
    r"\b(consistent|inconsistent|agree|agrees|disagree|contradict\w*|in\s+line|aligned|"
    r"same\s+(?:tone|view|take|sentiment|picture|story))\b",
    re.I,
)
_TEMPORAL = re.compile(
    r"\b(before|after|earlier|later|first|sooner|precede[ds]?|preceding|predate[sd]?|older|newer|"
    r"came\s+out|come\s+out|published\s+first)\b",
    re.I,
)
_AFTER_WORDS = re.compile(r"\b(after|later|newer|follow(?:ed|s)?)\b", re.I)
_WHICH = re.compile(
    r"^\s*(?:so\s+|and\s+|ok\s+)?(which|who|whom|what\s+(?:company|firm|organi[sz]ation|lab|startup|model|"
    r"llm|entity|business))\b",
    re.I,
)
_YES_NO = re.compile(
    r"^\s*(?:so\s+|and\s+|ok\s+|tell\s+me\s*[,:]?\s*)?(does|did|do|is|was|were|are|has|have|had|can|could|"
    r"would|will|should)\b",
    re.I,
)
_SPLIT = re.compile(r",?\s+(?:while|whereas|but|and\s+also|and\s+did|and\s+does|or|before|after)\s+", re.I)
_CUE_WORDS = {
    "does", "did", "do", "is", "was", "were", "are", "has", "have", "had", "say", "says", "said",
    "suggest", "suggests", "suggested", "claim", "claims", "report", "reports", "reported", "article",
    "articles", "post", "posts", "piece", "story", "stories", "item", "blog", "news", "coverage",
    "announcement", "while", "whereas", "which", "who", "what", "company", "firm", "model", "one",
    "between", "consistent", "published", "come", "came", "out", "before", "after", "earlier", "later",
    "first", "the", "a", "an", "on", "from", "by", "in", "of", "about", "that", "this", "its", "it",
    "and", "or", "be", "according", "to", "write-up", "writeup", "feed", "recap", "mention", "mentions",
    "mentioned", "organisation", "organization", "lab", "startup", "wrote", "state", "states", "stated",
    "indicate", "indicates", "also", "both", "their", "there", "day", "next", "following", "same",
    "previous", "name", "named", "regarding", "headline", "update", "entry", "week", "month", "true",
    "false", "right", "correct",
}  # fmt: skip
_WORD = re.compile(r"[\w][\w.+\-']*")


@dataclass(frozen=True)
class SourceEntry:
    """One publisher as the graph knows it: the `Source` id, its name, and the aliases it is matched by."""

    id: str
    name: str
    aliases: tuple[str, ...]


def display_name(source_id: str, name: str | None) -> str:
    """A reader's name for a source: its name when it reads like one, else its id's first part."""
    head = source_id.split("/", 1)[0]
    if name:
        name = re.sub(r"\s*\([^)]*\)", "", name).strip()  # "AINews (news.smol.ai)" -> "AINews"
    if name and (" " in name or any(c.isupper() for c in name)) and "_" not in name:
        return name
    return " ".join(w.capitalize() for w in re.split(r"[_\-]+", head) if w)


def source_aliases(source_id: str, name: str | None, extra: Iterable[str] = ()) -> tuple[str, ...]:
    """Names a question may use for a source: its name, id, id head, display name, extra aliases."""
    head = source_id.split("/", 1)[0]
    out = [display_name(source_id, name), head, head.replace("_", " "), source_id.replace("/", " ")]
    if name and "_" not in name:
        out.append(name)
    for suffix in ("_aggregated", "_ai", "_seed"):
        if head.endswith(suffix) and len(head) > len(suffix) + 2:
            out.append(head.removesuffix(suffix))
    words = display_name(source_id, name).split()
    if len(words) >= 2:
        out.append("".join(w[0] for w in words))  # "Hacker News" -> "HN"
    out += [a for a in extra if a]
    seen: dict[str, None] = {}
    for alias in out:
        if len(normalise(alias)) >= 2:
            seen.setdefault(alias, None)
    return tuple(seen)


class SourceCatalog:
    """Publishers by alias key (normalised): one key may name several sources (OpenAI's feeds)."""

    def __init__(self, rows: Iterable[Mapping[str, object]]) -> None:
        self.entries: dict[str, SourceEntry] = {}
        self.by_key: dict[str, set[str]] = {}
        for row in rows:
            sid = str(row["id"])
            name = row.get("name")
            extra = row.get("aliases") or ()
            aliases = source_aliases(
                sid, name if isinstance(name, str) else None, extra if isinstance(extra, list) else ()
            )
            self.entries[sid] = SourceEntry(
                sid, display_name(sid, name if isinstance(name, str) else None), aliases
            )
            for alias in aliases:
                self.by_key.setdefault(normalise(alias), set()).add(sid)
        self._fuzzy_keys = [k for k in self.by_key if len(k) >= 6]

    def lookup(self, text: str, *, fuzzy: bool = True) -> tuple[str, ...]:
        """Source ids a phrase names: exact alias key, else a close rapidfuzz match of a long key."""
        key = normalise(text)
        if len(key) < 2:
            return ()
        if key in self.by_key:
            return tuple(sorted(self.by_key[key]))
        if fuzzy and len(key) >= 6:
            best, score = None, 0.0
            for k in self._fuzzy_keys:
                s = fuzz.ratio(key, k)
                if s > score:
                    best, score = k, s
            if best is not None and score >= 90:
                return tuple(sorted(self.by_key[best]))
        return ()

    def label(self, source_ids: Sequence[str]) -> str:
        names = sorted({self.entries[s].name for s in source_ids if s in self.entries})
        return " / ".join(names) if names else ", ".join(source_ids)


@dataclass(frozen=True)
class Mention:
    """A publisher named in the question, and where."""

    start: int
    end: int
    surface: str
    source_ids: tuple[str, ...]


@dataclass(frozen=True)
class DateMention:
    start: int
    end: int
    date_from: date
    date_to: date
    relative: int | None = None  # days after the previous part's date ("the next day": 1)


@dataclass
class NewsPart:
    """One sub-query: what to look for and the filters it carries."""

    text: str  # the part's own words, cue words removed: what the indexes search
    claim: str  # the part's words as asked (for yes/no: the claim the article should hold)
    sources: tuple[str, ...] = ()
    source_label: str | None = None
    date_from: date | None = None
    date_to: date | None = None
    model_ids: tuple[str, ...] = ()
    org_ids: tuple[str, ...] = ()
    authors: tuple[str, ...] = ()
    unknown_source: str | None = None  # a publisher the question names that the graph does not have

    @property
    def entity_ids(self) -> tuple[str, ...]:
        return self.model_ids + self.org_ids

    @property
    def filtered(self) -> bool:
        return bool(self.sources or self.date_from or self.date_to or self.unknown_source)


@dataclass
class NewsQuestion:
    question: str
    kind: NewsKind
    parts: list[NewsPart]
    target: Target | None = None  # which/who: the kind of entity asked for
    order: Literal["before", "after"] | None = None  # temporal: the order asked about
    choose: bool = False  # temporal: "which came first" (name one) rather than yes/no
    publishers: list[Mention] = field(default_factory=list)
    dates: list[DateMention] = field(default_factory=list)
    authors: tuple[str, ...] = ()
    news_words: bool = False

    @property
    def routed(self) -> bool:
        """True when the multi-article news path should answer: a publisher is named, or a news noun
        comes with dates or several parts, or the kind only makes sense for articles."""
        if self.publishers:
            return True
        if not self.news_words:
            return False
        if len(self.parts) > 1 or self.kind in ("temporal", "consistency"):
            return True
        return self.kind in ("yes_no", "which") and bool(self.dates)


class NewsQuestionAnalyzer:
    """Publishers, dates, authors, entities, kind and parts of a news question."""

    def __init__(
        self, sources: SourceCatalog, linker: QuestionAnalyzer, *, today: date | None = None
    ) -> None:
        self.sources = sources
        self.linker = linker
        self.today = today or date.today()

    # ------------------------------------------------------------------ public
    def analyze(self, question: str) -> NewsQuestion:
        q = " ".join(question.split())
        dates = _dates(q, self.today)
        publishers = self._publishers(q, dates)
        kind = _kind(q)
        authors = tuple(m.group(1) for m in _AUTHOR.finditer(q))
        news_words = bool(re.search(rf"\b{_NEWS_NOUN}\b", q, re.I)) or bool(publishers)
        parts = self._parts(q, kind, publishers, dates, authors)
        target: Target | None = None
        if kind == "which":
            asks_model = re.match(
                r"^\W*(?:\w+\s+){0,2}?(?:which|what)\s+(?:\w+\s+)?(?:model|llm)s?\b", q, re.I
            )
            target = "Model" if asks_model else "Organization"
        order: Literal["before", "after"] | None = None
        choose = False
        if kind == "temporal":
            order = "after" if _AFTER_WORDS.search(q) else "before"
            choose = bool(_WHICH.match(q)) or bool(re.match(r"^\s*(?:which|what)\b", q, re.I))
        return NewsQuestion(q, kind, parts, target, order, choose, publishers, dates, authors, news_words)

    # ------------------------------------------------------------------ publishers
    def _publishers(self, q: str, dates: Sequence[DateMention]) -> list[Mention]:
        words = [m for m in _WORD.finditer(q)]
        found: list[Mention] = []
        taken: list[tuple[int, int]] = [(d.start, d.end) for d in dates] + _quoted(q)
        org_spans = self.linker.link(q).spans
        news_context = bool(re.search(rf"\b{_NEWS_NOUN}\b", q, re.I))  # "the one from X" means a publisher
        for n in (4, 3, 2, 1):
            for i in range(len(words) - n + 1):
                start, end = words[i].start(), words[i + n - 1].end()
                surface = q[start:end]
                surface = re.sub(r"['’]s?$", "", surface)
                end = start + len(surface)
                possessive = _POSSESSIVE.match(q[end : end + 3])
                if any(s < end and start < e for s, e in taken):
                    continue
                if n == 1 and normalise(surface) in {normalise(w) for w in STOPWORDS}:
                    continue
                edge = {words[i].group(0).lower(), words[i + n - 1].group(0).lower().rstrip("'’s")}
                ids = self.sources.lookup(surface, fuzzy=not edge & (_CUE_WORDS | set(STOPWORDS)))
                if not ids:
                    continue
                before, after = q[max(0, start - 40) : start], q[end : end + 30]
                strong = bool(
                    _STRONG_BEFORE.search(before)
                    or _PUBLISHER_AFTER.match(after)
                    or _DATED.match(after)
                    or (news_context and re.search(r"\bone\s+(?:from|by)\s+(?:the\s+)?$", before, re.I))
                )
                cue = strong or bool(_PUBLISHER_BEFORE.search(before))
                is_org = any(s <= start and end <= e for s, e in org_spans)
                short = len(normalise(surface)) <= 3
                if (is_org and not strong) or (short and not cue):
                    continue  # "about OpenAI" is a subject, "OpenAI's post" a publisher
                if not cue and (
                    not (news_context or _SAYS.search(q))
                    or surface.islower()
                    or normalise(surface) not in self.sources.by_key
                ):
                    continue  # no cue: only a capitalised exact name, in a question about news
                end += possessive.end() if possessive else 0
                found.append(Mention(start, end, surface, ids))
                taken.append((start, end))
        # A publisher named with a cue but unknown to the graph ("Reuters' report"): kept with no
        # source ids, so its part matches nothing rather than anything.
        for m in _UNKNOWN_PUBLISHER.finditer(q):
            group = "a" if m.group("a") else ("b" if m.group("b") else "c")
            name, start = m.group(group), m.start(group)
            while name.split()[0].lower() in _NOT_NAMES and " " in name:  # "Does Reuters" -> "Reuters"
                head = name.split()[0]
                start += len(head) + 1
                name = name[len(head) + 1 :]
            end = start + len(name)
            if name.lower() in _NOT_NAMES or any(s < end and start < e for s, e in taken):
                continue
            found.append(Mention(start, end, name, ()))
            taken.append((start, end))
        return sorted(found, key=lambda m: m.start)

    # ------------------------------------------------------------------ parts
    def _parts(
        self,
        q: str,
        kind: NewsKind,
        publishers: Sequence[Mention],
        dates: Sequence[DateMention],
        authors: tuple[str, ...],
    ) -> list[NewsPart]:
        bounds: list[int]
        if len(publishers) >= 2:
            bounds = [0] + [p.start for p in publishers[1:]] + [len(q)]
        else:
            cut = [m.start() for m in _SPLIT.finditer(q)] if kind in ("yes_no", "temporal") else []
            cut = [c for c in cut if not any(d.start <= c < d.end for d in dates)]
            bounds = [0, *cut[:2], len(q)]
        shared = _shared_topic(q) if kind == "consistency" else ""
        parts: list[NewsPart] = []
        previous: date | None = None
        for i in range(len(bounds) - 1):
            lo, hi = bounds[i], bounds[i + 1]
            segment = q[lo:hi]
            pubs = [p for p in publishers if lo <= p.start < hi]
            ds = [d for d in dates if lo <= d.start < hi]
            date_from = date_to = None
            for d in ds:  # the part's first date; later ones are usually inside its claim
                if d.relative is not None and previous is not None:
                    date_from = date_to = previous + timedelta(days=d.relative)
                elif d.relative is None:
                    date_from, date_to = d.date_from, d.date_to
                if date_from is not None:
                    break
            if date_from is not None:
                previous = date_from
            sources = tuple(sorted({s for p in pubs for s in p.source_ids}))
            blanks = [(p.start - lo, p.end - lo) for p in pubs] + [(d.start - lo, d.end - lo) for d in ds]
            claim = _blank(segment, blanks)
            if shared and normalise(shared) not in normalise(claim):
                claim = f"{claim} {shared}"
            links = self.linker.link(
                _blank(segment, [(p.start - lo, p.end - lo) for p in pubs]) + " " + shared
            )
            text = _content(claim)
            if not text and not sources and date_from is None:
                continue
            parts.append(
                NewsPart(
                    text=text or claim.strip(),
                    claim=_tidy(claim),
                    sources=sources,
                    source_label=self.sources.label(sources)
                    if sources
                    else next((p.surface for p in pubs), None),
                    date_from=date_from,
                    date_to=date_to,
                    model_ids=tuple(links.get("Model")),
                    org_ids=tuple(o for o in links.get("Organization") if not _is_publisher_org(o, pubs)),
                    authors=authors,
                    unknown_source=next((p.surface for p in pubs if not p.source_ids), None),
                )
            )
        # A date given once ("the reports on 2025-03-05 from A and B") applies to parts without one.
        if len(parts) > 1 and len({(p.date_from, p.date_to) for p in parts if p.date_from}) == 1:
            known = next(p for p in parts if p.date_from)
            for p in parts:
                if p.date_from is None:
                    p.date_from, p.date_to = known.date_from, known.date_to
        return parts or [NewsPart(text=_content(q) or q, claim=q)]


def _is_publisher_org(org_id: str, pubs: Sequence[Mention]) -> bool:
    key = normalise(org_id)
    return any(key and (key in normalise(p.surface) or normalise(p.surface) in key) for p in pubs)


def _quoted(q: str) -> list[tuple[int, int]]:
    """Spans inside quotes (a headline quoted in the question): no publishers or dates there."""
    return [(m.start(), m.end()) for m in re.finditer(r"“[^”]*”|\"[^\"]*\"", q)]


def _kind(q: str) -> NewsKind:
    q = _RELATIVE.sub(" ", q)  # "the day before" is a date, not an order
    if _CONSISTENCY.search(q):
        return "consistency"
    if _TEMPORAL.search(q) and re.search(
        r"\b(came|come|published|posted|appeared|out|first|before|after|earlier|later)\b", q, re.I
    ):
        return "temporal"
    if _WHICH.match(q):
        return "which"
    if _YES_NO.match(q):
        return "yes_no"
    return "open"


def _shared_topic(q: str) -> str:
    """The subject both articles are compared on ("the coverage of GPT-4o"): the last such phrase."""
    found = list(
        re.finditer(
            r"\b(?:coverage|reporting|take|takes|tone|views?|stance)\s+(?:of|on|about|regarding)\s+(.+?)"
            r"(?=\s+(?:consistent|inconsistent|in\s+line|the\s+same|aligned|agree|from|by|on\s+\d)\b|[?.,;]|$)",
            q,
            re.I,
        )
    )
    return found[-1].group(1).strip(" ,?") if found else ""


def _blank(text: str, spans: Sequence[tuple[int, int]]) -> str:
    out = list(text)
    for s, e in spans:
        for i in range(max(0, s), min(len(out), e)):
            out[i] = " "
    return " ".join("".join(out).split())


def _content(text: str) -> str:
    words = [w.group(0).strip("'’.-") for w in _WORD.finditer(text)]
    return " ".join(w for w in words if w and w.lower() not in _CUE_WORDS and w.lower() not in STOPWORDS)


def _tidy(text: str) -> str:
    text = re.sub(r"^\W+|\W+$", "", text)
    return " ".join(text.split())


def _year(raw: str | None, today: date, others: Sequence[int]) -> int:
    if raw:
        return int(raw)
    return others[0] if others else today.year


def _safe_date(y: int, m: int, d: int) -> date | None:
    try:
        return date(y, m, d)
    except ValueError:
        return None


def _dates(q: str, today: date) -> list[DateMention]:
    """Every date, month or relative day in the question, in order; a "between X and Y" pair is one range."""
    found: list[DateMention] = []
    spans: list[tuple[int, int]] = _quoted(q)
    years = [int(y) for y in re.findall(r"\b(20\d{2}|19\d{2})\b", q)]

    def free(s: int, e: int) -> bool:
        return not any(a < e and s < b for a, b in spans)

    for m in _ISO.finditer(q):
        d = _safe_date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
        if d:
            found.append(DateMention(m.start(), m.end(), d, d))
            spans.append((m.start(), m.end()))
    for rx, month_group, day_group, year_group in ((_MDY, 1, 2, 3), (_DMY, 2, 1, 3)):
        for m in rx.finditer(q):
            if not free(m.start(), m.end()):
                continue
            month = _MONTHS.get(m.group(month_group).lower().rstrip("."))
            if month is None:
                continue
            d = _safe_date(_year(m.group(year_group), today, years), month, int(m.group(day_group)))
            if d:
                found.append(DateMention(m.start(), m.end(), d, d))
                spans.append((m.start(), m.end()))
    for m in _MONTH_YEAR.finditer(q):
        if not free(m.start(), m.end()):
            continue
        month = _MONTHS.get(m.group(1).lower().rstrip("."))
        if month is None:
            continue
        first = date(int(m.group(2)), month, 1)
        last = (first.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)
        found.append(DateMention(m.start(), m.end(), first, last))
        spans.append((m.start(), m.end()))
    for m in _RELATIVE.finditer(q):
        if not free(m.start(), m.end()):
            continue
        phrase = m.group(1).lower()
        offset = 1 if re.search(r"next|following|after|later", phrase) else -1
        if "same" in phrase:
            offset = 0
        found.append(DateMention(m.start(), m.end(), today, today, relative=offset))
        spans.append((m.start(), m.end()))
    found.sort(key=lambda d: d.start)
    # "between March 1 and March 3, 2025" (dates right after between/and): one range.
    merged: list[DateMention] = []
    i = 0
    while i < len(found):
        cur = found[i]
        if (
            i + 1 < len(found)
            and cur.relative is None
            and found[i + 1].relative is None
            and re.search(r"\b(?:between|from)\s+$", q[max(0, cur.start - 9) : cur.start], re.I)
            and re.fullmatch(r"\s*(?:and|to|-|–)\s*", q[cur.end : found[i + 1].start], re.I)
        ):
            e = found[i + 1]
            merged.append(
                DateMention(cur.start, e.end, min(cur.date_from, e.date_from), max(cur.date_to, e.date_to))
            )
            i += 2
            continue
        merged.append(cur)
        i += 1
    return merged
