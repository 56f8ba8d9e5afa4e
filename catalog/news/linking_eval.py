"""Gold-tag evaluation of the entity linker on AINews issues, with the catalog built from real files.

Design (kept honest on purpose):

* **Text**: each issue's ``title + summary + lead_text``, the text the gold ``models[]`` /
  ``companies[]`` tags were written for. Only salient mentions count (``MIN_CONFIDENCE``: named in
  the first 1,000 characters or more than once; see linking.py).
* **Catalog**: :func:`entities_from_catalog_files` reads ``llm_stats_models_flat.jsonl`` and the
  models.dev JSON only; no names are added by hand.
* **Gold mapping** (:func:`map_gold_tag`): a gold tag is scored only if it maps to a catalog entity
  of the right kind; the others are counted as out-of-catalog and left out. Mapping is exact
  normalised-alias equality (``claude-3.5-sonnet`` = ``Claude 3.5 Sonnet``, ``llama-3-1-405b`` =
  ``Llama 3.1 405B``), after stripping trailing packaging tokens (``-instruct``, ``-it``, ``-chat``,
  ``-v0.1``, dates). Company tags may also drop corporate suffixes (``mistral-ai`` -> Mistral AI,
  ``meta-ai-fair`` -> Meta, ``togethercompute`` -> Together AI) and fall back to their longest
  leading tokens that name an organisation (``google-deepmind`` -> Google). No per-tag table.
* **Scores**: micro precision/recall/F1 over per-issue entity sets. A linked entity the gold tags
  omit is a false positive even when the text names it. ``gold_absent_from_text`` counts in-catalog
  gold entities that no spelling of occurs in the text (tagged from parts of the issue the data
  set lacks): a ceiling on recall for any text linker.
* **Split**: issues sorted by date; the older half is ``dev`` (looked at while developing), the
  newer half ``test`` (scored only at the end).
"""

from __future__ import annotations

import json
import re
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

from core.linking import CatalogEntity, EntityLinker, Kind, Mention, normalise

#: Trailing name tokens that denote packaging or a snapshot, not a different model.
_QUALIFIER = re.compile(
    r"[\s_-](instruct|instructed|it|chat|latest|preview|exp|experimental|fp8|hf|gguf|versatile|instant"
    r"|v\d+(\.\d+)*|\d{4}|\d{2}-\d{2}|20\d{6}|20\d{2}-\d{2}-\d{2})$",
    re.IGNORECASE,
)
#: Trailing words of a company name (or a provider product) that the bare name can stand without.
_CORP = re.compile(
    r"[\s.-]+(ai|labs?|team|inc|research|fair|compute|project|org|cloud|coding plan|token plan|gateway"
    r"|workers|token factory|endpoints|agent|models|copilot|go|zen|duo|tokenhub|bedrock|for coding"
    r"|cognitive services)$",
    re.IGNORECASE,
)
#: Only salient mentions count (named in the lede or more than once; see linking.py).
MIN_CONFIDENCE = 0.5
_MIN_TOKENS = 2  # a qualifier is stripped only while this many tokens remain (o1-preview stays)


# ------------------------------------------------------------------------------------- catalog
def _n_tokens(name: str) -> int:
    return len([t for t in re.split(r"[\s_-]+", name) if t])


def _base_name(name: str) -> str:
    """Display name without parentheticals, provider prefixes and packaging/snapshot suffixes."""
    name = re.sub(r"\s*\([^)]*\)", "", name).strip().rsplit("/", 1)[-1]
    head, _, rest = name.rpartition(": ")  # "Mistral: Mixtral 8x22B"; but "DeepSeek: R1" keeps its org
    name = (rest if len(normalise(rest)) > 3 else f"{head} {rest}").strip()
    while (m := _QUALIFIER.search(name)) and _n_tokens(name[: m.start()]) >= _MIN_TOKENS:
        name = name[: m.start()].rstrip(" -_")
    return name


