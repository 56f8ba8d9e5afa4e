"""Each answer keeps how its question was understood (family, Cypher template, query plan), so a
reopened conversation shows it as the live chat did. Older answers have none (null).

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-02 08:20:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("messages", schema=None) as batch_op:
        batch_op.add_column(sa.Column("family", sa.String(length=40), nullable=True))
        batch_op.add_column(sa.Column("template", sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column("plan", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("messages", schema=None) as batch_op:
        batch_op.drop_column("plan")
        batch_op.drop_column("template")
        batch_op.drop_column("family")
