"""The loaded knowledge the answer paths share: catalog, name index, the engine's built indexes, database path.

``KnowledgeBase.load`` reads it from a snapshot beside the catalog database when one exists for the current catalog
files and code (knowledge/snapshot.py); otherwise it builds the database if needed, loads the catalog, builds the
name index and the engine's indexes (entity extractor, signature matcher, BM25) and writes the snapshot. Heavy
modules are imported inside the functions that need them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeGuard

if TYPE_CHECKING:
    from answers.bm25 import BM25
    from answers.catalog_grid import CatalogGrid
    from answers.entities import EntityExtractor
    from answers.errors_match import SignatureMatcher
    from answers.ranking import QualityIndex
    from estimator.batch import HardwareColumns, ModelQuantTable
    from knowledge.catalog import Catalog
    from knowledge.search import NameIndex

# what a snapshot keeps besides the catalog and the name index: the engine's indexes (cached properties below), each
# pickled apart and loaded on first use (``runlocalai estimate`` never loads, nor imports, the engine's modules)
SNAPSHOT_PARTS = ("entity_extractor", "signature_matcher", "search_index", "grid_tables")
_PACKAGES = ("answers", "knowledge", "estimator")  # their source files are the code version of a snapshot


@dataclass
class KnowledgeBase:
    catalog: Catalog
    names: NameIndex
    db_path: Path | None = None
    # Approved community benchmarks (answers.community.CommunityRow: ``.bench`` is a knowledge.schema.Benchmark), set by
    # the front end from its state database; answers.evidence shows them as the "community" rung, never as "measured".
    community: tuple[Any, ...] = ()
    community_version: int = 0  # bumped by set_community: cached estimates made with other rows are not reused
    source: str = field(default="built", compare=False)  # "snapshot" when read from the snapshot file
    _stored_parts: dict[str, bytes] = field(default_factory=dict, repr=False, compare=False)

    def set_community(self, rows: tuple[Any, ...] | list[Any]) -> None:
        """Replace the approved community rows (one assignment each: readers see the old or the new rows)."""
        self.community = tuple(rows)
        self.community_version += 1

    @cached_property
    def grid(self) -> CatalogGrid:
        """Catalog-wide grid, built on first use and dropped with this catalog (a reload gets a fresh one)."""
        from answers.catalog_grid import CatalogGrid

        return CatalogGrid(self.catalog, lambda: self.grid_tables)

    @cached_property
    def benchmark_positions(self) -> dict[tuple[str, str], tuple[int, ...]]:
        """Positions in ``catalog.benchmarks`` by ("model", id) and by ("hardware", the row's hardware field): the
        evidence paths look only at rows of the asked model or machine instead of scanning every row."""
        positions: dict[tuple[str, str], list[int]] = {}
        for index, bench in enumerate(self.catalog.benchmarks):
            positions.setdefault(("model", bench.model), []).append(index)
            positions.setdefault(("hardware", bench.hardware), []).append(index)
        return {key: tuple(value) for key, value in positions.items()}

    @cached_property
    def grid_tables(self) -> tuple[ModelQuantTable, HardwareColumns]:
        """Every model at every quant and every machine, as the grid's arrays (about a second to build)."""
        from answers.catalog_grid import build_tables

        stored = self._stored("grid_tables")
        return stored if stored is not None else build_tables(self.catalog)

    @cached_property
    def quality(self) -> QualityIndex:
        """Quality per model and use (published figures, else a size/date estimate), built on first use."""
        from answers.ranking import QualityIndex

        return QualityIndex(self.catalog)

    @cached_property
    def entity_extractor(self) -> EntityExtractor:
        from answers.entities import EntityExtractor

        stored = self._stored("entity_extractor")
        return stored if stored is not None else EntityExtractor(self.names)

    @cached_property
    def signature_matcher(self) -> SignatureMatcher:
        """The errors KB's signatures, anchored and ranked (answers/errors_match.py)."""
        from answers.errors_match import SignatureMatcher

        stored = self._stored("signature_matcher")
        return stored if stored is not None else SignatureMatcher(self.catalog)

    @cached_property
    def search_index(self) -> BM25:
        """BM25 over the glossary, errors and tools, for questions that name no entry."""
        from answers.bm25 import catalog_bm25

        stored = self._stored("search_index")
        return stored if stored is not None else catalog_bm25(self.catalog)

    @classmethod
    def from_catalog(cls, catalog: Catalog, db_path: Path | None = None) -> KnowledgeBase:
        from knowledge.search import NameIndex

        return cls(catalog, NameIndex(catalog), db_path)

    @classmethod
    def load(cls, db_path: Path | None = None, data_dir: Path | None = None) -> KnowledgeBase:
        """The knowledge for the catalog files in ``data_dir`` (default: the shipped catalog): from the snapshot
        when it is current, else built (the database too, if needed) and the snapshot written."""
        from knowledge.files import DATA_DIR, quick_fingerprint
        from knowledge.snapshot import Snapshot, code_version
        from knowledge.store import default_db_path, ensure_database, manifest_dir, read_catalog_db

        data_dir = data_dir or DATA_DIR
        stamps = manifest_dir(db_path)
        stamp = quick_fingerprint(data_dir, stamps)
        path = db_path or default_db_path(data_dir, stamp)
        snapshot = Snapshot.beside(path, stamp, code_version(Path(__file__).resolve().parent.parent, _PACKAGES, stamps))
        stored = snapshot.read()
        if _usable(stored, path):
            snapshot.touch()
            return cls._from_state(stored, path)
        path = ensure_database(path, data_dir, stamp)
        kb = cls.from_catalog(read_catalog_db(path), path)
        snapshot.write(kb._state(path))
        return kb

    @classmethod
    async def load_async(cls, db_path: Path | None = None, data_dir: Path | None = None) -> KnowledgeBase:
        """``load`` in a worker thread, for the bot (start-up, SIGHUP and /setup reload)."""
        import asyncio

        return await asyncio.to_thread(cls.load, db_path, data_dir)

    # -- snapshot ---------------------------------------------------------------------------------
    def _state(self, path: Path) -> dict[str, Any]:
        from knowledge.snapshot import dumps_part

        refs = {id(obj): ref for ref, obj in self._shared().items()}
        return {
            "catalog": self.catalog,
            "names": self.names,
            "parts": {name: dumps_part(getattr(self, name), refs) for name in SNAPSHOT_PARTS},
            "db": _db_state(path),
        }

    @classmethod
    def _from_state(cls, state: dict[str, Any], path: Path) -> KnowledgeBase:
        return cls(state["catalog"], state["names"], path, source="snapshot", _stored_parts=dict(state["parts"]))

    def _shared(self) -> dict[tuple[str, ...], Any]:
        """The objects a stored part refers to instead of copying: the catalog, the name index, every entry and
        every error signature (so a loaded part and the catalog are one object graph, as when built)."""
        shared: dict[tuple[str, ...], Any] = {("catalog",): self.catalog, ("names",): self.names}
        for entry in self.catalog.entries():
            shared[("entry", entry.kind, entry.id)] = entry
        for error in self.catalog.errors:
            for index, signature in enumerate(error.signatures):
                shared[("signature", error.id, str(index))] = signature
        return shared

    def _stored(self, name: str) -> Any:
        """The part ``name`` from the snapshot, or None (none stored, or it cannot be loaded: then it is built)."""
        data = self._stored_parts.get(name)
        if data is None:
            return None
        # a new dict, not a change to the shared one: a shallow copy of this knowledge base (the bot's) keeps its parts
        self._stored_parts = {key: value for key, value in self._stored_parts.items() if key != name}
        from knowledge.snapshot import loads_part

        shared = self._shared()
        try:
            return loads_part(data, shared.__getitem__)
        except Exception:  # a part that cannot be read is built again, like a damaged snapshot
            return None


def _usable(stored: Any, path: Path) -> TypeGuard[dict[str, Any]]:
    """A snapshot of the expected shape, built beside this very database file."""
    return (
        isinstance(stored, dict)
        and isinstance(stored.get("parts"), dict)
        and set(stored["parts"]) == set(SNAPSHOT_PARTS)
        and all(isinstance(data, bytes) for data in stored["parts"].values())
        and stored.get("db") == _db_state(path)
    )


def _db_state(path: Path) -> list[int] | None:
    """Size and modification time of the database: a snapshot is used only with the database it was built beside."""
    try:
        st = path.stat()
    except OSError:
        return None
    return [st.st_size, st.st_mtime_ns]
