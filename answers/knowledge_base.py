"""The loaded knowledge the answer paths share: catalog, name index, database path."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

from answers.catalog_grid import CatalogGrid
from answers.ranking import QualityIndex
from knowledge.catalog import Catalog
from knowledge.search import NameIndex
from knowledge.store import ensure_database, load_catalog_db


@dataclass
class KnowledgeBase:
    catalog: Catalog
    names: NameIndex
    db_path: Path | None = None
    # Approved community benchmarks (answers.community.CommunityRow: ``.bench`` is a knowledge.schema.Benchmark), set by
    # the front end from its state database; answers.evidence shows them as the "community" rung, never as "measured".
    community: tuple[Any, ...] = ()
    community_version: int = 0  # bumped by set_community: cached estimates made with other rows are not reused

    def set_community(self, rows: tuple[Any, ...] | list[Any]) -> None:
        """Replace the approved community rows (one assignment each: readers see the old or the new rows)."""
        self.community = tuple(rows)
        self.community_version += 1

    @cached_property
    def grid(self) -> CatalogGrid:
        """Catalog-wide grid, built on first use and dropped with this catalog (a reload gets a fresh one)."""
        return CatalogGrid(self.catalog)

    @cached_property
    def quality(self) -> QualityIndex:
        """Quality per model and use (published figures, else a size/date estimate), built on first use."""
        return QualityIndex(self.catalog)

    @classmethod
    def from_catalog(cls, catalog: Catalog, db_path: Path | None = None) -> KnowledgeBase:
        return cls(catalog, NameIndex(catalog), db_path)

    @classmethod
    def load(cls, db_path: Path | None = None) -> KnowledgeBase:
        """Synchronous load for the command line (builds the database if needed)."""
        import asyncio

        path = ensure_database(db_path)
        return cls.from_catalog(asyncio.run(load_catalog_db(path)), path)

    @classmethod
    async def load_async(cls, db_path: Path | None = None) -> KnowledgeBase:
        """Async load for the bot: the build (if any) runs in a thread, the read through aiosqlite."""
        import asyncio

        path = await asyncio.to_thread(ensure_database, db_path)
        return cls.from_catalog(await load_catalog_db(path), path)
