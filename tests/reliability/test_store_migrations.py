"""Schema migrations, on SQLite and the real PostgreSQL: an archive of the previous release is upgraded in place
with nothing lost, a fresh archive is complete without importing moderation first, and the migrations agree
with the models."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from assistant.errors import StoreError
from assistant.store import migrations
from assistant.store.archive import Archive, make_engine
from assistant.store.moderation import ModerationStore
from assistant.store.schema import all_metadata

AT = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
MESSAGES = [  # (channel, ts, text, indexed)
    ("C100", "1767603600.000100", "Could we get a dark mode?", True),
    ("C100", "1767603660.000100", "Yes please", False),
    ("C200", "1767603700.000100", "Where is the meetup?", True),
]
NEW_TABLES = {"slack_inbox", "alert_outbox"}


def _previous_release(url: str) -> None:
    """The archive as the previous release left it: its tables (revision 0001, no alembic_version), with data."""
    engine = make_engine(url)
    t = sa.table
    c = sa.column
    try:
        with engine.begin() as conn:
            command.upgrade(migrations.config(conn), migrations.PREVIOUS_RELEASE)
            conn.execute(sa.text("DROP TABLE alembic_version"))
            conn.execute(
                t(
                    "channels",
                    c("id"),
                    c("name"),
                    c("created", sa.DateTime(timezone=True)),
                    c("is_private", sa.Boolean),
                    c("is_archived", sa.Boolean),
                    c("topic"),
                    c("purpose"),
                ).insert(),
                [
                    {"id": cid, "name": name, "created": AT, "is_private": False, "is_archived": False}
                    | {"topic": "", "purpose": ""}
                    for cid, name in (("C100", "design"), ("C200", "help"))
                ],
            )
            conn.execute(
                t(
                    "members",
                    c("id"),
                    c("name"),
                    c("real_name"),
                    c("display_name"),
                    c("title"),
                    c("is_bot", sa.Boolean),
                    c("deleted", sa.Boolean),
                ).insert(),
                [
                    {"id": "U1", "name": "maria", "real_name": "Maria", "display_name": "", "title": ""}
                    | {"is_bot": False, "deleted": False}
                ],
            )
            conn.execute(
                t("memberships", c("channel_id"), c("user_id")).insert(), [{"channel_id": "C100", "user_id": "U1"}]
            )
            conn.execute(
                t(
                    "messages",
                    c("channel_id"),
                    c("ts"),
                    c("time", sa.Float),
                    c("user_id"),
                    c("text"),
                    c("raw_text"),
                    c("reactions", sa.JSON),
                    c("reply_count", sa.Integer),
                    c("reply_users", sa.JSON),
                    c("files", sa.JSON),
                    c("deleted", sa.Boolean),
                    c("indexed", sa.Boolean),
                ).insert(),
                [
                    {
                        "channel_id": cid,
                        "ts": ts,
                        "time": float(ts),
                        "user_id": "U1",
                        "text": text,
                        "raw_text": text,
                    }
                    | {"reactions": [], "reply_count": 0, "reply_users": [], "files": [], "deleted": False}
                    | {"indexed": indexed}
                    for cid, ts, text, indexed in MESSAGES
                ],
            )
            judgment = {
                "channel_id": "C100",
                "ts": MESSAGES[0][1],
                "toxicity": {"score": 0.9, "categories": {"insult": 0.8}},
                "misinformation": {"score": 0.1, "model_score": 0.1},
                "sentiment": {"label": "negative", "probs": {"negative": 0.7, "neutral": 0.2, "positive": 0.1}},
                "want": {"score": 0.05},
            }
            conn.execute(
                t(
                    "judgments",
                    c("channel_id"),
                    c("ts"),
                    c("toxicity", sa.Float),
                    c("misinformation", sa.Float),
                    c("negative", sa.Float),
                    c("want", sa.Float),
                    c("sentiment"),
                    c("payload", sa.JSON),
                    c("model_version"),
                ).insert(),
                [
                    {"channel_id": "C100", "ts": MESSAGES[0][1], "toxicity": 0.9, "misinformation": 0.1}
                    | {"negative": 0.7, "want": 0.05, "sentiment": "negative", "payload": judgment}
                    | {"model_version": "old"}
                ],
            )
            conn.execute(
                t(
                    "moderation_flags",
                    c("channel_id"),
                    c("ts"),
                    c("message_time", sa.Float),
                    c("user_id"),
                    c("judgment"),
                    c("score", sa.Float),
                    c("threshold", sa.Float),
                    c("payload", sa.JSON),
                    c("status"),
                    c("shadow", sa.Boolean),
                    c("message_deleted", sa.Boolean),
                    c("edits", sa.Integer),
                    c("created_at", sa.DateTime(timezone=True)),
                    c("updated_at", sa.DateTime(timezone=True)),
                ).insert(),
                [
                    {"channel_id": "C100", "ts": MESSAGES[0][1], "message_time": float(MESSAGES[0][1])}
                    | {"user_id": "U1", "judgment": "toxicity", "score": 0.9, "threshold": 0.7}
                    | {"payload": {"excerpt": "Could we get a dark mode?"}, "status": "open", "shadow": False}
                    | {"message_deleted": False, "edits": 0, "created_at": AT, "updated_at": AT}
                ],
            )
            conn.execute(
                t("state", c("key"), c("value", sa.JSON)).insert(),
                [{"key": "cursor:C100", "value": {"oldest": "1"}}],
            )
    finally:
        engine.dispose()


def _assert_upgraded_with_nothing_lost(url: str) -> None:
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            tables = set(sa.inspect(conn).get_table_names())
            assert tables >= NEW_TABLES and set(migrations.PREVIOUS_TABLES) <= tables
            assert migrations.current(conn) == migrations.head()
            rows = conn.execute(sa.text("SELECT channel_id, ts, text, indexed, moderated FROM messages")).all()
            kinds = dict(conn.execute(sa.text("SELECT id, kind FROM channels")).all())
    finally:
        engine.dispose()
    assert sorted((r[0], r[1], r[2], bool(r[3])) for r in rows) == sorted(MESSAGES)
    assert all(bool(r[4]) == bool(r[3]) for r in rows)  # moderated = indexed: the old release did both at once
    assert kinds == {"C100": "channel", "C200": "channel"}
    archive = Archive(url, migrate=False)
    try:
        assert [(c.id, c.kind, c.members) for c in archive.channels()] == [
            ("C100", "channel", ["U1"]),
            ("C200", "channel", []),
        ]
        assert archive.get_message("C100", MESSAGES[0][1]).text == MESSAGES[0][2]
        judgment = archive.judgment("C100", MESSAGES[0][1])
        assert judgment is not None and judgment.toxicity.score == 0.9
        assert archive.get_state("cursor:C100") == {"oldest": "1"}
        flag = ModerationStore(archive).flag_for("C100", MESSAGES[0][1])
        assert flag is not None and flag.excerpt == "Could we get a dark mode?" and flag.score == 0.9
        assert archive.upgrade() == "current"
    finally:
        archive.close()


def test_previous_release_archive_is_upgraded_when_opened(archive_url: str) -> None:
    _previous_release(archive_url)
    archive = Archive(archive_url)
    archive.close()
    _assert_upgraded_with_nothing_lost(archive_url)


def test_previous_release_archive_is_upgraded_by_the_cli(
    archive_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from assistant.cli.app import main

    _previous_release(archive_url)
    monkeypatch.setenv("DATABASE_URL", archive_url)
    main(["db", "current", "--json", "--data-dir", str(tmp_path / "data")])
    before = json.loads(capsys.readouterr().out)
    assert (before["current"], before["head"], before["up_to_date"]) == (None, migrations.head(), False)
    main(["db", "upgrade", "--json", "--data-dir", str(tmp_path / "data")])
    done = json.loads(capsys.readouterr().out)
    assert (done["before"], done["done"], done["current"]) == (None, "adopted", migrations.head())
    _assert_upgraded_with_nothing_lost(archive_url)
    main(["db", "upgrade", "--data-dir", str(tmp_path / "data")])
    assert "nothing to do" in capsys.readouterr().out


def test_an_archive_stamped_at_0001_is_upgraded(archive_url: str) -> None:
    _previous_release(archive_url)
    engine = make_engine(archive_url)
    with engine.begin() as conn:
        MigrationContext.configure(conn).stamp(migrations.scripts(), "0001")
    engine.dispose()
    archive = Archive(archive_url, migrate=False)
    try:
        assert archive.schema_revision() == ("0001", migrations.head())
        assert archive.upgrade() == "upgraded"
    finally:
        archive.close()
    _assert_upgraded_with_nothing_lost(archive_url)


def test_a_fresh_archive_has_every_table_without_importing_moderation(archive_url: str) -> None:
    code = (
        "import sys\n"
        "from assistant.store.archive import Archive\n"
        "assert 'assistant.moderation.tables' not in sys.modules, 'moderation was imported before the archive'\n"
        "print(Archive(sys.argv[1]).upgrade())\n"
    )
    done = subprocess.run([sys.executable, "-c", code, archive_url], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "current"  # opening it created the schema; upgrading again has nothing to do
    engine = make_engine(archive_url)
    try:
        with engine.connect() as conn:
            tables = set(sa.inspect(conn).get_table_names())
            assert migrations.current(conn) == migrations.head()
    finally:
        engine.dispose()
    assert tables == set(all_metadata().tables) | {"alembic_version"}
    assert {"moderation_flags", "moderation_alerts", "moderation_actions", "moderation_policies"} <= tables


def _schema_diff(url: str) -> list[Any]:
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            return list(compare_metadata(MigrationContext.configure(conn), all_metadata()))
    finally:
        engine.dispose()


def test_the_migrations_build_what_the_models_declare(archive_url: str) -> None:
    engine = make_engine(archive_url)
    with engine.begin() as conn:  # every revision from nothing, not the create_all shortcut
        command.upgrade(migrations.config(conn), "head")
    engine.dispose()
    assert _schema_diff(archive_url) == []
    archive = Archive(archive_url)
    archive.close()


def test_a_development_archive_without_versions_is_adopted_as_is(archive_url: str) -> None:
    """Made by a build between the releases (create_all of today's models, no alembic_version): adopted, and a
    ``moderated`` already written is not overwritten from ``indexed``."""
    engine = make_engine(archive_url)
    with engine.begin() as conn:
        all_metadata().create_all(conn)
        conn.execute(
            sa.text(
                "INSERT INTO messages (channel_id, ts, time, text, raw_text, reactions, reply_count, reply_users,"
                " files, deleted, indexed, moderated) VALUES ('C1', '1.0', 1.0, 'hi', 'hi', '[]', 0, '[]', '[]',"
                " :f, :t, :f)"
            ),
            {"f": False, "t": True},
        )
    engine.dispose()
    archive = Archive(archive_url)
    try:
        assert archive.schema_revision() == (migrations.head(), migrations.head())
        with archive.engine.connect() as conn:
            assert conn.execute(sa.text("SELECT indexed, moderated FROM messages")).one() == (True, False)
    finally:
        archive.close()
    assert _schema_diff(archive_url) == []


def test_an_archive_from_a_newer_release_is_refused_untouched(archive_url: str) -> None:
    Archive(archive_url).close()
    engine = make_engine(archive_url)
    with engine.begin() as conn:
        conn.execute(sa.text("UPDATE alembic_version SET version_num = '9999'"))
    engine.dispose()
    with pytest.raises(StoreError, match="newer release"):
        Archive(archive_url)
