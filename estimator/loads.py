"""From a placement to speeds: what each device reads and computes per token (``DeviceLoad``), then the calibrated
time formulas of ``speed.py``."""

from __future__ import annotations

from estimator.architecture import ModelArch
from estimator.calibration.model import combined_compute
from estimator.hardware import Device
from estimator.kv_cache import kv_read_bytes_per_token
from estimator.placement import Placement
from estimator.request import EstimateRequest, Setup
from estimator.speed import DeviceLoad, decode_seconds, prefill_seconds
from estimator.tensors import attention_layer_mask
from estimator.weights import WeightsBreakdown

APPLE_CPU_BANDWIDTH_SHARE = 0.6  # CPU cores reach about this share of an M-series memory bandwidth
TP_ALLREDUCE_S = 15e-6  # one small all-reduce between GPUs (PCIe/NVLink latency bound), not calibrated


def device_compute(device: Device) -> float:
    return combined_compute(device.fp16_tflops, device.fp32_tflops)


def attention_flops_per_token(arch: ModelArch, prompt: int) -> float:
    """Score and value FLOPs per layer per prompt token, averaged over the prompt (causal: half the prompt)."""
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


def layer_split_loads(req: EstimateRequest, setup: Setup, w: WeightsBreakdown, p: Placement) -> list[DeviceLoad]:
    """One load per GPU that holds something, then the CPU (its layers and any routed experts kept in RAM)."""
    arch = req.model.arch
    attn_layers = attention_layer_mask(arch)
    traffic = attention_traffic_per_layer(arch, max(1, req.prompt_tokens), setup.flash)
    system = req.system
    n = arch.layers
    position = min(setup.context, req.prompt_tokens + req.gen_tokens / 2)
    kv_read_total = kv_read_bytes_per_token(arch, position, req.kv_cache)
    att_flops = attention_flops_per_token(arch, max(1, req.prompt_tokens))
    loads: list[DeviceLoad] = []
    cpu_mask = p.gpu_of_layer < 0
    output_params = arch.vocab * arch.hidden
    for i, device in enumerate(system.gpus):
        mask = p.gpu_of_layer == i
        head = p.output_on_gpu == i
        if not mask.any() and not head:
            continue
        read = float(w.layer_read_bytes[mask].sum()) + (w.output_bytes if head else 0.0)
        weights = float(w.layer_bytes[mask].sum()) + (w.output_bytes if head else 0.0)
        read -= float(w.layer_expert_read_bytes[mask & p.experts_cpu].sum())
        weights -= float(w.layer_expert_bytes[mask & p.experts_cpu].sum())
        flops = 2 * float(w.layer_active_params[mask].sum()) + att_flops * int(mask.sum()) + (2 * output_params if head else 0.0)
        loads.append(
            _load(
                device.backend,
                device.family,
                device.bandwidth_gbs,
                device_compute(device),
                w,
                read,
                weights,
                kv_read_total * mask.sum() / n,
                flops,
                mask.sum() + (1 if head else 0),
                traffic * int((mask & attn_layers).sum()),
            )
        )
    head = p.output_on_gpu < 0
    cpu_read = float(w.layer_read_bytes[cpu_mask].sum()) + (w.output_bytes if head else 0.0)
    cpu_weights = float(w.layer_bytes[cpu_mask].sum()) + (w.output_bytes if head else 0.0)
    cpu_flops = 2 * float(w.layer_active_params[cpu_mask].sum()) + att_flops * int(cpu_mask.sum()) + (2 * output_params if head else 0.0)
    cpu_layers = float(cpu_mask.sum()) + (1 if head else 0)
    cpu_read += float(w.layer_expert_read_bytes[~cpu_mask & p.experts_cpu].sum())
    cpu_weights += float(w.layer_expert_bytes[~cpu_mask & p.experts_cpu].sum())
    if cpu_read > 0:
        bandwidth = system.ram_bandwidth_gbs
        if system.unified:
            bandwidth = system.gpus[0].bandwidth_gbs * APPLE_CPU_BANDWIDTH_SHARE
        loads.append(
            _load(
                "cpu",
                "cpu",
                bandwidth,
                system.cpu_tflops,
                w,
                cpu_read,
                cpu_weights,
                kv_read_total * cpu_mask.sum() / n,
                cpu_flops,
                cpu_layers,
                traffic * int((cpu_mask & attn_layers).sum()),
            )
        )
    return loads


def layer_split_speeds(req: EstimateRequest, setup: Setup, w: WeightsBreakdown, p: Placement) -> tuple[float, float]:
    """(decode tok/s, prefill tok/s) of a layer split: devices work one after another."""
    loads = layer_split_loads(req, setup, w, p)
    system = req.system
    decode_s = decode_seconds(loads)
    assist = loads[0] if system.gpus and loads and loads[0].backend != "cpu" else None
    prompt = max(1, req.prompt_tokens)
    prefill_s = prefill_seconds(loads, prompt, w.type_bytes, gpu_assist=assist)
    factor = setup.runtime.speed_factor
    return factor / decode_s, factor * prompt / prefill_s


def tensor_parallel_speeds(req: EstimateRequest, setup: Setup, w: WeightsBreakdown) -> tuple[float, float]:
    """(decode tok/s, prefill tok/s) with every GPU holding 1/N of every layer; the slowest GPU sets the pace and
    each layer costs two all-reduces."""
    gpus = req.system.gpus
    count = len(gpus)
    arch = req.model.arch
    n = arch.layers
    slowest = min(gpus, key=lambda d: d.bandwidth_gbs)
    position = min(setup.context, req.prompt_tokens + req.gen_tokens / 2)
    prompt = max(1, req.prompt_tokens)
    flops = 2 * w.active_params + attention_flops_per_token(arch, prompt) * n
    total_read = sum(w.read_type_bytes.values())
    load = _load(
        slowest.backend,
        slowest.family,
        slowest.bandwidth_gbs,
        device_compute(slowest),
        w,
        total_read / count,
        (w.file_bytes - w.embd_bytes) / count,
        kv_read_bytes_per_token(arch, position, req.kv_cache) / count,
        flops / count,
        n + 1,
        attention_traffic_per_layer(arch, prompt, setup.flash) * int(attention_layer_mask(arch).sum()) / count,
    )
    comm = 2 * n * TP_ALLREDUCE_S  # two all-reduces per layer per token
    factor = setup.runtime.speed_factor
    decode = factor / (decode_seconds([load]) + comm)
    prefill = factor * prompt / (prefill_seconds([load], prompt, w.type_bytes) + comm)
    return decode, prefill
