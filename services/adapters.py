"""Fine-tuned LoRA adapters: the folders under `<data_dir>/adapters`, and which one a tenant activated.

Activation is recorded per tenant (who, when, which; a row with an empty adapter name is a
deactivation). The API answers a tenant's questions with its active adapter merged into the base
model (`AppContext.generator_for`), from the next request on; a tenant without one gets the
server's default model (`LLMX_CHAT_ADAPTER`, the registry's ACTIVE adapter, the shipped default).
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
    active: bool = True  # False: this records a deactivation


class AdapterReport(BaseModel):
    """An adapter's evaluation report (stage 5 of fine-tuning), as saved in its folder."""

    name: str
    report: dict[str, Any] | None = None
    report_md: str | None = None


WEIGHTS = ("adapter_model.safetensors", "adapter_model.bin")
DEACTIVATED = ""  # the adapter name a deactivation row records


def active_adapter(db: StateDb, tenant: str) -> str | None:
    """The adapter the tenant activated last, None when none is (or it was deactivated since)."""
    with db.session() as s:
        row = s.scalar(
            select(AdapterActivation)
            .where(AdapterActivation.tenant == tenant)
            .order_by(AdapterActivation.id.desc())
            .limit(1)
        )
        return row.adapter if row and row.adapter != DEACTIVATED else None


def list_adapters(root: Path, db: StateDb, *, tenant: str) -> list[AdapterInfo]:
    active = active_adapter(db, tenant)
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
    folder = _folder(root, name)
    if not (folder / "adapter_config.json").is_file() or not any((folder / w).is_file() for w in WEIGHTS):
        raise InvalidInput(
            f"The folder {name!r} holds no peft adapter (adapter_config.json and adapter_model.safetensors "
            "are needed); activating it would break every answer of your tenant."
        )
    with db.write_lock, db.session() as s:
        row = AdapterActivation(tenant=tenant, adapter=name, user_id=user_id, at=utcnow())
        s.add(row)
        s.flush()
        return Activation(tenant=tenant, adapter=name, user_id=user_id, at=row.at)


def deactivate(root: Path, db: StateDb, name: str, *, tenant: str, user_id: int) -> Activation:
    """The tenant's answers go back to the server's default model; `name` must be the active one."""
    _folder(root, name)
    if active_adapter(db, tenant) != name:
        raise InvalidInput(f"The adapter {name!r} is not active in your tenant ({tenant}).")
    with db.write_lock, db.session() as s:
        row = AdapterActivation(tenant=tenant, adapter=DEACTIVATED, user_id=user_id, at=utcnow())
        s.add(row)
        s.flush()
        return Activation(tenant=tenant, adapter=name, user_id=user_id, at=row.at, active=False)
