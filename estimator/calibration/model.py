"""The shape of the fitted speed constants (values in constants.py, fitted by fit.py)."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

# Share of peak bandwidth at which attention scores stream through memory (flash attention off). A fixed
# prior shared by the fit and the runtime, not fitted: the calibration prompts (512 tokens) are too short
# for this term to be identifiable.
ATTENTION_TRAFFIC_EFF = 0.8
# Sharpness m of the soft minimum between the bandwidth and the issue-rate ceiling (1/B = (1/a^m + 1/b^m)^(1/m)).
# Chosen among 2, 4 and 8 by leave-one-family-out error on the LLaMA-2-7B scoreboards (12.6 / 12.6 / 13.3 %).
CEILING_SHARPNESS = 4.0


@dataclass(frozen=True)
class SpeedConstants:
    decode_eff: dict[str, float]  # backend -> share of peak bandwidth reached
    decode_layer_us: dict[str, float]  # backend -> fixed microseconds per layer per token
    decode_quant_cost: dict[str, float]  # storage type -> cost per byte relative to Q4_0
    decode_family: dict[str, float]  # hardware family -> efficiency multiplier
    prefill_eff: dict[str, float]  # backend -> share of compute C reached
    prefill_layer_us: dict[str, float]  # backend -> fixed microseconds per layer per prompt
    prefill_quant: dict[str, float]  # storage type -> kernel throughput factor
    prefill_family: dict[str, float]  # hardware family -> efficiency multiplier
    bands: dict[str, tuple[float, float]]  # kind -> (low, high) quantiles of predicted/measured
    decode_eff_default: float = 0.8
    decode_layer_us_default: float = 60.0
    prefill_eff_default: float = 0.5
    prefill_layer_us_default: float = 300.0
    split_hop_ms: float = 0.3  # extra per-token sync when layers span two devices (not calibrated)
    metrics: dict[str, float] = field(default_factory=dict)  # accuracy figures of this fit
    issue_ceiling_gbs_per_tflops: float = 0.0  # kappa: decode bandwidth ceiling per FP32 TFLOPS (0 = none)
    # mixture of experts (fitted on the fit side of data/measurements)
    moe_layer_us: dict[str, float] = field(default_factory=dict)  # backend -> extra microseconds per MoE layer per token
    moe_layer_us_default: float = 0.0
    moe_expert_cost: float = 1.0  # mu: cost per routed-expert byte relative to a dense byte of the same type
    moe_prefill_half: dict[str, float] = field(default_factory=dict)  # backend -> n_half of g(n), tokens per expert
    moe_prefill_half_default: float = 0.0
    attention_prefill_eff: dict[str, float] = field(default_factory=dict)  # backend -> attention FLOP efficiency factor
    attention_prefill_eff_default: float = 1.0
    # engines other than llama.cpp (fitted on their measured rows; an engine missing here runs at llama.cpp's rates
    # times its prior Runtime.speed_factor)
    runtime_decode_eff: dict[str, float] = field(default_factory=dict)  # engine -> bandwidth efficiency multiplier
    runtime_layer_us: dict[str, float] = field(default_factory=dict)  # engine -> microseconds per layer per step
    runtime_step_ms: dict[str, float] = field(default_factory=dict)  # engine -> fixed milliseconds per decode step
    runtime_prefill_eff: dict[str, float] = field(default_factory=dict)  # engine -> compute efficiency multiplier
    allreduce_us: float = 15.0  # one all-reduce between tensor-parallel GPUs
    runtime_quant_cost: dict[str, float] = field(default_factory=dict)  # "engine:TYPE" -> decode cost per byte (vs Q4_0)


def combined_compute(fp16_tflops: float | None, fp32_tflops: float | None) -> float:
    """The compute feature C the prefill model is fitted on: sqrt(FP16 matrix x FP32) TFLOPS."""
    a = fp16_tflops or fp32_tflops
    b = fp32_tflops or fp16_tflops
    if not a or not b:
        return 1.0
    return math.sqrt(a * b)
