"""Model identity: which resolved clusters are canonical models, and which are listings of one.

Entity resolution (catalog/resolve.py) groups the records that spell one name. Many groups are not
models a person would recognise: a reseller's SKU ("llama-3.1-8b-instruct-fast"), a thinking-budget
tier ("claude-3-7-sonnet-thinking:32768"), a router alias ("claude-sonnet-latest"). This module
decides, for each group, with the evidence written down:

A group is a canonical `Model` when
  1. a curation decision says so (catalog/curation.yaml, `promote`), or
  2. a curated source describes it (llm-stats, Epoch), or
  3. the developer's own API lists it under an id that names that developer (first-party), or
  4. it extends a canonical model's name with words of its own ("Llama 3.3 70B ArliAI RPMax v2"
     extends "Llama 3.3 70B"; "Llama 3 Euryale 70B" has its words and numbers): a derivative, FINE_TUNED_FROM that model, made by the owner its id
     names ("huihui-ai/...") or, when no id names one, by an unknown developer, or
  5. an id names its maker as owner ("arcee-ai/trinity-mini", "Sao10K/L3-8B-Lunaris") and the
     name is not a serving variant of a canonical model.
Every other group is a `Listing`. A listing is resolved (`LISTING_OF` a canonical model, its records
merged into that model's facts) when a curation decision attaches it, or when its name, without
serving-variant words (VARIANT_WORDS: "fast", "fp4", "thinking" + budget, ...), is the name of
exactly one canonical model whose developer does not contradict the listing's. Otherwise it stays
an unresolved listing, with the canonical models it could be (`candidates`) for `llmx catalog review`.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from typing import Any

from .curation import Curation, Decision
from .orgs import normalize, org_from_source, org_id
from .readers.base import owner_segment
from .records import ModelRecord, SourceName
from .resolve import CURATED, DISCRIMINATORS, Key, ModelCluster, best_first, name_key, record_keys

UNKNOWN_DEVELOPER = "unknown"

# Words that name how a model is served (quantisation, speed or context tier, reasoning mode and
# budget, fine-tuning price line), not which model it is. Only listings are read with them removed:
# QUANT_WORDS wherever they stand, MODE_WORDS only at the end of a name ("Qwen3-30B-A3B-Thinking-2507"
# is a model of its own, "glm-5:thinking" a mode of GLM-5).
# fmt: off
QUANT_WORDS = frozenset({
    "fp4", "nvfp4", "mxfp4", "mxfp", "fp6", "4bit", "6bit", "8bit", "mlx", "gptq", "exl2", "lora", "ft", "cloud",
    "pt", "paddle", "basic", "online", "nitro", "floor", "exacto", "extended", "dynamic", "disc", "discount",
    "mtp", "nvfp", "rope",
})
MODE_WORDS = frozenset({
    "fast", "turbo", "spot", "long", "throughput", "thinking", "think", "reasoner", "nothinking", "nothink",
    "nonthinking", "reasoning", "non", "original", "highspeed", "low", "medium", "high", "xhigh", "minimal",
})
# fmt: on
VARIANT_WORDS = QUANT_WORDS | MODE_WORDS
# Words a developer uses for its own versions of a model: never the mark of someone else's fine-tune.
# fmt: off
SIBLING_WORDS = frozenset({
    "preview", "exp", "experimental", "original", "classic", "raw", "spot", "optimized", "turbo", "reasoner",
    "reasoning", "non", "beta", "jan", "january", "feb", "february", "mar", "march", "apr", "april", "may", "jun",
    "june", "jul", "july", "aug", "august", "sep", "sept", "september", "oct", "october", "nov", "november", "dec",
    "december",
})
# fmt: on
_BUDGET_AFTER = frozenset({"thinking", "think"})
_PRECISION = frozenset({"fp", "nvfp", "mxfp", "int", "bf"})
_CONTEXT_TIER = re.compile(r"\d+k|1024|2048|4096|8192|16384|32768|65536|131072")
_SNAPSHOT_TAG = re.compile(r"2[3-9](0[1-9]|1[0-2])[0-3]\d")
_POINTER = re.compile(r"[-_:@./](?:latest|auto)$", re.IGNORECASE)  # moving aliases and routers
_QUANT_LEVEL = re.compile(r"i?q\d")
_SIZE = re.compile(r"^(?:a?\d+(?:\.\d+)?[bmt]|e\d+b|\d+x\d+b|\d+e)$")
_STABLE_TAG = re.compile(r"00[1-9]")  # Google's stable version of a model: 'gemini-2.0-flash-001'
_QUANT_ID = re.compile(r"[-_.](?:awq|gptq|gguf|exl2)(?:$|[-_.])", re.IGNORECASE)


# Resellers' own affixes around a model's id: a coding-plan or product prefix ("coding-glm-5.3",
# "duo-chat-gpt-5-1"), a hosting partner's mark ("FW-GLM-5" on Azure AI: a Fireworks deployment), a
# deployment or revision suffix ("-cs" on Poe for Cerebras, "-1:0" on Bedrock, "@2411-001" on
# Vertex). Keyed by the provider segment that starts the record's source_key or an offering's
# provider; the affixes are regexes on the lower-case last segment of the model id. Only listings
# are read with them removed.
RESELLER_AFFIXES: dict[str, tuple[str, ...]] = {
    "aihubmix": (r"^coding-", r"^deep-(?=deepseek)", r"-free$"),
    "gitlab": (r"^duo-chat-",),
    "umans-ai-coding-plan": (r"^umans-",),
    "azure_ai": (r"^fw-",),
    "databricks": (r"^databricks-", r"^system\.ai\."),
    "sagemaker": (r"^meta-textgeneration-", r"(?:-b)?-f$"),
    "poe": (r"-cs$", r"-n$"),
    "deepinfra": (r"-(?:ultra|turbo)$",),
    "bedrock": (r"-\d+(?::\d+)?$",),
    "bedrock_converse": (r"-\d+(?::\d+)?$",),
    "vertex_ai": (r"[-@]0\d\d$",),
    "fireworks_ai": (r"-(?:us|eu)$",),
}
LATER_RELEASE_DAYS = 60  # a "-Thinking" id a provider dates this much after the model: its own release
HYBRID_SHARE = 0.75  # the share of records stating `reasoning` that must say so for an open model
_DATE_TAG = re.compile(r"(?:0[1-9]|1[0-2])[0-3]\d")  # MMDD ('0709'); a YYMM release tag starts with 2
_PREVIEW = frozenset({"preview", "exp", "experimental"})
_VISION = frozenset({"vision"})  # names an input modality: of a model that reads images, not a model
_TWO_DIGITS = re.compile(r"\d\d")


class Evidence(StrEnum):
    CURATION = "curation decision"
    CURATED = "curated source"
    FIRST_PARTY = "developer's own API"
    DERIVATIVE = "derivative of a canonical model"
    MAKER_NAMESPACE = "id names its maker"
    VARIANT = "serving variant of a canonical model"
    TWIN = (
        "another id of a canonical model (the developer's name for its dated id, its release month, or 'X.0')"
    )
    SAME_NAME = "same name as a canonical model"
    MONTH = "the one dated snapshot of the month its name gives"
    AMBIGUOUS = "could be more than one canonical model"
    NO_MATCH = "no canonical model matches"


@dataclass
class CanonicalModel:
    id: str
    records: list[ModelRecord]
    aliases: list[str]
    evidence: Evidence
    developer: str | None = None  # an override of the merged developer (derivatives, makers)
    base_id: str | None = None  # the model a derivative is FINE_TUNED_FROM
    listings: list[str] = field(default_factory=list)
    own_names: list[str] = field(default_factory=list)  # the group's names before listings joined
    tiered: bool = False  # other context or speed tiers of it joined: its display name drops its own tier
    _own: set[tuple[SourceName, str]] = field(default_factory=set, init=False, repr=False)

    def __post_init__(self) -> None:
        self.own_names = self.own_names or list(self.aliases)
        self._own = {(r.source, r.source_key) for r in self.records}

    def own_records(self) -> list[ModelRecord]:
        """The group's own records, best first (not those of the listings that joined it)."""
        return [r for r in self.records if (r.source, r.source_key) in self._own]


