"""Archive schema commands: ``assistant db current`` and ``assistant db upgrade``.

Every command that opens the archive upgrades it first (see ``Archive``); these are for operators who want to
look before, or upgrade a PostgreSQL archive ahead of starting several instances.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import typer

from assistant.cli.common import DataDirOpt, JsonOpt, make_context
from assistant.cli.output import console, print_json

if TYPE_CHECKING:
    from assistant.store.archive import Archive

db_app = typer.Typer(help="The archive's schema: which revision it is at, and upgrading it.", no_args_is_help=True)


def _archive(data_dir: Any) -> Archive:
    from assistant.store.archive import Archive  # SQLAlchemy is imported when a command runs, not for --help

    settings = make_context(data_dir).settings
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    return Archive(settings.archive_url, migrate=False)


@db_app.command("current")
def current(data_dir: DataDirOpt = None, json_out: JsonOpt = False) -> None:
    """Show the archive's schema revision and the newest this release knows (changes nothing)."""
    archive = _archive(data_dir)
    try:
        revision, head = archive.schema_revision()
    finally:
        archive.close()
    result = {"dialect": archive.dialect, "current": revision, "head": head, "up_to_date": revision == head}
    if json_out:
        print_json(result)
        return
    where = revision or "none (not made yet, or made before migrations)"
    state = "up to date" if revision == head else f"behind: `assistant db upgrade` brings it to {head}"
    console.print(f"Archive schema ({archive.dialect}): {where}; {state}.", highlight=False, markup=False)


@db_app.command("upgrade")
def upgrade(data_dir: DataDirOpt = None, json_out: JsonOpt = False) -> None:
    """Bring the archive's schema to the newest revision (creating it if empty); safe to run at any time."""
    archive = _archive(data_dir)
    try:
        before, head = archive.schema_revision()
        done = archive.upgrade()
        after, _ = archive.schema_revision()
    finally:
        archive.close()
    result = {"dialect": archive.dialect, "before": before, "current": after, "head": head, "done": done}
    if json_out:
        print_json(result)
        return
    said = {
        "current": f"already at {after}, nothing to do",
        "created": f"created at {after}",
        "adopted": f"adopted from the previous release and upgraded to {after}",
        "upgraded": f"upgraded from {before} to {after}",
    }[done]
    console.print(f"Archive schema ({archive.dialect}): {said}.", highlight=False, markup=False)


def register(app: typer.Typer) -> None:
    app.add_typer(db_app, name="db")
