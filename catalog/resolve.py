"""Entity resolution: which catalog records, across and within sources, describe the same model.

All rules are general (none names a particular model): sources spell one model many ways, and
near-identical spellings often name different models.

normalize(text): "bedrock/us.anthropic.claude-3-5-sonnet-20241022-v2:0" and "Claude 3.5 Sonnet
(2024-10-22)" both give "claude-3-5-sonnet-20241022".
  1. lower-case; "+" is "plus" ("Command R+").
  2. reseller decorations go: path prefixes without spaces ("openrouter/", "azure/eu/", "hf:org/",
     "accounts/fireworks/models/"), a bedrock region + vendor-dot prefix ("us.anthropic."), bedrock
     revisions ("-v1:0", "-1:0"; after a bare name "-v2:1" is the version: "claude-v2:1" is Claude 2.1),
     "v03" is "v0.3", router tiers (":free", ":nitro"), "@default"; "@20241022" is a date.
  3. a full date (2024-08-06, 20240806) is the *snapshot date*: kept apart, rendered last. "MM-YYYY",
     Epoch's "(Aug 2024)" and Mistral's "v24.09" become a YYMM token ("2408"), the form labs use for
     releases ("-2507"); 4-digit MMDD/YYMM tags are version tokens, never stripped.
  4. fireworks "3p1" is "3.1"; ".", "_", ":", space and "-" are one separator; a run of 2+ letters is
     split from a following digit ("llama3.1" == "llama-3.1"); single letters stay ("o1", "a22b", "v3").
     "L3.3" and "l2" in fine-tunes' names are Llama 3.3 and Llama 2. A bracketed name in another script goes ("ERNIE-4.5-VL-424B-A47B (文心大模型4.5)").
  5. NOISE tokens go ("instruct" stays right after "turbo": gpt-3.5-turbo-instruct; instruct, chat, it, hf, latest, fp8, free, ...; "turbo" right after "instruct"
     is Together's serving tag, "instant" after a parameter size a speed tier: "llama-3.1-8b-instant", while
     "claude-instant" is a model of its own), then leading ORG_WORDS unless a version follows ("moonshot-v1"), a
     doubled leading word ("qwen: qwen3") and a trailing implicit version ("v1", "v1.0", "1.0").

Keys are compared in *match form* ("v3" == "3"). A record's name and aliases only count when they
agree with its model_id (same numbers, discriminators and id words; a curated source may omit a
4-digit tag, "GPT-4" for gpt-4-0613): providers sometimes attach another model's name to an id.
Edges are tried strongest first: 1 same raw string (case-folded); 2 same key and date; 3 same key
without the date (a snapshot joins its undated model, an undated id prefers the latest snapshot) or
the same month as an "(Aug 2024)" name; 4 same words in another order ("claude-4-opus") or the
same letters spaced otherwise ("DeepSeekMath-V2", "deepseek-math-v2"); then
anchors (least ambiguous key first); then 5 fuzzy: rapidfuzz token_sort_ratio >= FUZZY_MIN between
keys with equal number tokens ("8b", "a22b", "2507") and DISCRIMINATORS, differing only by spacing
("codellama") or extra leading words ("arcee trinity"), never by a substituted or trailing word.
A merge is refused when one cluster would get: two model_ids of one curated source (llm-stats,
epoch); a curated dated snapshot and a record of another date (so a curated source's two snapshots
stay apart, while other sources' snapshots meet through the undated key); two anchors; or
organisations known on both sides that do not overlap.

Cluster id: its anchor's id, else normalize(best record's model_id), made unique with "-2", "-3".
Best = llm-stats, then first-party, epoch, litellm, other models.dev; ties by source_key.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from itertools import combinations

from rapidfuzz import fuzz

from catalog.records import ModelRecord, SourceName


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


CURATED = frozenset({SourceName.LLM_STATS, SourceName.EPOCH})
FUZZY_MIN = 80.0
NOISE = _words(
    "instruct instructed chat it hf latest versatile tput maas tee free beta default "
    "fp8 fp16 bf16 int4 int8 awq gguf eu us au apac jp global"
)
ORG_WORDS = _words(
    "meta openai anthropic google microsoft nvidia amazon aws ibm cohere ai21 xai mistralai moonshotai "
    "moonshot alibaba alicloud zhipu zhipuai zai thudm tencent baidu bytedance xiaomi stepfun "
    "minimaxai allenai nousresearch databricks azure vertex bedrock snowflake cloudflare"
)
ORG_BIGRAMS = frozenset({("z", "ai"), ("x", "ai"), ("zai", "org"), ("deepseek", "ai"), ("ai21", "labs")})
DISCRIMINATORS = _words(
    "mini nano micro tiny small medium large pro plus max ultra premier flash lite turbo heavy fast "
    "air airx vision vl omni audio realtime coder codex math base preview exp experimental thinking "
    "reasoning non deep research search distill zero next guard safeguard embed embedding tts image "
    "moe multimodal translate haiku sonnet opus scout maverick behemoth nemotron"
)

_MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
_MONTH_QUALIFIER = re.compile(r"\(\s*(" + "|".join(_MONTHS) + r")[a-z]*\.?\s+(20\d\d)\s*\)")
_FULL_DATE = re.compile(r"(?<!\d)(20\d\d)[-_]?(0[1-9]|1[0-2])[-_]?(0[1-9]|[12]\d|3[01])(?!\d)")
_MONTH_YEAR = re.compile(r"(?<!\d)(0[1-9]|1[0-2])[-_](20\d\d)(?!\d)")
_YY_MM = re.compile(r"(?<![\d.])v?(2[3-9])\.(0[1-9]|1[0-2])(?![\d.])")
# a path prefix; nano-gpt's "TheDrummer 2/" is one too, when a name with letters follows (not "Theseus 6/768")
_PATH = re.compile(r"^(?:[^\s/]+(?: \d+)?/)+(?=[^/]*[a-z])")
_VENDOR_DOT = re.compile(r"^(?:(?:us|eu|apac|au|jp|ca|global|us-gov)\.)?([a-z0-9]+)\.(?=[a-z])")
_SUFFIXES = re.compile(r"(?:-\d+:\d+|:(?:free|nitro|floor|extended|exacto|online)|@(?:default|latest))$")
# a bedrock revision ('-v1:0', '-v2:0') after a name that has a number of its own; after a bare name it is
# the model's version ('anthropic.claude-v2:1' is Claude 2.1, 'claude-v2' Claude 2)
_REVISION = re.compile(r"(?<=\d)-v[1-9]\d*:\d+$")
_ZERO_MINOR = re.compile(r"(?<![a-z0-9])v0(\d)(?![\d.])")  # 'v03' is v0.3 ('mistral-7b-instruct-v03')
_LLAMA_SHORT = re.compile(
    r"l[234]"
)  # community fine-tunes' 'L3.3-...', 'mythomax-l2-13b': Llama 3.3, Llama 2
_NATIVE_NAME = re.compile(r"\s*\([^)]*[^\x00-\x7f][^)]*\)")
_LETTERS_DIGIT = re.compile(r"([a-z]{2,})(?=\d)")
_PARAM_SIZE = re.compile(
    r"\d+(?:\.\d+)?[bm]"
)  # '8b': "instant" after it is a speed tier ('llama-3.1-8b-instant')
_VERSION = re.compile(r"v\d+")
_TAG = re.compile(r"\d{4}")

Date = tuple[int, int, int]  # (year, month, day); day 0 = month precision ("(Aug 2024)")
Key = tuple[str, ...]


@dataclass(frozen=True)
class _Name:
    tokens: tuple[str, ...]  # canonical tokens, without the snapshot date
    date: Date | None


def _cut_date(text: str) -> tuple[str, Date | None]:
    """Pull the snapshot date out of the text; month qualifiers and Mistral versions become YYMM tokens."""
    date: Date | None = None
    if match := _MONTH_QUALIFIER.search(text):
        year, month = int(match[2]), _MONTHS.index(match[1]) + 1
        date = (year, month, 0)
        text = f"{text[: match.start()]} {year % 100:02d}{month:02d} {text[match.end() :]}"
    if found := list(_FULL_DATE.finditer(text)):
        last = found[-1]
        date = (int(last[1]), int(last[2]), int(last[3]))
        text = f"{text[: last.start()]} {text[last.end() :]}"
    text = _MONTH_YEAR.sub(lambda m: f"{int(m[2]) % 100:02d}{m[1]}", text)
    return _YY_MM.sub(r"\1\2", text), date


def _strip_orgs(raw: list[str]) -> list[str]:
    """Drop leading organisation/reseller words that are not part of the model's name."""
    while len(raw) > 1:
        if tuple(raw[:2]) in ORG_BIGRAMS and len(raw) > 2:
            raw = raw[2:]
        elif raw[0] in ORG_WORDS and raw[1][:1].isalpha() and not _VERSION.fullmatch(raw[1]):
            raw = raw[1:]
        else:
            break
    return raw