@dataclass
class Listing:
    id: str
    records: list[ModelRecord]
    aliases: list[str]
    evidence: Evidence
    model_id: str | None = None  # the canonical model, when resolved
    candidates: list[str] = field(default_factory=list)

    @property
    def resolved(self) -> bool:
        return self.model_id is not None


@dataclass
class Identity:
    models: list[CanonicalModel]
    listings: list[Listing]


def strip_variant(key: Key, thinking: bool = True) -> Key:
    """The key without serving-variant words: QUANT_WORDS anywhere; at the end MODE_WORDS, a reasoning
    budget after 'thinking' ('32768', '8k', 'max'), a context tier ('64k', '8192') and a YYMMDD snapshot
    tag ('251215'). With `thinking=False`, 'thinking'/'think' stay: open-weights labs publish
    "-Thinking" models of their own."""
    out, _ = _without_quantisation(key)
    while len(out) > 1:
        last, before = out[-1], out[-2] if len(out) > 2 else ""
        if last in _BUDGET_AFTER and not thinking:
            break
        budget = before in _BUDGET_AFTER and (_is_budget(last) or last in ("max", "min"))
        if not (
            last in MODE_WORDS or budget or _CONTEXT_TIER.fullmatch(last) or _SNAPSHOT_TAG.fullmatch(last)
        ):
            break
        if budget and not thinking:
            break
        out.pop()
    return tuple(out)


def reseller_names(record: ModelRecord) -> set[str]:
    """The record's id without its reseller's own affixes (RESELLER_AFFIXES); empty when none apply."""
    providers = {record.source_key.split("/", 1)[0].casefold()} | {
        o.provider_id.casefold() for o in record.offers
    }
    bare = record.model_id.rsplit("/", 1)[-1].casefold()
    out: set[str] = set()
    for provider in providers:
        for pattern in RESELLER_AFFIXES.get(provider, ()):
            stripped = re.sub(pattern, "", bare)
            if stripped and stripped != bare:
                out.add(stripped)
                bare = stripped
    return out


def without_previews(key: Key) -> Key:
    """The key without 'preview'/'exp' and the date tags that follow them or end it ('0709', '03 25'):
    a developer's dated preview or snapshot of the model it names."""
    out = [t for t in key if t not in _PREVIEW]
    two = len(out) > 2 and _TWO_DIGITS.fullmatch(out[-1]) and _TWO_DIGITS.fullmatch(out[-2])
    if two and _DATE_TAG.fullmatch(out[-2] + out[-1]):
        out = out[:-2]
    if len(out) > 1 and _DATE_TAG.fullmatch(out[-1]):
        out = out[:-1]
    return tuple(out)


def variant_ladder(key: Key, providers: frozenset[str] = frozenset()) -> list[tuple[Key, frozenset[str]]]:
    """`key` read as a serving variant, longest reading first, each with the words it dropped: QUANT_WORDS
    anywhere, then one trailing serving word at a time (MODE_WORDS, a reasoning budget, a context tier,
    a YYMMDD snapshot tag, a stable version tag '001', a serving provider's name:
    'deepseek-r1-sambanova'). The longest reading
    that names a canonical model wins ('grok-4-fast-reasoning' is Grok 4 Fast, not Grok 4)."""
    out, dropped = _without_quantisation(key)
    ladder = [(tuple(out), frozenset(dropped))]
    while len(out) > 1:
        last, before = out[-1], out[-2] if len(out) > 2 else ""
        budget = before in _BUDGET_AFTER and (_is_budget(last) or last in ("max", "min"))
        if not (
            last in MODE_WORDS
            or budget
            or _STABLE_TAG.fullmatch(last)
            or last in providers
            or _CONTEXT_TIER.fullmatch(last)
            or _SNAPSHOT_TAG.fullmatch(last)
        ):
            break
        dropped.add(out.pop())
        ladder.append((tuple(out), frozenset(dropped)))
    return ladder


def _without_quantisation(key: Key) -> tuple[list[str], set[str]]:
    """`key` without its quantisation words (QUANT_WORDS, a precision with its bits: 'fp' '4', 'mxfp'
    '4'; a GGUF level with its letters: 'q4' 'k' 'm'), and the words dropped."""
    out: list[str] = []
    dropped: set[str] = set()
    for i, token in enumerate(key):
        if token in QUANT_WORDS or _QUANT_LEVEL.fullmatch(token):
            dropped.add(token)
            continue
        if token in ("iq", "q") and key[i + 1 : i + 2] and key[i + 1].isdigit():  # 'IQ4_XS' as 'iq' '4' 'xs'
            dropped.add(token)
            continue
        if token.isdigit() and i and key[i - 1] in ("iq", "q"):
            continue
        if token in ("xs", "xxs") and i > 1 and key[i - 2] in ("iq", "q"):
            continue
        if token.isdigit() and i and key[i - 1] in _PRECISION and key[i - 1] in QUANT_WORDS:
            continue  # 'mxfp' '4'
        if token.isdigit() and out and out[-1] in _PRECISION:
            dropped.add(out.pop())
            continue
        if (
            len(token) == 1
            and token in "kmsl"
            and out
            and not out[-1][:1].isalpha()
            and _quant_tail(key, token)
        ):
            continue
        out.append(token)
    return out, dropped