def _org_variants(name: str, min_len: int = 4) -> list[str]:
    """Spellings of an organisation name: each ``/`` part, then without corporate suffixes."""
    out: list[str] = []
    for part in [name, *name.split("/")]:
        part = re.sub(r"\s*\([^)]*\)", "", part).strip()
        while part and part not in out:
            out.append(part)
            stripped = _CORP.sub("", part).strip(" .-")
            if stripped == part or len(normalise(stripped)) < min_len:
                break
            part = stripped
    return [v for v in out if normalise(v)]


def _series(name: str) -> str:
    """Leading letters of a model name: ``Llama`` for ``Llama 3.1 8B``, ``Qwen`` for ``Qwen2.5``."""
    m = re.match(r"[A-Za-z]+", name)
    return m.group(0) if m else ""


def _family_names(name: str) -> list[str]:
    """Family-level names of a model, most specific first.

    ``Claude Opus 4.6 Thinking`` -> ``Claude Opus 4.6``, ``Claude Opus``, ``Claude``: the name up to
    its version token (when more follows), its leading letter-only words, and its series.
    """
    toks = [t for t in re.split(r"[\s_-]+", name) if t]
    out: list[str] = []
    first_num = next((i for i, t in enumerate(toks) if re.search(r"\d", t)), len(toks))
    if first_num + 1 < len(toks):
        end = 0
        for t in toks[: first_num + 1]:
            end = name.index(t, end) + len(t)
        out.append(name[:end])
    if 2 <= first_num < len(toks):
        out.append(name[: name.index(toks[first_num - 1]) + len(toks[first_num - 1])])
    series = _series(name)
    if len(series) >= 3 and normalise(series) != normalise(name):
        out.append(series)
    return out


def _versioned_series(name: str) -> bool:
    """``Llama 3``, ``Qwen2.5``, ``DeepSeek-V3``: the series word is followed by a version."""
    return re.match(r"[A-Za-z]+[\s_-]?[A-Za-z]?\d", name) is not None


def _slug(name: str) -> str:
    return re.sub(r"[^a-z0-9.]+", "-", name.lower()).strip("-")


class _Orgs:
    """Organisation entities merged by normalised name variants."""

    def __init__(self) -> None:
        self.entities: dict[str, CatalogEntity] = {}
        self.key: dict[str, str] = {}

    def find(self, name: str) -> str | None:
        keys = [normalise(v) for v in _org_variants(name, min_len=3)]
        return next((self.key[k] for k in keys if k in self.key), None)

    def add(self, oid: str, name: str, provider: bool = False) -> str:
        """Merge into a known organisation or create one (a provider is named by its bare name)."""
        variants = _org_variants(name)
        if provider:
            oid = _slug(variants[-1])
        ids = _org_variants(oid.replace("-", " "), min_len=3)
        hit = self.find(name) or next((self.key[normalise(v)] for v in ids if normalise(v) in self.key), None)
        if hit is None:
            hit = "org:" + oid
            self.entities[hit] = CatalogEntity(hit, "Organization", variants[0], [])
        e = self.entities[hit]
        e.aliases.extend(v for v in variants if v != e.name and v not in e.aliases)
        for v in [*variants, *ids]:
            self.key.setdefault(normalise(v), hit)
        return hit


_Raw = tuple[str, str, str | None, str | None]  # raw id, name, creator org id (if known), provider org id


