"""The schema of the previous release (commit d9b4e4c), which made its tables with ``create_all``.

Frozen here (not read from the models) so later model changes cannot alter what this revision means. Each table
is created only if missing: an archive made by that release is stamped at this revision, and one that lacked a
table (moderation's, when moderation never ran) gets it.

Revision ID: 0001
Revises:
Create Date: 2026-01-20
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def _create(
    name: str,
    *columns: sa.schema.SchemaItem,
    indexes: tuple[str, ...] = (),
    named: dict[str, list[str]] | None = None,
) -> None:
    """``CREATE TABLE`` with its ``ix_<table>_<column>`` (and ``named``) indexes, unless the table exists."""
    if sa.inspect(op.get_bind()).has_table(name):
        return
    op.create_table(name, *columns)
    for column in indexes:
        op.create_index(f"ix_{name}_{column}", name, [column])
    for index, cols in (named or {}).items():
        op.create_index(index, name, cols)


def upgrade() -> None:
    _create(
        "channels",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("name", sa.String(255), nullable=False),
        sa.Column("created", sa.DateTime(timezone=True), nullable=True),
        sa.Column("is_private", sa.Boolean, nullable=False),
        sa.Column("is_archived", sa.Boolean, nullable=False),
        sa.Column("topic", sa.Text, nullable=False),
        sa.Column("purpose", sa.Text, nullable=False),
        indexes=("name",),
    )
    _create(
        "members",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("name", sa.String(255), nullable=False),
        sa.Column("real_name", sa.String(255), nullable=False),
        sa.Column("display_name", sa.String(255), nullable=False),
        sa.Column("title", sa.String(255), nullable=False),
        sa.Column("is_bot", sa.Boolean, nullable=False),
        sa.Column("deleted", sa.Boolean, nullable=False),
        sa.Column("tz", sa.String(64), nullable=True),
        indexes=("name",),
    )
    _create(
        "memberships",
        sa.Column("channel_id", sa.String(64), primary_key=True),
        sa.Column("user_id", sa.String(64), primary_key=True),
        sa.Column("joined_at", sa.DateTime(timezone=True), nullable=True),
    )
    _create(
        "messages",
        sa.Column("channel_id", sa.String(64), primary_key=True),
        sa.Column("ts", sa.String(32), primary_key=True),
        sa.Column("time", sa.Float, nullable=False),
        sa.Column("user_id", sa.String(64), nullable=True),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("raw_text", sa.Text, nullable=False),
        sa.Column("thread_ts", sa.String(32), nullable=True),
        sa.Column("subtype", sa.String(64), nullable=True),
        sa.Column("bot_id", sa.String(64), nullable=True),
        sa.Column("reactions", sa.JSON, nullable=False),
        sa.Column("reply_count", sa.Integer, nullable=False),
        sa.Column("reply_users", sa.JSON, nullable=False),
        sa.Column("files", sa.JSON, nullable=False),
        sa.Column("edited", sa.JSON, nullable=True),
        sa.Column("deleted", sa.Boolean, nullable=False),
        sa.Column("indexed", sa.Boolean, nullable=False),
        indexes=("time", "user_id"),
        named={"ix_messages_thread": ["channel_id", "thread_ts"]},
    )
    _create(
        "judgments",
        sa.Column("channel_id", sa.String(64), primary_key=True),
        sa.Column("ts", sa.String(32), primary_key=True),
        sa.Column("toxicity", sa.Float, nullable=False),
        sa.Column("misinformation", sa.Float, nullable=False),
        sa.Column("negative", sa.Float, nullable=False),
        sa.Column("want", sa.Float, nullable=False),
        sa.Column("sentiment", sa.String(16), nullable=False),
        sa.Column("payload", sa.JSON, nullable=False),
        sa.Column("model_version", sa.String(64), nullable=False),
        indexes=("toxicity", "want"),
    )
    _create(
        "audit_log",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(64), nullable=False),
        sa.Column("action", sa.String(64), nullable=False),
        sa.Column("target", sa.String(255), nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("details", sa.JSON, nullable=False),
        indexes=("at", "action"),
    )
    _create(
        "state",
        sa.Column("key", sa.String(255), primary_key=True),
        sa.Column("value", sa.JSON, nullable=False),
    )
    # Moderation's tables (assistant/moderation/tables.py at d9b4e4c)
    _create(
        "moderation_flags",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("channel_id", sa.String(64), nullable=False),
        sa.Column("ts", sa.String(32), nullable=False),
        sa.Column("message_time", sa.Float, nullable=False),
        sa.Column("user_id", sa.String(64), nullable=True),
        sa.Column("thread_ts", sa.String(32), nullable=True),
        sa.Column("judgment", sa.String(32), nullable=False),
        sa.Column("score", sa.Float, nullable=False),
        sa.Column("threshold", sa.Float, nullable=False),
        sa.Column("payload", sa.JSON, nullable=False),
        sa.Column("status", sa.String(32), nullable=False),
        sa.Column("decision", sa.String(32), nullable=True),
        sa.Column("decided_by", sa.String(64), nullable=True),
        sa.Column("shadow", sa.Boolean, nullable=False),
        sa.Column("message_deleted", sa.Boolean, nullable=False),
        sa.Column("alert_id", sa.Integer, nullable=True),
        sa.Column("edits", sa.Integer, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("channel_id", "ts", name="uq_moderation_flag_message"),
        indexes=("channel_id", "message_time", "user_id", "status", "alert_id"),
    )
    _create(
        "moderation_alerts",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("channel_id", sa.String(64), nullable=False),
        sa.Column("user_id", sa.String(64), nullable=True),
        sa.Column("thread_ts", sa.String(32), nullable=True),
        sa.Column("first_time", sa.Float, nullable=False),
        sa.Column("last_time", sa.Float, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        indexes=("channel_id", "last_time"),
    )
    _create(
        "moderation_actions",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("flag_id", sa.Integer, nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("actor", sa.String(64), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("note", sa.Text, nullable=False),
        sa.Column("ok", sa.Boolean, nullable=False),
        sa.Column("message", sa.Text, nullable=False),
        indexes=("flag_id",),
    )
    _create(
        "moderation_policies",
        sa.Column("channel_id", sa.String(64), primary_key=True),
        sa.Column("payload", sa.JSON, nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    for name in (
        "moderation_policies",
        "moderation_actions",
        "moderation_alerts",
        "moderation_flags",
        "state",
        "audit_log",
        "judgments",
        "messages",
        "memberships",
        "members",
        "channels",
    ):
        op.drop_table(name)
