"""From a placement to speeds: what each device reads and computes per token (``DeviceLoad``), then the calibrated
time formulas of ``speed.py``.

``speed_inputs()`` does the placement-dependent work once; ``speeds()`` applies a set of constants to it (the
calibration fit calls it many times with trial constants)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from estimator.architecture import ModelArch
from estimator.calibration.constants import CONSTANTS
from estimator.calibration.model import SpeedConstants, combined_compute
from estimator.hardware import Device
from estimator.kv_cache import attended_tokens_per_layer, kv_read_bytes_per_layer
from estimator.placement import Placement
from estimator.request import EstimateRequest, Setup
from estimator.runtimes import get_runtime
from estimator.speed import DeviceLoad, decode_seconds, prefill_seconds
from estimator.tensors import attention_layer_mask
from estimator.weights import WeightsBreakdown

APPLE_CPU_BANDWIDTH_SHARE = 0.6  # CPU cores reach about this share of an M-series memory bandwidth


def device_compute(device: Device) -> float:
    return combined_compute(device.fp16_tflops, device.fp32_tflops)


def _heads_dim(arch: ModelArch) -> int:
    return arch.heads * (arch.mla.qk_nope_head_dim + arch.mla.qk_rope_head_dim if arch.mla else arch.head_dim)


def attention_flops_per_layer(arch: ModelArch, prompt: int, depth: int = 0) -> np.ndarray:
    """Score and value FLOPs per prompt token on each layer: 4 x heads x head_dim x the tokens attended, averaged
    over the prompt (causal: half the prompt after the ``depth`` cached tokens; a sliding layer sees its window)."""
    return 4 * _heads_dim(arch) * attended_tokens_per_layer(arch, depth + prompt / 2)


def attention_flops_per_token(arch: ModelArch, prompt: int, depth: int = 0) -> float:
    """Mean over the attention layers of ``attention_flops_per_layer`` (kept for the calibration fit)."""
    per_layer = attention_flops_per_layer(arch, prompt, depth)
    mask = attention_layer_mask(arch)
    return float(per_layer[mask].mean()) if mask.any() else 0.0


def attention_traffic_per_layer(arch: ModelArch, prompt: int, flash_attention: bool, depth: int = 0) -> float:
    """Bytes of attention scores written and read while processing a prompt with flash attention off:
    the F32 score matrix (n_kv x ubatch x heads) is written, softmaxed in place (read + write) and read
    for the value product, per micro-batch. Zero with flash attention, which keeps scores on chip."""
    if flash_attention:
        return 0.0
    span = depth + prompt / 2
    if arch.sliding_window:
        span = min(span, arch.sliding_window)
    return 4 * arch.heads * 4 * prompt * span


@dataclass(frozen=True)
class SpeedInputs:
    """Everything the speed formulas need for one request, independent of the constants."""

    loads: tuple[DeviceLoad, ...]
    prompt: int
    ubatch: int
    type_bytes: Mapping[str, float]
    runtime_factor: float
    gpu_assist: DeviceLoad | None = None
    allreduces: int = 0  # tensor parallelism: all-reduces per forward pass (two per layer)
    concurrency: int = 1  # sequences decoded together


def _slice_load(
    req: EstimateRequest,
    w: WeightsBreakdown,
    device: Device | None,
    mask: np.ndarray,
    head: bool,
    experts_off: np.ndarray,
    per_layer: dict[str, np.ndarray],
    bandwidth: float,
) -> DeviceLoad:
    """The load of the layers in ``mask`` (plus the output head if ``head``), without the routed experts of the layers
    in ``experts_off`` (kept elsewhere); ``device`` None is the CPU."""
    arch = req.model.arch
    keep = mask & ~experts_off
    expert_read = float(w.layer_expert_read_bytes[keep].sum())
    expert_bytes = float(w.layer_expert_bytes[keep].sum())
    read = float(w.layer_read_bytes[mask].sum()) - float(w.layer_expert_read_bytes[mask & experts_off].sum())
    weights = float(w.layer_bytes[mask].sum()) - float(w.layer_expert_bytes[mask & experts_off].sum())
    expert_active = float(w.layer_expert_active_params[keep].sum())
    active = float(w.layer_active_params[mask].sum()) - float(w.layer_expert_active_params[mask & experts_off].sum())
    attention = float(per_layer["attention_flops"][mask].sum())
    if head:
        read += w.output_bytes
        weights += w.output_bytes
        active += arch.vocab * arch.hidden
    total_read = sum(w.read_type_bytes.values()) or 1.0
    share = read / total_read
    return DeviceLoad(
        backend=device.backend if device else "cpu",
        family=device.family if device else "cpu",
        bandwidth_gbs=bandwidth,
        compute_tflops=device_compute(device) if device else req.system.cpu_tflops,
        read_type_bytes={t: b * share for t, b in w.read_type_bytes.items()},
        kv_read_bytes=float(per_layer["kv_read"][mask].sum()),
        layers=float(mask.sum()) + (1 if head else 0),
        flops_per_token=2 * active + attention,
        weight_bytes=weights,
        attention_traffic_bytes=float(per_layer["traffic"][mask].sum()),
        fp32_tflops=device.fp32_tflops if device else None,
        expert_read_bytes=expert_read,
        moe_layers=float((keep & (w.layer_expert_bytes > 0)).sum()),
        expert_flops_per_token=2 * expert_active,
        attention_flops_per_token=attention,
        expert_share=(arch.moe.active / arch.moe.experts) if arch.moe else 0.0,
        expert_weight_bytes=expert_bytes,
        engine=req_engine(req),
    )


def req_engine(req: EstimateRequest) -> str:
    return get_runtime(req.runtime).engine


def _per_layer(req: EstimateRequest, setup: Setup) -> dict[str, np.ndarray]:
    arch = req.model.arch
    prompt = max(1, req.prompt_tokens)
    position = min(setup.context, req.depth + req.prompt_tokens + req.gen_tokens / 2)
    attn = attention_layer_mask(arch)
    traffic = attention_traffic_per_layer(arch, prompt, setup.flash, req.depth)
    return {
        "attention_flops": attention_flops_per_layer(arch, prompt, req.depth),
        "traffic": np.where(attn, traffic, 0.0),
        "kv_read": kv_read_bytes_per_layer(arch, position, req.kv_cache),
    }


def layer_split_inputs(req: EstimateRequest, setup: Setup, w: WeightsBreakdown, p: Placement) -> SpeedInputs:
    """One load per GPU that holds something, then the CPU (its layers and any routed experts kept in RAM)."""
    system = req.system
    per_layer = _per_layer(req, setup)
    loads: list[DeviceLoad] = []
    cpu_mask = p.gpu_of_layer < 0
    for i, device in enumerate(system.gpus):
        mask = p.gpu_of_layer == i
        head = p.output_on_gpu == i
        if not mask.any() and not head:
            continue
        loads.append(_slice_load(req, w, device, mask, head, p.experts_cpu, per_layer, device.bandwidth_gbs))
    bandwidth = system.ram_bandwidth_gbs
    if system.unified:
        bandwidth = system.gpus[0].bandwidth_gbs * APPLE_CPU_BANDWIDTH_SHARE
    cpu = _slice_load(req, w, None, cpu_mask, p.output_on_gpu < 0, np.zeros_like(cpu_mask), per_layer, bandwidth)
    experts = p.experts_cpu & ~cpu_mask  # routed experts of GPU layers kept in RAM
    if experts.any():
        moved = _experts_only(req, w, experts, bandwidth)
        cpu = _merge(cpu, moved) if cpu.layers > 0 else moved
    if cpu.layers > 0 or cpu.expert_read_bytes > 0:
        loads.append(cpu)
    assist = loads[0] if system.gpus and loads and loads[0].backend != "cpu" else None
    return SpeedInputs(
        tuple(loads), max(1, req.prompt_tokens), _ubatch(req, setup), w.type_bytes, setup.runtime.speed_factor, assist, 0, req.concurrency
    )


def _ubatch(req: EstimateRequest, setup: Setup) -> int:
    """Tokens per forward pass of a prompt: llama.cpp's -ub; serving engines take the whole prompt at once."""
    return req.ubatch if setup.runtime.engine == "llama.cpp" else max(1, req.prompt_tokens)


