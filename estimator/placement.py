"""Where the model goes: how much memory each GPU offers, which layers (and which routed experts) land on which GPU,
and what stays in system RAM. Layer split as llama.cpp does it; tensor parallelism as vLLM-style engines do it."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from estimator.buffers import DEVICE_OVERHEAD_BYTES, compute_buffer_bytes, serving_profile_bytes
from estimator.hardware import System, desktop_reserves, usable_gpu_bytes
from estimator.request import EstimateRequest, Setup
from estimator.runtimes import Runtime
from estimator.units import GB, GIB
from estimator.weights import WeightsBreakdown


@dataclass(frozen=True)
class DevicePlacement:
    """One GPU's share, as shown to users: layers it holds, bytes used and usable there."""

    device: str
    layers: int
    used_bytes: float
    usable_bytes: float

    def to_json(self) -> dict[str, object]:
        return {
            "device": self.device,
            "layers": self.layers,
            "used_gb": round(self.used_bytes / GB, 2),
            "usable_gb": round(self.usable_bytes / GB, 2),
        }


@dataclass
class Placement:
    """Per-layer placement (internal): GPU index of each layer (-1 = CPU), the output head, and the bytes per GPU."""

    gpu_of_layer: np.ndarray  # -1 = CPU
    output_on_gpu: int  # index of GPU holding the output head, -1 = CPU
    gpu_used: list[float]
    gpu_budget: list[float]
    gpu_fixed: list[float]  # overhead + buffers per GPU
    experts_cpu: np.ndarray  # per layer: routed experts kept in RAM although the layer is on a GPU
    tensor_parallel: bool = False

    @property
    def experts_in_ram(self) -> bool:
        return bool(self.experts_cpu.any())

    def records(self, system: System) -> list[DevicePlacement]:
        return [
            DevicePlacement(
                device=d.name,
                layers=int((self.gpu_of_layer == i).sum()) + (1 if self.output_on_gpu == i else 0),
                used_bytes=self.gpu_used[i],
                usable_bytes=self.gpu_budget[i],
            )
            for i, d in enumerate(system.gpus)
        ]


def gpu_budgets(system: System, runtime: Runtime, fraction: float | None = None) -> list[float]:
    """Bytes a runtime may allocate on each GPU (vLLM-style engines take a fixed share up front)."""
    budgets = []
    fraction = fraction if fraction is not None else runtime.memory_fraction
    for device, desktop in zip(system.gpus, desktop_reserves(system), strict=True):
        usable = usable_gpu_bytes(device, system.wired_limit_gib, desktop)
        if fraction is not None:
            usable = min(usable, device.memory_bytes * fraction - desktop)
        budgets.append(usable)
    return budgets


def embedding_in_ram(setup: Setup) -> bool:
    """llama.cpp keeps the token embedding table in host memory (one row is read per token); serving engines, MLX and
    ExLlama keep it on the GPU."""
    return setup.runtime.engine == "llama.cpp"


def vision_bytes(req: EstimateRequest) -> float:
    """The mmproj file (vision encoder + projector), kept in F16 by llama.cpp."""
    return req.model.arch.vision_params_b * 1e9 * 2 if req.vision else 0.0


def device_compute_buffer(req: EstimateRequest, setup: Setup, holds_output: bool = True) -> float:
    """Activation memory one GPU keeps: llama.cpp's compute buffer, or a serving engine's profiled peak."""
    if setup.runtime.engine == "vllm":
        return serving_profile_bytes(req.model.arch, setup.context)
    return compute_buffer_bytes(req.model.arch, setup.context, req.ubatch, setup.flash, holds_output=holds_output)


def gpu_compute_buffers(req: EstimateRequest, setup: Setup) -> float:
    gpus = req.system.gpus
    count = len(gpus) if setup.runtime.tensor_parallel and len(gpus) > 1 else 1
    return sum(device_compute_buffer(req, setup, holds_output=(i == len(gpus) - 1)) / count for i in range(len(gpus)))


