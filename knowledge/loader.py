"""Load catalog files, validate every entry and every cross-reference, report all problems at once."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import frontmatter
import yaml
from pydantic import BaseModel, ValidationError

from estimator.architecture import ModelArch
from knowledge.catalog import Catalog
from knowledge.files import DATA_DIR, FOLDERS
from knowledge.files import catalog_files as catalog_files  # re-exported: older callers import them from here
from knowledge.files import fingerprint as fingerprint
from knowledge.names import normalize
from knowledge.schema import SYSTEM_COMPONENTS, Benchmark, ErrorEntry, GlossaryTerm, Hardware, Model, Tool

_YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

_SCHEMAS: dict[str, type[BaseModel]] = {
    "models": Model,
    "hardware": Hardware,
    "tools": Tool,
    "benchmarks": Benchmark,
    "glossary": GlossaryTerm,
    "errors": ErrorEntry,
}
# folder -> (schema, file pattern); the files themselves are listed in knowledge/files.py
KINDS: dict[str, tuple[type[BaseModel], str]] = {folder: (_SCHEMAS[folder], f"*{suffix}") for folder, suffix in FOLDERS.items()}


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the catalog, located by file and field."""

    file: str
    where: str
    message: str

    def __str__(self) -> str:
        return f"{self.file}: {self.where}: {self.message}"


@dataclass
class LoadReport:
    catalog: Catalog
    problems: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


