"""Load the calibration measurements from data/calibration (read-only, never written)."""

from __future__ import annotations

import csv
import os
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]


def calibration_dir() -> Path:
    """``$RUNLOCALAI_CALIBRATION_DIR`` or the repository's ``data/calibration``."""
    override = os.environ.get("RUNLOCALAI_CALIBRATION_DIR")
    return Path(override) if override else REPO_ROOT / "data" / "calibration"


def _num(text: str | None) -> float | None:
    """'~125' -> 125, '8-16' -> 8, '' -> None."""
    if not text:
        return None
    match = re.search(r"\d+(?:\.\d+)?", text)
    return float(match.group()) if match else None


@dataclass(frozen=True)
class HardwareSpec:
    name: str
    family: str
    memory_gb: float | None
    bandwidth_gbs: float
    fp16_tflops: float | None
    fp32_tflops: float | None
    confidence: str


@dataclass(frozen=True)
class SpeedRow:
    model: str  # llama-2-7b | llama-3.1-8b
    quant: str
    file_gb: float
    hardware: str
    backend: str  # cuda | metal | rocm | vulkan | cpu | unspecified
    backend_raw: str
    test: str  # pp512 | tg128
    tokens_per_s: float
    spec: HardwareSpec | None
    source: str


def normalize_backend(raw: str) -> str:
    text = raw.lower()
    for key, name in (
        ("cuda", "cuda"),
        ("metal", "metal"),
        ("rocm", "rocm"),
        ("hip", "rocm"),
        ("vulkan", "vulkan"),
        ("sycl", "sycl"),
        ("cpu", "cpu"),
    ):
        if key in text:
            return name
    return "unspecified"


@lru_cache(maxsize=1)
def hardware_specs() -> dict[str, HardwareSpec]:
    specs = {}
    with open(calibration_dir() / "hardware_specs.csv", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            bandwidth = _num(row["bandwidth_gbps"])
            if bandwidth is None:
                continue
            specs[row["hardware"]] = HardwareSpec(
                name=row["hardware"],
                family=row["family"],
                memory_gb=_num(row["memory_gb"]),
                bandwidth_gbs=bandwidth,
                fp16_tflops=_num(row["fp16_tensor_tflops_dense"]),
                fp32_tflops=_num(row["fp32_tflops"]),
                confidence=row["confidence"],
            )
    return specs


@lru_cache(maxsize=1)
def speed_rows() -> tuple[SpeedRow, ...]:
    specs = hardware_specs()
    rows = []
    with open(calibration_dir() / "measured_speed.csv", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            model = "llama-3.1-8b" if row["model"].startswith("Llama-3.1") else "llama-2-7b"
            rows.append(
                SpeedRow(
                    model=model,
                    quant=row["quant"],
                    file_gb=float(row["model_file_gb"]),
                    hardware=row["hardware"],
                    backend=normalize_backend(row["backend"]),
                    backend_raw=row["backend"],
                    test=row["test"],
                    tokens_per_s=float(row["tokens_per_s"]),
                    spec=specs.get(row["hardware"]),
                    source=row["source"],
                )
            )
    return tuple(rows)


@dataclass(frozen=True)
class SizeRow:
    model: str
    params_b: float
    quant: str
    file_gb: float
    source: str


@lru_cache(maxsize=1)
def size_rows() -> tuple[SizeRow, ...]:
    with open(calibration_dir() / "gguf_sizes.csv", encoding="utf-8") as fh:
        return tuple(
            SizeRow(r["model"], float(r["params_b"]), r["quant"], float(r["file_size_gb"]), r["source"]) for r in csv.DictReader(fh)
        )


@lru_cache(maxsize=1)
def nominal_bpw() -> dict[str, float]:
    with open(calibration_dir() / "gguf_bpw.csv", encoding="utf-8") as fh:
        return {r["quant"]: float(r["nominal_bpw"]) for r in csv.DictReader(fh)}


@dataclass(frozen=True)
class MemoryRow:
    n_ctx: int
    flash_attn: bool
    n_ubatch: int
    kv_mib: float
    compute_gpu_mib: float


@lru_cache(maxsize=1)
def memory_rows() -> tuple[MemoryRow, ...]:
    with open(calibration_dir() / "measured_memory.csv", encoding="utf-8") as fh:
        return tuple(
            MemoryRow(int(r["n_ctx"]), r["flash_attn"] == "1", int(r["n_ubatch"]), float(r["kv_mib"]), float(r["compute_gpu_mib"]))
            for r in csv.DictReader(fh)
        )
