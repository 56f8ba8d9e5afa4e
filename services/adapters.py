"""Fine-tuned LoRA adapters: the folders under `<data_dir>/adapters`, and which one a tenant activated.

Activation is recorded (who, when, which); the chat model serving answers picks it up once the
fine-tuning pipeline registers and loads adapters (not yet: answers use `LLMX_CHAT_ADAPTER`).
"""

from __future__ import annotations

import json
import re
from datetime import datetime
from pathlib import Path
from typing import Any

from pydantic import BaseModel
from sqlalchemy import select

from core.errors import InvalidInput, NotFound

from .state import AdapterActivation, StateDb, utcnow

_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,199}$")


class AdapterInfo(BaseModel):
    name: str
    base_model: str | None = None
    peft_type: str | None = None
    active: bool = False


class Activation(BaseModel):
    tenant: str
    adapter: str
    user_id: int
    at: datetime


class AdapterReport(BaseModel):
    """An adapter's evaluation report (stage 5 of fine-tuning), as saved in its folder."""

    name: str
    report: dict[str, Any] | None = None
    report_md: str | None = None


def _active(db: StateDb, tenant: str) -> str | None:
    with db.session() as s:
        row = s.scalar(
            select(AdapterActivation)
            .where(AdapterActivation.tenant == tenant)
            .order_by(AdapterActivation.id.desc())
            .limit(1)
        )
        return row.adapter if row else None


def list_adapters(root: Path, db: StateDb, *, tenant: str) -> list[AdapterInfo]:
    active = _active(db, tenant)
    out = []
    if root.is_dir():
        for folder in sorted(p for p in root.iterdir() if p.is_dir() and _NAME.match(p.name)):
            config = folder / "adapter_config.json"
            meta: dict[str, object] = {}
            if config.is_file():
                try:
                    meta = json.loads(config.read_text())
                except (OSError, ValueError):
                    meta = {}
            out.append(
                AdapterInfo(
                    name=folder.name,
                    base_model=_str(meta.get("base_model_name_or_path")),
                    peft_type=_str(meta.get("peft_type")),
                    active=folder.name == active,
                )  # fmt: skip
            )
    return out


def _str(value: object) -> str | None:
    return str(value) if value is not None else None


def _folder(root: Path, name: str) -> Path:
    if not _NAME.match(name):
        raise InvalidInput("An adapter name is a folder name: letters, digits, '.', '_' or '-'.")
    folder = root / name
    if not folder.is_dir():
        raise NotFound(f"No adapter {name!r}.")
    return folder


def report(root: Path, name: str) -> AdapterReport:
    """The adapter's `report.json` (a dict) and `report.md` (text); either is None when absent.
    A `report.json` that is not a JSON object reads as None rather than failing the page."""
    folder = _folder(root, name)
    data: dict[str, Any] | None = None
    markdown: str | None = None
    try:
        loaded = json.loads((folder / "report.json").read_text(encoding="utf-8"))
        data = loaded if isinstance(loaded, dict) else None
    except (OSError, ValueError):
        data = None
    try:
        markdown = (folder / "report.md").read_text(encoding="utf-8")
    except (OSError, ValueError):
        markdown = None
    return AdapterReport(name=name, report=data, report_md=markdown)


def activate(root: Path, db: StateDb, name: str, *, tenant: str, user_id: int) -> Activation:
    _folder(root, name)
    with db.write_lock, db.session() as s:
        row = AdapterActivation(tenant=tenant, adapter=name, user_id=user_id, at=utcnow())
        s.add(row)
        s.flush()
        return Activation(tenant=tenant, adapter=name, user_id=user_id, at=row.at)