def _is_budget(token: str) -> bool:
    """A reasoning budget in tokens ('8k', '32000', '32768'), not a release tag ('2507')."""
    if token.endswith("k") and token[:-1].isdigit():
        return True
    return token.isdigit() and (int(token) % 1000 == 0 or int(token) & (int(token) - 1) == 0)


def _quant_tail(key: Key, token: str) -> bool:
    position = key.index(token)
    return any(_QUANT_LEVEL.fullmatch(t) for t in key[max(0, position - 2) : position])


def without_sizes(key: Key) -> Key:
    """The key without parameter-size tokens ('24b', 'a22b', '16e')."""
    return tuple(t for t in key if not _SIZE.match(t))


def _size_agrees(sizes: set[str], parameters: int | None) -> bool:
    """A total size token ('7b', '501b') within 25% of a known parameter count (unknown: agrees)."""
    totals = [
        float(t[:-1]) * (1e9 if t.endswith("b") else 1e6)
        for t in sizes
        if re.fullmatch(r"\d+(\.\d+)?[bm]", t)
    ]
    return parameters is None or all(abs(t - parameters) <= 0.25 * parameters for t in totals)


def _has_number(key: Key) -> bool:
    return any(any(c.isdigit() for c in t) for t in key)


def _released(records: Iterable[ModelRecord]) -> set[tuple[SourceName, str, date]]:
    """(source, provider, release date) of each record that names its provider and a release date."""
    return {
        (r.source, r.source_key.split("/", 1)[0], r.release_date)
        for r in records
        if r.release_date and "/" in r.source_key
    }


def _orgs(records: Iterable[ModelRecord]) -> set[str]:
    return {r.organization for r in records if r.organization}


def maker_of(records: Sequence[ModelRecord]) -> str | None:
    """The organisation an owner segment of a record's id names ('huihui-ai/...' -> 'huihui-ai').

    A known organisation among the id's segments wins; a reseller's own namespace (the segment
    repeats the provider, or the id is one of its routers) and a quantiser's upload (an AWQ, GPTQ,
    GGUF or EXL2 id) name no maker.
    """
    for record in records:
        if record.source not in (SourceName.MODELS_DEV, SourceName.LITELLM):
            continue
        if _without_quantisation(name_key(record.model_id))[1] or _QUANT_ID.search(record.model_id):
            continue  # a quantiser's upload ('thebloke/codellama-7b-instruct-awq') names no maker
        provider = record.source_key.split("/", 1)[0].split("_", 1)[0].casefold()
        if "/routers/" in f"/{record.source_key}/":
            continue
        segments = [re.sub(r"\s+\d+$", "", p) for p in record.model_id.split("/")[:-1]]
        segments = [p for p in segments if not p.casefold().startswith(provider)]
        known = [org for org in map(org_id, segments) if org]
        if known:
            return known[0]
        owner = owner_segment(record.model_id)
        if owner:
            owner = re.sub(r"\s+\d+$", "", owner)
            if not owner.casefold().startswith(provider):
                return org_from_source(owner)
    return None


class _Index:
    """Canonical models by each undated key of their records, and each developer's own words."""

    def __init__(self) -> None:
        self.by_key: dict[Key, set[str]] = defaultdict(set)
        self.orgs: dict[str, set[str]] = {}
        self.words: dict[str, set[str]] = defaultdict(set)
        self.unsized: dict[Key, set[str]] = defaultdict(set)
        self.sizes: dict[str, set[str]] = defaultdict(set)
        self.open: set[str] = set()
        self.params: dict[str, int] = {}
        self.reasoning: dict[str, float] = {}
        self.sees: set[str] = set()  # models whose records say they read images
        self.keys_of: dict[str, set[Key]] = defaultdict(set)
        self.released: dict[str, set[tuple[SourceName, str, date]]] = defaultdict(set)

    def add(self, model: CanonicalModel, keys: Iterable[Key]) -> None:
        orgs = {model.developer} if model.developer else _orgs(model.records)
        self.orgs[model.id] = orgs - {UNKNOWN_DEVELOPER}
        if any(r.open_weights for r in model.records):
            self.open.add(model.id)
        if any("image" in r.input_modalities for r in model.records):
            self.sees.add(model.id)
        stated = [r.reasoning for r in model.records if r.reasoning is not None]
        self.reasoning[model.id] = sum(stated) / len(stated) if stated else 0.5
        self.released[model.id] = _released(model.records)
        params = [r.parameters for r in model.records if r.parameters]
        if params:
            self.params[model.id] = max(params)
        for key in keys:
            self.keys_of[model.id].add(key)
            self.by_key[key].add(model.id)
            self.unsized[without_sizes(key)].add(model.id)
            self.sizes[model.id].update(set(key) - set(without_sizes(key)))
            if model.evidence in (Evidence.CURATED, Evidence.FIRST_PARTY):
                for org in orgs:
                    self.words[org].update(t for t in key if t.isalpha())

    def matches(self, keys: Iterable[Key], orgs: set[str] | None = None) -> set[str]:
        """Models with one of `keys`; with `orgs`, only those whose developer does not contradict them."""
        found = {mid for key in keys for mid in self.by_key.get(key, ())}
        if not orgs:
            return found
        return {m for m in found if not (self.orgs[m] and not orgs & self.orgs[m])}

    def dated(self, model_id: str) -> bool:
        """A model that is itself one dated snapshot ('gpt-4-0613'): another date or tier is not it."""
        return bool(_DATE_TAG.fullmatch(model_id.rsplit("-", 1)[-1]))

    def thinks(self, model_id: str) -> bool:
        """Whether 'thinking' is a mode of the model, by what its records say: most records that state
        it call an open-weights model a reasoning model (a hybrid, such as DeepSeek V3.2; its lab
        publishes no separate "-Thinking" checkpoint), and a closed model is not called a non-reasoning
        one by most of them (Qwen3 Max, whose thinking edition is a release of its own)."""
        share = self.reasoning.get(model_id, 0.5)
        return share >= HYBRID_SHARE if model_id in self.open else share >= 0.5

    def same_release(self, model_id: str, records: Sequence[ModelRecord]) -> bool:
        """A provider lists the model and `records`' "-thinking" id as released the same day: two modes of
        one release (DeepSeek V3.2 Exp; Qwen3-Omni's Instruct and Thinking, published together). A
        "-Thinking" checkpoint published later (ERNIE 4.5 21B A3B Thinking) is a release of its own."""
        stated = self.reasoning.get(model_id, 0.5) >= 0.5  # most records call the model a reasoning one
        return stated and bool(self.released.get(model_id, set()) & _released(records))

    def released_later(self, model_id: str, records: Sequence[ModelRecord]) -> bool:
        """A provider lists the open model `records`' "-thinking" id as released months after the model
        (ERNIE 4.5 VL 28B A3B in June 2025, its Thinking checkpoint in November): a release of its own,
        even of a model its records call a reasoning one."""
        if model_id not in self.open:
            return False
        own = self.released.get(model_id, set())
        return any(
            (source, provider) == (s, p) and (day - then).days > LATER_RELEASE_DAYS
            for source, provider, day in _released(records)
            for s, p, then in own
        )

    def same_but_size(self, keys: Iterable[Key]) -> set[str]:
        """Models whose key equals one of `keys` once sizes go, when the sizes do not contradict: a
        sized listing names one of the model's sizes (or its known parameter count), and an unsized
        listing never stands for a sized model ('glm-4' is not 'glm-4-32b')."""
        found: set[str] = set()
        for key in keys:
            sizes = set(key) - set(without_sizes(key))
            for mid in self.unsized.get(without_sizes(key), ()):
                if not sizes:
                    ok = not self.sizes[mid]
                elif self.sizes[mid]:
                    ok = sizes <= self.sizes[mid]
                else:
                    ok = _size_agrees(sizes, self.params.get(mid))
                if ok:
                    found.add(mid)
        named = {
            m for m in found if self.sizes[m]
        }  # a model whose sizes the listing names, over a size-less one
        return named if named and any(set(k) - set(without_sizes(k)) for k in keys) else found

    def only_size(self, keys: Iterable[Key]) -> set[str]:
        """Models whose key without sizes is one of the size-less `keys`, where no model of that name
        is size-less and exactly one size is published."""
        found: set[str] = set()
        for key in keys:
            owners = self.unsized.get(key, set())
            if len(owners) == 1 and all(self.sizes[m] for m in owners):
                found |= owners
        return found

    def base_of(self, key: Key) -> tuple[str, Key] | None:
        """The model whose key is the longest proper prefix of `key` with a number in it, and that prefix."""
        for end in range(len(key) - 1, 1, -1):
            owners = self.by_key.get(key[:end])
            if owners and _has_number(key[:end]):
                return sorted(owners)[0], key[:end]
        return None

    def loose(self, keys: Iterable[Key]) -> set[str]:
        """Models whose words are all in one of `keys` and whose number tokens are the same."""
        found: set[str] = set()
        for key in keys:
            words, numbers = set(key), _number_tokens(key)
            for other, owners in self.by_key.items():
                if numbers and _number_tokens(other) == numbers and set(other) <= words:
                    found |= owners
        return found