def _raw_models(root: Path, orgs: _Orgs) -> list[_Raw]:
    flat = [json.loads(ln) for ln in (root / "llm_stats_models_flat.jsonl").read_text().splitlines() if ln]
    mdev: dict[str, Any] = json.loads(next((root / "models_dev").glob("models_dev_api_*.json")).read_text())
    raw: list[_Raw] = [
        (r["model_id"], r["name"], orgs.add(r["organization_id"], r["organization"]), None) for r in flat
    ]
    series_org = {normalise(_series(r["name"])): orgs.find(r["organization"]) for r in flat}
    for pid, prov in mdev.items():
        # A provider named like another creator's model series (Llama API, Amazon Nova) is no org.
        keys = {normalise(v) for v in _org_variants(prov["name"])}
        foreign = any(series_org.get(k) not in (None, orgs.key.get(k)) for k in keys)
        prov_org = None if foreign else orgs.add(pid, prov["name"], provider=True)
        for mid, m in prov["models"].items():
            prefix = mid.split("/")[0].replace("-", " ") if "/" in mid else None
            creator = orgs.find(prefix) if prefix else None
            rid = mid.rsplit("/", 1)[-1].split(":")[0]
            name = _drop_org_word(m["name"], orgs, series_org)
            if len(normalise(_base_name(name))) <= 3 < len(normalise(rid)):
                name = rid  # "R1" served as deepseek-r1: the id says which model
            raw.append((rid, name, creator, prov_org))
    return raw


def _drop_org_word(name: str, orgs: _Orgs, series: dict[str, str | None]) -> str:
    """``OpenAI o1-preview`` -> ``o1-preview``; ``Mistral Large`` stays (Mistral is also a series)."""
    m = re.match(r"([A-Za-z][\w.]*)[\s-]+([A-Za-z].{3,})", name)  # "MiniMax 1.5" keeps its series
    if m and normalise(m.group(1)) in orgs.key and normalise(m.group(1)) not in series:
        return m.group(2)
    return name


def _group_key(name: str) -> str:
    """Order-free token key: ``Claude Sonnet 3.5`` = ``Claude 3.5 Sonnet``, ``Qwen2.5`` = ``Qwen 2.5``."""
    toks = re.split(r"[\s_-]+|(?<=[a-z])(?=\d)", _base_name(name).lower())
    return " ".join(sorted(t for t in toks if t))


def _is_descriptor(name: str, descriptors: set[str]) -> bool:
    return name.isalpha() and name.lower() in descriptors


def _group(raw: list[_Raw]) -> list[list[_Raw]]:
    """Records are one model when their base names share the token key or the normalised key."""
    parent: dict[str, str] = {}

    def find(x: str) -> str:
        while parent.setdefault(x, x) != x:
            x = parent[x]
        return x

    # A one-word name that other names use as a descriptor ("Coder", "Small") is not a model name.
    descriptors = {t.lower() for _, n, *_ in raw for t in re.split(r"[\s_-]+", _base_name(n))[1:]}
    keyed = [(rec, "t:" + _group_key(rec[1]), "n:" + normalise(_base_name(rec[1]))) for rec in raw]
    keyed = [
        k for k in keyed if re.search("[a-z]", k[2]) and not _is_descriptor(_base_name(k[0][1]), descriptors)
    ]
    for _, a, b in keyed:
        parent[find(a)] = find(b)
    groups: dict[str, list[_Raw]] = defaultdict(list)
    for rec, a, _ in keyed:
        groups[find(a)].append(rec)
    return list(groups.values())


def _model_entities(groups: list[list[_Raw]]) -> dict[str, CatalogEntity]:
    series_org: dict[str, Counter[str]] = defaultdict(Counter)
    for recs in groups:
        for _, name, creator, _ in recs:
            if creator:
                series_org[_series(name).lower()][creator] += 1
    models: dict[str, CatalogEntity] = {}
    for recs in groups:
        bases = Counter(_base_name(n) for _, n, _, _ in recs)
        stats = [_base_name(n) for _, n, c, p in recs if c and p is None]  # llm-stats names first
        display = stats[0] if stats else bases.most_common(1)[0][0]
        by_series = series_org[_series(display).lower()].most_common(1)
        org = next((c for _, _, c, _ in recs if c), None) or (by_series[0][0] if by_series else None)
        org = org or next((p for *_, p in recs if p), None)
        ids = {rid for rid, *_ in recs if re.search(r"\d", rid)}  # "small", "frontier" are no names
        aliases = sorted(({*bases} | ids) - {display})
        eid = "model:" + _slug(display)
        models.setdefault(eid, CatalogEntity(eid, "Model", display, aliases, None, org))
    return models


