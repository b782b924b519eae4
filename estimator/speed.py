"""Decode and prefill speed from bytes moved and FLOPs done, with calibrated efficiencies.

Decode (one token):   t = sum over devices [ bytes read there x quant cost / (bandwidth x e_backend x f_family) ]
                          + layers x tau_backend
Prefill (P tokens):   t = FLOPs / (C x e_backend x f_family x q_quant) + layers x tau_pp + weights / bandwidth
                      C = sqrt(FP16 matrix TFLOPS x FP32 TFLOPS)

The constants (e, tau, f, q, k) live in ``estimator/calibration/constants.py``; they were fitted on
data/calibration only (see ``calibration/fit.py``).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

from estimator.calibration.constants import CONSTANTS
from estimator.calibration.model import ATTENTION_TRAFFIC_EFF, SpeedConstants

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
    """What one device holds and reads while generating."""

    backend: str
    family: str
    bandwidth_gbs: float
    compute_tflops: float  # C: sqrt(FP16 matrix x FP32) TFLOPS, or the CPU's effective TFLOPS
    read_type_bytes: Mapping[str, float]  # weight bytes read per token, by storage type
    kv_read_bytes: float  # KV cache bytes read per token at the mean position
    layers: float  # layers (incl. output head share) resident here
    flops_per_token: float  # prefill FLOPs per prompt token for the layers here
    weight_bytes: float  # all weight bytes resident here
    attention_traffic_bytes: float = 0.0  # prefill: attention-score bytes moved (flash attention off)


def family_factor(table: Mapping[str, float], family: str) -> float:
    return table.get(FAMILY_ALIASES.get(family, family), 1.0)


def quant_cost(constants: SpeedConstants, type_name: str) -> float:
    return constants.decode_quant_cost.get(type_name, 1.0)


def decode_seconds(loads: list[DeviceLoad], constants: SpeedConstants = CONSTANTS) -> float:
    """Seconds per generated token across a layer split (devices work one after another)."""
    seconds = 0.0
    for load in loads:
        if load.layers <= 0 and not load.read_type_bytes:
            continue
        eff = constants.decode_eff.get(load.backend, constants.decode_eff_default)
        eff *= family_factor(constants.decode_family, load.family)
        cost = sum(b * quant_cost(constants, t) for t, b in load.read_type_bytes.items()) + load.kv_read_bytes
        seconds += cost / (load.bandwidth_gbs * 1e9 * eff)
        tau = constants.decode_layer_us.get(load.backend, constants.decode_layer_us_default)
        seconds += load.layers * tau * 1e-6
    hops = max(0, len(loads) - 1)  # each hand-over between devices costs a sync
    return seconds + hops * constants.split_hop_ms * 1e-3


def prefill_seconds(
    loads: list[DeviceLoad],
    prompt_tokens: int,
    quant_types: Mapping[str, float],
    constants: SpeedConstants = CONSTANTS,
    gpu_assist: DeviceLoad | None = None,
) -> float:
    """Seconds to process a prompt. CPU-resident layers are streamed to ``gpu_assist`` when that is
    faster, as llama.cpp does for large batches."""
    q = _quant_prefill_factor(constants, quant_types)
    seconds = 0.0
    for load in loads:
        own = _device_prefill(load, prompt_tokens, q, constants)
        if load.backend == "cpu" and gpu_assist is not None:
            streamed = load.weight_bytes * math.ceil(prompt_tokens / 512) / PCIE_BYTES_PER_S
            shifted = DeviceLoad(
                **{
                    **load.__dict__,
                    "backend": gpu_assist.backend,
                    "family": gpu_assist.family,
                    "bandwidth_gbs": gpu_assist.bandwidth_gbs,
                    "compute_tflops": gpu_assist.compute_tflops,
                }
            )
            own = min(own, streamed + _device_prefill(shifted, prompt_tokens, q, constants))
        seconds += own
    return seconds


def _device_prefill(load: DeviceLoad, prompt_tokens: int, q: float, constants: SpeedConstants) -> float:
    eff = constants.prefill_eff.get(load.backend, constants.prefill_eff_default)
    eff *= family_factor(constants.prefill_family, load.family) * q
    flops = load.flops_per_token * prompt_tokens
    tau = constants.prefill_layer_us.get(load.backend, constants.prefill_layer_us_default)
    bandwidth = load.bandwidth_gbs * 1e9
    traffic = load.attention_traffic_bytes / (bandwidth * ATTENTION_TRAFFIC_EFF)
    return flops / (load.compute_tflops * 1e12 * eff) + load.layers * tau * 1e-6 + load.weight_bytes / bandwidth + traffic


def _quant_prefill_factor(constants: SpeedConstants, quant_types: Mapping[str, float]) -> float:
    """Byte-weighted prefill kernel factor of the storage types in use."""
    total = sum(quant_types.values())
    if not total:
        return 1.0
    return sum(b * constants.prefill_quant.get(t, 1.0) for t, b in quant_types.items()) / total


def speed_band(value: float, kind: str, constants: SpeedConstants = CONSTANTS) -> tuple[float, float]:
    """Low-high range from the calibration error (out-of-family quantiles of predicted/measured)."""
    lo_ratio, hi_ratio = constants.bands[kind]
    return value / hi_ratio, value / lo_ratio