def _number_tokens(key: Key) -> list[str]:
    return sorted(t for t in key if any(c.isdigit() for c in t))


def identify(clusters: Sequence[ModelCluster], curation: Curation | None = None) -> Identity:
    """Split resolved clusters into canonical models and listings (rules in the module docstring)."""
    curation = curation or Curation()
    keys = {c.id: set().union(*(record_keys(r) for r in c.records)) for c in clusters}
    providers = _providers(clusters)
    resellers = _resellers(clusters)
    decisions = {c.id: curation.find(_names(c)) for c in clusters}
    index = _Index()
    models: dict[str, CanonicalModel] = {}
    rest: list[ModelCluster] = []

    def add(model: CanonicalModel) -> None:
        models[model.id] = model
        index.add(model, keys[model.id])

    for cluster in clusters:  # pass 1: models on their own evidence
        decision, evidence = decisions[cluster.id], _core_evidence(cluster.records)
        if evidence is Evidence.FIRST_PARTY and _served_by_another(
            keys[cluster.id], cluster.records, providers
        ):
            evidence = None  # 'cerebras-llama-4-maverick' on Meta's API: a serving provider's deployment
        if decision is not None and decision.promote:
            add(_model(cluster, Evidence.CURATION, _developer(decision)))
        elif evidence is not None and decision is None:
            add(_model(cluster, evidence))
        else:
            rest.append(cluster)

    words = set().union(*index.words.values()) if index.words else set()
    tags = frozenset(p for p in providers if p not in words)  # 'sambanova', never 'nova'
    listings: list[Listing] = []
    pending: list[ModelCluster] = []
    decided: list[ModelCluster] = []
    # pass 2, shortest names first (a model's plain id before its resellers' longer SKUs of it): variants
    # and aliases of those; derivatives; named makers
    rest.sort(key=lambda c: (min((len(k) for k in keys[c.id]), default=0), c.id))
    for cluster in rest:
        decision = decisions[cluster.id]
        if decision is not None:
            decided.append(cluster)  # applied once every model exists (pass 3)
        elif listing := _attach(cluster, keys[cluster.id], index, tags, providers):
            listings.append(listing)
        elif model := _model_of_its_own(cluster, keys[cluster.id], index, providers, resellers):
            add(model)
        else:
            pending.append(cluster)
    for cluster in decided:
        decision = decisions[cluster.id]
        assert decision is not None
        listings.append(_decided(cluster, decision, models))
    for cluster in pending:  # pass 3: decisions; listings of derivatives and named makers, else unresolved
        listing = (
            _attach(cluster, keys[cluster.id], index, tags, providers)
            or _ollama_default(cluster, keys[cluster.id], index)
            or _month_snapshot(cluster, keys[cluster.id], index)
            or _unresolved(cluster, keys[cluster.id], index)
        )
        listings.append(listing)

    twins = _twins(models, keys, index)
    tiers = _tiers({m: v for m, v in models.items() if m not in twins}, keys, index)
    for target_id in tiers.values():
        models[target_id].tiered = True
    twins |= tiers
    twins |= _unversioned({m: v for m, v in models.items() if m not in twins}, keys, index)
    for twin, target_id in twins.items():  # a second id of one model: a listing of the first
        model = models.pop(twin)
        listings.append(Listing(model.id, model.records, model.aliases, Evidence.TWIN, target_id))
    for listing in listings:
        listing.model_id = twins.get(listing.model_id or "", listing.model_id)
    for model in models.values():
        model.base_id = twins.get(model.base_id or "", model.base_id)
    for listing in listings:
        if listing.model_id is not None:
            target = models[listing.model_id]
            if target.developer == UNKNOWN_DEVELOPER and (maker := maker_of(listing.records)):
                target.developer = maker  # a fine-tune whose maker only a listing's id names
            target.records = sorted([*target.records, *listing.records], key=best_first)
            target.aliases = sorted({*target.aliases, *listing.aliases})
            target.listings.append(listing.id)
    return Identity(models=list(models.values()), listings=listings)