def _add_families(models: dict[str, CatalogEntity]) -> None:
    by_norm = {normalise(e.name): e for e in models.values()}
    members: dict[str, list[CatalogEntity]] = defaultdict(list)
    for e in list(models.values()):
        for fam in _family_names(e.name):
            members[fam].append(e)
    for fam, ms in members.items():
        if fam == _series(fam):  # a bare series ("Claude") needs two versioned members
            ms = [m for m in ms if _versioned_series(m.name)]
        fid = "model:" + _slug(fam)
        if normalise(fam) not in by_norm and len(ms) >= 2 and fid not in models and len(normalise(fam)) > 3:
            org = Counter(m.org for m in ms if m.org).most_common(1)
            models[fid] = by_norm[normalise(fam)] = CatalogEntity(
                fid, "Model", fam, [], None, org[0][0] if org else None
            )
    for e in models.values():
        e.family = next(
            (t.id for f in _family_names(e.name) if (t := by_norm.get(normalise(f))) and t.id != e.id), None
        )


def entities_from_catalog_files(data_dir: str | Path) -> list[CatalogEntity]:
    """Models, derived families and organisations from llm-stats and models.dev.

    Records whose base names (no parentheticals, ``-instruct``/``-preview``/date suffixes, leading
    org word) have the same tokens or the same normalised form are one model, which owns their raw
    ids as aliases (``GPT-4o`` owns ``gpt-4o-2024-08-06``; ``Claude Sonnet 3.5`` = ``Claude 3.5
    Sonnet``). One-word names that other names use as descriptors (``Coder``) are dropped.
    Families: the name up to its version (``Claude 3.5``, ``Llama 3.1``), its leading words
    (``Claude Opus``) and its series (``Claude``, only when followed by a version in two models),
    made when at least two models share them, or the model of that name when one exists (``GPT-4o``
    is the family of ``GPT-4o mini``). Organisations: llm-stats creators plus models.dev providers
    (product suffixes removed; a provider named like another creator's series, e.g. Llama, is
    skipped). A model's org is its llm-stats creator, else its id prefix (``meta-llama/``), else its
    series' usual creator, else the provider. ``data_dir`` is the catalog folder or its parent.
    """
    root = Path(data_dir)
    if (root / "catalog").is_dir():
        root = root / "catalog"
    orgs = _Orgs()
    models = _model_entities(_group(_raw_models(root, orgs)))
    _add_families(models)
    return [*orgs.entities.values(), *models.values()]


# ---------------------------------------------------------------------------------- gold tags
def map_gold_tag(tag: str, kind: Kind, linker: EntityLinker) -> str | None:
    """The catalog entity id a gold tag names, or None when the catalog has no such entity."""
    name = tag.replace("_", "-")
    cands = [name, _base_name(name.replace("-", " "))]
    if kind == "Organization":
        toks = name.split("-")
        cands += [_CORP.sub("", c.replace("-", " ")) for c in cands]
        cands += ["-".join(toks[:i]) for i in range(len(toks) - 1, 0, -1)]
        cands.append(re.sub(r"(ai|labs?|compute|research|hq)$", "", normalise(name)))  # togethercompute
    for c in cands:
        e = linker.lookup(c, kind)
        if e is not None:
            return e.id
    return None


def _prf(tp: int, fp: int, fn: int) -> dict[str, float]:
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    return {
        "precision": round(p, 4),
        "recall": round(r, 4),
        "f1": round(2 * p * r / (p + r), 4) if p + r else 0.0,
    }


def load_issues(issues_path: str | Path) -> list[dict[str, Any]]:
    """Issues sorted by date (then id), the order the dev/test split uses."""
    rows = [json.loads(line) for line in Path(issues_path).read_text().splitlines() if line.strip()]
    return sorted(rows, key=lambda r: (r["date"], r["id"]))


