"""Answers to news questions that span several articles, decided from the evidence, cited per part.

* yes/no: "Yes." or "No." first, then why, citing each part's article. A part is supported when its
  best article (publisher and date from the question's filters) holds most of the part's words; a
  part whose filters match articles none of which holds the claim makes the answer "No".
* which/who: the entity first: the model or organisation the part's best article mentions most
  (from the graph's MENTIONS links), then the article.
* temporal: the two articles' publication dates from the graph, compared.
* consistency: the two articles' sentiment labels (from the graph), compared.
* Otherwise, or when a part has no article, or its best article does not hold its words:
  "Insufficient information", with what was found, cited.

Verdicts, names and dates come only from the evidence; a chat model is never asked to decide.
"""

from __future__ import annotations

import time
from collections.abc import Sequence

from rag.contracts import QuestionAnalysis, Slots
from rag.news_question import NewsPart, NewsQuestion
from rag.news_retrieval import NewsRetrieval, PartEvidence
from rag.qa import Answer, Citation, Evidence
from rag.rerank import Candidate, coverage

SUPPORTED = 0.6  # share of a part's words its article must hold to support a yes/no claim
FOUND = 0.4  # share of a part's words its article must hold to be "the article the part means"
INSUFFICIENT = "Insufficient information"


class NewsAnswerer:
    def __init__(self, *, supported: float = SUPPORTED, found: float = FOUND) -> None:
        self.supported = supported
        self.found = found

    def answer(self, retrieval: NewsRetrieval) -> Answer:
        started = time.perf_counter()
        nq = retrieval.question
        cites = _Cites()
        kind = nq.kind
        if kind == "yes_no":
            text, refused = self._yes_no(retrieval.parts, cites)
        elif kind == "which":
            text, refused = self._which(nq, retrieval.parts, cites)
        elif kind == "temporal":
            text, refused = self._temporal(nq, retrieval.parts, cites)
        elif kind == "consistency":
            text, refused = self._consistency(retrieval.parts, cites)
        else:
            text, refused = self._digest(retrieval.parts, cites)
        timings = dict(retrieval.timings_ms)
        timings["answer"] = (time.perf_counter() - started) * 1000
        return Answer(
            question=nq.question,
            answer=text,
            citations=cites.citations,
            analysis=analysis_of(nq),
            refused=refused,
            evidence=retrieval.evidence,
            timings_ms=timings,
        )

    # ------------------------------------------------------------------ kinds
    def _best(
        self, pe: PartEvidence, threshold: float, *, entities: bool = False
    ) -> tuple[Candidate | None, float]:
        """The part's article: the top candidate, or a runner-up that holds clearly more of the part's
        words; None when it holds less than `threshold`. With `entities`, an article the graph links
        to the part's models/organisations counts as holding them."""
        if not pe.candidates:
            return None, 0.0

        def support(c: Candidate) -> float:
            s = _support(pe.part, c)
            wanted = set(pe.part.entity_ids)
            if entities and wanted:
                have = {str(m.get("id")) for m in c.mentions}
                s = max(s, len(wanted & have) / len(wanted))
            return s

        top = pe.candidates[0]
        best = support(top)
        for c in pe.candidates[1:3]:
            s = support(c)
            if s > best + 0.15:
                top, best = c, s
        return (top, best) if best >= threshold else (None, best)

    def _yes_no(self, parts: Sequence[PartEvidence], cites: _Cites) -> tuple[str, bool]:
        lines, verdicts = [], []
        for pe in parts:
            label = _label(pe.part)
            if not pe.candidates:
                return _insufficient(parts, cites, f"no article matches {label}"), True
            top, support = self._best(pe, self.supported)
            if top is not None:
                verdicts.append(True)
                lines.append(f"{label}: “{_title(top)}” ({top.day}) {cites.cite(top)} holds it.")
            elif pe.matched:  # the filtered articles exist, but say something else
                verdicts.append(False)
                other = pe.candidates[0]
                lines.append(
                    f"{label}: the closest article, “{_title(other)}” ({other.day}) {cites.cite(other)}, "
                    "does not say that."
                )
            else:
                return _insufficient(parts, cites, f"nothing found holds the claim about {label}"), True
        head = "Yes." if all(verdicts) else "No."
        return " ".join([head, *lines]), False

    def _which(self, nq: NewsQuestion, parts: Sequence[PartEvidence], cites: _Cites) -> tuple[str, bool]:
        pe = parts[0]
        if not pe.candidates:
            return _insufficient(parts, cites, f"no article matches {_label(pe.part)}"), True
        top, _ = self._best(pe, self.found)
        if top is None:
            return _insufficient(parts, cites, "no article found holds the description"), True
        kind = nq.target or "Organization"
        ranked = sorted(
            (m for m in top.mentions if m.get("kind") == kind),
            key=lambda m: (-(m.get("count") or 0), -(m.get("confidence") or 0.0), str(m.get("name"))),
        )
        if not ranked:
            what = "model" if kind == "Model" else "company"
            return _insufficient(parts, cites, f"the article names no {what} the graph knows"), True
        name = str(ranked[0]["name"])
        return (
            f"{name}. {_label(pe.part)}: “{_title(top)}” ({top.day}) {cites.cite(top)} mentions {name}.",
            False,
        )

    def _temporal(self, nq: NewsQuestion, parts: Sequence[PartEvidence], cites: _Cites) -> tuple[str, bool]:
        if len(parts) < 2:
            return _insufficient(parts, cites, "the question names only one article"), True
        found = []
        for pe in parts[:2]:
            top, _ = self._best(pe, self.found)
            if top is None or top.published is None:
                return _insufficient(parts, cites, f"no dated article matches {_label(pe.part)}"), True
            found.append(top)
        a, b = found
        da, db = str(a.published), str(b.published)
        ca, cb = cites.cite(a), cites.cite(b)
        facts = f"{_label(parts[0].part)}: {a.day} {ca}; {_label(parts[1].part)}: {b.day} {cb}."
        if da == db or (a.day == b.day and (len(da) <= 10 or len(db) <= 10)):
            return f"Neither: both came out on {a.day}. {facts}", False
        a_first = da < db
        if nq.choose:
            first = a if a_first else b
            part = parts[0].part if a_first else parts[1].part
            return f"{_label(part)}: “{_title(first)}” came first. {facts}", False
        verdict = a_first if nq.order == "before" else not a_first
        return f"{'Yes' if verdict else 'No'}. {facts}", False

    def _consistency(self, parts: Sequence[PartEvidence], cites: _Cites) -> tuple[str, bool]:
        if len(parts) < 2:
            return _insufficient(parts, cites, "the question names only one article"), True
        found = []
        for pe in parts[:2]:
            top, _ = self._best(pe, self.found, entities=True)
            if top is None or not top.sentiment:
                return _insufficient(parts, cites, f"no article matches {_label(pe.part)}"), True
            found.append(top)
        a, b = found
        facts = (
            f"{_label(parts[0].part)}: “{_title(a)}” reads {a.sentiment} {cites.cite(a)}; "
            f"{_label(parts[1].part)}: “{_title(b)}” reads {b.sentiment} {cites.cite(b)}."
        )
        if a.sentiment == b.sentiment:
            return f"Yes, the coverage is consistent: both read {a.sentiment}. {facts}", False
        return f"No, the coverage is not consistent. {facts}", False

    def _digest(self, parts: Sequence[PartEvidence], cites: _Cites) -> tuple[str, bool]:
        lines = []
        for pe in parts:
            for c in pe.candidates[:3]:
                lines.append(f"{_label(pe.part)}: “{_title(c)}” ({c.day}) {cites.cite(c)}.")
        if not lines:
            return _insufficient(parts, cites, "no article matches the question"), True
        return "Found: " + " ".join(lines), False