_YYMM = re.compile(r"2[3-9](?:0[1-9]|1[0-2])")


def _twins(models: dict[str, CanonicalModel], keys: dict[str, set[Key]], index: _Index) -> dict[str, str]:
    """Canonical models that are another id of a canonical model of the same developer, never a curated
    one (id -> the model it is). Mistral, for one, serves a model under a dated id and a marketing name
    ('mistral-medium-2505' and 'mistral-medium-3'); the data's own evidence ties them:
      1. the developer's own record names the dated id with the other's name ("Mistral Medium 3");
      2. the same words and sizes, and the dated id's YYMM tag is the other's release month (its
         developer's or curated records' dates, else all) or its own tag, the version numbers not
         contradicting ('ministral-14b' and 'ministral-3-14b-2512' of December 2025);
      3. 'X.0' is X ('mistral-large-4-0');
      4. ids that differ only by a YYMMDD snapshot tag ('doubao-seed-2-1-pro-260628' and '-260915');
      5. a maker's size-less id ('nvidia/Nemotron-3_5-Lightning') of the one sized model with its
         words and version numbers ('NVIDIA-Nemotron-3.5-Lightning-30B-A3B');
      6. the only sized model of a size-less name ('llama-4-maverick-17b-128e' of 'Llama 4 Maverick');
      7. a reasoning or non-reasoning mode, where the developer lists both ('grok-4.20-reasoning',
         'grok-4.20-non-reasoning' of 'grok-4.20').
    A dated id may lose a leading brand of its developer ('doubao-seed-2-0-lite-260215', 'seed-2.0-lite').
    An id matching more than one model is left alone; the dated id (or the one with more records) stays."""
    out: dict[str, str] = {}
    for _ in range(3):  # twins of twins: 'ministral-14b' once 'ministral-3-14b-2512' is one
        found = _twin_round({m: v for m, v in models.items() if m not in out}, keys, index)
        if not found:
            break
        out |= found
    return out


def _twin_round(
    models: dict[str, CanonicalModel], keys: dict[str, set[Key]], index: _Index
) -> dict[str, str]:
    info = {mid: _twin_info(m, keys[mid]) for mid, m in models.items()}
    out: dict[str, str] = {}
    for mid, model in models.items():
        if model.evidence in (Evidence.CURATED, Evidence.CURATION) or any(
            r.source in CURATED for r in model.records
        ):
            continue
        mine = info[mid]
        found: set[str] = set()
        for other, theirs in info.items():
            if other == mid or (
                index.orgs[mid] and index.orgs[other] and not index.orgs[mid] & index.orgs[other]
            ):
                continue
            if not (index.orgs[mid] or index.orgs[other]):
                continue
            named = bool(keys[mid] & theirs["declared"]) and bool(theirs["tag"]) and not mine["tag"]
            month = (
                theirs["tag"]
                and mine["words"] == theirs["words"]
                and (not mine["sizes"] or not theirs["sizes"] or mine["sizes"] == theirs["sizes"])
                and (not mine["versions"] or not theirs["versions"] or mine["versions"] == theirs["versions"])
                and (theirs["tag"] == mine["tag"] or (not mine["tag"] and theirs["tag"] in mine["months"]))
                and (
                    mine["tag"] == ""
                    or models[other].evidence is Evidence.CURATED
                    or len(models[other].records) > len(model.records)
                    or (len(models[other].records) == len(model.records) and other < mid)
                )
            )
            undated = {
                u
                for k in keys[mid]
                if len(k) > 1 and _SNAPSHOT_TAG.fullmatch(k[-1])
                for u in _unbranded(k[:-1])
            }
            snapshot = bool(undated & keys[other]) or (  # 'doubao-seed-2-1-pro-260628' and '-260915'
                bool(undated & theirs["undated"]) and other < mid
            )
            mode = any(_mode_of(k) in keys[other] and _both_modes(_mode_of(k), index) for k in keys[mid])
            onesize = (  # a maker's size-less id of its only sized model ('Nemotron-3.5-Lightning')
                model.evidence is Evidence.MAKER_NAMESPACE
                and not mine["tag"]
                and not theirs["tag"]
                and not mine["sizes"]
                and theirs["sizes"]
                and mine["words"] == theirs["words"]
                and sorted(mine["versions"]) == sorted(theirs["versions"])
                and bool(mine["versions"])
            )
            sized = any(  # the one sized model of a curated size-less name ('Llama 4 Maverick', 17B-128E)
                without_sizes(k) != k
                and without_sizes(k) in keys[other]
                and index.unsized.get(without_sizes(k), set()) == {mid, other}
                for k in keys[mid]
            )
            zero = any(
                k[-1] == "0" and len(k) > 2 and k[-2].isdigit() and k[:-1] in keys[other] for k in keys[mid]
            )
            if named or month or zero or snapshot or onesize or mode or sized:
                found.add(other)
        if len(found) == 1:
            out[mid] = next(iter(found))
    return {m: t for m, t in out.items() if t not in out}


def _unbranded(key: Key) -> set[Key]:
    """The key, and without a leading brand of a developer ('doubao seed 2 0 lite': 'seed 2 0 lite')."""
    return {key, key[1:]} if len(key) > 2 and org_id(key[0]) else {key}


_TIER = re.compile(r"\d+k|highspeed")


def _tier_value(token: str) -> int:
    return int(token[:-1]) if token[:-1].isdigit() else 10**6


def _tiers(models: dict[str, CanonicalModel], keys: dict[str, set[Key]], index: _Index) -> dict[str, str]:
    """Context and speed tiers of one closed model that its developer sells under ids of their own (id
    -> the model it is): 'gpt-3.5-turbo-16k' of GPT-3.5 Turbo; 'moonshot-v1-8k', '-32k', '-128k' (no
    tier-less id: the smallest tier stands for the model, named without its tier); 'minimax-m2.7-
    highspeed' of MiniMax M2.7. A tier word ('16k', 'highspeed') anywhere after the first word; the
    key without it must name a model of the same developer, or another tier of it. Open-weights
    models' context tiers are left alone ('phi-3-mini-4k' and '-128k' are separate checkpoints), and
    so are models of curated sources (Epoch's 'Step 2 (16K)')."""
    tiered: dict[Key, list[tuple[int, str]]] = defaultdict(list)
    for mid, model in models.items():
        if any(r.source in CURATED for r in model.records):
            continue
        closed = mid not in index.open and not any(r.open_weights for r in model.records)
        for key in keys[mid]:
            for i, token in enumerate(key):
                if i and _TIER.fullmatch(token) and (closed or token == "highspeed"):
                    tiered[key[:i] + key[i + 1 :]].append((_tier_value(token), mid))
    out: dict[str, str] = {}
    for base, members in tiered.items():
        orgs = {o for _, m in members for o in index.orgs[m]}
        plain = {m for m in index.by_key.get(base, set()) if m in models and index.orgs[m] & orgs}
        plain -= {m for _, m in members}
        if len(plain) > 1:
            continue
        ranked = sorted(set(members))
        target = next(iter(plain)) if plain else ranked[0][1]
        for _, mid in ranked:
            if mid != target and index.orgs[mid] & index.orgs[target] and mid not in out:
                out[mid] = target
    return {m: t for m, t in out.items() if t not in out}


