"""Want messages are read without validating them again (``stored_message``): the same messages as the
archive's validating ``row_to_message``, reactions, files and edits included."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select

from assistant.domain import Edit, FileRef, Message, Reaction
from assistant.store import Archive
from assistant.store.aggregate_tables import MESSAGES, stored_message
from assistant.store.messages import row_to_message


def test_stored_message_equals_the_validated_message(tmp_path: Path) -> None:
    archive = Archive(f"sqlite:///{tmp_path / 'archive.sqlite3'}")
    try:
        archive.upsert_messages(
            [
                Message(channel_id="C1", ts="1700000000.000100", user_id="U1", text="plain"),
                Message(
                    channel_id="C1",
                    ts="1700000001.000100",
                    user_id="U2",
                    text="could we add dark mode",
                    raw_text="could we add <@U1> dark mode",
                    thread_ts="1700000000.000100",
                    reactions=[Reaction(name="+1", users=["U1", "U3"], count=2), Reaction(name="eyes")],
                    reply_count=0,
                    files=[FileRef(id="F1", name="a.png", title="A", mimetype="image/png")],
                    edited=Edit(user="U2", ts="1700000002.000000"),
                ),
                Message(channel_id="C1", ts="1700000003.000100", user_id=None, text="", subtype="bot_message"),
            ]
        )
        with archive.engine.connect() as c:
            rows = list(c.execute(select(MESSAGES).order_by(MESSAGES.c.ts)))
        assert len(rows) == 3
        for row in rows:
            assert stored_message(row).model_dump() == row_to_message(row).model_dump()
            assert stored_message(row) == row_to_message(row)
    finally:
        archive.close()