def _drop_implicit_version(tokens: list[str]) -> list[str]:
    """A trailing "v1"/"v1.0", or "1.0" after two plain words ("Nova Micro 1.0"), is the first version."""
    if len(tokens) > 1 and tokens[-1] == "v1":
        return tokens[:-1]
    head = tokens[:-2]
    if (
        tokens[-2:] == ["v1", "0"]
        and head
        or tokens[-2:] == ["1", "0"]
        and len(head) >= 2
        and not _numbers(head)
    ):
        return head
    return tokens


@lru_cache(maxsize=200_000)
def _analyse(text: str) -> _Name:
    text = _NATIVE_NAME.sub(" ", text)  # a name in another script: 'ERNIE-4.5-VL (文心大模型4.5)'
    s = _PATH.sub("", text.strip().lower().replace("+", " plus "))
    if not re.search(r"\s", s):
        s = _VENDOR_DOT.sub(r"\1 ", s)
    s = _SUFFIXES.sub("", _REVISION.sub("", s))
    s, date = _cut_date(_ZERO_MINOR.sub(r"v0.\1", s).replace("@", "-"))
    raw = [t for t in re.split(r"[^a-z0-9]+", re.sub(r"(?<=\d)p(?=\d)", ".", s)) if t]
    kept = [
        t
        for i, t in enumerate(raw)
        if (t not in NOISE or (t == "instruct" and raw[i - 1 : i] == ["turbo"]))
        and not (t == "turbo" and raw[i - 1 : i] == ["instruct"])
        and not (t == "instant" and i and _PARAM_SIZE.fullmatch(raw[i - 1]))
    ]
    kept = [w for t in kept for w in (("llama", t[1]) if _LLAMA_SHORT.fullmatch(t) else (t,))]
    stripped = _strip_orgs(kept)
    tokens = [  # "instruct" after "turbo" names OpenAI's completion model (gpt-3.5-turbo-instruct)
        p
        for i, t in enumerate(stripped)
        for p in _LETTERS_DIGIT.sub(r"\1 ", t).split()
        if p not in NOISE or (p == "instruct" and i and stripped[i - 1] == "turbo")
    ]
    if len(tokens) > 1 and tokens[0] == tokens[1]:
        tokens = tokens[1:]
    tokens = _drop_implicit_version(tokens)
    if not tokens:  # only noise words ("latest"): keep them rather than return nothing
        tokens = [t for t in re.split(r"[^a-z0-9]+", text.lower()) if t] or ["unnamed"]
    return _Name(tuple(tokens), date)


