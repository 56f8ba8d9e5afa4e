"""Multi-article news questions: a frozen set generated from the news graph, and its harness.

`build` reads every dated public article (publisher, date, title, sentiment, linked mentions) and
writes `news_multihop.jsonl`: yes/no (two publishers, each a claim), which/who (the company or
model an article mentions most), temporal (which of two articles came out first), consistency
(the two articles' sentiment on one entity) and unanswerable questions (a publisher the graph does
not have, or a publisher on a day it published nothing), each with its gold article ids, in varied
phrasings. The split is by article: a question is `test` when all its articles hash to test, `dev`
when all hash to dev (mixed pairs are not drawn), so rules written on dev never saw a test article.

`run` scores, on one split: (a) the current hybrid retrieval and answerer (the baseline), (b) the
news path without reranking, (c) with reranking: evidence recall@5/@10 (gold articles among the
retrieved), answer accuracy per kind, citation precision, correct refusals, and writes
`news_multihop_results.{json,md}`.

    python -m rag.eval.news_multihop build   # LLMX_DATA_DIR: a graph with the news ingested
    python -m rag.eval.news_multihop run --split test
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import re
import sys
import time
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from core.access import AccessFilter
from core.linking import normalise
from core.settings import Settings
from kg import news_queries as NQ
from kg.store import GraphStore
from rag.graph_retriever import plain
from rag.news_answer import NewsAnswerer
from rag.news_question import SourceCatalog, display_name
from rag.news_retrieval import news_retriever_for
from rag.qa import Answer, Generator
from rag.rerank import tokens

HERE = Path(__file__).resolve().parent
SET_FILE = HERE / "news_multihop.jsonl"
RESULTS = HERE / "news_multihop_results"
KINDS = ("yes_no", "which", "temporal", "consistency", "unanswerable")
PER_SPLIT = {"yes_no": 44, "which": 36, "temporal": 36, "consistency": 26, "unanswerable": 30}
UNKNOWN_PUBLISHERS = ("Reuters", "Bloomberg", "The Verge", "TechCrunch", "Wired", "CNBC", "Axios")


@dataclass
class Art:
    id: str
    title: str
    source: str
    group: tuple[str, ...]  # the source ids the publisher's name matches (what a question can say)
    name: str
    day: date
    published: str
    sentiment: str | None
    mentions: list[dict[str, Any]]

    @property
    def split(self) -> str:
        return "test" if int(hashlib.sha1(self.id.encode()).hexdigest()[:8], 16) % 2 == 0 else "dev"


def _top_mention(a: Art, kind: str) -> dict[str, Any] | None:
    ranked = sorted(
        (m for m in a.mentions if m.get("kind") == kind),
        key=lambda m: (-(m.get("count") or 0), -(m.get("confidence") or 0.0), str(m.get("name"))),
    )
    if not ranked:
        return None
    if len(ranked) > 1 and (ranked[1].get("count") or 0) == (ranked[0].get("count") or 0):
        return None  # a tie: no single answer
    return ranked[0]


def _good_title(a: Art) -> bool:
    return 3 <= len(tokens(a.title)) <= 18 and "?" not in a.title


def _say_date(d: date, rng: random.Random) -> str:
    forms = [
        d.isoformat(),
        f"{d:%B} {d.day}, {d.year}",
        f"{d.day} {d:%b} {d.year}",
        f"{d:%b}. {d.day}, {d.year}",
    ]
    return rng.choice(forms)


def _claim(a: Art, rng: random.Random) -> str:
    title = re.sub(r"[\s.!]+$", "", a.title.strip())
    if rng.random() < 0.5:
        return title
    words = [w for w in re.findall(r"[\w$%.+\-']+", title) if w.lower().strip(".") not in {"the", "a", "an"}]
    return " ".join(words)


def _topic(a: Art, rng: random.Random) -> str:
    title = re.sub(r"[\s.!]+$", "", a.title.strip())
    return f"“{title}”" if rng.random() < 0.5 else title


def load_articles(store: GraphStore) -> tuple[list[Art], SourceCatalog]:
    catalog = SourceCatalog(store.read(NQ.NEWS_SOURCE_NAMES))
    out = []
    for r in store.read(NQ.news_eval_articles(), limit=1_000_000):
        published = str(plain(r["published"]))
        name = display_name(r["source"], catalog_name(catalog, r["source"]))
        group = catalog.lookup(name, fuzzy=False)
        if r["source"] not in group:
            continue
        out.append(
            Art(
                r["id"],
                " ".join(str(r["title"]).split()),
                r["source"],
                group,
                name,
                date.fromisoformat(published[:10]),
                published,
                r["sentiment"],
                [m for m in r["mentions"] or [] if m],
            )  # fmt: skip
        )
    return out, catalog


def catalog_name(catalog: SourceCatalog, source_id: str) -> str | None:
    entry = catalog.entries.get(source_id)
    return entry.name if entry else None


class _Builder:
    def __init__(self, arts: list[Art], catalog: SourceCatalog, seed: int) -> None:
        self.rng = random.Random(seed)
        self.catalog = catalog
        titles: dict[tuple[tuple[str, ...], str], int] = defaultdict(int)
        for a in arts:
            titles[(a.group, a.title.casefold())] += 1
        # A question names an article by publisher, day and words: titles its publisher used once,
        # from feeds a reader would name (not the aggregated activity streams).
        self.arts = [
            a for a in arts
            if _good_title(a) and titles[(a.group, a.title.casefold())] == 1
            and not a.source.endswith("/activity") and "Aggregated" not in a.name
        ]  # fmt: skip
        self.by_group_day: dict[tuple[tuple[str, ...], date], list[Art]] = defaultdict(list)
        for a in arts:
            self.by_group_day[(a.group, a.day)].append(a)
        self.items: list[dict[str, Any]] = []
        self.used: set[str] = set()

    def _pick(self, split: str) -> Art:
        while True:
            a = self.rng.choice(self.arts)
            if a.split == split and a.id not in self.used:
                return a

    def _partner(self, a: Art, max_days: int, *, distinct_day: bool = False) -> Art | None:
        for _ in range(400):
            b = self.rng.choice(self.arts)
            if b.split != a.split or b.group == a.group or b.id in self.used:
                continue
            gap = abs((b.day - a.day).days)
            if gap <= max_days and (not distinct_day or gap >= 1):
                return b
        return None

    def add(self, kind: str, split: str, question: str, gold: list[str], answer: str, **meta: Any) -> None:
        n = sum(1 for i in self.items if i["kind"] == kind and i["split"] == split)
        self.items.append(
            {
                "id": f"{kind}-{split}-{n:03d}",
                "split": split,
                "kind": kind,
                "question": question,
                "gold_articles": gold,
                "answer": answer,
                **meta,
            }  # fmt: skip
        )
        self.used.update(gold)

    # ------------------------------------------------------------------ kinds
    def yes_no(self, split: str, want_yes: bool) -> bool:
        rng = self.rng
        a = self._pick(split)
        b = self._partner(a, 7)
        if b is None:
            return False
        claim_b = _claim(b, rng)
        if not want_yes:  # B's claim from another article of B's publisher, a month or more away
            others = [
                x for x in self.arts
                if x.group == b.group and abs((x.day - b.day).days) > 30 and x.split == split
                and len(tokens(x.title) & tokens(b.title)) <= 1
            ]  # fmt: skip
            if not others:
                return False
            claim_b = _claim(rng.choice(others), rng)
        da = _say_date(a.day, rng)
        gap = (b.day - a.day).days
        db = (
            {1: "the next day", -1: "the day before", 0: "the same day"}.get(gap)
            if rng.random() < 0.5
            else None
        )
        db = db or f"on {_say_date(b.day, rng)}"
        verb_a, verb_b = rng.choice(["say", "report", "state"]), rng.choice(["suggests", "says", "reports"])
        forms = [
            f"Does {a.name}'s article on {da} {verb_a} that {_claim(a, rng)}, while {b.name}'s {db} {verb_b} {claim_b}?",
            f"Did {a.name} report on {da} that {_claim(a, rng)}, and did {b.name}'s story {db} say {claim_b}?",
            f"Is it true that {a.name}'s post from {da} says {_claim(a, rng)}, while the {b.name} item {db} says {claim_b}?",
        ]
        self.add("yes_no", split, rng.choice(forms), [a.id, b.id], "yes" if want_yes else "no")
        return True

    def which(self, split: str) -> bool:
        rng = self.rng
        a = self._pick(split)
        kind = "Organization" if rng.random() < 0.65 else "Model"
        top = _top_mention(a, kind)
        if top is None:
            return False
        name = str(top["name"])
        if normalise(name) in normalise(a.name) or normalise(a.name) in normalise(name):
            return False  # "which company was OpenAI's post about": the publisher itself
        desc = re.sub(re.escape(name), "…", a.title, flags=re.I).strip()
        if len(tokens(desc)) < 3:
            return False
        d = _say_date(a.day, rng)
        if kind == "Organization":
            forms = [
                f"Which company, reported by {a.name} on {d}, is behind the story “{desc}”?",
                f"Which company was {a.name}'s {d} item “{desc}” about?",
                f"Who was the {a.name} article from {d} titled “{desc}” about?",
            ]
        else:
            forms = [
                f"Which model did {a.name}'s post on {d} about “{desc}” discuss?",
                f"What model was in the {a.name} story of {d}, “{desc}”?",
            ]
        self.add("which", split, rng.choice(forms), [a.id], name, entity_id=top["id"], target=kind)
        return True

    def temporal(self, split: str) -> bool:
        rng = self.rng
        a = self._pick(split)
        b = self._partner(a, 60, distinct_day=True)
        if b is None or min(len(tokens(a.title)), len(tokens(b.title))) < 4:
            return False
        ta, tb = _topic(a, rng), _topic(b, rng)
        form = rng.randrange(3)
        if form == 0:
            q = f"Did {a.name}'s article about {ta} come out before {b.name}'s story about {tb}?"
            answer = "yes" if a.published < b.published else "no"
        elif form == 1:
            q = f"Was the {b.name} post about {tb} published after {a.name}'s piece about {ta}?"
            answer = "yes" if b.published > a.published else "no"
        else:
            q = f"Which came first: {a.name}'s report about {ta}, or {b.name}'s article about {tb}?"
            answer = a.id if a.published < b.published else b.id
        gold = [a.id, b.id]
        first = a if a.published < b.published else b
        self.add("temporal", split, q, gold, answer, first_title=first.title, choose=form == 2)
        return True

    def consistency(self, split: str) -> bool:
        rng = self.rng
        a = self._pick(split)
        ents = [m for m in a.mentions if (m.get("count") or 0) >= 1]
        if not ents or not a.sentiment:
            return False
        e = rng.choice(ents)
        if normalise(str(e["name"])) in normalise(a.name) or normalise(a.name) in normalise(str(e["name"])):
            return False  # "OpenAI's coverage of OpenAI": the publisher itself
        # one article per (publisher, day) mentions the entity: the question names one article
        if (
            sum(1 for x in self.by_group_day[(a.group, a.day)] if any(m["id"] == e["id"] for m in x.mentions))
            != 1
        ):
            return False
        pool = [
            x for x in self.arts
            if x.split == split and x.group != a.group and x.id not in self.used and x.sentiment
            and normalise(str(e["name"])) not in normalise(x.name) and normalise(x.name) not in normalise(str(e["name"]))
            and any(m["id"] == e["id"] for m in x.mentions)
            and sum(1 for y in self.by_group_day[(x.group, x.day)] if any(m["id"] == e["id"] for m in y.mentions)) == 1
        ]  # fmt: skip
        if not pool:
            return False
        b = rng.choice(pool)
        da, db = _say_date(a.day, rng), _say_date(b.day, rng)
        name = str(e["name"])
        forms = [
            f"Between the report from {a.name} on {da} and the one from {b.name} on {db}, is the coverage of {name} consistent?",
            f"Were {a.name} ({da}) and {b.name} ({db}) consistent in their coverage of {name}?",
            f"Is {a.name}'s coverage of {name} on {da} in line with {b.name}'s on {db}?",
        ]
        answer = "yes" if a.sentiment == b.sentiment else "no"
        self.add("consistency", split, rng.choice(forms), [a.id, b.id], answer, entity_id=e["id"])
        return True

    def unanswerable(self, split: str) -> bool:
        rng = self.rng
        a = self._pick(split)
        mode = rng.randrange(3)
        if mode == 0:  # a publisher the graph does not have, with a real claim
            pub = rng.choice(UNKNOWN_PUBLISHERS)
            if self.catalog.lookup(pub):
                return False
            q = f"Does {pub}'s article on {_say_date(a.day, rng)} say that {_claim(a, rng)}?"
            why = "unknown publisher"
        else:  # a real publisher on a day (±1) it published nothing
            for _ in range(50):
                d = a.day + timedelta(days=rng.choice([-1, 1]) * rng.randint(5, 40))
                if not any(self.by_group_day.get((a.group, d + timedelta(days=k))) for k in (-1, 0, 1)):
                    break
            else:
                return False
            if mode == 1:
                q = f"Did {a.name}'s article on {_say_date(d, rng)} say that {_claim(a, rng)}?"
            else:
                desc = _topic(a, rng)
                q = f"Which company, reported by {a.name} on {_say_date(d, rng)}, was behind {desc}?"
            why = "no article that day"
        self.items.append(
            {
                "id": f"unanswerable-{split}-{sum(1 for i in self.items if i['kind'] == 'unanswerable' and i['split'] == split):03d}",
                "split": split,
                "kind": "unanswerable",
                "question": q,
                "gold_articles": [],
                "answer": "refuse",
                "near_article": a.id,
                "why": why,
            }  # fmt: skip
        )
        self.used.add(a.id)
        return True


def build(
    store: GraphStore, *, seed: int = 16, out: Path = SET_FILE, indexed: set[str] | None = None
) -> list[dict[str, Any]]:
    """Generate and write the set; with `indexed`, gold articles are drawn only from those ids (the
    articles whose chunks the indexes hold), while "nothing that day" is judged on the whole graph."""
    arts, catalog = load_articles(store)
    if len(arts) < 200:
        raise SystemExit(f"Only {len(arts)} dated public articles in the graph: ingest the news first.")
    b = _Builder(arts, catalog, seed)
    if indexed is not None:
        b.arts = [a for a in b.arts if a.id in indexed]
    for split in ("dev", "test"):
        for kind, n in PER_SPLIT.items():
            made, tries = 0, 0
            while made < n and tries < 5000:
                tries += 1
                want_yes = made % 2 == 0
                ok = b.yes_no(split, want_yes=want_yes) if kind == "yes_no" else getattr(b, kind)(split)
                made += ok
            print(f"{split} {kind}: {made}", file=sys.stderr)
    with out.open("w") as handle:
        for item in b.items:
            handle.write(json.dumps(item, ensure_ascii=False) + "\n")
    return b.items


def load(split: str | None = None, path: Path = SET_FILE) -> list[dict[str, Any]]:
    items = [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
    return [i for i in items if split is None or i["split"] == split]


# -- scoring -----------------------------------------------------------------------------------
def verdict(text: str) -> str:
    t = text.strip().lower()
    if t.startswith(("insufficient", "i don't", "i do not", "the evidence does not", "no evidence")):
        return "refuse"
    if re.match(r"yes\b", t):
        return "yes"
    if re.match(r"no\b", t):
        return "no"
    return "other"


def _first_sentence(text: str) -> str:
    return re.split(r"(?<=[.!?])\s", text.strip(), maxsplit=1)[0].lower()


def correct(item: dict[str, Any], answer: Answer) -> bool:
    v = "refuse" if answer.refused else verdict(answer.answer)
    if item["kind"] == "unanswerable":
        return v == "refuse"
    if v == "refuse":
        return False
    if item["kind"] == "which":
        return str(item["answer"]).lower() in _first_sentence(answer.answer)
    if item["kind"] == "temporal" and item.get("choose"):
        head = answer.answer.split("came first")[0].lower()
        return "came first" in answer.answer and item["first_title"].lower()[:60] in head
    return v == item["answer"]


def _docs(answer_or_ids: Sequence[str]) -> list[str]:
    return list(dict.fromkeys(i.rsplit("#", 1)[0] for i in answer_or_ids))


@dataclass
class Row:
    id: str
    kind: str
    system: str
    answer: str
    refused: bool
    correct: bool
    recall5: float | None
    recall10: float | None
    cited: list[str]
    citation_precision: float | None
    retrieval_ms: float


class _EmptyGenerator(Generator):
    """The baseline's chat-model step, not run in this evaluation (2 shared cores): an empty text,
    which the baseline's grounding check turns into a refusal. Its deterministic paths (news
    digests, facts) run as they are."""

    name = "none"

    def generate(
        self, messages: Sequence[dict[str, str]], *, max_new_tokens: int = 96, stop: Sequence[str] = ()
    ) -> str:
        return ""


def run(settings: Settings, split: str, systems: Sequence[str], limit: int | None = None) -> dict[str, Any]:
    from rag.answer import Answerer
    from rag.pipeline import build_hybrid, open_indexes

    items = load(split)[:limit] if limit else load(split)
    access = AccessFilter.public()
    rows: list[Row] = []
    with GraphStore.connect(settings) as store:
        hybrid = build_hybrid(store, open_indexes(settings))
        news = news_retriever_for(hybrid)
        assert news is not None
        news.retrieve("warm up: Hacker News on 2025-01-01", access=access)
        answerer = NewsAnswerer()
        baseline = Answerer(_EmptyGenerator(), phrase_facts=False)
        for n, item in enumerate(items, 1):
            gold = set(item["gold_articles"])
            for system in systems:
                t0 = time.perf_counter()
                if system == "baseline":
                    result = hybrid.search(item["question"], k=10, access=access)
                    ms = (time.perf_counter() - t0) * 1000
                    retrieved = _docs([e.id for e in result.evidence])
                    answer = baseline.answer(result)
                else:
                    retrieval = news.retrieve(
                        item["question"], access=access, k=10, rerank=system == "news+rerank"
                    )
                    ms = (time.perf_counter() - t0) * 1000
                    retrieved = _docs([e.id for e in retrieval.evidence])
                    answer = answerer.answer(retrieval)
                cited = _docs([c.id for c in answer.citations])
                r5 = len(gold & set(retrieved[:5])) / len(gold) if gold else None
                r10 = len(gold & set(retrieved[:10])) / len(gold) if gold else None
                answered = not answer.refused and verdict(answer.answer) != "refuse"
                precision = len(gold & set(cited)) / len(cited) if gold and cited and answered else None
                rows.append(
                    Row(
                        item["id"],
                        item["kind"],
                        system,
                        answer.answer[:400],
                        not answered,
                        correct(item, answer),
                        r5,
                        r10,
                        cited,
                        precision,
                        ms,
                    )  # fmt: skip
                )
            if n % 20 == 0:
                print(f"{n}/{len(items)} questions", file=sys.stderr)
    return summarise(rows, split, systems)


def _mean(values: Sequence[float | None]) -> float | None:
    v = [x for x in values if x is not None]
    return round(sum(v) / len(v), 3) if v else None


def _p95(values: Sequence[float]) -> float:
    v = sorted(values)
    return round(v[min(len(v) - 1, int(0.95 * len(v)))], 1) if v else 0.0


def summarise(rows: Sequence[Row], split: str, systems: Sequence[str]) -> dict[str, Any]:
    table: dict[str, dict[str, Any]] = {}
    for system in systems:
        mine = [r for r in rows if r.system == system]
        per: dict[str, Any] = {}
        for kind in (*KINDS, "all"):
            rs = [r for r in mine if kind == "all" or r.kind == kind]
            answerable = [r for r in rs if r.kind != "unanswerable"]
            unans = [r for r in rs if r.kind == "unanswerable"]
            per[kind] = {
                "n": len(rs),
                "recall@5": _mean([r.recall5 for r in answerable]),
                "recall@10": _mean([r.recall10 for r in answerable]),
                "accuracy": _mean([float(r.correct) for r in answerable]),
                "citation_precision": _mean([r.citation_precision for r in answerable]),
                "false_refusal": _mean([float(r.refused) for r in answerable]),
                "correct_refusal": _mean([float(r.refused) for r in unans]),
            }
        per["retrieval_ms_p95"] = _p95([r.retrieval_ms for r in mine])
        table[system] = per
    return {"split": split, "systems": list(systems), "table": table, "rows": [r.__dict__ for r in rows]}


def write(report: dict[str, Any], path: Path = RESULTS) -> None:
    path.with_suffix(".json").write_text(json.dumps(report, indent=1, ensure_ascii=False) + "\n")
    lines = [f"# News multi-hop evaluation ({report['split']} split)", ""]
    head = "| system | kind | n | recall@5 | recall@10 | accuracy | citation precision | false refusal | correct refusal |"
    lines += [head, "|" + "---|" * 9]
    for system, per in report["table"].items():
        for kind in (*KINDS, "all"):
            m = per[kind]

            def f(x: float | None) -> str:
                return "–" if x is None else f"{x:.3f}"

            lines.append(
                f"| {system} | {kind} | {m['n']} | {f(m['recall@5'])} | {f(m['recall@10'])} | {f(m['accuracy'])} | "
                f"{f(m['citation_precision'])} | {f(m['false_refusal'])} | {f(m['correct_refusal'])} |"
            )
    lines += ["", "Retrieval p95 (ms, per question, warm): "
              + ", ".join(f"{s}: {per['retrieval_ms_p95']}" for s, per in report["table"].items())]  # fmt: skip
    failures = [r for r in report["rows"] if r["system"] == report["systems"][-1] and not r["correct"]][:10]
    if failures:
        lines += ["", f"## First failures of {report['systems'][-1]}", ""]
        lines += [f"- `{r['id']}` ({r['kind']}): {r['answer'][:200]}" for r in failures]
    path.with_suffix(".md").write_text("\n".join(lines) + "\n")


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m rag.eval.news_multihop", description=__doc__.split("\n")[0]
    )
    sub = parser.add_subparsers(dest="command", required=True)
    b = sub.add_parser("build", help="generate and freeze the question set from the graph")
    b.add_argument("--seed", type=int, default=16)
    r = sub.add_parser("run", help="score the systems on a split")
    r.add_argument("--split", choices=("dev", "test"), default="test")
    r.add_argument("--systems", default="baseline,news,news+rerank")
    r.add_argument("--limit", type=int, default=None)
    r.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args(argv)
    settings = Settings()
    if args.command == "build":
        from rag.pipeline import open_indexes

        indexes = open_indexes(settings)
        indexed = {m.doc_id for c in indexes.vectors.ids() if (m := indexes.vectors.meta(c)) is not None}
        with GraphStore.connect(settings) as store:
            items = build(store, seed=args.seed, indexed=indexed)
        print(f"{len(items)} questions written to {SET_FILE}")
        return
    report = run(settings, args.split, args.systems.split(","), args.limit)
    write(report, args.out)
    print(
        json.dumps(
            {s: per["all"] | {"p95_ms": per["retrieval_ms_p95"]} for s, per in report["table"].items()},
            indent=1,
        )
    )


if __name__ == "__main__":
    main()
