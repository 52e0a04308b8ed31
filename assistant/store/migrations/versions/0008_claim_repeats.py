"""Confirmed repeats of claims (issue 18): messages a moderator confirmed as repeating a claim, or labelled examples
imported from a file, each with its vector; the claim matcher reads them beside the claims' own vectors.

Skipped when the table is already there (an archive made by a development build).

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    if sa.inspect(op.get_bind()).has_table("claim_repeats"):
        return
    op.create_table(
        "claim_repeats",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("claim_id", sa.String(128), nullable=False),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("key", sa.String(64), nullable=False),
        sa.Column("channel_id", sa.String(64), nullable=False),
        sa.Column("ts", sa.String(32), nullable=False),
        sa.Column("origin", sa.String(32), nullable=False),
        sa.Column("origin_ref", sa.String(255), nullable=False),
        sa.Column("added_by", sa.String(64), nullable=False),
        sa.Column("added_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("encoder", sa.String(128), nullable=False),
        sa.Column("vector", sa.LargeBinary, nullable=True),
    )
    op.create_index("ux_claim_repeats_claim_key", "claim_repeats", ["claim_id", "key"], unique=True)
    op.create_index("ix_claim_repeats_message", "claim_repeats", ["channel_id", "ts"])


def downgrade() -> None:
    op.drop_table("claim_repeats")
