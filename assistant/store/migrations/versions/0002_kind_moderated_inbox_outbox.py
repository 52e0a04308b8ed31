"""Since the previous release: ``channels.kind``, ``messages.moderated``, the Slack inbox and the alert outbox.

- ``channels.kind``: "channel", "im" or "mpim" (DMs are never public); every existing channel is a channel.
- ``messages.moderated``: moderation's own done mark. The previous release moderated every batch right after
  indexing it, so an existing message is moderated exactly when it is indexed.
- ``slack_inbox`` (events worked until done) and ``alert_outbox`` (alerts posted until Slack accepts them).

Each step is skipped when what it adds is already there (an archive made by a development build between the
two releases), and ``moderated`` is copied from ``indexed`` only when the column is added here.

Revision ID: 0002
Revises: 0001
Create Date: 2026-01-20
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def _columns(table: str) -> set[str]:
    return {c["name"] for c in sa.inspect(op.get_bind()).get_columns(table)}


def _has_table(name: str) -> bool:
    return sa.inspect(op.get_bind()).has_table(name)


def upgrade() -> None:
    if "kind" not in _columns("channels"):
        with op.batch_alter_table("channels") as batch:
            batch.add_column(sa.Column("kind", sa.String(16), nullable=False, server_default="channel"))
    if "moderated" not in _columns("messages"):
        with op.batch_alter_table("messages") as batch:
            batch.add_column(sa.Column("moderated", sa.Boolean, nullable=False, server_default=sa.false()))
        messages = sa.table("messages", sa.column("indexed", sa.Boolean), sa.column("moderated", sa.Boolean))
        op.execute(messages.update().values(moderated=messages.c.indexed))
    if not _has_table("slack_inbox"):
        op.create_table(
            "slack_inbox",
            sa.Column("event_id", sa.String(128), primary_key=True),
            sa.Column("event_type", sa.String(64), nullable=False),
            sa.Column("body", sa.JSON, nullable=False),
            sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
            sa.Column("attempts", sa.Integer, nullable=False),
            sa.Column("next_attempt_at", sa.Float, nullable=False),
            sa.Column("lease_until", sa.Float, nullable=False),
            sa.Column("done_at", sa.DateTime(timezone=True), nullable=True),
            sa.Column("last_error", sa.Text, nullable=False),
        )
        op.create_index("ix_slack_inbox_next_attempt_at", "slack_inbox", ["next_attempt_at"])
        op.create_index("ix_slack_inbox_done_at", "slack_inbox", ["done_at"])
    if not _has_table("alert_outbox"):
        op.create_table(
            "alert_outbox",
            sa.Column("alert_id", sa.Integer, primary_key=True, autoincrement=False),
            sa.Column("queued_at", sa.DateTime(timezone=True), nullable=False),
            sa.Column("is_update", sa.Boolean, nullable=False),
            sa.Column("attempts", sa.Integer, nullable=False),
            sa.Column("next_attempt_at", sa.Float, nullable=False),
            sa.Column("done_at", sa.DateTime(timezone=True), nullable=True),
            sa.Column("last_error", sa.Text, nullable=False),
        )
        op.create_index("ix_alert_outbox_next_attempt_at", "alert_outbox", ["next_attempt_at"])
        op.create_index("ix_alert_outbox_done_at", "alert_outbox", ["done_at"])


def downgrade() -> None:
    op.drop_table("alert_outbox")
    op.drop_table("slack_inbox")
    with op.batch_alter_table("messages") as batch:
        batch.drop_column("moderated")
    with op.batch_alter_table("channels") as batch:
        batch.drop_column("kind")
