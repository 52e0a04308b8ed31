"""Stored want themes (issue 13): ``want_themes`` and ``want_members`` (see ``assistant.store.aggregate_themes``).

Created empty: a channel's wants are clustered on the fly until the first re-clustering stores its themes
(``assistant.insights.themes``). Skipped when the tables are already there (an archive made by a development build).

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def _has_table(name: str) -> bool:
    return sa.inspect(op.get_bind()).has_table(name)


def upgrade() -> None:
    if not _has_table("want_themes"):
        op.create_table(
            "want_themes",
            sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
            sa.Column("channel_id", sa.String(64), nullable=False),
            sa.Column("label", sa.String(200), nullable=True),
            sa.Column("centroid", sa.LargeBinary, nullable=False),
            sa.Column("size", sa.Integer, nullable=False),
            sa.Column("built", sa.Float, nullable=False),
        )
        op.create_index("ix_want_themes_channel", "want_themes", ["channel_id"])
    if not _has_table("want_members"):
        op.create_table(
            "want_members",
            sa.Column("channel_id", sa.String(64), primary_key=True),
            sa.Column("ts", sa.String(32), primary_key=True),
            sa.Column("theme_id", sa.Integer, nullable=True),
            sa.Column("similarity", sa.Float, nullable=False),
            sa.Column("time", sa.Float, nullable=False),
        )
        op.create_index("ix_want_members_theme", "want_members", ["theme_id"])
        op.create_index("ix_want_members_time", "want_members", ["time"])


def downgrade() -> None:
    for table in ("want_members", "want_themes"):
        op.drop_table(table)
