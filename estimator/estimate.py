"""The estimate: memory needed, where it goes, the verdict, and the speeds.

``estimate()`` runs four named steps on a validated request: placement (``placement.py``), memory (``_memory``),
verdict (``_verdict``) and speeds with their bands (``loads.py``, ``_bands``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

import numpy as np

from estimator.buffers import DEVICE_OVERHEAD_BYTES, compute_buffer_bytes, host_compute_buffer_bytes
from estimator.hardware import usable_ram_bytes
from estimator.kv_cache import kv_cache_layer_bytes
from estimator.loads import SpeedInputs, layer_split_inputs, speeds, tensor_parallel_inputs
from estimator.placement import (
    DevicePlacement,
    Placement,
    gpu_compute_buffers,
    place_layers,
    place_tensor_parallel,
    vision_bytes,
)
from estimator.quants import Quant
from estimator.request import (
    MAX_CONTEXT,
    MAX_TOKENS,
    EstimateInputError,
    EstimateRequest,
    ModelSpec,
    Setup,
    backend_problem,
    format_problem,
    validate,
)
from estimator.runtimes import Runtime
from estimator.speed import speed_band
from estimator.units import GIB
from estimator.weights import WeightsBreakdown, compute_weights

__all__ = [
    "MAX_CONTEXT",
    "MAX_TOKENS",
    "Estimate",
    "EstimateInputError",
    "EstimateRequest",
    "Fit",
    "Memory",
    "ModelSpec",
    "estimate",
]

Fit = Literal["runs_well", "tight", "offload", "cpu_only", "wont_run"]
TIGHT_FRACTION = 0.08  # less free memory than this share of usable memory is "tight"
TIGHT_MIN_BYTES = 0.6 * GIB
MOE_PREFILL_WIDEN = 4.0  # MoE prompt speed: band stretched downward, see the warning it comes with
UNCALIBRATED_WIDEN = 1.5  # band stretch for runtimes without calibration data


@dataclass
class Memory:
    weights: float
    kv_cache: float
    compute_buffer: float
    overhead: float
    available: float  # usable accelerator memory (RAM when CPU-only)
    gpu_used: float = 0.0
    ram_used: float = 0.0
    ram_available: float = 0.0

    @property
    def total(self) -> float:
        return self.weights + self.kv_cache + self.compute_buffer + self.overhead


@dataclass(frozen=True)
class Verdict:
    fit: Fit
    deciding_term: str
    reasons: tuple[str, ...] = ()


@dataclass
class Estimate:
    request: EstimateRequest
    quant: Quant
    runtime: Runtime
    context: int
    memory: Memory
    fit: Fit
    gpu_layers: int
    total_layers: int
    decode_tps: float | None
    prefill_tps: float | None
    decode_band: tuple[float, float] | None
    prefill_band: tuple[float, float] | None
    weights: WeightsBreakdown
    reasons: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    deciding_term: str = ""
    tensor_parallel: bool = False
    expert_layers_in_ram: int = 0  # llama.cpp --n-cpu-moe value when experts are split off
    placement: list[DevicePlacement] = field(default_factory=list)  # per device: layers, used and usable bytes


def estimate(req: EstimateRequest) -> Estimate:
    """Memory, fit and speed for one model x quant x context x runtime x hardware."""
    setup = validate(req)
    arch = req.model.arch
    w = req.model.weights if req.model.weights is not None else compute_weights(arch, setup.quant, req.model.params_b)
    kv_layers = kv_cache_layer_bytes(arch, setup.context, req.kv_cache, req.ubatch)
    problem = format_problem(setup.quant, setup.runtime) or backend_problem(req.system, setup.runtime)
    placement = place_for(req, setup, w, kv_layers, problem)
    memory = _memory(req, setup, w, kv_layers, placement)
    verdict = _verdict(req, setup, memory, placement, problem)
    gpu_layers = int((placement.gpu_of_layer >= 0).sum()) + (1 if placement.output_on_gpu >= 0 else 0)
    decode = prefill = None
    if verdict.fit != "wont_run":
        decode, prefill = speeds(speed_inputs(req, setup, w, placement))
    decode_band, prefill_band = _bands(req, setup, placement, decode, prefill)
    return Estimate(
        request=req,
        quant=setup.quant,
        runtime=setup.runtime,
        context=setup.context,
        memory=memory,
        fit=verdict.fit,
        gpu_layers=gpu_layers,
        total_layers=arch.layers + 1,
        decode_tps=decode,
        prefill_tps=prefill,
        decode_band=decode_band,
        prefill_band=prefill_band,
        weights=w,
        reasons=list(verdict.reasons),
        warnings=_warnings(req, setup, placement, decode),
        deciding_term=verdict.deciding_term,
        tensor_parallel=placement.tensor_parallel,
        expert_layers_in_ram=int(placement.experts_cpu.sum()),
        placement=placement.records(req.system),
    )


def place_for(
    req: EstimateRequest, setup: Setup, w: WeightsBreakdown, kv_layers: np.ndarray | None = None, problem: str | None = None
) -> Placement:
    """Tensor parallelism for engines that use it on several GPUs, llama.cpp's layer split otherwise."""
    if kv_layers is None:
        kv_layers = kv_cache_layer_bytes(req.model.arch, setup.context, req.kv_cache, req.ubatch)
    if setup.runtime.tensor_parallel and len(req.system.gpus) > 1 and not problem:
        return place_tensor_parallel(req, setup, w, kv_layers)
    return place_layers(req, setup, w, kv_layers)