_VERSION_END = re.compile(r"[-_ ]v\d+(?:[._]\d+)*$", re.IGNORECASE)


def _unversioned(
    models: dict[str, CanonicalModel], keys: dict[str, set[Key]], index: _Index
) -> dict[str, str]:
    """A reseller's version-less id of a community fine-tune whose maker published one versioned
    release of that name and size (id -> the release): OpenRouter's 'thedrummer/rocinante-12b' is
    Rocinante 12B v1.1, 'thedrummer/unslopnemo-12b' UnslopNemo 12B v4.1. Only for models known by a
    maker's namespace or as derivatives, whose name ends in a size; with two versioned releases
    ('cydonia-24b-v4.1', '-v4.3') the version-less id stays apart."""
    out: dict[str, str] = {}
    for mid, model in models.items():
        if model.evidence not in (Evidence.MAKER_NAMESPACE, Evidence.DERIVATIVE):
            continue
        found: set[str] = set()
        for key in keys[mid]:
            if len(key) < 2 or not _SIZE.match(key[-1]):
                continue
            for other, theirs in index.keys_of.items():
                if other == mid or other not in models or not index.orgs[other] & index.orgs[mid]:
                    continue
                if any(
                    len(k) > len(key) and k[: len(key)] == key and all(t.isdigit() for t in k[len(key) :])
                    for k in theirs
                ) and any(_VERSION_END.search(r.model_id) for r in models[other].records):
                    found.add(other)
        if len(found) == 1:
            out[mid] = next(iter(found))
    return out


_REASONING_MODES = (("non", "reasoning"), ("reasoning",))


def _mode_of(key: Key) -> Key:
    """The key without a trailing reasoning mode ('grok 4 20 non reasoning' -> 'grok 4 20'), or ()."""
    for mode in _REASONING_MODES:
        if len(key) > len(mode) and key[-len(mode) :] == mode:
            return key[: -len(mode)]
    return ()


def _both_modes(base: Key, index: _Index) -> bool:
    """The developer lists the model's reasoning and non-reasoning modes under ids of their own (xAI's
    'grok-4.20-reasoning' and 'grok-4.20-non-reasoning'): both are modes of the model. One alone
    ('sonar-reasoning') may be a model of its own."""
    return bool(base) and all(base + mode in index.by_key for mode in _REASONING_MODES)


def _twin_info(model: CanonicalModel, keys: set[Key]) -> dict[str, Any]:
    tagged = sorted((k for k in keys if len(k) > 1 and _YYMM.fullmatch(k[-1])), key=lambda k: (len(k), k))
    tags = {k[-1] for k in tagged}
    key = tagged[0] if len(tags) == 1 else min(keys, key=lambda k: (len(k), k)) if keys else ()
    tag = key[-1] if len(tags) == 1 else ""
    body = key[:-1] if tag else key
    dated = [r for r in model.records if r.release_date]
    own = [r for r in dated if r.first_party or r.source in CURATED] or dated
    return {
        "declared": {
            name_key(r.name) for r in model.records if r.first_party and not _POINTER.search(r.model_id)
        },
        "tag": tag,
        "words": frozenset(t for t in body if t.isalpha()),
        "sizes": frozenset(body) - frozenset(without_sizes(body)),
        "undated": {k[:-1] for k in keys if len(k) > 1 and _SNAPSHOT_TAG.fullmatch(k[-1])},
        "versions": tuple(t for t in without_sizes(body) if t.isdigit()),
        "months": {
            f"{r.release_date.year % 100:02d}{r.release_date.month:02d}" for r in own if r.release_date
        },
    }


def _names(cluster: ModelCluster) -> set[str]:
    keys = [(r.source.value, r.source_key) for r in cluster.records]
    return {cluster.id, *cluster.aliases, *(f"{s}:{k}" for s, k in keys), *(k for _, k in keys)}


def _is_pointer(records: Sequence[ModelRecord]) -> bool:
    """Every id is a moving alias or a router ('mistral-code-latest', 'moonshot-v1-auto'): not a model."""
    return all(_POINTER.search(r.model_id) for r in records)


def _core_evidence(records: Sequence[ModelRecord]) -> Evidence | None:
    if any(r.source in CURATED for r in records):
        return Evidence.CURATED
    if _is_pointer(records):
        return None
    if any(r.first_party for r in records):
        return Evidence.FIRST_PARTY
    return None


def _model(cluster: ModelCluster, evidence: Evidence, developer: str | None = None) -> CanonicalModel:
    return CanonicalModel(cluster.id, list(cluster.records), list(cluster.aliases), evidence, developer)


def _listing(cluster: ModelCluster, evidence: Evidence, model_id: str | None = None) -> Listing:
    return Listing(cluster.id, list(cluster.records), list(cluster.aliases), evidence, model_id)


def _developer(decision: Decision) -> str | None:
    if decision.developer in (None, UNKNOWN_DEVELOPER):
        return decision.developer
    return org_id(decision.developer) or decision.developer


def _decided(cluster: ModelCluster, decision: Decision, models: dict[str, CanonicalModel]) -> Listing:
    target = decision.attach if decision.attach in models else None
    return _listing(cluster, Evidence.CURATION, target)


