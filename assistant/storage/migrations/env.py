"""Alembic's environment: migrations run on the connection `storage.db` hands over
(`config.attributes["connection"]`), never from a URL in a file."""

from __future__ import annotations

from alembic import context

from assistant.storage.tables import metadata

connection = context.config.attributes["connection"]
context.configure(connection=connection, target_metadata=metadata,
                  render_as_batch=connection.dialect.name == "sqlite")  # fmt: skip
with context.begin_transaction():
    context.run_migrations()
