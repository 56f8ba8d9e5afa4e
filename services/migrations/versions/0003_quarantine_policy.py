"""The admin's right to read quarantined rows (GET /v1/quarantine), added to databases seeded before it.

A new database is seeded from api/policy/policy.csv, which has the row; an existing one keeps the
policy its admins edited, so only this one row is added, and only where policies exist at all.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-02 08:15:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

RULE = {"ptype": "p", "v0": "admin", "v1": "*", "v2": "quarantine", "v3": "read"}
_rules = sa.table("casbin_rule", *(sa.column(name) for name in ("ptype", "v0", "v1", "v2", "v3")))


def _matches() -> sa.ColumnElement[bool]:
    return sa.and_(*(_rules.c[name] == value for name, value in RULE.items()))


def upgrade() -> None:
    bind = op.get_bind()
    seeded = bind.execute(sa.select(sa.func.count()).select_from(_rules)).scalar_one()
    present = bind.execute(sa.select(sa.func.count()).select_from(_rules).where(_matches())).scalar_one()
    if seeded and not present:
        op.bulk_insert(_rules, [RULE])


def downgrade() -> None:
    op.execute(_rules.delete().where(_matches()))