class CatalogError(Exception):
    """Raised when the catalog has problems and a valid catalog was required."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        preview = "\n".join(str(p) for p in problems[:20])
        more = f"\n... and {len(problems) - 20} more" if len(problems) > 20 else ""
        super().__init__(f"{len(problems)} catalog problem(s):\n{preview}{more}")


def _raw_records(path: Path, folder: str) -> Iterator[tuple[str, dict[str, Any]]]:
    """Yield (location, raw dict) pairs from one file."""
    text = path.read_text(encoding="utf-8")
    if path.suffix == ".md":
        post = frontmatter.loads(text)
        record = dict(post.metadata)
        record["body"] = post.content.strip()
        yield "front matter", record
        return
    data = yaml.load(text, Loader=_YAML_LOADER)
    if data is None:
        return
    if isinstance(data, dict):
        data = [data]
    if not isinstance(data, list):
        raise ValueError(f"expected a list of {folder} entries, got {type(data).__name__}")
    for index, record in enumerate(data):
        if not isinstance(record, dict):
            raise ValueError(f"entry {index} is not a mapping")
        label = record.get("id") or f"{record.get('hardware', '?')}/{record.get('model', '?')}"
        yield f"[{index}] {label}", record


def _pydantic_problems(file: str, where: str, exc: ValidationError) -> Iterable[Problem]:
    for err in exc.errors():
        loc = ".".join(str(part) for part in err["loc"]) or "(entry)"
        yield Problem(file, f"{where} {loc}", err["msg"])


def load_catalog(data_dir: Path = DATA_DIR) -> LoadReport:
    """Parse and validate every file; cross-check references. Never raises for content problems."""
    problems: list[Problem] = []
    parsed: dict[str, list[tuple[str, Any]]] = {folder: [] for folder in KINDS}
    for folder, (schema, pattern) in KINDS.items():
        for path in sorted((data_dir / folder).glob(pattern)):
            rel = str(path.relative_to(data_dir.parent))
            try:
                records = list(_raw_records(path, folder))
            except (yaml.YAMLError, ValueError) as exc:
                problems.append(Problem(rel, "file", f"cannot parse: {exc}"))
                continue
            for where, record in records:
                try:
                    parsed[folder].append((rel, schema.model_validate(record)))
                except ValidationError as exc:
                    problems.extend(_pydantic_problems(rel, where, exc))
    catalog = Catalog(
        models=[e for _, e in parsed["models"]],
        hardware=[e for _, e in parsed["hardware"]],
        tools=[e for _, e in parsed["tools"]],
        glossary=[e for _, e in parsed["glossary"]],
        errors=[e for _, e in parsed["errors"]],
        benchmarks=[e for _, e in parsed["benchmarks"]],
    )
    problems.extend(_cross_check(parsed))
    return LoadReport(catalog=catalog, problems=problems)


def load_valid_catalog(data_dir: Path = DATA_DIR) -> Catalog:
    report = load_catalog(data_dir)
    if report.problems:
        raise CatalogError(report.problems)
    return report.catalog


_SINGULAR = {"models": "model", "hardware": "hardware", "tools": "tool", "glossary": "glossary", "errors": "error"}


def _cross_check(parsed: dict[str, list[tuple[str, Any]]]) -> list[Problem]:
    problems: list[Problem] = []
    ids: dict[str, set[str]] = {}
    names_seen: dict[str, tuple[str, str]] = {}  # normalized name -> (kind/id, file)
    for folder in ("models", "hardware", "tools", "glossary", "errors"):
        ids[folder] = set()
        for file, entry in parsed[folder]:
            if entry.id in ids[folder]:
                problems.append(Problem(file, f"id {entry.id}", f"duplicate {folder} id"))
            ids[folder].add(entry.id)
            owner = f"{folder}/{entry.id}"
            for name in {entry.id, entry.title, *entry.aliases}:
                key = normalize(name)
                if not key:
                    continue
                previous = names_seen.get(f"{folder}:{key}")
                if previous and previous[0] != owner:
                    problems.append(Problem(file, f"{entry.id} alias {name!r}", f"also names {previous[0]} ({previous[1]})"))
                names_seen.setdefault(f"{folder}:{key}", (owner, file))

    ids["chips"] = {e.chip for _, e in parsed["hardware"] if e.chip}

    def check(file: str, where: str, ref: str, folder: str) -> None:
        if folder == "hardware" and ref in ids["chips"]:
            return
        if ref not in ids[folder]:
            problems.append(Problem(file, where, f"unknown {_SINGULAR[folder]} id {ref!r}"))

    hardware = {entry.id: entry for _, entry in parsed["hardware"]}
    for file, entry in parsed["hardware"]:
        igpu = entry.cpu.igpu if entry.cpu else None
        if igpu is None:
            continue
        target = hardware.get(igpu)
        if target is None:
            problems.append(Problem(file, f"{entry.id} cpu.igpu", f"unknown hardware id {igpu!r}"))
        elif target.device != "unified":
            problems.append(Problem(file, f"{entry.id} cpu.igpu", f"{igpu!r} is not an integrated-GPU (unified) entry"))
    for file, entry in parsed["glossary"]:
        for ref in entry.related:
            check(file, f"{entry.id} related", ref, "glossary")
    for file, entry in parsed["errors"]:
        for ref in entry.runtimes:
            check(file, f"{entry.id} runtimes", ref, "tools")
        for ref in entry.related:
            check(file, f"{entry.id} related", ref, "errors")
        for ref in entry.glossary:
            check(file, f"{entry.id} glossary", ref, "glossary")
        for ref in entry.consequence_of:
            check(file, f"{entry.id} consequence_of", ref, "errors")
        for index, sig in enumerate(entry.signatures):
            if sig.runtime not in SYSTEM_COMPONENTS:
                check(file, f"{entry.id} signatures.{index}.runtime", sig.runtime, "tools")
    for file, entry in parsed["tools"]:
        for ref in entry.based_on:
            check(file, f"{entry.id} based_on", ref, "tools")
    models = {entry.id: entry for _, entry in parsed["models"]}
    for file, entry in parsed["models"]:
        if entry.base_model is None:
            continue
        base = models.get(entry.base_model)
        if base is None:
            problems.append(Problem(file, f"{entry.id} base_model", f"unknown model id {entry.base_model!r}"))
            continue
        for name, mine, theirs in architecture_differences(entry.architecture, base.architecture):
            problems.append(Problem(file, f"{entry.id} architecture.{name}", f"{mine!r} differs from base model {base.id} ({theirs!r})"))
    for index, (file, bench) in enumerate(parsed["benchmarks"]):
        where = f"[{index}] {bench.hardware}/{bench.model}"
        check(file, f"{where} model", bench.model, "models")
        check(file, f"{where} hardware", bench.hardware, "hardware")
        check(file, f"{where} runtime", bench.runtime, "tools")
    return problems


# Shape facts a fine-tune shares with its base: everything that sizes weights and KV cache. Context length,
# RoPE settings and the model_type label may change in a fine-tune (context extension, renamed classes).
_SHAPE_FIELDS = (
    "layers",
    "hidden",
    "intermediate",
    "heads",
    "kv_heads",
    "head_dim",
    "tied_embeddings",
    "sliding_window",
    "global_every",
    "kv_layers",
    "gated_ffn",
    "moe",
    "mla",
)
VOCAB_TOLERANCE = 0.01  # fine-tunes add a few special tokens (Hermes 2 Pro: 128,288 vs 128,256)


def architecture_differences(arch: ModelArch, base: ModelArch) -> list[tuple[str, object, object]]:
    """(field, fine-tune value, base value) for every shape fact that differs from the base model's."""
    diffs = [(f, getattr(arch, f), getattr(base, f)) for f in _SHAPE_FIELDS if getattr(arch, f) != getattr(base, f)]
    if abs(arch.vocab - base.vocab) > VOCAB_TOLERANCE * base.vocab:
        diffs.append(("vocab", arch.vocab, base.vocab))
    return diffs
