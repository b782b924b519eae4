"""Bot state: one interface (repository.py), SQLite (default) and PostgreSQL implementations."""

from __future__ import annotations

from bot.state.repository import StateRepository


def make_state(sqlite_path, postgres_dsn: str | None) -> StateRepository:
    """PostgreSQL when a DSN is configured, else the embedded SQLite file."""
    if postgres_dsn:
        from bot.state.postgres import PostgresState

        return PostgresState(postgres_dsn)
    from bot.state.sqlite import SQLiteState

    return SQLiteState(sqlite_path)
