"""Gold-tag evaluation of the entity linker on AINews issues, with the catalog built from real files.

Design (kept honest on purpose):

* **Text**: each issue's ``title + summary + lead_text``, the text the gold ``models[]`` /
  ``companies[]`` tags were written for.
* **Catalog**: :func:`entities_from_catalog_files` reads ``llm_stats_models_flat.jsonl`` and the
  models.dev JSON only (no names are added by hand).
* **Gold mapping** (:func:`map_gold_tag`): a gold tag counts only if it maps to a catalog entity of
  the right kind; the rest are reported as out-of-catalog and are not scored. Mapping is by
  normalised alias equality (``claude-3.5-sonnet`` = ``Claude 3.5 Sonnet``, ``llama-3-1-405b`` =
  ``Llama 3.1 405B``), after stripping trailing packaging tokens (``-instruct``, ``-it``, ``-chat``,
  ``-hf``, ``-v0.1``, dates). Company tags also drop corporate suffixes (``mistral-ai`` ->
  Mistral, ``meta-ai-fair`` -> Meta, ``togethercompute`` -> Together) and may fall back to their
  longest leading tokens that name an organisation (``google-deepmind`` -> Google). There is no
  per-tag table.
* **Scores**: micro precision/recall/F1 per issue sets. Predicted entities are all in the catalog;
  a predicted entity the gold tags omit is a false positive even when the text does name it.
* **Split**: issues sorted by date; the older half is ``dev`` (looked at while developing), the
  newer half ``test`` (scored only at the end).
"""

from __future__ import annotations

import json
import re
from collections import Counter, defaultdict
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from catalog.news.linking import CatalogEntity, EntityLinker, Kind, Mention, normalise

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
_MIN_TOKENS = 2  # a qualifier is stripped only while this many tokens remain (o1-preview stays)


# ------------------------------------------------------------------------------------- catalog
def _n_tokens(name: str) -> int:
    return len([t for t in re.split(r"[\s_-]+", name) if t])


def _base_name(name: str) -> str:
    """Display name without parentheticals, provider prefixes and packaging/snapshot suffixes."""
    name = re.sub(r"\s*\([^)]*\)", "", name).strip()
    name = name.rsplit(": ", 1)[-1].rsplit("/", 1)[-1].strip()
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
    if first_num >= 2:
        out.append(name[: name.index(toks[first_num - 1]) + len(toks[first_num - 1])])
    series = _series(name)
    if len(series) >= 3 and normalise(series) != normalise(name):
        out.append(series)
    return out


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

    def add(self, oid: str, name: str) -> str:
        variants = _org_variants(name)
        ids = _org_variants(oid.replace("-", " "), min_len=3)
        hit = self.find(name) or next((self.key[normalise(v)] for v in ids if normalise(v) in self.key), None)
        if hit is None:
            hit = oid
            self.entities[oid] = CatalogEntity(oid, "Organization", variants[0], [])
        e = self.entities[hit]
        e.aliases.extend(v for v in variants if v != e.name and v not in e.aliases)
        for v in [*variants, *ids]:
            self.key.setdefault(normalise(v), hit)
        return hit


_Raw = tuple[str, str, str | None, str | None]  # raw id, name, creator org id (if known), provider org id


def _raw_models(root: Path, orgs: _Orgs) -> list[_Raw]:
    flat = [json.loads(line) for line in (root / "llm_stats_models_flat.jsonl").open()]
    mdev: dict[str, Any] = json.loads(next((root / "models_dev").glob("models_dev_api_*.json")).read_text())
    raw: list[_Raw] = [(r["model_id"], r["name"], orgs.add(r["organization_id"], r["organization"]), None) for r in flat]
    series_org = {normalise(_series(r["name"])): orgs.find(r["organization"]) for r in flat}
    for pid, prov in mdev.items():
        # A provider named like another creator's model series (Llama API, Amazon Nova) is no org.
        keys = {normalise(v) for v in _org_variants(prov["name"])}
        foreign = any(series_org.get(k) not in (None, orgs.key.get(k)) for k in keys)
        prov_org = None if foreign else orgs.add(pid, prov["name"])
        for mid, m in prov["models"].items():
            prefix = mid.split("/")[0].replace("-", " ") if "/" in mid else None
            creator = orgs.find(prefix) if prefix else None
            name = _drop_org_word(m["name"], orgs, series_org)
            raw.append((mid.rsplit("/", 1)[-1].split(":")[0], name, creator, prov_org))
    return raw


def _drop_org_word(name: str, orgs: _Orgs, series: dict[str, str | None]) -> str:
    """``OpenAI o1-preview`` -> ``o1-preview``; ``Mistral Large`` stays (Mistral is also a series)."""
    head, _, rest = re.sub(r"^[^:]*: ", "", name).partition(" ")
    if not rest:
        head, _, rest = name.partition("-")
    key = normalise(head)
    return rest if rest and key in orgs.key and key not in series else name


def _group_key(name: str) -> str:
    """Order-free token key: ``Claude Sonnet 3.5`` = ``Claude 3.5 Sonnet``, ``Qwen2.5-7B`` = ``Qwen 2.5 7B``."""
    toks = re.split(r"[\s_-]+|(?<=[a-z])(?=\d)", _base_name(name).lower())
    return " ".join(sorted(t for t in toks if t))


