"""In-memory catalog: the validated entries with id lookups."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from knowledge.schema import Benchmark, ErrorEntry, GlossaryTerm, Hardware, Model, Tool

Entry = Model | Hardware | Tool | GlossaryTerm | ErrorEntry


@dataclass
class Catalog:
    models: list[Model] = field(default_factory=list)
    hardware: list[Hardware] = field(default_factory=list)
    tools: list[Tool] = field(default_factory=list)
    glossary: list[GlossaryTerm] = field(default_factory=list)
    errors: list[ErrorEntry] = field(default_factory=list)
    benchmarks: list[Benchmark] = field(default_factory=list)
    fingerprint: str = ""
    _by_id: dict[tuple[str, str], Any] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        self.reindex()

    def reindex(self) -> None:
        self._by_id = {(entry.kind, entry.id): entry for entry in self.entries()}

    def entries(self) -> Iterator[Entry]:
        yield from self.models
        yield from self.hardware
        yield from self.tools
        yield from self.glossary
        yield from self.errors

    def of_kind(self, kind: str) -> list[Any]:
        """Every entry of one kind (model, hardware, tool, glossary, error)."""
        lists: dict[str, list[Any]] = {
            "model": self.models,
            "hardware": self.hardware,
            "tool": self.tools,
            "glossary": self.glossary,
            "error": self.errors,
        }
        return lists[kind]

    def get(self, kind: str, entry_id: str) -> Any | None:
        return self._by_id.get((kind, entry_id))

    def model(self, entry_id: str) -> Model | None:
        return self._by_id.get(("model", entry_id))

    def hardware_by_id(self, entry_id: str) -> Hardware | None:
        return self._by_id.get(("hardware", entry_id))

    def benchmarks_for(self, model_id: str | None = None, hardware_id: str | None = None) -> list[Benchmark]:
        return [
            b for b in self.benchmarks if (model_id is None or b.model == model_id) and (hardware_id is None or b.hardware == hardware_id)
        ]

    def counts(self) -> dict[str, int]:
        return {
            "models": len(self.models),
            "hardware": len(self.hardware),
            "tools": len(self.tools),
            "glossary": len(self.glossary),
            "errors": len(self.errors),
            "benchmarks": len(self.benchmarks),
        }