def _experts_only(req: EstimateRequest, w: WeightsBreakdown, layers: np.ndarray, bandwidth: float) -> DeviceLoad:
    """The routed experts of ``layers``, computed by the CPU (llama.cpp --cpu-moe / --n-cpu-moe)."""
    arch = req.model.arch
    read = float(w.layer_expert_read_bytes[layers].sum())
    total_read = sum(w.read_type_bytes.values()) or 1.0
    return DeviceLoad(
        backend="cpu",
        family="cpu",
        bandwidth_gbs=bandwidth,
        compute_tflops=req.system.cpu_tflops,
        read_type_bytes={t: b * read / total_read for t, b in w.read_type_bytes.items()},
        kv_read_bytes=0.0,
        layers=0.0,
        flops_per_token=2 * float(w.layer_expert_active_params[layers].sum()),
        weight_bytes=float(w.layer_expert_bytes[layers].sum()),
        expert_read_bytes=read,
        moe_layers=float(layers.sum()),
        expert_flops_per_token=2 * float(w.layer_expert_active_params[layers].sum()),
        expert_share=(arch.moe.active / arch.moe.experts) if arch.moe else 0.0,
        expert_weight_bytes=float(w.layer_expert_bytes[layers].sum()),
        engine=req_engine(req),
    )