def _date_token(date: Date) -> str:
    return f"{date[0]}{date[1]:02d}{date[2]:02d}"


def normalize(text: str) -> str:
    """Canonical key of a model id or name: tokens joined by "-", a snapshot date last (YYYYMMDD)."""
    name = _analyse(text)
    full = name.date is not None and name.date[2] > 0
    return "-".join([*name.tokens, _date_token(name.date)] if full and name.date else name.tokens)


def _numbers(key: Iterable[str]) -> Key:
    return tuple(t for t in key if any(c.isdigit() for c in t))


def _match_form(tokens: Iterable[str]) -> Key:
    return tuple(t[1:] if _VERSION.fullmatch(t) else t for t in tokens)


def _compatible(a: Date, b: Date) -> bool:
    return a[:2] == b[:2] and (0 in (a[2], b[2]) or a[2] == b[2])


@dataclass
class ModelCluster:
    id: str
    records: list[ModelRecord]
    aliases: list[str]


@dataclass
class _Node:
    """The keys of one record or anchor, by matching tier, and its snapshot date."""

    raw: set[str] = field(default_factory=set)
    full: set[Key] = field(default_factory=set)
    base: set[Key] = field(default_factory=set)
    loose: set[Key] = field(default_factory=set)
    date: Date | None = None

    def add(self, text: str) -> None:
        name = _analyse(text)
        key = _match_form(name.tokens)
        self.raw.add(text.strip().casefold())
        self.base.add(key)
        if name.date and name.date[2]:  # full snapshot date: exact key, undated key and month key
            self.full.add((*key, _date_token(name.date)))
            self.base.add((*key, f"{name.date[0] % 100:02d}{name.date[1]:02d}"))
        else:
            self.full.add(key)
        numbers = _numbers(key)
        self.loose.add((*sorted(t for t in key if t not in numbers), "|", *numbers))
        letters = "".join(t for t in key if t not in numbers)  # 'deepseekmath v2' and 'deepseek math v2'
        self.loose.add(("~", letters, *numbers))
        self.date = self.date or name.date


