"""Private documents uploaded into a tenant: a `Document` node and its chunks written to the graph,
then indexed, so chat and search of that tenant (and only that tenant) can retrieve them.

A document's id is random (`doc-<32 hex>`), so ids cannot be guessed; every read and delete is
also scoped to the caller's tenant inside the query, so a guessed id would still not be found.
"""

from __future__ import annotations

import threading
import uuid
from datetime import UTC, datetime

from pydantic import BaseModel

from catalog.chunking import chunk_text
from core.access import CLASSIFICATIONS, AccessFilter, Classification
from core.errors import AccessDenied, InvalidInput, NotFound
from kg import catalog_queries as C

from .context import AppContext
from .indexing import IndexSink

MAX_DOCUMENT_CHARS = 200_000
MAX_TITLE_CHARS = 300
# Index writes are serialised: FAISS and BM25 files are rewritten on save.
_INDEX_WRITES = threading.Lock()


class DocumentPublic(BaseModel):
    id: str
    title: str
    classification: str
    tenant: str
    created_at: str | None = None
    created_by: str | None = None
    chars: int | None = None
    chunks: int | None = None


def upload(
    ctx: AppContext, *, title: str, text: str, classification: str, tenant: str, created_by: str,
    access: AccessFilter,
) -> DocumentPublic:  # fmt: skip
    """Store and index a document of `tenant`. The caller must be able to read what they upload."""
    title, text = title.strip(), text.strip()
    if not title or len(title) > MAX_TITLE_CHARS:
        raise InvalidInput(f"A document needs a title of 1 to {MAX_TITLE_CHARS} characters.")
    if not text or len(text) > MAX_DOCUMENT_CHARS:
        raise InvalidInput(f"A document needs a text of 1 to {MAX_DOCUMENT_CHARS} characters.")
    if classification not in CLASSIFICATIONS:
        raise InvalidInput(f"classification must be one of {', '.join(CLASSIFICATIONS)}.")
    if classification not in access.classifications:
        raise AccessDenied(f"You may not upload {classification} documents.")
    label: Classification = classification  # type: ignore[assignment]  # checked above
    doc_id = f"doc-{uuid.uuid4().hex}"
    now = datetime.now(UTC).isoformat(timespec="seconds")
    chunks = chunk_text(
        doc_id, text, kind="document", chunk_size=ctx.settings.chunk_size,
        chunk_overlap=ctx.settings.chunk_overlap, classification=label, tenant=tenant, title=title,
        date=now[:10],
    )  # fmt: skip
    props = {"title": title, "classification": label, "tenant": tenant, "created_at": now,
             "created_by": created_by, "chars": len(text)}  # fmt: skip
    store = ctx.store
    store.write(C.UPSERT_DOCUMENT, id=doc_id, props=props)
    rows = [
        {"id": c.id, "props": {
            "doc_id": c.doc_id, "kind": c.kind, "text": c.text, "classification": c.classification,
            "tenant": c.tenant, "title": c.title, "url": c.url, "date": c.date, "content_hash": c.content_hash,
        }}
        for c in chunks
    ]  # fmt: skip
    store.write_rows(C.UPSERT_DOCUMENT_CHUNKS, rows)
    with _INDEX_WRITES:
        IndexSink(ctx.indexes).add(chunks)
    return DocumentPublic(id=doc_id, chunks=len(chunks), **props)  # type: ignore[arg-type]


def _visible(tenant: str, access: AccessFilter) -> dict[str, object]:
    return {"tenant": tenant, "classifications": sorted(access.classifications)}


def list_documents(
    ctx: AppContext, *, tenant: str, access: AccessFilter, offset: int = 0, limit: int = 50
) -> list[DocumentPublic]:
    if offset < 0 or not 1 <= limit <= 200:
        raise InvalidInput("offset must be >= 0 and limit between 1 and 200.")
    rows = ctx.store.read(C.LIST_DOCUMENTS, offset=offset, limit=limit, **_visible(tenant, access))
    return [DocumentPublic(**r) for r in rows]


def get_document(ctx: AppContext, doc_id: str, *, tenant: str, access: AccessFilter) -> DocumentPublic:
    rows = ctx.store.read(C.GET_DOCUMENT, id=doc_id, **_visible(tenant, access))
    if not rows:
        raise NotFound(f"No document {doc_id!r}.")
    row = dict(rows[0])
    row["chunks"] = len(row.pop("chunk_ids") or [])
    return DocumentPublic(**row)


def delete_document(ctx: AppContext, doc_id: str, *, tenant: str, access: AccessFilter) -> None:
    """Remove the document from the graph and both indexes (the caller must be able to see it)."""
    rows = ctx.store.read(C.GET_DOCUMENT, id=doc_id, **_visible(tenant, access))
    if not rows:
        raise NotFound(f"No document {doc_id!r}.")
    chunk_ids = list(rows[0]["chunk_ids"] or [])
    ctx.store.write(C.DELETE_DOCUMENT, id=doc_id, tenant=tenant)
    with _INDEX_WRITES:
        ctx.indexes.remove(chunk_ids)
        ctx.indexes.save()
