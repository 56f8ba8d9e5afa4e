"""The evaluation set, generated from the graph: every question family, several phrasings each,
gold values and gold evidence ids read from the graph, unanswerable questions whose gold is a
refusal, and a dev/test split by model (a model and its lineage share a split; no model of one
split is named in the other). Deterministic for a given graph and seed.
"""

from __future__ import annotations

import calendar
import hashlib
import random
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

from kg.store import GraphStore
from rag.contracts import FactId
from rag.eval import SPLITS
from rag.eval import phrasings as P
from rag.eval.items import QAItem, card_id, count_ids, fact_id, save_items
from rag.eval.snapshot import GraphSnapshot, ModelFacts, name_key, read_snapshot

# Items per split and family (unanswerable questions are their own bucket).
CAPS: dict[str, int] = {"attribute": 45, "list": 12, "compare": 12, "count": 12, "rank": 12, "lineage": 10,
                        "organization": 12, "news": 14, "topic": 12, "unanswerable": 16}  # fmt: skip
CARD_ATTRIBUTES = {"developer", "release_date", "parameters", "context_length", "license", "open_weights",
                   "modalities"}  # fmt: skip  # what a model card chunk states (catalog.chunking.render_model_card)


def build_from_graph(store: GraphStore, out_dir: Path, *, seed: int = 13) -> dict[str, list[QAItem]]:
    """Generate both splits from the graph and write `qa_<split>.jsonl` under `out_dir`."""
    splits = build_qa_set(read_snapshot(store), seed=seed)
    for name, items in splits.items():
        save_items(items, out_dir / f"qa_{name}.jsonl")
    return splits


def build_qa_set(
    snapshot: GraphSnapshot, *, seed: int = 13, test_share: float = 0.5, caps: dict[str, int] | None = None
) -> dict[str, list[QAItem]]:
    gen = _Generator(snapshot, seed)
    candidates = [item for make in gen.families() for item in make()]
    model_split = split_models(snapshot, seed, test_share)
    by_split: dict[str, list[QAItem]] = {s: [] for s in SPLITS}
    for item in candidates:
        split = _item_split(item, model_split, seed, test_share)
        if split is not None:
            item.split = split
            by_split[split].append(item)
    limits = caps or CAPS
    return {s: _interleave(_sample(items, limits, seed)) for s, items in by_split.items()}


def split_models(snapshot: GraphSnapshot, seed: int, test_share: float) -> dict[str, str]:
    """dev/test per model by a seeded hash of its lineage root, so a model and its base go together."""
    parent = {m: m for m in snapshot.models}

    def root(x: str) -> str:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for m in snapshot.models.values():
        for _, base, _ in m.bases:
            if base in parent:
                parent[root(m.id)] = root(base)
    return {m: _side(root(m), seed, test_share) for m in snapshot.models}


def _side(key: str, seed: int, test_share: float) -> str:
    digest = int(hashlib.sha256(f"{seed}:{key}".encode()).hexdigest()[:8], 16)
    return "test" if digest / 0xFFFFFFFF < test_share else "dev"


def _item_split(item: QAItem, model_split: dict[str, str], seed: int, test_share: float) -> str | None:
    sides = {model_split.get(m, _side(m, seed, test_share)) for m in item.model_ids}
    if not sides:
        return _side(item.id, seed, test_share)
    return sides.pop() if len(sides) == 1 else None  # straddles both splits: dropped


def _sample(items: list[QAItem], caps: dict[str, int], seed: int) -> list[QAItem]:
    """Up to the cap per bucket, spread evenly over each bucket's question kinds."""
    buckets: dict[str, dict[str, list[QAItem]]] = defaultdict(lambda: defaultdict(list))
    for item in sorted(items, key=lambda i: i.id):
        buckets[item.group][str(item.slots.get("kind", ""))].append(item)
    chosen: list[QAItem] = []
    for group, kinds in sorted(buckets.items()):
        rng = random.Random(f"{seed}:{group}")
        queues = [rng.sample(kinds[k], len(kinds[k])) for k in sorted(kinds)]
        taken: list[QAItem] = []
        while len(taken) < caps.get(group, 0) and any(queues):
            for queue in queues:
                if queue and len(taken) < caps.get(group, 0):
                    taken.append(queue.pop())
        chosen += taken
    return chosen


