"""Decode and prefill speed from bytes moved and FLOPs done, with calibrated efficiencies.

Decode (one step), summed over the devices of a layer split:

    t = sum_dev [ cost_bytes / B_eff + layers x tau_backend + moe_layers x tau_moe ] + hops x split_hop
    cost_bytes = sum_types bytes x k_type + (mu_moe - 1) x routed-expert bytes + KV bytes
    1 / B_eff = ( (1 / (bandwidth x e_backend x f_family))^4 + (1 / (kappa x FP32 TFLOPS))^4 )^(1/4)

``kappa x FP32 TFLOPS`` is an issue-rate ceiling: a GPU whose peak bandwidth is high for its shader throughput
(A100: 2039 GB/s on 19.5 FP32 TFLOPS) cannot keep its memory busy with batch-1 dequantize-and-multiply kernels.

Prefill (P tokens, in micro-batches of U):

    t = dense FLOPs / (C x e x f x q) + expert FLOPs / (C x e x f x q x g(n)) + attention FLOPs / (C x e x f x a_backend)
        + layers x tau_pp + ceil(P / U) x touched weight bytes / bandwidth + attention-score traffic
    C = sqrt(FP16 matrix TFLOPS x FP32 TFLOPS);  g(n) = n / (n + n_half): n = tokens each routed expert sees per
    micro-batch (U x active / experts), so a mixture of experts multiplies many small matrices.

The constants live in ``estimator/calibration/constants.py``; they are fitted by the top-level ``calibration``
package on data/calibration and the ``fit`` side of data/measurements/split.yaml.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, replace

from estimator.calibration.constants import CONSTANTS
from estimator.calibration.model import ATTENTION_TRAFFIC_EFF, CEILING_SHARPNESS, SpeedConstants

PCIE_BYTES_PER_S = 25e9  # effective host->GPU copy rate (PCIe 4.0 x16) used when prefill streams CPU layers
# Families without calibration data -> the calibrated family whose efficiency they share (keys of
# CONSTANTS.decode_family; "cpu" names the CPU platforms, whose layers always use the cpu backend constants).
FAMILY_ALIASES = {
    "nvidia_laptop": "nvidia_consumer",  # same GeForce silicon at lower clocks; bandwidth is in the entry
    "intel_datacenter": "intel_consumer",
    "intel_igpu": "intel_consumer",  # Arc iGPUs are Xe/Xe2 cores like the discrete Arc cards, same drivers
    "qualcomm_soc": "amd_apu",  # LPDDR5X unified-memory laptop SoC read at the cpu backend's rate, like an APU
    "amd_cpu": "cpu",  # CPU platforms: the speed model uses the cpu backend constants for every CPU
    "intel_cpu": "cpu",
    "arm_cpu": "cpu",  # Raspberry Pi / RK3588 boards: llama.cpp runs on their Cortex-A cores
}


@dataclass(frozen=True)
class DeviceLoad:
    """What one device holds, reads and computes."""

    backend: str
    family: str
    bandwidth_gbs: float
    compute_tflops: float  # C: sqrt(FP16 matrix x FP32) TFLOPS, or the CPU's effective TFLOPS
    read_type_bytes: Mapping[str, float]  # weight bytes read per token, by storage type
    kv_read_bytes: float  # KV cache bytes read per token at the mean position
    layers: float  # layers (incl. output head share) resident here
    flops_per_token: float  # prefill FLOPs per prompt token for the layers here (all kinds)
    weight_bytes: float  # all weight bytes resident here
    attention_traffic_bytes: float = 0.0  # prefill: attention-score bytes moved (flash attention off)
    fp32_tflops: float | None = None  # shader throughput for the issue-rate ceiling (GPUs only)
    expert_read_bytes: float = 0.0  # part of the bytes read per token that is routed experts
    moe_layers: float = 0.0  # mixture-of-experts layers resident here
    expert_flops_per_token: float = 0.0  # part of flops_per_token done by routed experts
    attention_flops_per_token: float = 0.0  # part of flops_per_token done by attention scores and values
    expert_share: float = 0.0  # active / routed experts (0: dense)
    expert_weight_bytes: float = 0.0  # part of weight_bytes that is routed experts
    engine: str = "llama.cpp"  # runtime engine doing the work (its fitted constants apply)


def family_factor(table: Mapping[str, float], family: str) -> float:
    return table.get(FAMILY_ALIASES.get(family, family), 1.0)


def quant_cost(constants: SpeedConstants, type_name: str, engine: str = "llama.cpp") -> float:
    """Decode cost per byte of a storage type (relative to Q4_0); engines with their own kernels (AWQ/GPTQ in vLLM or
    Transformers) have their own entry."""
    own = constants.runtime_quant_cost.get(f"{engine}:{type_name}")
    return own if own is not None else constants.decode_quant_cost.get(type_name, 1.0)


def effective_bandwidth(load: DeviceLoad, constants: SpeedConstants = CONSTANTS) -> float:
    """Bytes per second a device streams weights at while generating (calibrated share of peak, and the issue-rate
    ceiling on GPUs)."""
    eff = constants.decode_eff.get(load.backend, constants.decode_eff_default)
    eff *= family_factor(constants.decode_family, load.family) * constants.runtime_decode_eff.get(load.engine, 1.0)
    bandwidth = load.bandwidth_gbs * 1e9 * eff
    if load.backend == "cpu" or load.engine != "llama.cpp" or not load.fp32_tflops or not constants.issue_ceiling_gbs_per_tflops:
        return bandwidth  # the ceiling is a property of llama.cpp's batch-1 kernels
    ceiling = constants.issue_ceiling_gbs_per_tflops * load.fp32_tflops * 1e9
    m = CEILING_SHARPNESS
    return float((bandwidth**-m + ceiling**-m) ** (-1 / m))


def decode_step_seconds(load: DeviceLoad, constants: SpeedConstants = CONSTANTS, batch: int = 1) -> float:
    """One device's share of one decode step that generates a token for each of ``batch`` sequences: the weights are
    read once (routed experts: those the batch's tokens touch), the KV cache once per sequence."""
    if load.layers <= 0 and not load.read_type_bytes:
        return 0.0
    dense = sum(b * quant_cost(constants, t, load.engine) for t, b in load.read_type_bytes.items())
    expert = load.expert_read_bytes
    if batch > 1 and load.expert_share > 0:
        scale = touched_expert_share(batch, load.expert_share) / load.expert_share
        dense += (scale - 1.0) * expert * dense / max(sum(load.read_type_bytes.values()), 1.0)
        expert *= scale
    cost = dense + (constants.moe_expert_cost - 1.0) * expert + batch * load.kv_read_bytes
    seconds = cost / effective_bandwidth(load, constants)
    if batch > 1:  # a large batch turns the step compute-bound
        eff = constants.prefill_eff.get(load.backend, constants.prefill_eff_default) * constants.runtime_prefill_eff.get(load.engine, 1.0)
        seconds = max(seconds, batch * load.flops_per_token / (load.compute_tflops * 1e12 * eff))
    tau = constants.runtime_layer_us.get(load.engine)
    if tau is None:
        tau = constants.decode_layer_us.get(load.backend, constants.decode_layer_us_default)
    seconds += load.layers * tau * 1e-6
    seconds += load.moe_layers * constants.moe_layer_us.get(load.backend, constants.moe_layer_us_default) * 1e-6
    return seconds


def decode_seconds(loads: list[DeviceLoad], constants: SpeedConstants = CONSTANTS, batch: int = 1) -> float:
    """Seconds per decode step across a layer split (devices work one after another)."""
    seconds = sum(decode_step_seconds(load, constants, batch) for load in loads)
    hops = max(0, len(loads) - 1)  # each hand-over between devices costs a sync
    step = constants.runtime_step_ms.get(loads[0].engine, 0.0) if loads else 0.0
    return seconds + hops * constants.split_hop_ms * 1e-3 + step * 1e-3


def prefill_seconds(
    loads: list[DeviceLoad],
    prompt_tokens: int,
    quant_types: Mapping[str, float],
    constants: SpeedConstants = CONSTANTS,
    gpu_assist: DeviceLoad | None = None,
    ubatch: int = 512,
) -> float:
    """Seconds to process a prompt. CPU-resident layers are streamed to ``gpu_assist`` when that is
    faster, as llama.cpp does for large batches."""
    q = _quant_prefill_factor(constants, quant_types)
    seconds = 0.0
    passes = math.ceil(prompt_tokens / max(1, ubatch))
    for load in loads:
        own = _device_prefill(load, prompt_tokens, q, constants, ubatch)
        if load.backend == "cpu" and gpu_assist is not None:
            streamed = load.weight_bytes * passes / PCIE_BYTES_PER_S
            shifted = replace(
                load,
                backend=gpu_assist.backend,
                family=gpu_assist.family,
                bandwidth_gbs=gpu_assist.bandwidth_gbs,
                compute_tflops=gpu_assist.compute_tflops,
            )
            own = min(own, streamed + _device_prefill(shifted, prompt_tokens, q, constants, ubatch))
        seconds += own
    return seconds


def expert_batch_efficiency(tokens_per_expert: float, half: float) -> float:
    """g(n): share of dense matrix throughput reached when each routed expert multiplies n tokens at once."""
    if half <= 0:
        return 1.0
    return tokens_per_expert / (tokens_per_expert + half)


def _device_prefill(load: DeviceLoad, prompt_tokens: int, q: float, constants: SpeedConstants, ubatch: int = 512) -> float:
    eff = constants.prefill_eff.get(load.backend, constants.prefill_eff_default)
    eff *= family_factor(constants.prefill_family, load.family) * q * constants.runtime_prefill_eff.get(load.engine, 1.0)
    rate = load.compute_tflops * 1e12 * eff
    micro = min(prompt_tokens, max(1, ubatch))
    passes = math.ceil(prompt_tokens / max(1, ubatch))
    expert = load.expert_flops_per_token
    attention = load.attention_flops_per_token
    dense = load.flops_per_token - expert - attention
    seconds = dense * prompt_tokens / rate
    if expert:
        half = constants.moe_prefill_half.get(load.backend, constants.moe_prefill_half_default)
        seconds += expert * prompt_tokens / (rate * expert_batch_efficiency(micro * load.expert_share, half))
    if attention:
        key = load.backend if load.engine == "llama.cpp" else load.engine  # serving engines bring their own kernels
        a = constants.attention_prefill_eff.get(key, constants.attention_prefill_eff_default)
        seconds += attention * prompt_tokens / (rate * a)
    tau = constants.prefill_layer_us.get(load.backend, constants.prefill_layer_us_default)
    bandwidth = load.bandwidth_gbs * 1e9
    touched = load.weight_bytes - load.expert_weight_bytes * (1 - touched_expert_share(micro, load.expert_share))
    traffic = load.attention_traffic_bytes / (bandwidth * ATTENTION_TRAFFIC_EFF)
    return seconds + load.layers * tau * 1e-6 + passes * touched / bandwidth + traffic


def touched_expert_share(tokens: int, share: float) -> float:
    """Share of a layer's routed experts that at least one of ``tokens`` tokens uses (random routing)."""
    if share <= 0:
        return 1.0
    return 1.0 - (1.0 - share) ** max(1, tokens)


def _quant_prefill_factor(constants: SpeedConstants, quant_types: Mapping[str, float]) -> float:
    """Byte-weighted prefill kernel factor of the storage types in use."""
    total = sum(quant_types.values())
    if not total:
        return 1.0
    return sum(b * constants.prefill_quant.get(t, 1.0) for t, b in quant_types.items()) / total


def speed_band(value: float, kind: str, constants: SpeedConstants = CONSTANTS) -> tuple[float, float]:
    """Low-high range from the calibration error (quantiles of predicted/measured on rows not used for the term)."""
    lo_ratio, hi_ratio = constants.bands.get(kind) or constants.bands[kind.split(":")[0]]
    return value / hi_ratio, value / lo_ratio
