"""Who may read what: the access labels every content node and chunk carries, and a caller's filter.

The API's Casbin layer turns a subject (user, role, tenant) into an `AccessFilter`; graph queries
and both search indexes apply it before anything is ranked, cited, cached or logged.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, Protocol

Classification = Literal["public", "internal", "confidential"]
CLASSIFICATIONS: tuple[Classification, ...] = ("public", "internal", "confidential")


class HasAccessLabels(Protocol):
    @property
    def classification(self) -> str: ...

    @property
    def tenant(self) -> str | None: ...


@dataclass(frozen=True, slots=True)
class AccessFilter:
    """Which content a caller may see. Hashable, so indexes can cache the allowed set per filter.

    `tenants=None` means no tenant restriction. Otherwise content that belongs to a tenant is visible
    only to callers of that tenant; content without a tenant is shared by everyone.
    """

    classifications: frozenset[str]
    tenants: frozenset[str] | None = None

    @classmethod
    def public(cls) -> AccessFilter:
        return cls(frozenset({"public"}), frozenset())

    @classmethod
    def everything(cls) -> AccessFilter:
        return cls(frozenset(CLASSIFICATIONS), None)

    def allows(self, item: HasAccessLabels) -> bool:
        if item.classification not in self.classifications:
            return False
        return self.tenants is None or item.tenant is None or item.tenant in self.tenants

    def query_params(self) -> dict[str, object]:
        """The filter as Cypher parameters (`$classifications`, `$tenants`, `$any_tenant`)."""
        return {
            "classifications": sorted(self.classifications),
            "tenants": sorted(self.tenants or ()),
            "any_tenant": self.tenants is None,
        }
