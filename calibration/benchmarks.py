"""The catalog's measured benchmark rows as estimator questions, each with its side of the fit / check split.

data/measurements/split.yaml assigns every file under knowledge/data/benchmarks to ``fit`` or ``check``: constants are
fitted on ``fit`` rows only, accuracy is published on ``check`` rows only. A row becomes a ``Case``: the
``EstimateRequest`` that reproduces its setup (model, hardware x GPUs, backend, runtime, quant, test sizes, depth,
offload flags, tensor parallelism, concurrency) and what it measured.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Literal

import yaml

from estimator.estimate import Estimate, EstimateInputError, EstimateRequest, estimate
from estimator.hardware import Backend
from estimator.quants import UnknownQuantError
from estimator.runtimes import UnknownRuntimeError
from knowledge.catalog import Catalog
from knowledge.devices import model_spec, system_from_hardware
from knowledge.loader import DATA_DIR, load_catalog
from knowledge.schema import Benchmark, Hardware

REPO_ROOT = Path(__file__).resolve().parents[1]
SPLIT_FILE = REPO_ROOT / "data" / "measurements" / "split.yaml"
BENCH_DIR = DATA_DIR / "benchmarks"
Side = Literal["fit", "check"]
Kind = Literal["decode", "prefill", "request", "combined"]
CALIBRATION_MODELS = frozenset({"llama-2-7b", "codellama-7b-instruct"})  # already in data/calibration (the base fit)
_BACKENDS: dict[str, Backend] = {"cuda": "cuda", "rocm": "rocm", "hip": "rocm", "vulkan": "vulkan", "metal": "metal", "sycl": "sycl"}
_RAM = re.compile(r"(\d+(?:\.\d+)?)\s*(GB|TB)\b.*?(?:LP)?DDR\d\w?-(\d{4})", re.I)
_CHANNELS = re.compile(r"(\d+)\s*channels", re.I)


@dataclass(frozen=True)
class BenchRow:
    row: Benchmark
    file: str
    side: Side


@dataclass(frozen=True)
class Case:
    """One measured row as an estimator question."""

    bench: BenchRow
    request: EstimateRequest
    kind: Kind
    prompt: int  # prompt tokens of the measured quantity (prefill / request / combined)
    gen: int  # generated tokens (decode / request / combined)
    categories: frozenset[str]

    @property
    def measured(self) -> float:
        return self.bench.row.tokens_per_s


@lru_cache(maxsize=1)
def split() -> dict[str, Side]:
    data = yaml.safe_load(SPLIT_FILE.read_text(encoding="utf-8"))
    return {name: side for side in ("fit", "check") for name in data[side]}


@lru_cache(maxsize=1)
def catalog() -> Catalog:
    return load_catalog().catalog


def load_rows(sides: Iterable[Side] = ("fit", "check")) -> list[BenchRow]:
    """Every benchmark row of the files on the given sides (files missing from split.yaml are an error)."""
    wanted = set(sides)
    sides_of = split()
    rows: list[BenchRow] = []
    for path in sorted(BENCH_DIR.glob("*.yaml")):
        if path.name not in sides_of:
            raise ValueError(f"{path.name} is not assigned in {SPLIT_FILE.name}: add it (same rule) before comparing predictions")
        side = sides_of[path.name]
        if side not in wanted:
            continue
        for raw in yaml.safe_load(path.read_text(encoding="utf-8")) or []:
            rows.append(BenchRow(Benchmark.model_validate(raw), path.name, side))
    return rows


def hardware_entry(cat: Catalog, hardware: str) -> Hardware | None:
    """A benchmark's hardware: an entry id, or a chip slug shared by several entries (the one with the most memory: the
    row ran, so it ran on a configuration that held the model)."""
    entry = cat.hardware_by_id(hardware)
    if entry is not None:
        return entry
    return max((h for h in cat.hardware if h.chip == hardware), key=lambda h: h.memory_gb, default=None)


def ram_of(text: str | None) -> tuple[float, float] | None:
    """(GiB, GB/s) from a benchmark's RAM note: '64 GB DDR5-6000, 2 channels', '1 TB DDR5-4800, 2 sockets x 8 channels'.
    Without a channel count, two channels (a desktop) are assumed."""
    if not text:
        return None
    match = _RAM.search(text)
    if not match:
        return None
    size = float(match.group(1)) * (1024 if match.group(2).upper() == "TB" else 1)
    ch = _CHANNELS.search(text)
    channels = int(ch.group(1)) if ch else 2  # per socket: a multi-socket run is counted at one socket's rate
    return size, int(match.group(3)) * 8 * channels / 1000


def test_sizes(test: str) -> tuple[Kind, int, int]:
    """'tg128' -> decode of 128; 'pp512' -> prefill of 512; 'pp512+tg128' -> combined."""
    if "+" in test:
        pp, tg = test.split("+")
        return "combined", int(pp[2:]), int(tg[2:])
    n = int(test[2:])
    return ("decode", 0, n) if test.startswith("tg") else ("prefill", n, 0)


def categories(row: Benchmark, cat: Catalog) -> frozenset[str]:
    model = cat.model(row.model)
    tags = set()
    if model is not None and model.architecture.moe:
        tags.add("moe")
    if row.hardware.startswith("apple-"):
        tags.add("apple")
    if row.runtime in {"vllm", "sglang"}:
        tags.add("vllm")
    if row.cpu_moe or row.n_cpu_moe or row.ram or (row.gpu_layers is not None and row.gpu_layers < 99 and row.runtime != "mlx-lm"):
        tags.add("offload")
    if row.gpus > 1:
        tags.add("multi_gpu")
    if (row.concurrency or 1) > 1:
        tags.add("serving")
    return frozenset(tags)


def build_case(bench: BenchRow) -> Case | str:
    """The request reproducing a measured row, or why it cannot be reproduced."""
    row = bench.row
    cat = catalog()
    model = cat.model(row.model)
    hw = hardware_entry(cat, row.hardware)
    if model is None or hw is None:
        return "model or hardware not in the catalog"
    kind, prompt, gen = test_sizes(row.test)
    if kind == "decode" and row.notes and ("prefill included" in row.notes or "whole request time" in row.notes):
        kind, prompt = "request", row.context or 1
    depth = row.context or 0 if kind in {"decode", "prefill"} else 0
    backend = _BACKENDS.get((row.backend or "").split()[0].lower()) if row.backend else None
    ram = ram_of(row.ram)
    system = system_from_hardware([hw] * row.gpus, ram[0] if ram else None, ram[1] if ram else None, backend=backend)
    n_cpu_moe = row.n_cpu_moe
    if row.cpu_moe and model.architecture.moe:
        n_cpu_moe = model.architecture.layers
    gpu_layers = row.gpu_layers if row.gpu_layers is not None and row.gpu_layers <= model.architecture.layers else None
    try:
        request = EstimateRequest(
            model=model_spec(model),
            system=system,
            quant=row.quant,
            prompt_tokens=prompt,
            gen_tokens=gen,
            depth=depth,
            context=(depth + prompt + gen + 16) if kind != "request" else max(prompt + gen + 16, row.max_model_len or 0),
            runtime=row.runtime,
            flash_attention=row.flash_attention,
            gpu_layers=gpu_layers,
            n_cpu_moe=n_cpu_moe,
        )
    except (UnknownQuantError, UnknownRuntimeError, EstimateInputError, ValueError) as exc:
        return f"cannot build the request: {exc}"
    return Case(bench, request, kind, prompt, gen, categories(row, cat))


def cases(sides: Iterable[Side] = ("fit", "check")) -> tuple[list[Case], dict[str, int]]:
    """Buildable cases of the given sides, and the count of rows skipped by reason."""
    out: list[Case] = []
    skipped: dict[str, int] = {}
    for bench in load_rows(sides):
        case = build_case(bench)
        if isinstance(case, str):
            skipped[case.split(":")[0]] = skipped.get(case.split(":")[0], 0) + 1
        else:
            out.append(case)
    return out, skipped


def predicted(case: Case, est: Estimate | None = None) -> float | None:
    """The estimator's figure for what the row measured (tok/s), or None when it says the setup does not run."""
    try:
        est = est or estimate(case.request)
    except (EstimateInputError, UnknownQuantError, UnknownRuntimeError):
        return None
    if est.decode_tps is None or est.prefill_tps is None:
        return None
    if case.kind == "decode":
        return est.decode_tps
    if case.kind == "prefill":
        return est.prefill_tps
    seconds = case.prompt / est.prefill_tps + case.gen / est.decode_tps
    tokens = case.gen if case.kind == "request" else case.prompt + case.gen
    return tokens / seconds