def place_layers(req: EstimateRequest, setup: Setup, w: WeightsBreakdown, kv_layers: np.ndarray) -> Placement:
    """llama.cpp's layer split: the last layers (and the output head, once everything fits) on the last GPU, earlier
    layers on earlier GPUs, the rest in RAM; with --cpu-moe, routed experts stay in RAM where they must."""
    arch = req.model.arch
    n = arch.layers
    runtime = setup.runtime
    budgets = gpu_budgets(req.system, runtime, req.gpu_memory_utilization)
    gpus = req.system.gpus
    if not gpus:
        return Placement(np.full(n, -1), -1, [], [], [], np.zeros(n, dtype=bool))
    head_on_cpu = req.gpu_layers is not None and req.gpu_layers <= n  # -ngl below n + 1 leaves the head (and logits) on the CPU
    fixed = [
        DEVICE_OVERHEAD_BYTES.get(d.backend, 0.3 * GIB)
        + runtime.extra_overhead_bytes
        + device_compute_buffer(req, setup, holds_output=(i == len(gpus) - 1 and not head_on_cpu))
        for i, d in enumerate(gpus)
    ]
    fixed[-1] += vision_bytes(req)
    if not embedding_in_ram(setup):
        fixed[0] += w.embd_bytes  # engines other than llama.cpp keep the token embedding on the GPU
    experts_in_ram = (req.cpu_moe or bool(req.n_cpu_moe)) and arch.moe is not None
    pinned = np.arange(n) < (req.n_cpu_moe or 0)  # --n-cpu-moe N: the first N layers keep their experts in RAM
    if req.cpu_moe and req.n_cpu_moe is None:
        pinned[:] = True  # all of them to begin with; they come back to the GPU while room remains
    layer_cost = w.layer_bytes + kv_layers - (np.where(pinned, w.layer_expert_bytes, 0.0) if experts_in_ram else 0.0)
    free = [b - f for b, f in zip(budgets, fixed, strict=True)]
    gpu_of_layer = np.full(n, -1)
    output_gpu = -1
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
    if experts_in_ram and req.n_cpu_moe is None:
        experts_cpu = _return_experts(w, gpu_of_layer, used, free)
    elif experts_in_ram:
        experts_cpu = pinned & (gpu_of_layer >= 0) & (w.layer_expert_bytes > 0)
    used = [u + f if (u > 0 or i == len(gpus) - 1) else u for i, (u, f) in enumerate(zip(used, fixed, strict=True))]
    return Placement(gpu_of_layer, output_gpu, used, budgets, fixed, experts_cpu)


def _return_experts(w: WeightsBreakdown, gpu_of_layer: np.ndarray, used: list[float], free: list[float]) -> np.ndarray:
    """As --n-cpu-moe: experts stay in RAM only for as many layers as needed, the rest go back on the GPU (last
    layers first). Updates ``used`` in place; returns the per-layer "experts in RAM" mask."""
    experts_cpu = (gpu_of_layer >= 0) & (w.layer_expert_bytes > 0)
    for layer in range(len(gpu_of_layer) - 1, -1, -1):
        gpu = gpu_of_layer[layer]
        if gpu < 0 or not experts_cpu[layer]:
            continue
        if used[gpu] + w.layer_expert_bytes[layer] <= free[gpu]:
            used[gpu] += w.layer_expert_bytes[layer]
            experts_cpu[layer] = False
    return experts_cpu


def place_tensor_parallel(req: EstimateRequest, setup: Setup, w: WeightsBreakdown, kv_layers: np.ndarray) -> Placement:
    """vLLM-style tensor parallelism: every GPU holds 1/N of every layer and of the KV cache."""
    gpus = req.system.gpus
    count = len(gpus)
    arch = req.model.arch
    n = arch.layers
    budgets = gpu_budgets(req.system, setup.runtime, req.gpu_memory_utilization)
    fixed = [
        DEVICE_OVERHEAD_BYTES.get(d.backend, 0.3 * GIB) + setup.runtime.extra_overhead_bytes + device_compute_buffer(req, setup) / count
        for d in gpus
    ]
    per_gpu = (w.file_bytes - w.embd_bytes + w.output_bytes * (1 if w.tied else 0) + float(kv_layers.sum())) / count
    used = [per_gpu + f + w.embd_bytes / count for f in fixed]
    return Placement(np.zeros(n, dtype=int), count - 1, used, budgets, fixed, np.zeros(n, dtype=bool), tensor_parallel=True)


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