def _consistent(ref: _Name, other: _Name, curated: bool) -> bool:
    """Whether a name or alias says the same model as the id it comes with."""
    ref_key, key = _match_form(ref.tokens), _match_form(other.tokens)
    ref_numbers, numbers = _numbers(ref_key), _numbers(key)
    untagged = tuple(t for t in ref_numbers if not _TAG.fullmatch(t))
    if numbers != ref_numbers and not (curated and numbers == untagged):
        return False
    same_words = DISCRIMINATORS.intersection(ref_key) == DISCRIMINATORS.intersection(key)
    return same_words and set(ref_key) - set(ref_numbers) <= set(key)


def _record_node(record: ModelRecord) -> _Node:
    node, ref = _Node(), _analyse(record.model_id)
    node.add(record.model_id)  # first: the id's date is the record's snapshot date
    for text in [record.name, *record.aliases]:
        if _consistent(ref, _analyse(text), record.source in CURATED):
            node.add(text)
    return node


@dataclass
class _Summary:
    """What a union-find cluster holds, enough to check the merge constraints."""

    curated: dict[str, str] = field(default_factory=dict)
    pinned: set[Date] = field(default_factory=set)
    dates: set[Date] = field(default_factory=set)
    orgs: set[str] = field(default_factory=set)
    anchor: str | None = None

    @classmethod
    def of(cls, record: ModelRecord, node: _Node) -> _Summary:
        curated = record.source in CURATED
        dates = {node.date} if node.date else set()
        return cls(
            curated={record.source.value: record.model_id} if curated else {},
            pinned=dates if curated else set(),
            dates=dates,
            orgs={record.organization} if record.organization else set(),
        )

    def allows(self, other: _Summary) -> bool:
        return not (
            (self.anchor and other.anchor)
            or any(other.curated.get(src, mid) != mid for src, mid in self.curated.items())
            or any(not _compatible(p, d) for p in self.pinned for d in other.dates)
            or any(not _compatible(p, d) for p in other.pinned for d in self.dates)
            or (self.orgs and other.orgs and not self.orgs & other.orgs)
        )

    def absorb(self, other: _Summary) -> None:
        self.curated.update(other.curated)
        self.pinned |= other.pinned
        self.dates |= other.dates
        self.orgs |= other.orgs
        self.anchor = self.anchor or other.anchor