def split_issues(issues: list[dict[str, Any]]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Older half (dev) and newer half (test)."""
    half = len(issues) // 2
    return issues[:half], issues[half:]


def issue_text(issue: dict[str, Any]) -> str:
    return "\n\n".join(issue.get(k) or "" for k in ("title", "summary", "lead_text"))


def _absent(entity: CatalogEntity, flat_text: str) -> bool:
    """No spelling of the entity occurs in the text at all (an upper bound for any linker)."""
    return not any(len(k) > 2 and k in flat_text for k in map(normalise, [entity.name, *entity.aliases]))


def evaluate_linking(
    issues_path: str | Path | list[dict[str, Any]],
    entities: list[CatalogEntity] | EntityLinker,
    split: str = "all",
    min_confidence: float = MIN_CONFIDENCE,
) -> dict[str, Any]:
    """Micro P/R/F1 for models and organisations against in-catalog gold tags.

    ``split`` is ``all``, ``dev`` (older half by date) or ``test`` (newer half). Besides P/R/F1 and
    tp/fp/fn, each kind reports gold tag occurrences and distinct tag strings in and out of the
    catalog, and ``gold_absent_from_text``: in-catalog gold entities none of whose spellings occur
    in the evaluated text (tagged from parts of the issue that the data set does not include).
    """
    linker = entities if isinstance(entities, EntityLinker) else EntityLinker(entities)
    issues = load_issues(issues_path) if not isinstance(issues_path, list) else issues_path
    if split != "all":
        issues = split_issues(issues)[0 if split == "dev" else 1]
    fields: dict[Kind, str] = {"Model": "models", "Organization": "companies"}
    counts: dict[Kind, Counter[str]] = {k: Counter() for k in fields}
    tags: dict[Kind, dict[str, str | None]] = {k: {} for k in fields}
    for issue in issues:
        text = issue_text(issue)
        found: list[Mention] = linker.link(text, min_confidence)
        for kind, fld in fields.items():
            c, gold = counts[kind], set()
            for tag in set(issue.get(fld) or []):
                eid = tags[kind].setdefault(tag, map_gold_tag(tag, kind, linker))
                c["gold_in_catalog" if eid else "gold_not_in_catalog"] += 1
                if eid:
                    gold.add(eid)
            c["gold_absent_from_text"] += sum(_absent(linker.entities[e], normalise(text)) for e in gold)
            pred = {m.entity_id for m in found if m.kind == kind}
            c["tp"] += len(pred & gold)
            c["fp"] += len(pred - gold)
            c["fn"] += len(gold - pred)
    result: dict[str, Any] = {"issues": len(issues), "split": split, "min_confidence": min_confidence}
    for kind, c in counts.items():
        c["distinct_tags_in_catalog"] = sum(1 for e in tags[kind].values() if e)
        c["distinct_tags_not_in_catalog"] = sum(1 for e in tags[kind].values() if not e)
        key = "models" if kind == "Model" else "organizations"
        result[key] = {**_prf(c["tp"], c["fp"], c["fn"]), **{k: c[k] for k in sorted(c)}}
    return result


def error_report(
    issues: list[dict[str, Any]],
    linker: EntityLinker,
    kind: Kind = "Model",
    min_confidence: float = MIN_CONFIDENCE,
) -> dict[str, Counter]:
    """False positives / negatives by entity id, for looking at the dev half only."""
    fld = "models" if kind == "Model" else "companies"
    fps: Counter[str] = Counter()
    fns: Counter[str] = Counter()
    for issue in issues:
        gold = {e for t in issue.get(fld) or [] if (e := map_gold_tag(t, kind, linker))}
        pred = {m.entity_id for m in linker.link(issue_text(issue), min_confidence) if m.kind == kind}
        fps.update(pred - gold)
        fns.update(gold - pred)
    return {"fp": fps, "fn": fns}