def _attach(
    cluster: ModelCluster,
    keys: set[Key],
    index: _Index,
    providers: frozenset[str] = frozenset(),
    serving: frozenset[str] = frozenset(),
) -> Listing | None:
    """A listing of the one canonical model with the same name, or with its name read as a variant.

    The readings, in order: the name as it stands, then without a reseller's own affixes
    (RESELLER_AFFIXES) or a leading brand of the listing's developer ('doubao-seed-2.0-lite' is Seed
    2.0 Lite), then without preview and date tags ('gemini-2.5-pro-preview-03-25'); each read as a
    serving variant, longest reading first (`variant_ladder`). 'thinking' is a mode only after a colon
    ('glm-5:thinking'), of a model that thinks (`_Index.thinks`) or that a provider lists released the
    same day as the listing (`_Index.same_release`): an open-weights lab's own "-Thinking" checkpoint
    is a release of its own, and so is one a provider dates months after the open model
    (`_Index.released_later`). A name whose model is not a thinker is never read as a shorter name's
    mode ('deepseek-v3.2-exp-thinking' is not DeepSeek V3.2)."""
    same = index.matches(keys)  # the exact name: a re-upload or reseller alias, whoever's namespace
    if len(same) == 1:
        return _listing(cluster, Evidence.SAME_NAME, next(iter(same)))
    if same:
        return None
    orgs = _orgs(cluster.records)
    colon = all(re.search(r":think", r.model_id, re.IGNORECASE) for r in cluster.records)
    readings = _readings(cluster, keys, orgs, serving)
    tried: set[Key] = set()
    for reading, undated in readings:
        for key, dropped in variant_ladder(reading, providers):
            if key in tried or not key:
                continue
            tried.add(key)
            quantised = any(t in QUANT_WORDS or t in _PRECISION or _QUANT_LEVEL.fullmatch(t) for t in dropped)
            found = index.matches({key}, None if quantised else orgs)  # a quantiser's namespace is no maker
            if undated or any(_CONTEXT_TIER.fullmatch(t) for t in dropped):  # not another snapshot's
                found = {m for m in found if not index.dated(m)}
            if found and dropped & {"thinking", "think", "reasoning"} and not colon:
                found = {
                    m
                    for m in found
                    if (index.thinks(m) and not index.released_later(m, cluster.records))
                    or index.same_release(m, cluster.records)
                }
                if not found:  # the model the name spells is not a thinker: never a shorter name's mode
                    return None
            if len(found) == 1:
                return _listing(cluster, Evidence.VARIANT, next(iter(found)))
            if found:
                return None
    plain = {strip_variant(k, thinking=False) for k, _ in readings} - keys
    sized = index.same_but_size(keys) | {
        m for m in index.same_but_size({k for k in plain if k}) if not index.dated(m)
    }
    sized = {m for m in sized if not (orgs and index.orgs[m] and not orgs & index.orgs[m])}
    if not sized:  # a size-less name of a model published in one size only ('deepseek-prover-v2')
        sized = index.only_size(
            {k for k in keys | plain if len(k) > 2 and k == without_sizes(k) and _has_number(k)}
        )
        sized = {m for m in sized if orgs and orgs & index.orgs[m] and not index.dated(m)}
    if len(sized) == 1:
        return _listing(cluster, Evidence.SAME_NAME, next(iter(sized)))
    vision = {k: tuple(t for t in k if t not in _VISION) for k, _ in readings if set(k) & _VISION}
    seen = {
        m
        for k in vision.values()
        if len(k) > 1
        for m in index.matches({k}, orgs)
        if m in index.sees & index.open
    }
    if len(seen) == 1:  # 'llama-3.2-90b-vision-instruct' is Llama 3.2 90B, an open model that reads images
        return _listing(cluster, Evidence.VARIANT, next(iter(seen)))
    return None


def _served_by_another(keys: set[Key], records: Sequence[ModelRecord], providers: frozenset[str]) -> bool:
    """Every key starts with the name of a serving provider that is not the records' developer, before
    a word ('cerebras llama 4 maverick'; 'llama 4 maverick' names the family, not Meta's Llama API)."""
    orgs = _orgs(records)
    return bool(keys) and all(
        len(k) > 2 and normalize(k[0]) in providers and org_id(k[0]) not in orgs and k[1][:1].isalpha()
        for k in keys
    )


def _readings(
    cluster: ModelCluster, keys: set[Key], orgs: set[str], serving: frozenset[str] = frozenset()
) -> list[tuple[Key, bool]]:
    """The listing's keys, then without reseller affixes, a leading brand of its developer or a leading
    serving provider's name ('cerebras-llama-4-maverick'), then without preview and date tags, also
    those before a serving word (flagged True: such a reading never names a dated model)."""
    resold = {name_key(n) for r in cluster.records for n in reseller_names(r)}
    branded = {k[1:] for k in keys | resold if len(k) > 2 and org_id(k[0]) and org_id(k[0]) in orgs}
    branded |= {
        k[1:] for k in keys | resold if len(k) > 2 and normalize(k[0]) in serving and org_id(k[0]) not in orgs
    }
    out: list[Key] = []
    for group in (sorted(keys), sorted(resold | branded)):
        out += [k for k in group if k not in out]
    # a serving word after the date tag comes off first ('deepseek-v4.1-flash-1017-fast')
    dated = [*out, *(strip_variant(k, thinking=False) for k in out)]
    undated = [p for p in dict.fromkeys(without_previews(k) for k in dated) if p not in out]
    return [(k, False) for k in out] + [(k, True) for k in undated]


def _derivative(
    cluster: ModelCluster, keys: set[Key], index: _Index, providers: frozenset[str] = frozenset()
) -> CanonicalModel | None:
    """A fine-tune: a canonical model's name plus words neither its developer nor a serving tier uses."""
    maker = maker_of(cluster.records)
    for key in sorted(keys, key=lambda k: (-len(k), k)):
        found = index.base_of(key)
        loose = index.loose({key}) if found is None else set()
        loose = {m for m in loose if any(k[:1] == key[:1] for k in index.keys_of[m])}
        if found is None and len(loose) == 1:  # its words among the base's ('Llama 3 Euryale 70B')
            base = next(iter(loose))
            rest: Key = tuple(t for t in key if t not in set().union(*index.keys_of[base]))
        elif found is None:
            continue
        else:
            base, prefix = found
            rest = key[len(prefix) :]
        developers = index.orgs[base]
        if maker is not None and maker in developers:
            return None  # the developer's own version of its model, not a fine-tune
        own = set().union(*(index.words[o] for o in developers)) if developers else set()
        extra = {t for t in strip_variant(rest) if t.isalpha() and t not in providers}
        if extra - own - SIBLING_WORDS - DISCRIMINATORS - VARIANT_WORDS:
            return CanonicalModel(
                cluster.id,
                list(cluster.records),
                list(cluster.aliases),
                Evidence.DERIVATIVE,
                maker or UNKNOWN_DEVELOPER,
                base,
            )
        return None
    return None


def _providers(clusters: Sequence[ModelCluster]) -> frozenset[str]:
    """Every serving provider the sources name (normalised), e.g. 'cerebras', 'sambanova'."""
    found = {o.provider_id for c in clusters for r in c.records for o in r.offers}
    found |= {r.source_key.split("/", 1)[0] for c in clusters for r in c.records if "/" in r.source_key}
    return frozenset(normalize(p) for p in found)


