"""The estimate: memory needed, where it goes, the verdict, and the speeds."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from estimator.architecture import ModelArch
from estimator.buffers import DEVICE_OVERHEAD_BYTES, compute_buffer_bytes, host_compute_buffer_bytes
from estimator.calibration.model import combined_compute
from estimator.hardware import Device, System, usable_gpu_bytes, usable_ram_bytes
from estimator.kv_cache import KV_BYTES, kv_cache_layer_bytes, kv_read_bytes_per_token
from estimator.quants import Quant, parse_quant
from estimator.runtimes import Runtime, get_runtime
from estimator.speed import DeviceLoad, decode_seconds, prefill_seconds, speed_band
from estimator.tensors import attention_layer_mask
from estimator.units import GB, GIB
from estimator.weights import WeightsBreakdown, compute_weights

Fit = Literal["runs_well", "tight", "offload", "cpu_only", "wont_run"]
MAX_CONTEXT = 10 * 1024 * 1024  # the longest context any runtime allocates today is ~10M tokens
MAX_TOKENS = 1_000_000
TIGHT_FRACTION = 0.08  # less free memory than this share of usable memory is "tight"
TIGHT_MIN_BYTES = 0.6 * GIB
APPLE_CPU_BANDWIDTH_SHARE = 0.6  # CPU cores reach about this share of an M-series memory bandwidth
MOE_PREFILL_WIDEN = 4.0  # MoE prompt speed: band stretched downward, see the warning it comes with
TP_ALLREDUCE_S = 15e-6  # one small all-reduce between GPUs (PCIe/NVLink latency bound), not calibrated


class EstimateInputError(ValueError):
    """A request that cannot be estimated; the message is meant for the user."""


class ModelSpec(BaseModel):
    """The model to estimate: catalog entry, a config.json, or a GGUF file (then ``weights`` are its exact tensors)."""

    model_config = ConfigDict(frozen=True, arbitrary_types_allowed=True)

    id: str
    name: str
    arch: ModelArch
    params_b: float | None = None
    weights: WeightsBreakdown | None = None


class EstimateRequest(BaseModel):
    model_config = ConfigDict(frozen=True, arbitrary_types_allowed=True)

    model: ModelSpec
    system: System
    quant: str = "Q4_K_M"
    context: int | None = Field(None, description="allocated context; default prompt + gen")
    prompt_tokens: int = 512
    gen_tokens: int = 128
    runtime: str = "llama.cpp"
    kv_cache: str = "f16"
    flash_attention: bool | None = None  # None: the runtime's default
    gpu_layers: int | None = None  # llama.cpp -ngl; None: as many as fit
    cpu_moe: bool = False  # keep routed experts in RAM (--cpu-moe)
    vision: bool = False  # load the vision encoder/projector (mmproj, F16) to accept images
    ubatch: int = 512


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
    placement: list[dict] = field(default_factory=list)  # per device: layers, used and usable bytes


# ------------------------------------------------------------------------------------------------
# Validation
# ------------------------------------------------------------------------------------------------
def _validate(req: EstimateRequest) -> tuple[Quant, Runtime, int, bool]:
    quant = parse_quant(req.quant)
    runtime = get_runtime(req.runtime)
    if req.kv_cache not in KV_BYTES:
        raise EstimateInputError(f"Unknown KV cache type {req.kv_cache!r}: use f16, q8_0 or q4_0.")
    for name, value in (("prompt tokens", req.prompt_tokens), ("generated tokens", req.gen_tokens)):
        if not 0 <= value <= MAX_TOKENS:
            raise EstimateInputError(f"{name.capitalize()} must be between 0 and {MAX_TOKENS:,}; got {value:,}.")
    context = req.context if req.context is not None else max(1, req.prompt_tokens + req.gen_tokens)
    if not 1 <= context <= MAX_CONTEXT:
        raise EstimateInputError(
            f"Context must be between 1 and {MAX_CONTEXT:,} tokens; got {context:,}. Typical values: 4096, 8192, 32768, 131072."
        )
    if req.gpu_layers is not None and req.gpu_layers < 0:
        raise EstimateInputError("GPU layers cannot be negative.")
    if not 1 <= req.ubatch <= 65536:
        raise EstimateInputError("Micro-batch size must be between 1 and 65536.")
    flash = runtime.flash_attention_default if req.flash_attention is None else req.flash_attention
    if req.kv_cache in {"q8_0", "q4_0", "q5_0", "q4_1", "q5_1"} and runtime.engine == "llama.cpp" and not flash:
        flash = True  # llama.cpp needs flash attention for a quantized V cache; it turns it on
    return quant, runtime, context, flash


def _format_supported(quant: Quant, runtime: Runtime) -> str | None:
    fmt = "gguf" if quant.is_gguf else quant.format
    if fmt in runtime.formats:
        return None
    return f"{runtime.name} does not load {quant.name} ({fmt.upper()}) models; it loads {', '.join(sorted(runtime.formats))}."


def _backend_supported(system: System, runtime: Runtime) -> str | None:
    backends = {d.backend for d in system.gpus} or {"cpu"}
    missing = backends - runtime.backends
    if not missing:
        return None
    return f"{runtime.name} has no {'/'.join(sorted(missing)).upper()} backend for this hardware."


# ------------------------------------------------------------------------------------------------
# Placement
# ------------------------------------------------------------------------------------------------
@dataclass
class _Placement:
    gpu_of_layer: np.ndarray  # -1 = CPU
    output_on_gpu: int  # index of GPU holding the output head, -1 = CPU
    gpu_used: list[float]
    gpu_budget: list[float]
    gpu_fixed: list[float]  # overhead + buffers per GPU
    experts_cpu: np.ndarray  # per layer: routed experts kept in RAM although the layer is on a GPU

    @property
    def experts_in_ram(self) -> bool:
        return bool(self.experts_cpu.any())


def _gpu_budgets(system: System, runtime: Runtime) -> list[float]:
    budgets = []
    for device in system.gpus:
        usable = usable_gpu_bytes(device, system.wired_limit_gib)
        if runtime.memory_fraction is not None:
            usable = min(usable, device.memory_bytes * runtime.memory_fraction)
        budgets.append(usable)
    return budgets


def _place(req: EstimateRequest, w: WeightsBreakdown, kv_layers: np.ndarray, context: int, flash: bool, runtime: Runtime) -> _Placement:
    arch = req.model.arch
    n = arch.layers
    budgets = _gpu_budgets(req.system, runtime)
    gpus = req.system.gpus
    fixed = [
        DEVICE_OVERHEAD_BYTES.get(d.backend, 0.3 * GIB)
        + runtime.extra_overhead_bytes
        + compute_buffer_bytes(arch, context, req.ubatch, flash, holds_output=(i == len(gpus) - 1))
        for i, d in enumerate(gpus)
    ]
    if gpus:
        fixed[-1] += vision_bytes(req)
    experts_in_ram = req.cpu_moe and arch.moe is not None
    layer_cost = w.layer_bytes + kv_layers - (w.layer_expert_bytes if experts_in_ram else 0.0)
    free = [b - f for b, f in zip(budgets, fixed, strict=True)]
    gpu_of_layer = np.full(n, -1)
    output_gpu = -1
    if not gpus:
        return _Placement(gpu_of_layer, -1, [], [], [], np.zeros(n, dtype=bool))
    limit = n + 1 if req.gpu_layers is None else min(req.gpu_layers, n + 1)
    # output head first when everything fits (llama.cpp offloads it once all layers are offloaded)
    total_needed = float(layer_cost.sum()) + w.output_bytes
    if limit == n + 1 and total_needed <= sum(max(0.0, f) for f in free) and _fits_split(layer_cost, w.output_bytes, free):
        output_gpu = len(gpus) - 1
        _fill(layer_cost, free.copy(), gpu_of_layer, n, w.output_bytes)
    else:
        layers_wanted = min(limit, n)
        _fill(layer_cost, free.copy(), gpu_of_layer, layers_wanted, 0.0, force=req.gpu_layers is not None)
        if req.gpu_layers is not None and req.gpu_layers > n:
            output_gpu = len(gpus) - 1
    used = [0.0] * len(gpus)
    for i in range(n):
        if gpu_of_layer[i] >= 0:
            used[gpu_of_layer[i]] += layer_cost[i]
    if output_gpu >= 0:
        used[output_gpu] += w.output_bytes
    experts_cpu = np.zeros(n, dtype=bool)
    if experts_in_ram:
        # as --n-cpu-moe: experts stay in RAM only for as many layers as needed, the rest go back on the GPU
        experts_cpu = (gpu_of_layer >= 0) & (w.layer_expert_bytes > 0)
        for layer in range(n - 1, -1, -1):
            gpu = gpu_of_layer[layer]
            if gpu < 0 or not experts_cpu[layer]:
                continue
            if used[gpu] + w.layer_expert_bytes[layer] <= free[gpu]:
                used[gpu] += w.layer_expert_bytes[layer]
                experts_cpu[layer] = False
    used = [u + f if (u > 0 or i == len(gpus) - 1) else u for i, (u, f) in enumerate(zip(used, fixed, strict=True))]
    return _Placement(gpu_of_layer, output_gpu, used, budgets, fixed, experts_cpu)


def vision_bytes(req: EstimateRequest) -> float:
    """The mmproj file (vision encoder + projector), kept in F16 by llama.cpp."""
    return req.model.arch.vision_params_b * 1e9 * 2 if req.vision else 0.0


def _fits_split(layer_cost: np.ndarray, output: float, free: list[float]) -> bool:
    probe = np.full(len(layer_cost), -1)
    return _fill(layer_cost, free.copy(), probe, len(layer_cost), output) == len(layer_cost)


def _fill(layer_cost: np.ndarray, free: list[float], out: np.ndarray, count: int, output: float, force: bool = False) -> int:
    """Put the last ``count`` layers on the GPUs, the last GPU taking the last layers (and the output
    head). Returns how many layers were placed. ``force`` places them even when they overflow."""
    if not free:
        return 0
    gpu = len(free) - 1
    free[gpu] -= output
    placed = 0
    for layer in range(len(layer_cost) - 1, len(layer_cost) - 1 - count, -1):
        while gpu >= 0 and layer_cost[layer] > free[gpu] and not force:
            gpu -= 1
        if gpu < 0:
            break
        target = max(gpu, 0)
        free[target] -= layer_cost[layer]
        out[layer] = target
        placed += 1
        if force and free[target] < 0 and target > 0:
            gpu = target - 1
    return placed


# ------------------------------------------------------------------------------------------------
# Estimate
# ------------------------------------------------------------------------------------------------
def estimate(req: EstimateRequest) -> Estimate:
    """Memory, fit and speed for one model x quant x context x runtime x hardware."""
    quant, runtime, context, flash = _validate(req)
    arch = req.model.arch
    w = req.model.weights if req.model.weights is not None else compute_weights(arch, quant, req.model.params_b)
    kv_layers = kv_cache_layer_bytes(arch, context, req.kv_cache, req.ubatch)
    problem = _format_supported(quant, runtime) or _backend_supported(req.system, runtime)
    if runtime.tensor_parallel and len(req.system.gpus) > 1 and not problem:
        return _estimate_tensor_parallel(req, quant, runtime, context, flash, w, kv_layers)
    placement = _place(req, w, kv_layers, context, flash, runtime)
    return _finish(req, quant, runtime, context, flash, w, kv_layers, placement, problem)


def _finish(req, quant, runtime, context, flash, w, kv_layers, p: _Placement, problem: str | None) -> Estimate:
    system = req.system
    arch = req.model.arch
    n = arch.layers
    on_gpu = p.gpu_of_layer >= 0
    gpu_layers = int(on_gpu.sum()) + (1 if p.output_on_gpu >= 0 else 0)
    kv_total = float(kv_layers.sum())
    host_buf = host_compute_buffer_bytes(context) if system.gpus else 0.0
    gpu_alloc = sum(p.gpu_used)
    # RAM: CPU layers, their KV, embeddings, output head if on CPU, experts with --cpu-moe
    ram_weights = float(w.layer_bytes[~on_gpu].sum()) + w.embd_bytes
    ram_weights += float(w.layer_expert_bytes[on_gpu & p.experts_cpu].sum())
    if p.output_on_gpu < 0 and not w.tied:
        ram_weights += w.output_bytes
    ram_kv = float(kv_layers[~on_gpu].sum())
    cpu_overhead = DEVICE_OVERHEAD_BYTES["cpu"] if not system.gpus else 0.0
    cpu_buffer = compute_buffer_bytes(arch, context, req.ubatch, flash) if not system.gpus else host_buf
    ram_used = ram_weights + ram_kv + cpu_buffer + cpu_overhead
    ram_avail = usable_ram_bytes(system)
    if system.unified:
        device = system.gpus[0]
        ram_avail = max(0.0, device.memory_bytes - max(4 * GIB, 0.1 * device.memory_bytes) - gpu_alloc)
    gpu_avail = sum(p.gpu_budget)
    available = gpu_avail if system.gpus else ram_avail
    overhead = sum(p.gpu_fixed) - _gpu_compute_buffers(req, context, flash) + cpu_overhead
    if w.tied and p.output_on_gpu >= 0:
        overhead += w.output_bytes  # device copy of the tied embedding matrix
    vision = vision_bytes(req)
    if not system.gpus:
        ram_used += vision
    overhead -= vision if system.gpus else 0.0
    memory = Memory(
        weights=w.file_bytes + vision,
        kv_cache=kv_total,
        compute_buffer=_gpu_compute_buffers(req, context, flash) + cpu_buffer,
        overhead=overhead,
        available=available,
        gpu_used=gpu_alloc,
        ram_used=ram_used,
        ram_available=ram_avail,
    )
    fits_ram = ram_used <= ram_avail
    overflow = any(u > b for u, b in zip(p.gpu_used, p.gpu_budget, strict=True))
    reasons: list[str] = []
    warnings: list[str] = []
    if problem:
        fit: Fit = "wont_run"
        deciding = "runtime"
        reasons.append(problem)
    elif not fits_ram or overflow:
        fit, deciding = "wont_run", "memory"
    elif system.gpus and gpu_layers == n + 1 and not p.experts_in_ram:
        free = gpu_avail - gpu_alloc
        tight = free < max(TIGHT_FRACTION * gpu_avail, TIGHT_MIN_BYTES)
        fit, deciding = ("tight" if tight else "runs_well"), "gpu_memory"
    elif system.gpus and gpu_layers > 0:
        fit, deciding = "offload", "gpu_memory"
    else:
        fit, deciding = "cpu_only", "ram"
        if system.gpus:
            deciding = "gpu_memory"
    if fit == "wont_run" or (not system.gpus and runtime.engine not in {"llama.cpp", "transformers"}):
        decode = prefill = None
        if not problem and not system.gpus and runtime.engine not in {"llama.cpp", "transformers"}:
            fit, deciding = "wont_run", "runtime"
            reasons.append(f"{runtime.name} needs a GPU.")
    else:
        decode, prefill = _speeds(req, runtime, w, p, context, flash)
    if context > arch.max_context:
        warnings.append(f"{context:,} tokens is beyond the model's trained context ({arch.max_context:,}); quality drops past it.")
    decode_band = prefill_band = None
    if decode is not None and prefill is not None:
        widen = 1.0 if runtime.calibrated else 1.5
        lo, hi = speed_band(decode, "decode")
        decode_band = (lo / widen, hi * widen)
        lo, hi = speed_band(prefill, "prefill")
        moe_widen = MOE_PREFILL_WIDEN if arch.moe else 1.0
        prefill_band = (lo / (widen * moe_widen), hi * widen)
        if arch.moe:
            warnings.append(
                "Prompt speed of mixture-of-experts models is not calibrated (no MoE model in the calibration "
                "data); real prompt processing is often several times slower than this figure."
            )
    placement = [
        {
            "device": d.name,
            "layers": int((p.gpu_of_layer == i).sum()) + (1 if p.output_on_gpu == i else 0),
            "used_gb": p.gpu_used[i] / GB,
            "usable_gb": p.gpu_budget[i] / GB,
        }
        for i, d in enumerate(system.gpus)
    ]
    return Estimate(
        request=req,
        quant=quant,
        runtime=runtime,
        context=context,
        memory=memory,
        fit=fit,
        gpu_layers=gpu_layers,
        total_layers=n + 1,
        decode_tps=decode,
        prefill_tps=prefill,
        decode_band=decode_band,
        prefill_band=prefill_band,
        weights=w,
        reasons=reasons,
        warnings=warnings,
        deciding_term=deciding,
        placement=placement,
        expert_layers_in_ram=int(p.experts_cpu.sum()),
    )


def _gpu_compute_buffers(req: EstimateRequest, context: int, flash: bool) -> float:
    gpus = req.system.gpus
    return sum(
        compute_buffer_bytes(req.model.arch, context, req.ubatch, flash, holds_output=(i == len(gpus) - 1)) for i in range(len(gpus))
    )


# ------------------------------------------------------------------------------------------------
# Speed
# ------------------------------------------------------------------------------------------------
def _device_compute(device: Device) -> float:
    return combined_compute(device.fp16_tflops, device.fp32_tflops)


def _attention_flops_per_token(arch: ModelArch, prompt: int) -> float:
    span = prompt / 2
    if arch.sliding_window:
        span = min(span, arch.sliding_window)
    heads_dim = arch.heads * (arch.mla.qk_nope_head_dim + arch.mla.qk_rope_head_dim if arch.mla else arch.head_dim)
    return 4 * heads_dim * span


def attention_traffic_per_layer(arch: ModelArch, prompt: int, flash_attention: bool) -> float:
    """Bytes of attention scores written and read while processing a prompt with flash attention off:
    the F32 score matrix (n_kv x ubatch x heads) is written, softmaxed in place (read + write) and read
    for the value product, per micro-batch. Zero with flash attention, which keeps scores on chip."""
    if flash_attention:
        return 0.0
    span = prompt / 2 if not arch.sliding_window else min(prompt / 2, arch.sliding_window)
    return 4 * arch.heads * 4 * prompt * span


def _load(
    backend: str,
    family: str,
    bandwidth: float,
    compute: float,
    w: WeightsBreakdown,
    layers: np.ndarray,
    read_bytes: float,
    weight_bytes: float,
    kv_read: float,
    flops: float,
    n_layers: float,
    traffic: float = 0.0,
) -> DeviceLoad:
    total_read = sum(w.read_type_bytes.values()) or 1.0
    share = read_bytes / total_read
    return DeviceLoad(
        backend=backend,
        family=family,
        bandwidth_gbs=bandwidth,
        compute_tflops=compute,
        read_type_bytes={t: b * share for t, b in w.read_type_bytes.items()},
        kv_read_bytes=kv_read,
        layers=n_layers,
        flops_per_token=flops,
        weight_bytes=weight_bytes,
        attention_traffic_bytes=traffic,
    )


def _speeds(req: EstimateRequest, runtime: Runtime, w: WeightsBreakdown, p: _Placement, context: int, flash: bool) -> tuple[float, float]:
    arch = req.model.arch
    attn_layers = attention_layer_mask(arch)
    traffic = attention_traffic_per_layer(arch, max(1, req.prompt_tokens), flash)
    system = req.system
    n = arch.layers
    position = min(context, req.prompt_tokens + req.gen_tokens / 2)
    kv_read_total = kv_read_bytes_per_token(arch, position, req.kv_cache)
    att_flops = _attention_flops_per_token(arch, max(1, req.prompt_tokens))
    loads: list[DeviceLoad] = []
    cpu_mask = p.gpu_of_layer < 0
    output_read = w.output_bytes
    output_params = arch.vocab * arch.hidden
    for i, device in enumerate(system.gpus):
        mask = p.gpu_of_layer == i
        if not mask.any() and p.output_on_gpu != i:
            continue
        read = float(w.layer_read_bytes[mask].sum()) + (output_read if p.output_on_gpu == i else 0.0)
        weights = float(w.layer_bytes[mask].sum()) + (w.output_bytes if p.output_on_gpu == i else 0.0)
        read -= float(w.layer_expert_read_bytes[mask & p.experts_cpu].sum())
        weights -= float(w.layer_expert_bytes[mask & p.experts_cpu].sum())
        flops = 2 * float(w.layer_active_params[mask].sum()) + att_flops * int(mask.sum())
        flops += 2 * output_params if p.output_on_gpu == i else 0.0
        loads.append(
            _load(
                device.backend,
                device.family,
                device.bandwidth_gbs,
                _device_compute(device),
                w,
                mask,
                read,
                weights,
                kv_read_total * mask.sum() / n,
                flops,
                mask.sum() + (1 if p.output_on_gpu == i else 0),
                traffic * int((mask & attn_layers).sum()),
            )
        )
    cpu_read = float(w.layer_read_bytes[cpu_mask].sum()) + (output_read if p.output_on_gpu < 0 else 0.0)
    cpu_weights = float(w.layer_bytes[cpu_mask].sum()) + (w.output_bytes if p.output_on_gpu < 0 else 0.0)
    cpu_flops = 2 * float(w.layer_active_params[cpu_mask].sum()) + att_flops * int(cpu_mask.sum())
    cpu_flops += 2 * output_params if p.output_on_gpu < 0 else 0.0
    cpu_layers = float(cpu_mask.sum()) + (1 if p.output_on_gpu < 0 else 0)
    cpu_read += float(w.layer_expert_read_bytes[~cpu_mask & p.experts_cpu].sum())
    cpu_weights += float(w.layer_expert_bytes[~cpu_mask & p.experts_cpu].sum())
    if cpu_read > 0:
        bandwidth = system.ram_bandwidth_gbs
        family = "cpu"
        if system.unified:
            bandwidth = system.gpus[0].bandwidth_gbs * APPLE_CPU_BANDWIDTH_SHARE
        loads.append(
            _load(
                "cpu",
                family,
                bandwidth,
                system.cpu_tflops,
                w,
                cpu_mask,
                cpu_read,
                cpu_weights,
                kv_read_total * cpu_mask.sum() / n,
                cpu_flops,
                cpu_layers,
                traffic * int((cpu_mask & attn_layers).sum()),
            )
        )
    decode_s = decode_seconds(loads)
    assist = loads[0] if system.gpus and loads and loads[0].backend != "cpu" else None
    prefill_s = prefill_seconds(loads, max(1, req.prompt_tokens), w.type_bytes, gpu_assist=assist)
    factor = runtime.speed_factor
    return factor / decode_s, factor * max(1, req.prompt_tokens) / prefill_s


def _estimate_tensor_parallel(req, quant, runtime, context, flash, w, kv_layers) -> Estimate:
    """vLLM-style tensor parallelism: every GPU holds 1/N of every layer and of the KV cache."""
    gpus = req.system.gpus
    count = len(gpus)
    arch = req.model.arch
    n = arch.layers
    budgets = _gpu_budgets(req.system, runtime)
    fixed = [
        DEVICE_OVERHEAD_BYTES.get(d.backend, 0.3 * GIB)
        + runtime.extra_overhead_bytes
        + compute_buffer_bytes(arch, context, req.ubatch, flash) / count
        for d in gpus
    ]
    per_gpu = (w.file_bytes - w.embd_bytes + w.output_bytes * (1 if w.tied else 0) + float(kv_layers.sum())) / count
    used = [per_gpu + f + w.embd_bytes / count for f in fixed]
    placement = _Placement(np.zeros(n, dtype=int), count - 1, used, budgets, fixed, np.zeros(n, dtype=bool))
    est = _finish(req, quant, runtime, context, flash, w, kv_layers, placement, None)
    est.tensor_parallel = True
    est.memory.ram_used = w.embd_bytes
    if est.fit == "wont_run":
        return est
    slowest = min(gpus, key=lambda d: d.bandwidth_gbs)
    position = min(context, req.prompt_tokens + req.gen_tokens / 2)
    flops = 2 * w.active_params + _attention_flops_per_token(arch, max(1, req.prompt_tokens)) * n
    total_read = sum(w.read_type_bytes.values())
    load = _load(
        slowest.backend,
        slowest.family,
        slowest.bandwidth_gbs,
        _device_compute(slowest),
        w,
        np.ones(n, bool),
        total_read / count,
        (w.file_bytes - w.embd_bytes) / count,
        kv_read_bytes_per_token(arch, position, req.kv_cache) / count,
        flops / count,
        n + 1,
        attention_traffic_per_layer(arch, max(1, req.prompt_tokens), flash) * int(attention_layer_mask(arch).sum()) / count,
    )
    comm = 2 * n * TP_ALLREDUCE_S  # two all-reduces per layer per token
    est.decode_tps = runtime.speed_factor / (decode_seconds([load]) + comm)
    prompt = max(1, req.prompt_tokens)
    est.prefill_tps = runtime.speed_factor * prompt / (prefill_seconds([load], prompt, w.type_bytes) + comm)
    lo, hi = speed_band(est.decode_tps, "decode")
    est.decode_band = (lo / 1.5, hi * 1.5)
    lo, hi = speed_band(est.prefill_tps, "prefill")
    est.prefill_band = (lo / 1.5, hi * 1.5)
    est.warnings.append("Tensor-parallel speed is extrapolated from single-GPU calibration (not measured).")
    return est
