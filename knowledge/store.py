"""Build the validated catalog into SQLite and load it back (aiosqlite at run time).

The database is derived data: it is rebuilt whenever the files' fingerprint changes, written to a
temporary file and swapped in atomically, so a reader never sees half a build.
"""

from __future__ import annotations

import json
import os
import sqlite3
import tempfile
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from knowledge.files import DATA_DIR, fingerprint, quick_fingerprint
from knowledge.names import normalize

if TYPE_CHECKING:
    from knowledge.catalog import Catalog

SCHEMA_VERSION = 1

DDL = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE entries (kind TEXT NOT NULL, id TEXT NOT NULL, title TEXT NOT NULL, data TEXT NOT NULL,
                      PRIMARY KEY (kind, id));
CREATE TABLE names (kind TEXT NOT NULL, id TEXT NOT NULL, name TEXT NOT NULL, normalized TEXT NOT NULL);
CREATE INDEX names_normalized ON names (normalized);
CREATE TABLE benchmarks (n INTEGER PRIMARY KEY, model TEXT NOT NULL, hardware TEXT NOT NULL, quant TEXT NOT NULL,
                         runtime TEXT NOT NULL, test TEXT NOT NULL, tokens_per_s REAL NOT NULL, data TEXT NOT NULL);
CREATE INDEX benchmarks_model ON benchmarks (model, hardware);
CREATE VIRTUAL TABLE docs USING fts5 (kind UNINDEXED, id UNINDEXED, title, names, body,
                                      tokenize = 'porter unicode61');
"""


def cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "runlocalai"


def default_db_path(data_dir: Path = DATA_DIR, stamp: str | None = None) -> Path:
    """``$RUNLOCALAI_DB`` or a per-fingerprint file in the user cache (``stamp``: the fingerprint, if known)."""
    override = os.environ.get("RUNLOCALAI_DB")
    if override:
        return Path(override)
    return cache_dir() / f"catalog-{stamp or quick_fingerprint(data_dir, cache_dir())}.sqlite"


def database_dir() -> Path:
    """The folder of the default catalog database (``$RUNLOCALAI_DB``'s, else the user cache), without computing the
    fingerprint that names the file."""
    override = os.environ.get("RUNLOCALAI_DB")
    return Path(override).parent if override else cache_dir()


def manifest_dir(db_path: Path | None = None) -> Path:
    """Where the stat manifests behind ``quick_fingerprint`` live: beside the database."""
    return db_path.parent if db_path is not None else database_dir()


def searchable_text(entry) -> str:
    """The words a full-text search should see for an entry."""
    from knowledge.schema import ErrorEntry, GlossaryTerm, Hardware, Model, Tool

    if isinstance(entry, GlossaryTerm):
        return " ".join([entry.short, entry.body, entry.example, " ".join(entry.in_tools)])
    if isinstance(entry, ErrorEntry):
        fixes = " ".join(f.title + " " + (f.detail or "") for f in entry.fixes)
        return " ".join([entry.summary, " ".join(entry.signatures), " ".join(entry.causes), fixes, entry.body])
    if isinstance(entry, Tool):
        return " ".join([entry.summary, " ".join(entry.strengths), " ".join(entry.limits), " ".join(entry.formats)])
    if isinstance(entry, Model):
        return " ".join([entry.family, entry.developer, entry.variant, " ".join(entry.ollama_tags), entry.notes or ""])
    if isinstance(entry, Hardware):
        return " ".join([entry.vendor, entry.family, entry.memory_type, f"{entry.memory_gb:g}GB", entry.notes or ""])
    return ""


def _write(conn: sqlite3.Connection, catalog: Catalog, stamp: str) -> None:
    conn.executescript(DDL)
    conn.executemany(
        "INSERT INTO meta VALUES (?, ?)",
        [("schema_version", str(SCHEMA_VERSION)), ("fingerprint", stamp), ("counts", json.dumps(catalog.counts()))],
    )
    for entry in catalog.entries():
        conn.execute("INSERT INTO entries VALUES (?, ?, ?, ?)", (entry.kind, entry.id, entry.title, entry.model_dump_json()))
        names = sorted({entry.id, entry.title, *entry.aliases})
        conn.executemany("INSERT INTO names VALUES (?, ?, ?, ?)", [(entry.kind, entry.id, n, normalize(n)) for n in names])
        conn.execute(
            "INSERT INTO docs VALUES (?, ?, ?, ?, ?)",
            (entry.kind, entry.id, entry.title, " ".join(names), searchable_text(entry)),
        )
    conn.executemany(
        "INSERT INTO benchmarks (model, hardware, quant, runtime, test, tokens_per_s, data) VALUES (?, ?, ?, ?, ?, ?, ?)",
        [(b.model, b.hardware, b.quant, b.runtime, b.test, b.tokens_per_s, b.model_dump_json()) for b in catalog.benchmarks],
    )


def build_database(catalog: Catalog, path: Path) -> Path:
    """Write ``catalog`` to ``path`` atomically (temp file + rename)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".catalog-", suffix=".sqlite", dir=path.parent)
    os.close(fd)
    try:
        conn = sqlite3.connect(tmp)
        with conn:
            _write(conn, catalog, catalog.fingerprint or fingerprint())
        conn.close()
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return path