def _group(raw: list[_Raw]) -> list[list[_Raw]]:
    """Records are one model when their base names share the token key or the normalised key."""
    parent: dict[str, str] = {}

    def find(x: str) -> str:
        while parent.setdefault(x, x) != x:
            parent[x] = parent[parent[x]] = parent[parent[x]]
            x = parent[x]
        return x

    keyed = [(rec, "t:" + _group_key(rec[1]), "n:" + normalise(_base_name(rec[1]))) for rec in raw]
    keyed = [k for k in keyed if k[2] != "n:"]
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
        aliases = sorted(({*bases} | {rid for rid, *_ in recs}) - {display})
        models.setdefault(_slug(display), CatalogEntity(_slug(display), "Model", display, aliases, None, org))
    return models


def _add_families(models: dict[str, CatalogEntity]) -> None:
    by_norm = {normalise(e.name): e for e in models.values()}
    members: dict[str, list[CatalogEntity]] = defaultdict(list)
    for e in list(models.values()):
        for fam in _family_names(e.name):
            members[fam].append(e)
    for fam, ms in members.items():
        if normalise(fam) not in by_norm and len(ms) >= 2 and _slug(fam) not in models:
            org = Counter(m.org for m in ms if m.org).most_common(1)
            models[_slug(fam)] = by_norm[normalise(fam)] = CatalogEntity(
                _slug(fam), "Model", fam, [], None, org[0][0] if org else None
            )
    for e in models.values():
        e.family = next(
            (t.id for f in _family_names(e.name) if (t := by_norm.get(normalise(f))) and t.id != e.id), None
        )


def entities_from_catalog_files(data_dir: str | Path) -> list[CatalogEntity]:
    """Models, derived families and organisations from llm-stats and models.dev.

    Models sharing a base name or a raw id are one entity (``GPT-4o`` owns ``gpt-4o-2024-08-06``;
    both Claude 3.5 Sonnet snapshots are one). Families: the name up to its version (``Claude 3.5``,
    ``Llama 3.1``) and its series (``Claude``), made when at least two models share them, or the
    model of that name when one exists (``GPT-4o`` is the family of ``GPT-4o mini``). Organisations:
    llm-stats creators plus models.dev providers (product suffixes removed); a model's org is its
    llm-stats creator, else the id prefix (``meta-llama/``), else its series' usual creator, else the
    provider. ``data_dir`` is the catalog folder or its parent.
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
    rows = [json.loads(line) for line in Path(issues_path).open()]
    return sorted(rows, key=lambda r: (r["date"], r["id"]))


def split_issues(issues: list[dict[str, Any]]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Older half (dev) and newer half (test)."""
    half = len(issues) // 2
    return issues[:half], issues[half:]


def issue_text(issue: dict[str, Any]) -> str:
    return "\n\n".join(issue.get(k) or "" for k in ("title", "summary", "lead_text"))


def evaluate_linking(
    issues_path: str | Path | list[dict[str, Any]],
    entities: list[CatalogEntity] | EntityLinker,
    split: str = "all",
) -> dict[str, Any]:
    """Micro P/R/F1 for models and organisations against in-catalog gold tags.

    ``split`` is ``all``, ``dev`` (older half by date) or ``test`` (newer half).
    """
    linker = entities if isinstance(entities, EntityLinker) else EntityLinker(entities)
    issues = load_issues(issues_path) if not isinstance(issues_path, list) else issues_path
    if split != "all":
        issues = split_issues(issues)[0 if split == "dev" else 1]
    fields: dict[Kind, str] = {"Model": "models", "Organization": "companies"}
    result: dict[str, Any] = {"issues": len(issues), "split": split}
    counts = {k: Counter() for k in fields}
    for issue in issues:
        found: list[Mention] = linker.link(issue_text(issue))
        for kind, fld in fields.items():
            c = counts[kind]
            gold: set[str] = set()
            for tag in set(issue.get(fld) or []):
                eid = map_gold_tag(tag, kind, linker)
                c["gold_in_catalog" if eid else "gold_not_in_catalog"] += 1
                if eid:
                    gold.add(eid)
            pred = {m.entity_id for m in found if m.kind == kind}
            c["tp"] += len(pred & gold)
            c["fp"] += len(pred - gold)
            c["fn"] += len(gold - pred)
    for kind, c in counts.items():
        key = "models" if kind == "Model" else "organizations"
        result[key] = {**_prf(c["tp"], c["fp"], c["fn"]), **{k: c[k] for k in sorted(c)}}
    return result


def error_report(
    issues: list[dict[str, Any]], linker: EntityLinker, kind: Kind = "Model"
) -> dict[str, Counter]:
    """False positives / negatives by entity id, for looking at the dev half only."""
    fld = "models" if kind == "Model" else "companies"
    fps: Counter[str] = Counter()
    fns: Counter[str] = Counter()
    for issue in issues:
        gold = {e for t in issue.get(fld) or [] if (e := map_gold_tag(t, kind, linker))}
        pred = {m.entity_id for m in linker.link(issue_text(issue)) if m.kind == kind}
        fps.update(pred - gold)
        fns.update(gold - pred)
    return {"fp": fps, "fn": fns}
