"""Top contributors from the aggregates read replies, thanks and reactions only for the members whose bounds let
them rank: the ranking equals the one from every message (a synthetic workspace, whole history and windows)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from assistant.insights import contributors as contributors_mod
from assistant.insights import members as members_mod
from assistant.insights.bench import NOW, write_workspace
from assistant.insights.data import load_snapshot
from assistant.store import Archive


def test_contributors_from_candidates_equal_the_full_read(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'archive.sqlite3'}"
    write_workspace(url, 2500)
    archive = Archive(url)
    try:
        lazy = load_snapshot(archive)
        eager = load_snapshot(archive, lazy=False)
        assert lazy.aggregates is not None and eager.aggregates is None
        for since in (None, NOW - timedelta(days=30), NOW - timedelta(days=200)):
            for k in (1, 3, 5, 10, 3000):
                got = members_mod.top_contributors(lazy, since=since, at=NOW, k=k)
                want = members_mod.top_contributors(eager, since=since, at=NOW, k=k)
                assert [c.model_dump() for c in got] == [c.model_dump() for c in want], (since, k)
        chosen = contributors_mod._candidates(
            lazy,
            lazy.aggregates.first_in_window(list(lazy.channels), None, None),
            lazy.aggregates.member_totals(list(lazy.channels), None, None),
            5,
        )
        assert 5 <= len(chosen) < 100, "a few candidates, not every member"
    finally:
        archive.close()