def ensure_database(path: Path | None = None, data_dir: Path = DATA_DIR, stamp: str | None = None) -> Path:
    """Return a current database for the shipped files, building it when missing or stale. ``stamp``: the files'
    fingerprint when the caller already has it (else read through the stat manifest beside the database)."""
    stamp = stamp or quick_fingerprint(data_dir, manifest_dir(path))
    target = path or default_db_path(data_dir, stamp)
    if target.exists() and _stamp_of(target) == stamp:
        return target
    from knowledge.loader import load_valid_catalog

    catalog = load_valid_catalog(data_dir)
    catalog.fingerprint = stamp
    return build_database(catalog, target)


def _stamp_of(path: Path) -> str | None:
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            row = conn.execute("SELECT value FROM meta WHERE key = 'fingerprint'").fetchone()
            version = conn.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
        finally:
            conn.close()
    except sqlite3.Error:
        return None
    if not row or not version or version[0] != str(SCHEMA_VERSION):
        return None
    return row[0]


_FINGERPRINT_SQL = "SELECT value FROM meta WHERE key = 'fingerprint'"
_ENTRIES_SQL = "SELECT kind, data FROM entries ORDER BY kind, id"
_BENCHMARKS_SQL = "SELECT data FROM benchmarks ORDER BY n"


async def load_catalog_db(path: Path) -> Catalog:
    """Read every entry back from SQLite with aiosqlite."""
    import aiosqlite

    async with aiosqlite.connect(f"file:{path}?mode=ro", uri=True) as db:
        async with db.execute(_FINGERPRINT_SQL) as cur:
            row = await cur.fetchone()
        async with db.execute(_ENTRIES_SQL) as cur:
            rows = await cur.fetchall()
        async with db.execute(_BENCHMARKS_SQL) as cur:
            bench_rows = await cur.fetchall()
    return _catalog_from_rows(row[0] if row else "", rows, (r[0] for r in bench_rows))


def read_catalog_db(path: Path) -> Catalog:
    """``load_catalog_db`` without an event loop (the knowledge snapshot is built in one thread)."""
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        row = conn.execute(_FINGERPRINT_SQL).fetchone()
        rows = conn.execute(_ENTRIES_SQL).fetchall()
        bench_rows = conn.execute(_BENCHMARKS_SQL).fetchall()
    finally:
        conn.close()
    return _catalog_from_rows(row[0] if row else "", rows, (r[0] for r in bench_rows))


def _catalog_from_rows(stamp: str, rows: Iterable[Any], bench_rows: Iterable[str]) -> Catalog:
    from knowledge.catalog import Catalog
    from knowledge.schema import Benchmark, ErrorEntry, GlossaryTerm, Hardware, Model, Tool

    schemas: dict[str, Any] = {"model": Model, "hardware": Hardware, "tool": Tool, "glossary": GlossaryTerm, "error": ErrorEntry}
    buckets: dict[str, list] = {kind: [] for kind in schemas}
    for kind, data in rows:
        buckets[kind].append(schemas[kind].model_validate_json(data))
    return Catalog(
        models=buckets["model"],
        hardware=buckets["hardware"],
        tools=buckets["tool"],
        glossary=buckets["glossary"],
        errors=buckets["error"],
        benchmarks=[Benchmark.model_validate_json(data) for data in bench_rows],
        fingerprint=stamp,
    )


async def fts_search(path: Path, query: str, limit: int = 10) -> list[tuple[str, str, float]]:
    """Full-text search (BM25 via FTS5): (kind, id, rank) best first."""
    import aiosqlite

    terms = " OR ".join(f'"{t}"' for t in normalize(query).split() if t)
    if not terms:
        return []
    async with (
        aiosqlite.connect(f"file:{path}?mode=ro", uri=True) as db,
        db.execute(
            "SELECT kind, id, bm25(docs, 0, 0, 5.0, 3.0, 1.0) AS rank FROM docs WHERE docs MATCH ? ORDER BY rank LIMIT ?",
            (terms, limit),
        ) as cur,
    ):
        return [(k, i, float(r)) for k, i, r in await cur.fetchall()]
