"""Split texts into overlapping chunks with stable ids, and render model facts as searchable text."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from functools import lru_cache
from typing import Any

from langchain_text_splitters import RecursiveCharacterTextSplitter

from rag.base import Chunk, Classification, Kind

# all-MiniLM-L6-v2 reads at most 256 word pieces; ~800 characters of English prose fit in that.
DEFAULT_CHUNK_SIZE = 800
DEFAULT_CHUNK_OVERLAP = 150  # in whole sentences: an overlap shorter than a sentence is none

_MD_LINK = re.compile(r"\[([^\]]*)\]\((?:[^()\s]|\([^()\s]*\))+\)")
_BARE_URL = re.compile(r"https?://\S+")


def strip_link_targets(text: str) -> str:
    """`[label](url)` -> `label`, bare URLs dropped: URLs eat the model's token window and add noise."""
    text = _MD_LINK.sub(r"\1", text)
    text = _BARE_URL.sub("", text)
    return re.sub(r"[ \t]{2,}", " ", text).strip()


@lru_cache(maxsize=8)
def _splitter(chunk_size: int, chunk_overlap: int) -> RecursiveCharacterTextSplitter:
    return RecursiveCharacterTextSplitter(
        chunk_size=chunk_size,
        chunk_overlap=chunk_overlap,
        separators=["\n\n", "\n", ". ", " ", ""],
        keep_separator="end",
        strip_whitespace=True,
    )


def chunk_text(
    doc_id: str,
    text: str,
    *,
    kind: Kind = "document",
    chunk_size: int = DEFAULT_CHUNK_SIZE,
    chunk_overlap: int = DEFAULT_CHUNK_OVERLAP,
    classification: Classification = "public",
    tenant: str | None = None,
    title: str | None = None,
    url: str | None = None,
    date: str | None = None,
    strip_links: bool = True,
) -> list[Chunk]:
    """Chunks `doc_id#0..n-1`. The split is deterministic, so an unchanged text gives identical ids
    and hashes on every run, and a changed text gives new hashes for the chunks that changed."""
    if chunk_overlap >= chunk_size:
        raise ValueError("chunk_overlap must be smaller than chunk_size")
    body = strip_link_targets(text) if strip_links else text
    pieces = [p for p in _splitter(chunk_size, chunk_overlap).split_text(body) if p.strip()]
    return [
        Chunk(
            id=f"{doc_id}#{i}",
            doc_id=doc_id,
            kind=kind,
            text=piece,
            classification=classification,
            tenant=tenant,
            title=title,
            url=url,
            date=date,
        )
        for i, piece in enumerate(pieces)
    ]


def _count(value: Any) -> str:
    """7_000_000_000 -> '7B', 128_000 -> '128K'."""
    n = float(value)
    for size, suffix in ((1e12, "T"), (1e9, "B"), (1e6, "M"), (1e3, "K")):
        if n >= size:
            return f"{n / size:.3g}{suffix}"
    return f"{n:.0f}"


def _benchmarks(facts: Mapping[str, Any], limit: int) -> list[str]:
    raw = facts.get("benchmarks") or facts.get("scores") or []
    if isinstance(raw, Mapping):
        pairs = list(raw.items())
    else:
        pairs = [(s.get("benchmark_name") or s.get("benchmark_id"), s.get("score")) for s in raw]
    return [f"{name} {score:g}" for name, score in pairs[:limit] if name and isinstance(score, int | float)]


def _join(values: Any) -> str:
    if isinstance(values, str):
        return values
    if isinstance(values, Sequence):
        return ", ".join(str(v) for v in values)
    return ""


def render_model_card(
    facts: Mapping[str, Any], *, max_benchmarks: int = 8, max_description: int = 300
) -> str:
    """One short paragraph of a catalog model's key facts, so that vector search can find models too.

    Reads the catalog's ModelRecord field names (`name`, `organization` or `developer`, `release_date`,
    `parameters`, `context_length`, `license`/`license_name`, `open_weights`, `input_modalities`,
    `output_modalities`, `reasoning`, `tool_use`, `description`) plus `benchmarks` as a name -> score
    mapping or `scores` as a list of {benchmark_name, score}. Unknown facts are left out, never guessed.
    """
    name = facts.get("name") or facts.get("model_id")
    if not name:
        raise ValueError("a model card needs a name")
    developer = facts.get("developer") or facts.get("organization_name") or facts.get("organization")
    lines = [f"{name} is a model by {developer}." if developer else f"{name} is a model."]
    if facts.get("family"):
        lines.append(f"Family: {facts['family']}.")
    if facts.get("release_date"):
        lines.append(f"Released {facts['release_date']}.")
    if facts.get("parameters"):
        lines.append(f"Parameters: {_count(facts['parameters'])}.")
    elif facts.get("parameters_disclosed") is False:
        lines.append("Parameter count undisclosed.")
    if facts.get("context_length"):
        lines.append(f"Context length: {_count(facts['context_length'])} tokens.")
    licence = facts.get("license_name") or facts.get("license")
    if licence:
        lines.append(f"Licence: {licence}.")
    if facts.get("open_weights") is not None:
        lines.append("Open weights." if facts["open_weights"] else "Closed weights (API only).")
    inputs, outputs = _join(facts.get("input_modalities")), _join(facts.get("output_modalities"))
    if inputs or outputs:
        lines.append(f"Input: {inputs or 'unknown'}; output: {outputs or 'unknown'}.")
    elif facts.get("modalities"):
        lines.append(f"Modalities: {_join(facts['modalities'])}.")
    if facts.get("reasoning"):
        lines.append("Reasoning model.")
    if facts.get("tool_use"):
        lines.append("Supports tool use.")
    benchmarks = _benchmarks(facts, max_benchmarks)
    if benchmarks:
        lines.append(f"Benchmarks: {'; '.join(benchmarks)}.")
    description = str(facts.get("description") or "").strip()
    if description:
        lines.append(description[:max_description].rstrip())
    return " ".join(lines)
