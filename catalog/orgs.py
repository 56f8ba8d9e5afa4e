"""Canonical organisations and licences: one id for every spelling a source uses.

Sources name the same developer many ways ("meta-llama", "Meta AI", "facebook"); the graph needs
one id per organisation, so every reader maps names through `org_id`. Unknown text maps to None:
an organisation is only created from a source's own organisation record (`org_from_source`).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from catalog.records import OrganizationInfo

ORGS_FILE = Path(__file__).with_name("organizations.yaml")

# Texts that mean "no organisation" rather than an organisation called that.
_NOT_AN_ORG = {"", "unknown", "none", "na", "other", "various", "multiple"}


def _ascii(text: str) -> str:
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()


def normalize(text: str) -> str:
    """Lower-case ASCII with every non-alphanumeric character removed: 'Meta-AI' == 'meta ai'."""
    return re.sub(r"[^a-z0-9]", "", _ascii(text))


def slugify(text: str) -> str:
    """A lower-case id slug: 'Université de Montréal' -> 'universite-de-montreal'; 'MNPL 0.1' -> 'mnpl-0.1'.

    Dots survive only between digits (version numbers)."""
    return re.sub(r"(?:[^a-z0-9.]|(?<!\d)\.|\.(?!\d))+", "-", _ascii(text)).strip("-")


@dataclass(frozen=True)
class _Registry:
    orgs: dict[str, OrganizationInfo]
    by_key: dict[str, str]  # normalised alias -> org id
    families: list[tuple[str, str]]  # (lower-case name prefix, org id), longest prefix first
    models_dev: dict[str, str]  # models.dev provider id -> org id
    litellm: dict[str, str]  # litellm_provider -> org id


def _claim(table: dict[str, str], key: str, org: str, what: str) -> None:
    if table.get(key, org) != org:
        raise ValueError(f"{ORGS_FILE}: {what} {key!r} is claimed by both {table[key]!r} and {org!r}")
    table[key] = org


@lru_cache(maxsize=1)
def _registry() -> _Registry:
    entries: list[dict[str, Any]] = yaml.safe_load(ORGS_FILE.read_text(encoding="utf-8"))
    orgs: dict[str, OrganizationInfo] = {}
    by_key: dict[str, str] = {}
    families: dict[str, str] = {}
    models_dev: dict[str, str] = {}
    litellm: dict[str, str] = {}
    for entry in entries:
        fields = ("id", "name", "country", "kind", "website", "aliases")
        info = OrganizationInfo.model_validate({k: entry[k] for k in fields if entry.get(k) is not None})
        if info.id != slugify(info.id) or info.id in orgs:
            raise ValueError(f"{ORGS_FILE}: organisation id {info.id!r} is not a unique lower-case slug")
        orgs[info.id] = info
        for text in [info.id, info.name, *info.aliases]:
            _claim(by_key, normalize(text), info.id, "alias")
        for prefix in entry.get("families") or []:
            _claim(families, str(prefix).lower(), info.id, "family prefix")
        for provider in entry.get("models_dev_providers") or []:
            _claim(models_dev, provider, info.id, "models.dev provider")
        for provider in entry.get("litellm_providers") or []:
            _claim(litellm, provider, info.id, "litellm provider")
    ordered = sorted(families.items(), key=lambda item: -len(item[0]))
    return _Registry(orgs, by_key, ordered, models_dev, litellm)


def organizations() -> dict[str, OrganizationInfo]:
    """All canonical organisations by id (copies, so callers may enrich them)."""
    return {k: v.model_copy(deep=True) for k, v in _registry().orgs.items()}


def org_id(text: str | None) -> str | None:
    """The canonical id for any known spelling or id of an organisation, else None."""
    if not text:
        return None
    return _registry().by_key.get(normalize(text))


def org_from_source(name: str) -> str | None:
    """Id for an organisation named by a source's own organisation record; unknown names get a slug."""
    name = name.strip()
    if normalize(name) in _NOT_AN_ORG:
        return None
    return org_id(name) or slugify(name) or None


def org_from_model_name(name: str | None) -> str | None:
    """The developer whose model family the bare name starts with ('claude-3-opus' -> anthropic)."""
    if not name:
        return None
    text = name.strip().lower()
    for prefix, org in _registry().families:
        if text.startswith(prefix) and (len(text) == len(prefix) or not text[len(prefix)].isalpha()):
            return org
    return None


def models_dev_provider_org(provider_id: str) -> str | None:
    """The organisation a models.dev provider id is the first-party API of, if any."""
    return _registry().models_dev.get(provider_id)


def litellm_provider_org(provider: str) -> str | None:
    """The organisation a litellm provider is the first-party API of, if any."""
    return _registry().litellm.get(provider)


# --- licences ------------------------------------------------------------------------------------

_LICENSES: dict[str, str] = {
    "mit": "mit",
    "mitlicense": "mit",
    "modifiedmitlicense": "mit-modified",
    "modifiedmit": "mit-modified",
    "mitmodellicensecommercialuseallowed": "mit-modified",
    "proprietary": "proprietary",
    "closed": "proprietary",
    "closedsource": "proprietary",
    "commercial": "proprietary",
    "gemma": "gemma",
    "gemmatermsofuse": "gemma",
    "qwen": "qwen",
    "qwenlicense": "qwen",
    "tongyiqianwen": "tongyi-qianwen",
    "deepseek": "deepseek",
    "deepseeklicense": "deepseek",
    "ccbync": "cc-by-nc",
    "ccbync40": "cc-by-nc-4.0",
    "ccby40": "cc-by-4.0",
    "creativecommonsattribution40license": "cc-by-4.0",
    "creativecommonsattribution40": "cc-by-4.0",
    "mistralresearchlicense": "mrl",
    "mrl": "mrl",
    "mistralresearchlicensemrlforresearchmistralcommerciallicenseforcommercialuse": "mrl",
    "mnpl01": "mnpl-0.1",
    "jambaopenmodellicense": "jamba-open-model",
    "nvidiaopenmodellicenseagreement": "nvidia-open-model",
    "nvidiaopenmodellicense": "nvidia-open-model",
    "healthaideveloperfoundationstermsofuse": "hai-def",
    "bsd3clause": "bsd-3-clause",
    "gpl30": "gpl-3.0",
    "openrail": "openrail",
    "openrailm": "openrail-m",
}
_NO_LICENSE = {"", "unknown", "none", "na", "other", "notspecified", "unspecified"}


def license_id(text: str | None) -> str | None:
    """Canonical licence id: 'apache_2_0' / 'Apache 2.0' -> 'apache-2.0', 'llama_3_1' -> 'llama-3.1'.

    Known families get a fixed id; any other named licence keeps a slug of its name, so nothing
    is lost; empty or 'unknown' gives None.
    """
    if not text:
        return None
    key = normalize(text)
    if key in _NO_LICENSE:
        return None
    if key in _LICENSES:
        return _LICENSES[key]
    lowered = text.lower()
    if key.startswith("apache"):
        return "apache-2.0" if re.search(r"2", lowered) else "apache"
    llama = re.match(r"\s*llama[\s_-]*(\d+)(?:[\s._-]+(\d+))?(?![\d])", lowered)
    if llama:
        major, minor = llama.groups()
        return f"llama-{major}.{minor}" if minor else f"llama-{major}"
    return slugify(text)