class _UnionFind:
    """Union-find whose unions are refused when the merged cluster would break a constraint."""

    def __init__(self, summaries: list[_Summary]) -> None:
        self.parent = list(range(len(summaries)))
        self.summaries = summaries

    def find(self, i: int) -> int:
        while self.parent[i] != i:
            self.parent[i] = self.parent[self.parent[i]]
            i = self.parent[i]
        return i

    def union(self, i: int, j: int) -> None:
        a, b = sorted((self.find(i), self.find(j)))
        if a != b and self.summaries[a].allows(self.summaries[b]):
            self.parent[b] = a
            self.summaries[a].absorb(self.summaries[b])


Edge = tuple[tuple[float, ...], int, int]


def _ordinal(date: Date | None) -> int:
    return 0 if date is None else date[0] * 10_000 + date[1] * 100 + date[2]


def _exact_edges(nodes: list[_Node]) -> list[Edge]:
    """Record pairs sharing a key, at their strongest tier; an undated id prefers later snapshots."""
    best: dict[tuple[int, int], int] = {}
    for tier, attr in enumerate(("raw", "full", "base", "loose"), start=1):
        index: dict[object, list[int]] = defaultdict(list)
        for i, node in enumerate(nodes):
            for key in getattr(node, attr):
                index[key].append(i)
        for members in index.values():
            for pair in combinations(members, 2):
                best.setdefault(pair, tier)
    edges: list[Edge] = []
    for (i, j), tier in best.items():
        di, dj = nodes[i].date, nodes[j].date
        edges.append(((tier, -_ordinal(di or dj) if (di is None) != (dj is None) else 0), i, j))
    return edges


def _anchor_edges(nodes: list[_Node], anchors: list[_Node]) -> list[Edge]:
    """Record-anchor pairs sharing a key: keys owned by fewer anchors first, then later snapshots."""
    edges: list[Edge] = []
    for tier, attr in enumerate(("raw", "full", "base"), start=1):
        index: dict[object, list[int]] = defaultdict(list)
        for j, anchor in enumerate(anchors):
            for key in getattr(anchor, attr):
                index[key].append(j)
        for i, node in enumerate(nodes):
            for key in getattr(node, attr):
                owners = index.get(key, [])
                edges += [((len(owners), tier, -_ordinal(anchors[j].date)), i, j) for j in owners]
    return edges


def _near(a: Key, b: Key) -> bool:
    """Fuzzy structure guard: same letters ("codellama" vs "code llama") or extra leading words only."""
    short, long = sorted((a, b), key=len)
    return "".join(a) == "".join(b) or (len(short) >= 2 and long[len(long) - len(short) :] == short)


def _fuzzy_edges(nodes: list[_Node]) -> list[Edge]:
    """Similar keys that agree on every number token and every discriminating token."""
    holders: dict[Key, list[int]] = defaultdict(list)
    for i, node in enumerate(nodes):
        for key in node.base:
            holders[key].append(i)
    blocks: dict[tuple[object, ...], list[Key]] = defaultdict(list)
    for key in holders:  # blocking: same numbers, same discriminators, same last token
        blocks[(_numbers(key), DISCRIMINATORS.intersection(key), key[-1])].append(key)
    edges: list[Edge] = []
    for keys in blocks.values():
        for a, b in combinations(sorted(keys), 2):
            score = fuzz.token_sort_ratio(" ".join(a), " ".join(b))
            if score >= FUZZY_MIN and _near(a, b):
                edges += [((-score,), i, j) for i in holders[a] for j in holders[b] if i != j]
    return edges