def _merge(a: DeviceLoad, b: DeviceLoad) -> DeviceLoad:
    types = set(a.read_type_bytes) | set(b.read_type_bytes)
    return DeviceLoad(
        backend=a.backend,
        family=a.family,
        bandwidth_gbs=a.bandwidth_gbs,
        compute_tflops=a.compute_tflops,
        read_type_bytes={t: a.read_type_bytes.get(t, 0.0) + b.read_type_bytes.get(t, 0.0) for t in types},
        kv_read_bytes=a.kv_read_bytes + b.kv_read_bytes,
        layers=a.layers + b.layers,
        flops_per_token=a.flops_per_token + b.flops_per_token,
        weight_bytes=a.weight_bytes + b.weight_bytes,
        attention_traffic_bytes=a.attention_traffic_bytes + b.attention_traffic_bytes,
        expert_read_bytes=a.expert_read_bytes + b.expert_read_bytes,
        moe_layers=a.moe_layers + b.moe_layers,
        expert_flops_per_token=a.expert_flops_per_token + b.expert_flops_per_token,
        attention_flops_per_token=a.attention_flops_per_token + b.attention_flops_per_token,
        expert_share=max(a.expert_share, b.expert_share),
        expert_weight_bytes=a.expert_weight_bytes + b.expert_weight_bytes,
        engine=a.engine,
    )


def tensor_parallel_inputs(req: EstimateRequest, setup: Setup, w: WeightsBreakdown) -> SpeedInputs:
    """Every GPU holds 1/N of every layer; the slowest GPU sets the pace and each layer costs two all-reduces."""
    gpus = req.system.gpus
    count = len(gpus)
    arch = req.model.arch
    n = arch.layers
    slowest = min(gpus, key=lambda d: d.bandwidth_gbs)
    everything = np.ones(n, dtype=bool)
    whole = _slice_load(req, w, slowest, everything, True, np.zeros(n, dtype=bool), _per_layer(req, setup), slowest.bandwidth_gbs)
    load = DeviceLoad(
        backend=whole.backend,
        family=whole.family,
        bandwidth_gbs=whole.bandwidth_gbs,
        compute_tflops=whole.compute_tflops,
        read_type_bytes={t: b / count for t, b in whole.read_type_bytes.items()},
        kv_read_bytes=whole.kv_read_bytes / count,
        layers=whole.layers,
        flops_per_token=whole.flops_per_token / count,
        weight_bytes=(w.file_bytes - w.embd_bytes) / count,
        attention_traffic_bytes=whole.attention_traffic_bytes / count,
        fp32_tflops=whole.fp32_tflops,
        expert_read_bytes=whole.expert_read_bytes / count,
        moe_layers=whole.moe_layers,
        expert_flops_per_token=whole.expert_flops_per_token / count,
        attention_flops_per_token=whole.attention_flops_per_token / count,
        expert_share=whole.expert_share,
        expert_weight_bytes=whole.expert_weight_bytes / count,
        engine=whole.engine,
    )
    return SpeedInputs(
        (load,), max(1, req.prompt_tokens), req.ubatch, w.type_bytes, setup.runtime.speed_factor, None, 2 * n, req.concurrency
    )


def speeds(inputs: SpeedInputs, constants: SpeedConstants = CONSTANTS) -> tuple[float, float]:
    """(decode tok/s of one sequence, prefill tok/s) for one set of constants. With ``concurrency`` sequences decoded
    together, the decode figure is each sequence's rate (aggregate = concurrency x that)."""
    loads = list(inputs.loads)
    comm = inputs.allreduces * constants.allreduce_us * 1e-6
    decode_s = decode_seconds(loads, constants, inputs.concurrency) + comm
    prefill_s = prefill_seconds(loads, inputs.prompt, inputs.type_bytes, constants, inputs.gpu_assist, inputs.ubatch)
    prefill_s += comm * max(1, -(-inputs.prompt // max(1, inputs.ubatch)))
    factor = inputs.runtime_factor
    return factor / decode_s, factor * inputs.prompt / prefill_s
