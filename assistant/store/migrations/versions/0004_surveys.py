"""Surveys and their answers (``assistant.surveys``): one answer per survey and respondent (a member, or for an
anonymous survey a keyed hash that does not say who).

Skipped when the tables are already there (an archive made by a development build).

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def _has_table(name: str) -> bool:
    return sa.inspect(op.get_bind()).has_table(name)


def upgrade() -> None:
    if not _has_table("surveys"):
        op.create_table(
            "surveys",
            sa.Column("id", sa.String(32), primary_key=True),
            sa.Column("question", sa.Text, nullable=False),
            sa.Column("kind", sa.String(16), nullable=False),
            sa.Column("options", sa.JSON, nullable=False),
            sa.Column("channels", sa.JSON, nullable=False),
            sa.Column("anonymous", sa.Boolean, nullable=False),
            sa.Column("template", sa.String(64), nullable=False),
            sa.Column("created_by", sa.String(64), nullable=False),
            sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
            sa.Column("closes_at", sa.DateTime(timezone=True), nullable=False),
            sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
            sa.Column("closed_by", sa.String(64), nullable=True),
            sa.Column("posts", sa.JSON, nullable=False),
        )
        op.create_index("ix_surveys_closes_at", "surveys", ["closes_at"])
        op.create_index("ix_surveys_closed_at", "surveys", ["closed_at"])
    if not _has_table("survey_answers"):
        op.create_table(
            "survey_answers",
            sa.Column("survey_id", sa.String(32), primary_key=True),
            sa.Column("respondent", sa.String(64), primary_key=True),
            sa.Column("channel_id", sa.String(64), nullable=False),
            sa.Column("choices", sa.JSON, nullable=False),
            sa.Column("text", sa.Text, nullable=False),
            sa.Column("answered_at", sa.DateTime(timezone=True), nullable=True),
        )


def downgrade() -> None:
    op.drop_table("survey_answers")
    op.drop_table("surveys")