def _interleave(items: list[QAItem]) -> list[QAItem]:
    """Round-robin over groups, so the first N items of a split cover every family."""
    groups: dict[str, list[QAItem]] = defaultdict(list)
    for item in items:
        groups[item.group].append(item)
    ordered: list[QAItem] = []
    queues = [groups[g] for g in sorted(groups)]
    while any(queues):
        for queue in queues:
            if queue:
                ordered.append(queue.pop(0))
    return ordered


class _Generator:
    """Candidate questions per family; every gold value is a graph value, never a guess."""

    def __init__(self, snapshot: GraphSnapshot, seed: int) -> None:
        self.g = snapshot
        self.seed = seed
        self.eligible = sorted((m for m in snapshot.models.values() if m.eligible), key=lambda m: m.id)

    def families(self) -> list[Callable[[], Iterable[QAItem]]]:
        return [self.attribute, self.unanswerable, self.lists, self.compare, self.count, self.rank,
                self.lineage, self.organization, self.news, self.topic]  # fmt: skip

    # -- helpers ----------------------------------------------------------------------------------
    def item(self, family: str, key: str, texts: Sequence[str], fill: dict[str, Any], **kw: Any) -> QAItem:
        rng = random.Random(f"{self.seed}:{family}:{key}")
        index = rng.randrange(len(texts))
        kind = kw.setdefault("slots", {}).get("kind", "")
        kw.setdefault("answerable", True)
        kw.setdefault("match", "all")
        return QAItem(id=f"{family}-{hashlib.sha1(key.encode()).hexdigest()[:10]}", family=family,
                      question=texts[index].format(**fill), template=f"{family}.{kind}.{index}", **kw)  # fmt: skip

    @staticmethod
    def names(m: ModelFacts) -> list[Any]:
        return [m.name, m.id]

    def org_forms(self, m: ModelFacts) -> list[Any]:
        forms = [m.org_name, m.org_id, (m.org_name or "").split(" (")[0], *m.org_aliases]
        return list(dict.fromkeys(f for f in forms if f and "/" not in f and len(f) >= 2))

    def org_name(self, org_id: str) -> str:
        return str(self.g.organizations.get(org_id, {}).get("name") or org_id)

    def by_org(self) -> dict[str, list[ModelFacts]]:
        grouped: dict[str, list[ModelFacts]] = defaultdict(list)
        for m in sorted(self.g.models.values(), key=lambda m: m.id):
            if m.org_id:
                grouped[m.org_id].append(m)
        return grouped

    @staticmethod
    def model_gold(models: Iterable[ModelFacts]) -> list[list[str]]:
        return [[str(FactId.model_fact(m.id)), card_id(m.id)] for m in models]

    # -- families ---------------------------------------------------------------------------------
    def attribute(self) -> Iterable[QAItem]:
        for m in self.eligible:
            for attribute, answers, precision in self._attribute_answers(m):
                fact = fact_id(m.id, attribute) + (f":{m.org_id}" if attribute == "price" else "")
                gold = [fact] + ([card_id(m.id)] if attribute in CARD_ATTRIBUTES else [])
                slots = {
                    "kind": attribute,
                    "attribute": attribute,
                    "model_ids": [m.id],
                    "precision": precision,
                }
                yield self.item("attribute", f"{m.id}:{attribute}", P.ATTRIBUTE[attribute],
                                {"model": m.name, "org": m.org_name}, answers=answers, gold_evidence=[gold],
                                model_ids=[m.id], slots=slots)  # fmt: skip

    def _attribute_answers(self, m: ModelFacts) -> Iterable[tuple[str, list[list[Any]], str]]:
        if m.org_id:
            yield "developer", [self.org_forms(m)], "day"
        if m.release_date:
            yield "release_date", [[m.release_date]], "day"
        if m.parameters:
            yield "parameters", [[m.parameters]], "day"
        if m.context_length:
            yield "context_length", [[m.context_length]], "day"
        if m.license_id:
            yield "license", [[x for x in (m.license_name, m.license_id) if x]], "day"
        if m.open_weights is not None:
            yield "open_weights", [[m.open_weights]], "day"
        if len(m.input_modalities) >= 2:
            yield "modalities", [list(P.MODALITY_WORDS.get(x, (x,))) for x in m.input_modalities], "day"
        if m.knowledge_cutoff:
            yield "knowledge_cutoff", [[m.knowledge_cutoff]], "month"
        if m.price is not None and m.org_name:
            yield "price", [[m.price]], "day"

    def unanswerable(self) -> Iterable[QAItem]:
        """A real model with a field the graph does not know, and models that do not exist."""
        for m in self.eligible:
            missing = [a for a, v in (("parameters", m.parameters), ("knowledge_cutoff", m.knowledge_cutoff),
                                      ("license", m.license_id)) if v is None]  # fmt: skip
            for attribute in missing:
                yield self.item("attribute", f"unknown:{m.id}:{attribute}", P.ATTRIBUTE[attribute],
                                {"model": m.name, "org": m.org_name}, answerable=False, answers=[],
                                gold_evidence=[], model_ids=[m.id],
                                slots={"kind": "unknown_field", "attribute": attribute})  # fmt: skip
        taken = self.g.names()
        rng = random.Random(f"{self.seed}:fake")
        for n in range(40):
            name = f"{rng.choice(P.FAKE_STEMS)}-{rng.randint(2, 9)} {rng.choice(P.FAKE_SUFFIXES)}"
            attribute = rng.choice(["developer", "release_date", "parameters", "context_length", "license"])
            if name_key(name) in taken:
                continue
            yield self.item("attribute", f"fake:{n}:{name}", P.ATTRIBUTE[attribute], {"model": name, "org": ""},
                            answerable=False, answers=[], gold_evidence=[], model_ids=[],
                            slots={"kind": "made_up", "attribute": attribute, "model_name": name})  # fmt: skip

    def lists(self) -> Iterable[QAItem]:
        for org_id, models in sorted(self.by_org().items()):
            org = self.org_name(org_id)
            for year in sorted({m.year for m in models if m.year}):
                yield from self._list(
                    org_id, "year", [m for m in models if m.year == year], org=org, year=year
                )
            yield from self._list(org_id, "open_weights", [m for m in models if m.open_weights], org=org)
            for n in (100_000, 200_000, 1_000_000):
                hits = [m for m in models if (m.context_length or 0) >= n]
                yield from self._list(org_id, "min_context", hits, org=org, n=f"{n:,}", min_context=n)
            for modality in ("image", "audio", "video", "pdf"):
                hits = [m for m in models if modality in m.input_modalities]
                yield from self._list(org_id, "modality", hits, org=org, modality=modality)

    def _list(self, org_id: str, kind: str, hits: list[ModelFacts], **fill: Any) -> Iterable[QAItem]:
        if not 2 <= len(hits) <= 5:
            return
        slots = {"kind": kind, "org_id": org_id, **{k: v for k, v in fill.items() if k != "org"}}
        key = f"{org_id}:{kind}:{fill.get('year') or fill.get('n') or fill.get('modality') or ''}"
        yield self.item("list", key, P.LIST[kind], fill, answers=[self.names(m) for m in hits],
                        gold_evidence=self.model_gold(hits), model_ids=[m.id for m in hits], slots=slots)  # fmt: skip

    def compare(self) -> Iterable[QAItem]:
        for org_id, models in sorted(self.by_org().items()):
            ready = [m for m in models if m.eligible]
            for attribute in ("context_length", "parameters", "release_date"):
                having = [m for m in ready if getattr(m, attribute)]
                rng = random.Random(f"{self.seed}:compare:{org_id}:{attribute}")
                rng.shuffle(having)
                for a, b in zip(having[::2], having[1::2], strict=False):
                    va, vb = getattr(a, attribute), getattr(b, attribute)
                    if va == vb:
                        continue
                    word = P.ATTRIBUTE_WORDS[attribute]
                    yield self.item("compare", f"{a.id}:{b.id}:{attribute}", P.COMPARE,
                                    {"model": a.name, "other": b.name, "attribute": word}, answers=[[va], [vb]],
                                    gold_evidence=[[fact_id(a.id, attribute), card_id(a.id)],
                                                   [fact_id(b.id, attribute), card_id(b.id)]],
                                    model_ids=[a.id, b.id],
                                    slots={"kind": attribute, "attribute": attribute, "model_ids": [a.id, b.id]})  # fmt: skip

    def count(self) -> Iterable[QAItem]:
        for org_id, models in sorted(self.by_org().items()):
            if len(models) < 3:
                continue
            org = self.org_name(org_id)
            opened = sum(1 for m in models if m.open_weights)
            years = Counter(m.year for m in models if m.year)
            cases: list[tuple[str, int, dict[str, Any]]] = [
                ("all", len(models), {}),
                ("open_weights", opened, {}),
            ]
            cases += [("year", n, {"year": y}) for y, n in sorted(years.items()) if n >= 2]
            for kind, n, extra in cases:
                if n < 1:
                    continue
                yield self.item("count", f"{org_id}:{kind}:{extra.get('year', '')}", P.COUNT[kind],
                                {"org": org, **extra}, answers=[[n]], gold_evidence=[count_ids(org_id, kind, extra)],
                                model_ids=[],
                                slots={"kind": kind, "org_id": org_id, **extra})  # fmt: skip

    def rank(self) -> Iterable[QAItem]:
        for bench_id, scores in sorted(self.g.scores.items()):
            name = self.g.benchmark_names[bench_id]
            cases: list[tuple[str, str | None, dict[str, float]]] = [("overall", None, scores)]
            for owner in sorted({self.g.models[m].org_id or "" for m in scores} - {""}):
                cases.append(("org", owner, {m: s for m, s in scores.items()
                                             if self.g.models[m].org_id == owner}))  # fmt: skip
            for kind, org_id, pool in cases:
                ranked = sorted(pool.items(), key=lambda kv: -kv[1])
                if len(ranked) < (5 if kind == "overall" else 3) or ranked[0][1] == ranked[1][1]:
                    continue
                winner = self.g.models[ranked[0][0]]
                if not winner.eligible:
                    continue
                yield self.item("rank", f"{bench_id}:{org_id}", P.RANK[kind],
                                {"benchmark": name, "org": self.org_name(org_id or "")},
                                answers=[self.names(winner)], gold_evidence=[[fact_id(winner.id, "score", bench_id)]],
                                model_ids=[winner.id],
                                slots={"kind": kind, "benchmark_id": bench_id, "org_id": org_id})  # fmt: skip

    def lineage(self) -> Iterable[QAItem]:
        for m in self.eligible:
            if len(m.bases) != 1:
                continue
            relation, base_id, base_name = m.bases[0]
            if name_key(base_name) == name_key(m.name):
                continue
            yield self.item("lineage", m.id, P.LINEAGE, {"model": m.name}, answers=[[base_name, base_id]],
                            gold_evidence=[[fact_id(m.id, relation.lower(), base_id)]], model_ids=[m.id, base_id],
                            slots={"kind": relation.lower(), "model_ids": [m.id]})  # fmt: skip

    def organization(self) -> Iterable[QAItem]:
        for org_id, models in sorted(self.by_org().items()):
            info = self.g.organizations.get(org_id, {})
            org = self.org_name(org_id)
            country = info.get("country")
            if country:
                yield self.item("organization", f"{org_id}:country", P.ORGANIZATION["country"], {"org": org},
                                answers=[[country, *P.COUNTRIES.get(country, ())]],
                                gold_evidence=[[str(FactId.org(org_id))]], model_ids=[],
                                slots={"kind": "country", "org_id": org_id})  # fmt: skip
            dated = sorted((m for m in models if m.release_date), key=lambda m: m.release_date or "")
            if len(dated) >= 2 and dated[-1].release_date != dated[-2].release_date and dated[-1].eligible:
                latest = dated[-1]
                yield self.item("organization", f"{org_id}:latest", P.ORGANIZATION["latest"], {"org": org},
                                answers=[self.names(latest)],
                                gold_evidence=[[fact_id(latest.id, "developer"), card_id(latest.id)]],
                                model_ids=[latest.id], slots={"kind": "latest", "org_id": org_id})  # fmt: skip

    def news(self) -> Iterable[QAItem]:
        articles: dict[tuple[str, str], set[str]] = defaultdict(set)
        for mention in self.g.mentions:
            if mention.published and self.g.models[mention.model_id].eligible:
                articles[(mention.model_id, mention.published[:7])].add(mention.article_id)
        for (model_id, month), ids in sorted(articles.items()):
            m = self.g.models[model_id]
            yield self.item("news", f"{model_id}:{month}", P.NEWS, {"model": m.name, "month": _month(month)},
                            match="cite", answers=[], gold_evidence=[sorted(ids)], model_ids=[model_id],
                            slots={"kind": "month", "model_ids": [model_id], "month": month})  # fmt: skip

    def topic(self) -> Iterable[QAItem]:
        """News about a model within a topic (a news question), and the model a topic's news
        mentions most, overall and per year (a topic question: models discussed with a topic)."""
        pairs: dict[tuple[str, str], set[str]] = defaultdict(set)
        yearly: dict[tuple[str, str, str], set[str]] = defaultdict(set)
        for mention in self.g.mentions:
            for topic in set(mention.topics) & set(self.g.topics):
                pairs[(topic, mention.model_id)].add(mention.article_id)
                yearly[(topic, mention.published[:4], mention.model_id)].add(mention.article_id)
        for (topic, model_id), ids in sorted(pairs.items()):
            m = self.g.models[model_id]
            if m.eligible:
                yield self.item("news", f"{topic}:{model_id}", P.NEWS_TOPIC,
                                {"model": m.name, "topic": self.topic_words(topic)}, match="cite", answers=[],
                                gold_evidence=[sorted(ids)], model_ids=[model_id],
                                slots={"kind": "topic", "topic_id": topic, "model_ids": [model_id]})  # fmt: skip
        groups: dict[tuple[str, str, str], dict[str, set[str]]] = defaultdict(dict)
        for (topic, model_id), ids in pairs.items():
            groups[(topic, "top", "")][model_id] = ids
            groups[(topic, "org", self.g.models[model_id].org_id or "")][model_id] = ids
        for (topic, year, model_id), ids in yearly.items():
            groups[(topic, "year", year)][model_id] = ids
        for (topic, kind, scope), counts in sorted(groups.items()):
            ranked = sorted(counts.items(), key=lambda kv: (-len(kv[1]), kv[0]))
            top = self.g.models[ranked[0][0]]
            tied = len(ranked) > 1 and len(ranked[1][1]) == len(ranked[0][1])
            if tied or not top.eligible or (kind != "top" and (not scope or len(ranked) < 2)):
                continue
            fill = {"topic": self.topic_words(topic), "year": scope, "org": self.org_name(scope)}
            yield self.item("topic", f"{topic}:{kind}:{scope}", P.TOPIC[kind], fill, answers=[self.names(top)],
                            gold_evidence=[[str(FactId.topic(topic, top.id)), *sorted(ranked[0][1])]],
                            model_ids=[top.id], slots={"kind": kind, "topic_id": topic, "scope": scope or None})  # fmt: skip

    def topic_words(self, topic_id: str) -> str:
        return self.g.topics[topic_id].split(" / ")[0].split(" (")[0].lower()


def _month(year_month: str) -> str:
    year, month = year_month.split("-")
    return f"{calendar.month_name[int(month)]} {year}"
