"""Schema migrations of the archive (Alembic, driven from code: no ``alembic.ini`` at run time).

``bring_to_head`` is what ``Archive(url)`` runs at start-up, under the schema lock, on one connection in one
transaction:

- a fresh database (none of the archive's tables) gets every table from the models and is stamped at the head;
- an archive of the previous release (its tables, no ``alembic_version``) is stamped at 0001 and upgraded;
- an archive behind the head is upgraded; one stamped by a newer release is refused (nothing is touched).

A change to ``assistant.store.schema`` or ``assistant.store.moderation.tables`` needs a new revision in ``versions/``
(``tests/reliability/test_store_migrations.py`` checks that the revisions and the models agree).
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.util import CommandError
from sqlalchemy import Connection, inspect

from assistant.errors import StoreError
from assistant.store.schema import all_metadata

LOCATION = Path(__file__).resolve().parent
PREVIOUS_RELEASE = "0001"
#: The tables of the previous release (revision 0001); an archive holding them and no version was made by it.
PREVIOUS_TABLES = frozenset(
    {
        "channels",
        "members",
        "memberships",
        "messages",
        "judgments",
        "audit_log",
        "state",
        "moderation_flags",
        "moderation_alerts",
        "moderation_actions",
        "moderation_policies",
    }
)


def config(connection: Connection | None = None) -> Config:
    """An Alembic config pointing at this package; ``env.py`` migrates ``connection`` (in its transaction)."""
    cfg = Config()
    cfg.set_main_option("script_location", str(LOCATION).replace("%", "%%"))
    cfg.attributes["connection"] = connection
    return cfg


@lru_cache(maxsize=1)
def scripts() -> ScriptDirectory:
    return ScriptDirectory.from_config(config())


def head() -> str:
    found = scripts().get_current_head()
    if found is None:  # pragma: no cover - the package ships its revisions
        raise StoreError("The archive's schema migrations are missing from the installed package.")
    return found


def current(connection: Connection) -> str | None:
    """The revision the database is stamped at (``None``: no ``alembic_version`` table or row)."""
    return MigrationContext.configure(connection).get_current_revision()


def _known(revision: str) -> bool:
    try:
        return scripts().get_revision(revision) is not None
    except CommandError:
        return False


def bring_to_head(connection: Connection) -> str:
    """Create, adopt or upgrade the schema on ``connection``; says which: created, adopted, upgraded, current.

    The caller holds the schema lock and commits (PostgreSQL and SQLite both roll DDL back on failure).
    """
    target = head()
    tables = set(inspect(connection).get_table_names())
    revision = current(connection) if "alembic_version" in tables else None
    if revision == target:
        return "current"
    if revision is not None and not _known(revision):
        raise StoreError(
            f"The archive's schema is at revision {revision}, made by a newer release of the assistant "
            f"(this one knows up to {target}): run the newer release, nothing was changed."
        )
    metadata = all_metadata()
    if revision is None and not tables & set(metadata.tables):
        metadata.create_all(connection)
        MigrationContext.configure(connection).stamp(scripts(), target)
        return "created"
    done = "upgraded"
    if revision is None:
        # Made before migrations existed: the previous release's create_all. Revision 0001 is that schema
        # (its steps only create what is missing, so an archive missing a table it had is completed too).
        if tables >= PREVIOUS_TABLES:
            MigrationContext.configure(connection).stamp(scripts(), PREVIOUS_RELEASE)
        done = "adopted"
    command.upgrade(config(connection), "head")
    return done