class _Cites:
    def __init__(self) -> None:
        self.citations: list[Citation] = []
        self._n: dict[str, int] = {}

    def cite(self, c: Candidate | Evidence) -> str:
        e = c.evidence if isinstance(c, Candidate) else c
        if e.id not in self._n:
            self._n[e.id] = len(self.citations) + 1
            self.citations.append(Citation(self._n[e.id], "article", e.id, e.title, e.url, e.date))
        return f"[{self._n[e.id]}]"


def _support(part: NewsPart, c: Candidate) -> float:
    return coverage(part.text or part.claim, c.evidence.title, c.evidence.text)


def _title(c: Candidate) -> str:
    return (c.evidence.title or c.article_id).strip()


def _label(part: NewsPart) -> str:
    who = part.source_label or "the news"
    if part.date_from and part.date_to and part.date_from != part.date_to:
        return f"{who} ({part.date_from} to {part.date_to})"
    if part.date_from:
        return f"{who} ({part.date_from})"
    return who


def _insufficient(parts: Sequence[PartEvidence], cites: _Cites, why: str) -> str:
    seen = []
    for pe in parts:
        if pe.candidates:
            c = pe.candidates[0]
            seen.append(f"{_label(pe.part)}: “{_title(c)}” ({c.day}) {cites.cite(c)}")
    found = f" Found: {'; '.join(seen)}." if seen else " No matching article was found."
    return f"{INSUFFICIENT}: {why}.{found}"


def analysis_of(nq: NewsQuestion) -> QuestionAnalysis:
    """The contract's analysis for a news answer: family news, the first dated part's window."""
    dated = [p for p in nq.parts if p.date_from]
    models = list(dict.fromkeys(m for p in nq.parts for m in p.model_ids))
    orgs = list(dict.fromkeys(o for p in nq.parts for o in p.org_ids))
    slots = Slots(
        model_ids=models,
        org_ids=orgs,
        org_id=orgs[0] if orgs else None,
        date_from=min(p.date_from for p in dated if p.date_from) if dated else None,
        date_to=max(p.date_to for p in dated if p.date_to) if dated else None,
        search_text=" | ".join(p.text for p in nq.parts),
    )
    return QuestionAnalysis(family="news", slots=slots, template=f"NEWS_MULTIHOP:{nq.kind}")
