"""Private documents of the caller's tenant: upload (text, with a classification), list, get, delete."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Path, Query, Response
from pydantic import BaseModel, ConfigDict, Field
from starlette.concurrency import run_in_threadpool

from services import documents as documents_service
from services.documents import MAX_DOCUMENT_CHARS, DocumentPublic

from ..authz import require
from ..deps import CurrentUser, Svc

router = APIRouter(prefix="/v1", tags=["documents"])
DOC_ID = Annotated[str, Path(pattern=r"^doc-[0-9a-f]{32}$")]


class DocumentCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    title: str = Field(min_length=1, max_length=300)
    text: str = Field(min_length=1, max_length=MAX_DOCUMENT_CHARS)
    classification: Literal["public", "internal", "confidential"] = "internal"


@router.post("/documents", status_code=201, dependencies=[Depends(require("documents", "write"))])
async def upload(body: DocumentCreate, services: Svc, caller: CurrentUser) -> DocumentPublic:
    """Store and index a document in your tenant; only your tenant's chat and search can find it."""
    doc = await run_in_threadpool(
        lambda: documents_service.upload(
            services.ctx,
            title=body.title,
            text=body.text,
            classification=body.classification,
            tenant=caller.tenant,
            created_by=caller.name,
            access=caller.access,
        )  # fmt: skip
    )
    services.audit.change(caller, "document.create", doc.id, classification=doc.classification)
    return doc


@router.get("/documents", dependencies=[Depends(require("documents", "read"))])
def list_documents(
    services: Svc,
    caller: CurrentUser,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> list[DocumentPublic]:
    return documents_service.list_documents(
        services.ctx, tenant=caller.tenant, access=caller.access, offset=offset, limit=limit
    )


@router.get("/documents/{doc_id}", dependencies=[Depends(require("documents", "read"))])
def get_document(doc_id: DOC_ID, services: Svc, caller: CurrentUser) -> DocumentPublic:
    return documents_service.get_document(services.ctx, doc_id, tenant=caller.tenant, access=caller.access)


@router.delete("/documents/{doc_id}", status_code=204, dependencies=[Depends(require("documents", "write"))])
async def delete_document(doc_id: DOC_ID, services: Svc, caller: CurrentUser) -> Response:
    await run_in_threadpool(
        lambda: documents_service.delete_document(
            services.ctx, doc_id, tenant=caller.tenant, access=caller.access
        )
    )
    services.audit.change(caller, "document.delete", doc_id)
    return Response(status_code=204)
