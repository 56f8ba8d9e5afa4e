"""Split texts into overlapping chunks with stable ids, and render model facts as searchable text."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from functools import lru_cache
from typing import Any, LiteralString

from langchain_text_splitters import RecursiveCharacterTextSplitter

from core import attributes
from core.access import Classification
from core.chunks import Chunk, Kind
from kg import news_queries as nq
from kg.store import GraphStore

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


def _benchmarks(facts: Mapping[str, Any], limit: int) -> list[str]:
    raw = facts.get("benchmarks") or facts.get("scores") or []
    if isinstance(raw, Mapping):
        pairs = list(raw.items())
    else:
        pairs = [(s.get("benchmark_name") or s.get("benchmark_id"), s.get("score")) for s in raw]
    return [f"{name} {score:g}" for name, score in pairs[:limit] if name and isinstance(score, int | float)]


def render_model_card(
    facts: Mapping[str, Any], *, max_benchmarks: int = 8, max_description: int = 300
) -> str:
    """One short paragraph of a catalog model's key facts, so that vector search can find models too.

    Reads the catalog's ModelRecord field names (`name`, `organization` or `developer`, `family`,
    `description`, and each attribute's fields in `core.attributes`, whose card lines it writes in the
    registry's order) plus `benchmarks` as a name -> score mapping or `scores` as a list of
    {benchmark_name, score}. Unknown facts are left out, never guessed.
    """
    name = facts.get("name") or facts.get("model_id")
    if not name:
        raise ValueError("a model card needs a name")
    developer = attributes.get("developer").read(facts)
    lines = [f"{name} is a model by {developer}." if developer else f"{name} is a model."]
    if facts.get("family"):
        lines.append(f"Family: {facts['family']}.")
    lines += [line for a in attributes.all_attributes() if a.card and (line := a.card(facts))]
    benchmarks = _benchmarks(facts, max_benchmarks)
    if benchmarks:
        lines.append(f"Benchmarks: {'; '.join(benchmarks)}.")
    description = str(facts.get("description") or "").strip()
    if description:
        lines.append(description[:max_description].rstrip())
    return " ".join(lines)


def write_chunks(
    store: GraphStore, query: LiteralString, chunks: Sequence[Chunk], *, prune: bool = True
) -> None:
    """Write chunk nodes and (with `prune`) drop the ones their documents no longer have; a document
    that is new to the graph has none to drop."""
    store.write_rows(query, [_chunk_row(c) for c in chunks])
    if not prune:
        return
    by_doc: dict[str, list[str]] = {}
    for c in chunks:
        by_doc.setdefault(c.doc_id, []).append(c.id)
    store.write_rows(nq.DELETE_STALE_CHUNKS, [{"doc_id": d, "chunk_ids": ids} for d, ids in by_doc.items()])


def _chunk_row(c: Chunk) -> dict[str, Any]:
    return {"id": c.id, "props": {
        "doc_id": c.doc_id, "kind": c.kind, "text": c.text, "classification": c.classification, "tenant": c.tenant,
        "title": c.title, "url": c.url, "date": c.date, "content_hash": c.content_hash,
    }}  # fmt: skip
