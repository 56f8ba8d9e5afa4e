"""The audit trail: one JSON line per decision and per change, appended to a rotated file.

What is written: time, user id and name, role, tenant, resource, action, allowed, the route path
and, for changes, what kind of thing changed and its id. Never a key, a question, an answer or a
document's text; monitoring flags are written by name only.
"""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime
from logging.handlers import RotatingFileHandler
from pathlib import Path
from typing import Any

from .auth import Caller


class AuditLog:
    def __init__(self, path: Path, *, max_bytes: int = 10_000_000, backups: int = 10) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self._log = logging.getLogger(f"llmx.audit.{id(self)}")
        self._log.propagate = False
        self._log.setLevel(logging.INFO)
        self._handler = RotatingFileHandler(path, maxBytes=max_bytes, backupCount=backups, encoding="utf-8")
        self._handler.setFormatter(logging.Formatter("%(message)s"))
        self._log.addHandler(self._handler)

    def _write(self, event: dict[str, Any]) -> None:
        event = {"at": datetime.now(UTC).isoformat(timespec="milliseconds"), **event}
        self._log.info(json.dumps(event, sort_keys=True, default=str))

    def record(self, caller: Caller, resource: str, action: str, *, allowed: bool, path: str) -> None:
        self._write({
            "event": "access", "user_id": caller.user.id if caller.user else None, "user": caller.name,
            "role": caller.role, "tenant": caller.tenant, "resource": resource, "action": action,
            "allowed": allowed, "path": path[:200],
        })  # fmt: skip

    def change(self, caller: Caller, what: str, target: str, **details: Any) -> None:
        self._write({"event": "change", "user_id": caller.user.id if caller.user else None,
                     "user": caller.name, "tenant": caller.tenant, "what": what, "target": target[:200],
                     **details})  # fmt: skip

    def flags(self, caller: Caller, route: str, flags: list[str]) -> None:
        if flags:
            self._write({"event": "monitor", "user_id": caller.user.id if caller.user else None,
                         "tenant": caller.tenant, "route": route, "flags": flags})  # fmt: skip

    def close(self) -> None:
        self._log.removeHandler(self._handler)
        self._handler.close()
