"""Alembic environment: migrates the connection the caller passed in ``config.attributes["connection"]``.

Run from code only (``assistant.store.migrations``, ``Archive(url)``, ``assistant db upgrade``); there is no
offline (SQL script) mode and no ``alembic.ini``.
"""

from __future__ import annotations

from alembic import context

from assistant.store.schema import all_metadata

connection = context.config.attributes.get("connection")
if connection is None or context.is_offline_mode():
    raise RuntimeError("The archive's migrations run from code on a connection: use `assistant db upgrade`.")

context.configure(
    connection=connection,
    target_metadata=all_metadata(),
    render_as_batch=connection.dialect.name == "sqlite",
)
with context.begin_transaction():
    context.run_migrations()
