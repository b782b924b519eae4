"""One cache interface for Hugging Face lookups, several stores.

``HubCache`` is two async methods on text values with a time to live. The bot's state repository implements
them (table ``hub_cache`` in SQLite or PostgreSQL, migration 2); the command line uses ``SQLiteHubCache``, a
small file beside the catalog database; tests and benches can use ``MemoryHubCache``.

``hub_cache_get`` returns the value with its expiry time even after it has expired, so a resolver can fall back
to a stale answer when the Hub cannot be reached; it returns None only when nothing was ever stored.
"""

from __future__ import annotations

import os
import sqlite3
import threading
import time
from pathlib import Path
from typing import Protocol


class HubCache(Protocol):
    async def hub_cache_get(self, key: str) -> tuple[str, float] | None:
        """(value, expires_at as a Unix time), expired or not; None if the key was never stored."""
        ...

    async def hub_cache_put(self, key: str, value: str, ttl_s: float) -> None: ...


class MemoryHubCache:
    """A dict: for tests, benches and one-shot scripts."""

    def __init__(self) -> None:
        self.data: dict[str, tuple[str, float]] = {}

    async def hub_cache_get(self, key: str) -> tuple[str, float] | None:
        return self.data.get(key)

    async def hub_cache_put(self, key: str, value: str, ttl_s: float) -> None:
        self.data[key] = (value, time.time() + ttl_s)


PURGE_AFTER_S = 30 * 86400  # rows expired this long ago are deleted on the next write

_DDL = """
CREATE TABLE IF NOT EXISTS hub_cache (key TEXT PRIMARY KEY, value TEXT NOT NULL, stored_at REAL NOT NULL, expires_at REAL NOT NULL);
CREATE INDEX IF NOT EXISTS hub_cache_expires ON hub_cache (expires_at);
"""


def default_hub_cache_path() -> Path:
    """``hub-cache.sqlite`` in the folder of the catalog database (``$RUNLOCALAI_DB``'s folder, else the user cache)."""
    override = os.environ.get("RUNLOCALAI_DB")
    if override:
        return Path(override).parent / "hub-cache.sqlite"
    from knowledge.store import cache_dir

    return cache_dir() / "hub-cache.sqlite"


class SQLiteHubCache:
    """The command line's store: one SQLite file (WAL), opened on first use. The calls are synchronous
    (a local file, well under a millisecond) behind the async interface."""

    def __init__(self, path: Path | str | None = None):
        self.path = Path(path) if path is not None else default_hub_cache_path()
        self._db: sqlite3.Connection | None = None
        self._lock = threading.Lock()

    def _conn(self) -> sqlite3.Connection:
        if self._db is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            db = sqlite3.connect(self.path, check_same_thread=False, timeout=5)
            db.execute("PRAGMA journal_mode=WAL")
            db.executescript(_DDL)
            self._db = db
        return self._db

    def get(self, key: str) -> tuple[str, float] | None:
        with self._lock:
            try:
                row = self._conn().execute("SELECT value, expires_at FROM hub_cache WHERE key = ?", (key,)).fetchone()
            except sqlite3.Error:
                return None  # an unreadable cache is an empty cache
        return (str(row[0]), float(row[1])) if row else None

    def put(self, key: str, value: str, ttl_s: float) -> None:
        now = time.time()
        with self._lock:
            try:
                db = self._conn()
                with db:
                    db.execute(
                        "INSERT INTO hub_cache VALUES (?, ?, ?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value, "
                        "stored_at = excluded.stored_at, expires_at = excluded.expires_at",
                        (key, value, now, now + ttl_s),
                    )
                    db.execute("DELETE FROM hub_cache WHERE expires_at < ?", (now - PURGE_AFTER_S,))
            except sqlite3.Error:
                pass  # a cache that cannot be written only costs a network lookup next time

    async def hub_cache_get(self, key: str) -> tuple[str, float] | None:
        return self.get(key)

    async def hub_cache_put(self, key: str, value: str, ttl_s: float) -> None:
        self.put(key, value, ttl_s)

    def close(self) -> None:
        with self._lock:
            if self._db is not None:
                self._db.close()
                self._db = None
