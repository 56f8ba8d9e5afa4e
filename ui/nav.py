"""The pages of the UI and the permission each needs (the policy's `resource:action`), in menu order."""

from __future__ import annotations

from typing import NamedTuple

from .client import Me


class PageSpec(NamedTuple):
    path: str  # relative to ui/app.py
    title: str
    icon: str
    url_path: str
    resource: str
    action: str


PAGES: tuple[PageSpec, ...] = (
    PageSpec("pages/chat.py", "Chat", ":material/chat:", "chat", "chat", "ask"),
    PageSpec("pages/explorer.py", "Model explorer", ":material/table_view:", "explorer", "catalog", "read"),
    PageSpec("pages/model.py", "Model", ":material/deployed_code:", "model", "catalog", "read"),
    PageSpec("pages/compare.py", "Compare", ":material/compare_arrows:", "compare", "catalog", "read"),
    PageSpec("pages/news.py", "News", ":material/newspaper:", "news", "news", "read"),
    PageSpec("pages/admin.py", "Admin", ":material/admin_panel_settings:", "admin", "users", "read"),
)
SIGN_IN = "pages/sign_in.py"


def pages_for(me: Me) -> list[PageSpec]:
    """The pages this caller's role may use; the others are left out of the menu."""
    return [p for p in PAGES if me.can(p.resource, p.action)]
