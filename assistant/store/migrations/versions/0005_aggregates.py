"""Incremental aggregates for the insight answers (issue 13): ``message_facts``, ``channel_days``,
``member_days`` and ``member_channels`` (see ``assistant.store.aggregates``), filled from the archive's messages.

Each table is skipped when it is already there (an archive made by a development build). The aggregates are
filled from the messages by 0007 (which adds the per-member totals), in the same upgrade: rebuilding here would
write columns 0007 has not added yet.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def _has_table(name: str) -> bool:
    return sa.inspect(op.get_bind()).has_table(name)


def upgrade() -> None:
    if not _has_table("message_facts"):
        op.create_table(
            "message_facts",
            sa.Column("channel_id", sa.String(64), primary_key=True),
            sa.Column("ts", sa.String(32), primary_key=True),
            sa.Column("time", sa.Float, nullable=False),
            sa.Column("day", sa.Integer, nullable=False),
            sa.Column("user_id", sa.String(64), nullable=False),
            sa.Column("top_level", sa.Boolean, nullable=False),
            sa.Column("thread_replies", sa.Integer, nullable=False),
            sa.Column("depth", sa.Integer, nullable=False),
            sa.Column("wait_minutes", sa.Float, nullable=True),
            sa.Column("reactions", sa.Integer, nullable=False),
            sa.Column("mood", sa.String(16), nullable=True),
            sa.Column("mood_prob", sa.Float, nullable=False),
        )
        op.create_index("ix_message_facts_channel_time", "message_facts", ["channel_id", "time"])
        op.create_index("ix_message_facts_time", "message_facts", ["time"])
        op.create_index("ix_message_facts_user_time", "message_facts", ["user_id", "time"])
    if not _has_table("channel_days"):
        op.create_table(
            "channel_days",
            sa.Column("channel_id", sa.String(64), primary_key=True),
            sa.Column("day", sa.Integer, primary_key=True),
            *(sa.Column(name, sa.Integer, nullable=False) for name in ("messages", "top_level", "replied")),
            sa.Column("wait_sum", sa.Float, nullable=False),
            sa.Column("waits", sa.JSON, nullable=False),
            *(
                sa.Column(name, sa.Integer, nullable=False)
                for name in (
                    "reactions",
                    "threads",
                    "depth_sum",
                    "depth_max",
                    "judged",
                    "positive",
                    "neutral",
                    "negative",
                )
            ),
            sa.Column("first_time", sa.Float, nullable=False),
            sa.Column("last_time", sa.Float, nullable=False),
        )
        op.create_index("ix_channel_days_day", "channel_days", ["day"])
    if not _has_table("member_days"):
        op.create_table(
            "member_days",
            sa.Column("channel_id", sa.String(64), primary_key=True),
            sa.Column("user_id", sa.String(64), primary_key=True),
            sa.Column("day", sa.Integer, primary_key=True),
            *(
                sa.Column(name, sa.Integer, nullable=False)
                for name in ("messages", "judged", "positive", "neutral", "negative")
            ),
            sa.Column("first_time", sa.Float, nullable=False),
            sa.Column("last_time", sa.Float, nullable=False),
            sa.Column("last_ts", sa.String(32), nullable=False),
        )
        op.create_index("ix_member_days_channel_day", "member_days", ["channel_id", "day"])
        op.create_index("ix_member_days_user_day", "member_days", ["user_id", "day"])
        op.create_index("ix_member_days_day", "member_days", ["day"])
    if not _has_table("member_channels"):
        op.create_table(
            "member_channels",
            sa.Column("channel_id", sa.String(64), primary_key=True),
            sa.Column("user_id", sa.String(64), primary_key=True),
            sa.Column("first_time", sa.Float, nullable=False),
            sa.Column("first_ts", sa.String(32), nullable=False),
        )
        op.create_index("ix_member_channels_channel_first", "member_channels", ["channel_id", "first_time"])


def downgrade() -> None:
    for table in ("member_channels", "member_days", "channel_days", "message_facts"):
        op.drop_table(table)
