"""The insights service keeps the directory (channels, members, memberships) through new messages (issue 13: a
warm answer after a new message must not read the whole directory again), and reads it again as soon as it
changes, in this process or another: it is keyed on the archive's directory version, not the data version."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from assistant.domain import Channel, Member, Message
from assistant.insights import InsightsService
from assistant.insights import data as data_mod
from assistant.store import Archive

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
DESIGN = "C0DESIGN1"


def _message(hours_ago: float, user: str, text: str) -> Message:
    ts = f"{(NOW - timedelta(hours=hours_ago)).timestamp():.6f}"
    return Message(channel_id=DESIGN, ts=ts, user_id=user, text=text, raw_text=text)


def _no_index() -> object:
    raise AssertionError("metrics and members never need the index")


def test_new_messages_keep_the_directory_and_directory_changes_show_at_once(
    archive_url: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    archive = Archive(archive_url)
    other = Archive(archive_url)  # another process: `assistant ingest`, or the Slack app's directory sync
    loads: list[int] = []
    real_load = data_mod.Directory.load.__func__  # type: ignore[attr-defined]

    def counting(cls: type[data_mod.Directory], arc: Archive) -> data_mod.Directory:
        loads.append(1)
        return real_load(cls, arc)  # type: ignore[no-any-return]

    monkeypatch.setattr(data_mod.Directory, "load", classmethod(counting))
    try:
        archive.upsert_channels([Channel(id=DESIGN, name="design")])
        archive.upsert_members([Member(id="U1", name="ana"), Member(id="U2", name="bo")])
        archive.upsert_messages([_message(30, "U1", "the mockups are in figma")])
        service = InsightsService(archive, _no_index)  # type: ignore[arg-type]
        assert service.channel_metrics("design", "week", at=NOW).messages == 1
        assert len(loads) == 1

        version = archive.directory_version()
        data = archive.data_version()
        other.upsert_messages([_message(20, "U2", "the palette feels loud")])
        assert archive.data_version() != data, "a new message is new data"
        assert archive.directory_version() == version, "but not a new directory"
        assert service.channel_metrics("design", "week", at=NOW).messages == 2, "the new message is counted"
        assert len(loads) == 1, "the directory was kept"

        other.upsert_members([Member(id="U2", name="bo"), Member(id="U3", name="cy")])
        other.add_membership(DESIGN, "U3", NOW - timedelta(hours=10))
        assert archive.directory_version() != version
        snap = service.snapshot()
        assert "U3" in snap.members and (DESIGN, "U3") in snap.joins, "a new member and join show at once"
        assert len(loads) == 2

        other.upsert_channels([Channel(id=DESIGN, name="design-team")])
        assert service.channel_metrics("design-team", "week", at=NOW).messages == 2, "a renamed channel too"
        assert len(loads) == 3
    finally:
        other.close()
        archive.close()