def _model_of_its_own(
    cluster: ModelCluster,
    keys: set[Key],
    index: _Index,
    providers: frozenset[str],
    resellers: frozenset[str] = frozenset(),
) -> CanonicalModel | None:
    """A derivative (rule 4) or a named maker's model (rule 5); never a moving alias, and never a
    serving provider's variant of a canonical model ('cerebras/qwen3-32b-cs', 'deepseek-r1-sambanova')."""
    if _is_pointer(cluster.records):
        return None
    near = _near_canonical(keys, index)
    maker = maker_of(cluster.records)
    if near and maker is not None and normalize(maker) in providers:
        return None
    derivative = _derivative(cluster, keys, index, providers)
    if derivative is not None or near:
        return derivative
    return _named_maker(cluster, _routers(resellers, index))


def _routers(resellers: frozenset[str], index: _Index) -> frozenset[str]:
    """Resellers (normalised) that develop no canonical model of their own."""
    developers = {normalize(o) for orgs in index.orgs.values() for o in orgs}
    return frozenset(p for p in resellers if p not in developers)


def _resellers(clusters: Sequence[ModelCluster], least: int = 3) -> frozenset[str]:
    """Serving providers (normalised) whose catalogue holds models of at least `least` developers."""
    served: dict[str, set[str]] = defaultdict(set)
    for cluster in clusters:
        for record in cluster.records:
            if record.organization and "/" in record.source_key:
                served[normalize(record.source_key.split("/", 1)[0])].add(record.organization)
            for offer in record.offers:
                if record.organization:
                    served[normalize(offer.provider_id)].add(record.organization)
    return frozenset(p for p, orgs in served.items() if len(orgs) >= least)


def _near_canonical(keys: set[Key], index: _Index) -> bool:
    """A name some canonical model's name is in (its sibling, variant or alias): never a model by namespace."""
    stripped = {strip_variant(k) for k in keys} | keys
    if index.matches(stripped) or index.loose(stripped):
        return True
    for key in stripped:  # a longer name with words of its own; a bare version tag is a new release
        if (found := index.base_of(key)) and any(t.isalpha() for t in key[len(found[1]) :]):
            return True
    return False


def _named_maker(cluster: ModelCluster, routers: frozenset[str] = frozenset()) -> CanonicalModel | None:
    """Rule 5, unless the owner is a router: a serving provider that resells several developers' models
    and develops no canonical model ('openrouter/owl-alpha', a stealth model: its maker is not named)."""
    maker = maker_of(cluster.records)
    if maker is None or normalize(maker) in routers:
        return None
    return _model(cluster, Evidence.MAKER_NAMESPACE, maker)


_OLLAMA = re.compile(r"^ollama/[^/:]+(?::latest)?$", re.IGNORECASE)


def _size_value(token: str) -> float:
    """A total parameter size token in billions ('7b' 7, '8x7b' 56, '350m' 0.35); inf when unreadable."""
    found = re.fullmatch(r"(?:(\d+)x)?(\d+(?:\.\d+)?)([bmt])", token)
    if not found:
        return float("inf")
    scale = {"m": 1e-3, "b": 1.0, "t": 1e3}[found[3]]
    return int(found[1] or 1) * float(found[2]) * scale


def _ollama_default(cluster: ModelCluster, keys: set[Key], index: _Index) -> Listing | None:
    """Ollama's default tag of a model published in several sizes ('ollama/llama3.1', 'llama2:latest'):
    Ollama's plain tag pulls the family's smallest size of that name (Llama 2 7B, Llama 3.1 8B). Only
    where every record is such a tag, the name carries no size, and every model of that name is sized."""
    if not cluster.records or not all(_OLLAMA.match(r.source_key) for r in cluster.records):
        return None
    found: set[str] = set()
    for key in keys:
        if key != without_sizes(key) or not _has_number(key):
            return None
        found |= index.unsized.get(key, set())
    if len(found) < 2 or not all(index.sizes[m] for m in found):
        return None
    ranked = sorted(found, key=lambda m: (min(_size_value(t) for t in index.sizes[m]), m))
    return _listing(cluster, Evidence.VARIANT, ranked[0])


_MONTHS = {
    name: number
    for number, names in enumerate(
        (
            ("jan", "january"),
            ("feb", "february"),
            ("mar", "march"),
            ("apr", "april"),
            ("may",),
            ("jun", "june"),
            ("jul", "july"),
            ("aug", "august"),
            ("sep", "sept", "september"),
            ("oct", "october"),
            ("nov", "november"),
            ("dec", "december"),
        ),
        start=1,
    )
    for name in names
}
_ID_DATE = re.compile(r"-20\d\d(0[1-9]|1[0-2])[0-3]\d$")  # 'claude-3-5-sonnet-20240620'


def _month_snapshot(cluster: ModelCluster, keys: set[Key], index: _Index) -> Listing | None:
    """A name that ends in a month ('Claude-Sonnet-3.5-June', 'GPT-4o-Aug': Poe's names for dated
    snapshots) is the one model of that name, its words in any order, whose id is dated in that month
    (claude-3-5-sonnet-20240620)."""
    orgs = _orgs(cluster.records)
    found: set[str] = set()
    for key in keys:
        month = _MONTHS.get(key[-1]) if len(key) > 2 else None
        if month is None:
            continue
        body = key[:-1]
        named = index.matches({body}, orgs) | {
            m for m in index.loose({body}) if not (orgs and index.orgs[m] and not orgs & index.orgs[m])
        }
        found |= {
            m
            for m in named
            if (date_tag := _ID_DATE.search(m))
            and int(date_tag[1]) == month
            and any(sorted(k) == sorted(body) for k in index.keys_of[m])
        }
    return _listing(cluster, Evidence.MONTH, next(iter(found))) if len(found) == 1 else None


def _unresolved(cluster: ModelCluster, keys: set[Key], index: _Index) -> Listing:
    """A listing no model could be given with confidence, with the models it could be: the same name,
    the same words and numbers, the same name but for sizes, or the model its name extends."""
    stripped = {strip_variant(k) for k in keys} | keys
    candidates = index.matches(stripped) or index.loose(stripped)
    candidates = candidates or {m for k in stripped for m in index.unsized.get(without_sizes(k), ())}
    if not candidates:
        candidates = {found[0] for k in stripped if (found := index.base_of(k))}
    listing = _listing(cluster, Evidence.AMBIGUOUS if candidates else Evidence.NO_MATCH)
    listing.candidates = sorted(candidates)[:10]
    return listing
