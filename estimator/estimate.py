"""The estimate: memory needed, where it goes, the verdict, and the speeds.

``estimate()`` runs four named steps on a validated request: placement (``placement.py``), memory (``_memory``),
verdict (``_verdict``) and speeds with their bands (``loads.py``, ``_bands``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

import numpy as np

from estimator.buffers import DEVICE_OVERHEAD_BYTES, compute_buffer_bytes, host_compute_buffer_bytes
from estimator.calibration.constants import CONSTANTS
from estimator.hardware import GPU_RESERVE_MIN_BYTES, unified_pool_bytes, usable_gpu_bytes, usable_ram_bytes
from estimator.kv_cache import kv_cache_layer_bytes
from estimator.loads import SpeedInputs, layer_split_inputs, speeds, tensor_parallel_inputs
from estimator.placement import (
    DevicePlacement,
    Placement,
    embedding_in_ram,
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
from estimator.units import GB, GIB, MIB
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
UNCALIBRATED_WIDEN = 1.5  # band stretch for engines without measured rows in the fit (ExLlama, MLX, TensorRT-LLM)
TP_MEASURED_UP_TO = 4  # tensor-parallel rows in the fit files go up to 4 GPUs


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
        warnings=_warnings(req, setup, placement, decode, _full_gpu_need(w, kv_layers, placement), memory),
        deciding_term=verdict.deciding_term,
        tensor_parallel=placement.tensor_parallel,
        expert_layers_in_ram=int(placement.experts_cpu.sum()),
        placement=placement.records(req.system),
    )


def _full_gpu_need(w: WeightsBreakdown, kv_layers: np.ndarray, p: Placement) -> float:
    """GPU bytes if every layer and the head were on the GPU(s)."""
    return float(w.layer_bytes.sum() + kv_layers.sum()) + w.output_bytes + sum(p.gpu_fixed)


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
        ram_used = float(w.layer_bytes[~on_gpu].sum()) + (w.embd_bytes if embedding_in_ram(setup) else 0.0)
        ram_used += float(w.layer_expert_bytes[on_gpu & p.experts_cpu].sum())
        if p.output_on_gpu < 0 and not w.tied:
            ram_used += w.output_bytes
        ram_used += float(kv_layers[~on_gpu].sum()) + cpu_buffer + cpu_overhead
        if not system.gpus:
            ram_used += vision
    ram_avail = usable_ram_bytes(system)
    if system.unified:
        device = system.gpus[0]
        if device.backend == "metal":  # one pool: what the GPU side leaves of the whole memory
            ram_avail = max(0.0, unified_pool_bytes(device) - gpu_alloc)
        else:
            ram_avail = max(0.0, usable_gpu_bytes(device) - gpu_alloc)
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
    if problem:
        return Verdict("wont_run", "runtime", (problem,))
    if not system.gpus and setup.runtime.engine not in {"llama.cpp", "transformers"}:
        return Verdict("wont_run", "runtime", (f"{setup.runtime.name} needs a GPU.",))
    overflow = _gpu_overflow(req, p)
    if overflow == "hard":
        return Verdict("wont_run", "memory")
    spilled = bool((p.gpu_of_layer < 0).any() or p.experts_in_ram)
    if system.gpus and spilled and not setup.runtime.cpu_offload and not system.unified:
        return Verdict(
            "wont_run",
            "gpu_memory",
            (f"{setup.runtime.name} keeps the whole model in GPU memory and it does not fit there; llama.cpp can put part of it in RAM.",),
        )
    tier = _tier(req, m, p)
    if overflow == "headroom" and tier in {"runs_well", "tight"}:
        tier = "tight"  # the forced -ngl fills the card past the room left for the desktop
    if m.ram_used > m.ram_available:
        if not system.ram_assumed:
            return Verdict("wont_run", "memory")
        return Verdict(tier, "ram")  # RAM was assumed: say how much it needs instead (a warning)
    return Verdict(tier, "gpu_memory" if system.gpus else "ram")


def _gpu_overflow(req: EstimateRequest, p: Placement) -> str | None:
    """None when every GPU holds its share; "headroom" when a forced -ngl goes past the usable budget but not past
    the card; "hard" when it cannot be allocated."""
    worst: str | None = None
    for device, used, budget in zip(req.system.gpus, p.gpu_used, p.gpu_budget, strict=True):
        if used <= budget:
            continue
        physical = device.memory_bytes - GPU_RESERVE_MIN_BYTES
        if req.gpu_layers is not None and device.kind == "gpu" and used <= physical:
            worst = worst or "headroom"
        else:
            return "hard"
    return worst


def _tier(req: EstimateRequest, m: Memory, p: Placement) -> Fit:
    system = req.system
    gpu_layers = int((p.gpu_of_layer >= 0).sum()) + (1 if p.output_on_gpu >= 0 else 0)
    if system.gpus and gpu_layers == req.model.arch.layers + 1 and not p.experts_in_ram:
        gpu_avail = sum(p.gpu_budget)
        tight = gpu_avail - m.gpu_used < max(TIGHT_FRACTION * gpu_avail, TIGHT_MIN_BYTES)
        return "tight" if tight else "runs_well"
    if system.gpus and gpu_layers > 0:
        return "offload"
    return "cpu_only"


# ------------------------------------------------------------------------------------------------
# Bands and warnings
# ------------------------------------------------------------------------------------------------
def band_category(engine: str, moe: bool, offload: bool) -> str:
    """The calibration category whose residuals set a speed band: a serving engine, or llama.cpp dense / MoE / offload."""
    if engine != "llama.cpp":
        return engine
    if offload:
        return "offload"
    return "moe" if moe else "dense"


def _bands(
    req: EstimateRequest, setup: Setup, p: Placement, decode: float | None, prefill: float | None
) -> tuple[tuple[float, float] | None, tuple[float, float] | None]:
    """Low-high ranges: the 10th-90th percentile of predicted/measured on the rows of the same category, stretched
    for engines without measured rows."""
    if decode is None or prefill is None:
        return None, None
    engine = setup.runtime.engine
    offload = bool((p.gpu_of_layer < 0).any() or p.experts_in_ram) and bool(req.system.gpus)
    category = band_category(engine, req.model.arch.moe is not None, offload)
    measured = setup.runtime.calibrated or engine in CONSTANTS.runtime_decode_eff
    widen = 1.0 if measured else UNCALIBRATED_WIDEN
    lo, hi = speed_band(decode, f"decode:{category}")
    decode_band = (lo / widen, hi * widen)
    lo, hi = speed_band(prefill, f"prefill:{category}")
    prefill_band = (lo / widen, hi * widen)
    return decode_band, prefill_band


def apple_working_set_note(req: EstimateRequest, p: Placement, needed: float) -> str | None:
    """On a Mac whose GPU working set is what keeps the model off the GPU, the sysctl that raises it."""
    system = req.system
    if not system.unified or system.gpus[0].backend != "metal" or needed <= p.gpu_budget[0]:
        return None
    device = system.gpus[0]
    pool = unified_pool_bytes(device)
    if needed > pool:
        return None
    wanted_mb = int(min(pool, needed + 0.5 * GIB) // MIB)
    return (
        f"The GPU side needs about {needed / GB:.1f} GB, more than macOS lets the GPU wire by default "
        f"({p.gpu_budget[0] / GB:.1f} GB on this Mac). Past that llama.cpp keeps layers on the CPU side and MLX warns "
        "it can be slow (and may fail); "
        f"to keep it all on the GPU run: sudo sysctl iogpu.wired_limit_mb={wanted_mb} (resets at reboot; leave a few GB "
        "for macOS)."
    )


def _warnings(
    req: EstimateRequest,
    setup: Setup,
    p: Placement,
    decode: float | None,
    needed_gpu_bytes: float = 0.0,
    memory: Memory | None = None,
) -> list[str]:
    arch = req.model.arch
    warnings: list[str] = []
    note = apple_working_set_note(req, p, needed_gpu_bytes)
    if note:
        warnings.append(note)
    if memory is not None and memory.ram_used > memory.ram_available and req.system.ram_assumed:
        warnings.append(
            f"It needs about {memory.ram_used / GB:.0f} GB of system RAM besides the GPU; the RAM size was assumed "
            f"({req.system.ram_gib:.0f} GB): with less than that it will not run. Give your RAM (--ram-gb) for a firm answer."
        )
    if req.gpu_layers is not None and _gpu_overflow(req, p) == "headroom":
        warnings.append(
            f"-ngl {req.gpu_layers} fills the GPU past the headroom the display and other programs usually need; on a "
            "headless card it can work, otherwise lower -ngl."
        )
    if setup.context > arch.max_context:
        warnings.append(f"{setup.context:,} tokens is beyond the model's trained context ({arch.max_context:,}); quality drops past it.")
    if decode is not None and p.tensor_parallel and len(req.system.gpus) > TP_MEASURED_UP_TO:
        warnings.append(
            f"Tensor parallelism over {len(req.system.gpus)} GPUs is extrapolated: the measured rows it was fitted on "
            f"go up to {TP_MEASURED_UP_TO}."
        )
    return warnings
