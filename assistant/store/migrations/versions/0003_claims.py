"""The claims store: fact-checked claims with their verdict, correction, source and vectors (``assistant.claims``).

Skipped when the table is already there (an archive made by a development build). The knowledge folder's claims
are seeded into it by the application at start-up, not here (seeding needs the encoder).

Revision ID: 0003
Revises: 0002
Create Date: 2026-02-10
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def _has_table(name: str) -> bool:
    return sa.inspect(op.get_bind()).has_table(name)


def upgrade() -> None:
    if _has_table("claims"):
        return
    op.create_table(
        "claims",
        sa.Column("id", sa.String(128), primary_key=True),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("title", sa.Text, nullable=False),
        sa.Column("verdict", sa.String(16), nullable=False),
        sa.Column("correction", sa.Text, nullable=False),
        sa.Column("source_url", sa.Text, nullable=False),
        sa.Column("refuted_by", sa.String(128), nullable=False),
        sa.Column("origin", sa.String(32), nullable=False),
        sa.Column("origin_ref", sa.String(255), nullable=False),
        sa.Column("added_by", sa.String(64), nullable=False),
        sa.Column("added_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("removed_by", sa.String(64), nullable=True),
        sa.Column("removed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("encoder", sa.String(128), nullable=False),
        sa.Column("vector", sa.LargeBinary, nullable=True),
        sa.Column("title_vector", sa.LargeBinary, nullable=True),
        sa.Column("correction_vector", sa.LargeBinary, nullable=True),
    )
    op.create_index("ix_claims_verdict", "claims", ["verdict"])
    op.create_index("ix_claims_removed_at", "claims", ["removed_at"])


def downgrade() -> None:
    op.drop_table("claims")