def _rank(record: ModelRecord) -> tuple[int, str, str, str]:
    """Best-first order: llm-stats, first-party, epoch, litellm, other models.dev; then source_key."""
    if record.source == SourceName.LLM_STATS:
        tier = 0
    elif record.first_party:
        tier = 1
    else:
        tier = {SourceName.EPOCH: 2, SourceName.LITELLM: 3}.get(record.source, 4)
    return (tier, record.source_key, record.model_id, record.name)


class ModelResolver:
    """Clusters ModelRecords into models; anchors (models already in the graph) keep their ids."""

    def __init__(self, anchors: Mapping[str, Iterable[str]] | None = None) -> None:
        self.anchors = {aid: sorted(set(names)) or [aid] for aid, names in sorted((anchors or {}).items())}

    def _anchor_node(self, anchor_id: str) -> _Node:
        """An anchor matches through its names; its id is a label (maybe "-2"), giving only the date."""
        node = _Node()
        for text in self.anchors[anchor_id]:
            node.add(text)
        node.date = _analyse(anchor_id).date
        return node

    def resolve(self, records: Iterable[ModelRecord]) -> list[ModelCluster]:
        recs = sorted(records, key=_rank)
        nodes = [_record_node(r) for r in recs]
        anchor_ids = list(self.anchors)
        summaries = [_Summary.of(r, n) for r, n in zip(recs, nodes, strict=True)]
        uf = _UnionFind(summaries + [_Summary(anchor=a) for a in anchor_ids])
        for _, i, j in sorted(_exact_edges(nodes)):
            uf.union(i, j)
        for _, i, j in sorted(_anchor_edges(nodes, [self._anchor_node(a) for a in anchor_ids])):
            uf.union(i, len(recs) + j)
        for _, i, j in sorted(_fuzzy_edges(nodes)):
            uf.union(i, j)

        groups: dict[int, list[ModelRecord]] = defaultdict(list)
        for i, record in enumerate(recs):  # rank order, so each group's records are best-first
            groups[uf.find(i)].append(record)
        taken, clusters = set(anchor_ids), []
        for root, members in groups.items():  # insertion order: by each cluster's best record
            cluster_id = uf.summaries[root].anchor
            if cluster_id is None:
                base = cluster_id = normalize(members[0].model_id)
                suffix = 1
                while cluster_id in taken:
                    suffix += 1
                    cluster_id = f"{base}-{suffix}"
                taken.add(cluster_id)
            aliases = sorted({t for r in members for t in (r.model_id, r.name, *r.aliases)})
            clusters.append(ModelCluster(id=cluster_id, records=members, aliases=aliases))
        return clusters


def best_first(record: ModelRecord) -> tuple[int, str, str, str]:
    """The order the resolver gives a cluster's records (see `_rank`)."""
    return _rank(record)


def name_key(text: str) -> Key:
    """The match-form tokens of a name or id, without its snapshot date ("Llama-3.1-8B" -> llama 3 1 8b)."""
    return _match_form(_analyse(text).tokens)


def name_agrees(name: str, model_id: str, curated: bool = False) -> bool:
    """Whether `name` says the model `model_id` names (the rule for a record's name, `_consistent`)."""
    return _consistent(_analyse(model_id), _analyse(name), curated)


def record_keys(record: ModelRecord) -> set[Key]:
    """The undated keys of a record's id and of the names that agree with it (see `_consistent`)."""
    return set(_record_node(record).base)


def same_model(a: ModelRecord, b: ModelRecord) -> bool:
    """Whether the resolver puts the two records in one cluster (used for pair evaluation)."""
    return len(ModelResolver().resolve([a, b])) == 1