def speed_inputs(req: EstimateRequest, setup: Setup, w: WeightsBreakdown, placement: Placement) -> SpeedInputs:
    """What the speed formulas need for this placement (tensor parallel or a layer split)."""
    if placement.tensor_parallel:
        return tensor_parallel_inputs(req, setup, w)
    return layer_split_inputs(req, setup, w, placement)


# ------------------------------------------------------------------------------------------------
# Memory
# ------------------------------------------------------------------------------------------------
def _memory(req: EstimateRequest, setup: Setup, w: WeightsBreakdown, kv_layers: np.ndarray, p: Placement) -> Memory:
    """Bytes by term, what the GPUs and RAM hold, and what they offer."""
    system = req.system
    on_gpu = p.gpu_of_layer >= 0
    gpu_alloc = sum(p.gpu_used)
    gpu_buffers = gpu_compute_buffers(req, setup)
    cpu_overhead = DEVICE_OVERHEAD_BYTES["cpu"] if not system.gpus else 0.0
    if system.gpus:
        cpu_buffer = host_compute_buffer_bytes(setup.context)
    else:
        cpu_buffer = compute_buffer_bytes(req.model.arch, setup.context, req.ubatch, setup.flash)
    vision = vision_bytes(req)
    if p.tensor_parallel:
        ram_used = w.embd_bytes
    else:
        # RAM: CPU layers and their KV, the token embedding, the head if on the CPU, experts kept in RAM
        ram_used = float(w.layer_bytes[~on_gpu].sum()) + w.embd_bytes
        ram_used += float(w.layer_expert_bytes[on_gpu & p.experts_cpu].sum())
        if p.output_on_gpu < 0 and not w.tied:
            ram_used += w.output_bytes
        ram_used += float(kv_layers[~on_gpu].sum()) + cpu_buffer + cpu_overhead
        if not system.gpus:
            ram_used += vision
    ram_avail = usable_ram_bytes(system)
    if system.unified:
        device = system.gpus[0]
        ram_avail = max(0.0, device.memory_bytes - max(4 * GIB, 0.1 * device.memory_bytes) - gpu_alloc)
    overhead = sum(p.gpu_fixed) - gpu_buffers + cpu_overhead - (vision if system.gpus else 0.0)
    if w.tied and p.output_on_gpu >= 0:
        overhead += w.output_bytes  # device copy of the tied embedding matrix
    return Memory(
        weights=w.file_bytes + vision,
        kv_cache=float(kv_layers.sum()),
        compute_buffer=gpu_buffers + cpu_buffer,
        overhead=overhead,
        available=sum(p.gpu_budget) if system.gpus else ram_avail,
        gpu_used=gpu_alloc,
        ram_used=ram_used,
        ram_available=ram_avail,
    )


# ------------------------------------------------------------------------------------------------
# Verdict
# ------------------------------------------------------------------------------------------------
def _verdict(req: EstimateRequest, setup: Setup, m: Memory, p: Placement, problem: str | None) -> Verdict:
    """The fit tier and the term that decided it."""
    system = req.system
    n = req.model.arch.layers
    gpu_layers = int((p.gpu_of_layer >= 0).sum()) + (1 if p.output_on_gpu >= 0 else 0)
    if problem:
        return Verdict("wont_run", "runtime", (problem,))
    if not system.gpus and setup.runtime.engine not in {"llama.cpp", "transformers"}:
        return Verdict("wont_run", "runtime", (f"{setup.runtime.name} needs a GPU.",))
    if m.ram_used > m.ram_available or any(u > b for u, b in zip(p.gpu_used, p.gpu_budget, strict=True)):
        return Verdict("wont_run", "memory")
    if system.gpus and gpu_layers == n + 1 and not p.experts_in_ram:
        gpu_avail = sum(p.gpu_budget)
        tight = gpu_avail - m.gpu_used < max(TIGHT_FRACTION * gpu_avail, TIGHT_MIN_BYTES)
        return Verdict("tight" if tight else "runs_well", "gpu_memory")
    if system.gpus and gpu_layers > 0:
        return Verdict("offload", "gpu_memory")
    return Verdict("cpu_only", "gpu_memory" if system.gpus else "ram")


# ------------------------------------------------------------------------------------------------
# Bands and warnings
# ------------------------------------------------------------------------------------------------
def _bands(
    req: EstimateRequest, setup: Setup, p: Placement, decode: float | None, prefill: float | None
) -> tuple[tuple[float, float] | None, tuple[float, float] | None]:
    """Low-high ranges: the calibration's error quantiles, stretched where the model is not calibrated."""
    if decode is None or prefill is None:
        return None, None
    widen = 1.0 if setup.runtime.calibrated and not p.tensor_parallel else UNCALIBRATED_WIDEN
    moe_widen = MOE_PREFILL_WIDEN if req.model.arch.moe and not p.tensor_parallel else 1.0
    lo, hi = speed_band(decode, "decode")
    decode_band = (lo / widen, hi * widen)
    lo, hi = speed_band(prefill, "prefill")
    prefill_band = (lo / (widen * moe_widen), hi * widen)
    return decode_band, prefill_band


def _warnings(req: EstimateRequest, setup: Setup, p: Placement, decode: float | None) -> list[str]:
    arch = req.model.arch
    warnings: list[str] = []
    if setup.context > arch.max_context:
        warnings.append(f"{setup.context:,} tokens is beyond the model's trained context ({arch.max_context:,}); quality drops past it.")
    if decode is not None and arch.moe:
        warnings.append(
            "Prompt speed of mixture-of-experts models is not calibrated (no MoE model in the calibration "
            "data); real prompt processing is often several times slower than this figure."
        )
    if decode is not None and p.tensor_parallel:
        warnings.append("Tensor-parallel speed is extrapolated from single-GPU calibration (not measured).")
    return warnings
