"""Per-member totals in the aggregates (issue 13): ``member_days`` and ``member_channels`` gain each member's long
messages, reactions, thread replies, replies to others and helpful replies (``member_channels`` their messages
too), so whole-history answers (twins' most active members, contributors over all time) read one row per member and channel instead of every message;
``message_facts`` gains a reply's thread and a thread parent's author's last thanks in it, so the database finds
helpful replies, and the judge's want score and flag, so a channel's wants are read from its facts.

The columns are added where missing, then every aggregate is rebuilt from the messages in the same transaction
(the rebuild 0005 ran before is done here, once, for archives upgraded across both).

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

ADDED = {
    "member_days": ("long_messages", "reactions", "replies", "to_others", "helpful"),
    "member_channels": ("messages", "long_messages", "reactions", "replies", "to_others", "helpful"),
}
#: A reply's thread and a thread parent's author's last thanks in it, so the database finds helpful replies; the
#: judge's want score and flag, so a channel's wants are found without reading every judgment's payload.
FACTS_ADDED = (
    sa.Column("thread_ts", sa.String(32), nullable=True),
    sa.Column("thanked_at", sa.Float, nullable=True),
    sa.Column("want", sa.Float, nullable=True),
    sa.Column("is_want", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("to_other", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("helpful", sa.Boolean, nullable=False, server_default=sa.false()),
)


def upgrade() -> None:
    inspector = sa.inspect(op.get_bind())
    for table, columns in ADDED.items():
        present = {c["name"] for c in inspector.get_columns(table)}
        for name in columns:
            if name not in present:
                op.add_column(table, sa.Column(name, sa.Integer, nullable=False, server_default="0"))
    present = {c["name"] for c in inspector.get_columns("message_facts")}
    for column in FACTS_ADDED:
        if column.name not in present:
            op.add_column("message_facts", column)
    from assistant.store.aggregates import rebuild

    rebuild(op.get_bind())


def downgrade() -> None:
    with op.batch_alter_table("message_facts") as batch:
        for column in FACTS_ADDED:
            batch.drop_column(column.name)
    for table, columns in ADDED.items():
        with op.batch_alter_table(table) as batch:
            for name in columns:
                batch.drop_column(name)
