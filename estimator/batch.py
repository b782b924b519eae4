"""Vectorised evaluation of many model x quant x context x hardware combinations at once (numpy).

Used for catalog-wide questions ("what runs on my GPU?", "which GPU for this model?"). It applies the same
formulas as ``estimate()`` for the common case (one device kind, all layers on the GPU or a proportional
GPU/RAM split) and agrees with it on the verdict and within a few percent on speed (tested); the scalar
path stays the reference for a single detailed answer.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from estimator.buffers import DEVICE_OVERHEAD_BYTES, KQ_SLOPE
from estimator.calibration.constants import CONSTANTS
from estimator.calibration.model import combined_compute
from estimator.estimate import TIGHT_FRACTION, TIGHT_MIN_BYTES, ModelSpec
from estimator.hardware import Device, System, desktop_reserves, unified_pool_bytes, usable_gpu_bytes, usable_ram_bytes
from estimator.kv_cache import KV_BYTES, KV_PAD, kv_elements_per_token_layer
from estimator.quants import parse_quant
from estimator.speed import FAMILY_ALIASES
from estimator.tensors import attention_layer_mask
from estimator.weights import compute_weights

FIT_CODES = ("wont_run", "cpu_only", "offload", "tight", "runs_well")
WONT_RUN, CPU_ONLY, OFFLOAD, TIGHT, RUNS_WELL = range(5)


@dataclass(frozen=True)
class ModelQuantTable:
    """Per (model, quant) row: the numbers the grid needs, precomputed once."""

    model_ids: list[str]
    quants: list[str]
    gpu_weight_bytes: np.ndarray  # resident on the GPU when fully offloaded (tied output duplicated)
    file_bytes: np.ndarray
    decode_cost_bytes: np.ndarray  # sum of bytes read per token x quant cost factor
    active_params: np.ndarray
    layers: np.ndarray
    full_kv_layers: np.ndarray  # layers caching the whole context
    swa_kv_layers: np.ndarray  # layers caching a window
    window: np.ndarray  # sliding window (0 when none)
    kv_elems: np.ndarray  # K+V elements per token per layer
    heads: np.ndarray
    vocab: np.ndarray
    activation_bytes: np.ndarray  # per micro-batch of 512
    prefill_quant: np.ndarray

    @classmethod
    def build(cls, models: list[ModelSpec], quants: list[str]) -> ModelQuantTable:
        rows: dict[str, list] = {k: [] for k in cls.__dataclass_fields__}
        for model in models:
            arch = model.arch
            attn = attention_layer_mask(arch)
            if arch.sliding_window:
                idx = np.arange(arch.layers)
                sliding = (idx % arch.global_every) != (arch.global_every - 1) if arch.global_every else np.ones(arch.layers, bool)
            else:
                sliding = np.zeros(arch.layers, bool)
            ffn = max(arch.intermediate, arch.moe.expert_intermediate * arch.moe.active if arch.moe else 0)
            for quant in quants:
                w = compute_weights(arch, parse_quant(quant), model.params_b)
                rows["model_ids"].append(model.id)
                rows["quants"].append(quant)
                rows["gpu_weight_bytes"].append(w.file_bytes - w.embd_bytes + w.output_bytes)
                rows["file_bytes"].append(w.file_bytes)
                rows["decode_cost_bytes"].append(sum(b * CONSTANTS.decode_quant_cost.get(t, 1.0) for t, b in w.read_type_bytes.items()))
                rows["active_params"].append(w.active_params)
                rows["layers"].append(arch.layers)
                rows["full_kv_layers"].append(int((attn & ~sliding).sum()))
                rows["swa_kv_layers"].append(int((attn & sliding).sum()))
                rows["window"].append(arch.sliding_window or 0)
                rows["kv_elems"].append(kv_elements_per_token_layer(arch))
                rows["heads"].append(arch.heads)
                rows["vocab"].append(arch.vocab)
                rows["activation_bytes"].append(512 * (arch.hidden + ffn) * 4)
                total = sum(v for t, v in w.type_bytes.items() if t != "F32") or 1.0
                rows["prefill_quant"].append(
                    sum(v * CONSTANTS.prefill_quant.get(t, 1.0) for t, v in w.type_bytes.items() if t != "F32") / total
                )
        fields: dict[str, Any] = {k: (v if k in {"model_ids", "quants"} else np.asarray(v, dtype=float)) for k, v in rows.items()}
        return cls(**fields)


@dataclass(frozen=True)
class HardwareColumns:
    ids: list[str]
    usable: np.ndarray  # accelerator bytes a runtime can use (0 for CPU platforms)
    overhead: np.ndarray
    bandwidth: np.ndarray
    decode_eff: np.ndarray
    decode_tau: np.ndarray
    compute: np.ndarray
    prefill_eff: np.ndarray
    ram_usable: np.ndarray
    ram_bandwidth: np.ndarray

    @classmethod
    def build(cls, systems: list[tuple[str, System]]) -> HardwareColumns:
        cols: dict[str, list] = {k: [] for k in cls.__dataclass_fields__}
        c = CONSTANTS
        for hid, system in systems:
            cols["ids"].append(hid)
            devices: list[Device] = system.gpus
            if devices:
                d = devices[0]
                backend, family = d.backend, FAMILY_ALIASES.get(d.family, d.family)
                reserves = desktop_reserves(system)
                cols["usable"].append(sum(usable_gpu_bytes(x, system.wired_limit_gib, r) for x, r in zip(devices, reserves, strict=True)))
                cols["overhead"].append(sum(DEVICE_OVERHEAD_BYTES.get(x.backend, 0.3 * 2**30) for x in devices))
                cols["bandwidth"].append(d.bandwidth_gbs * 1e9)
                cols["compute"].append(combined_compute(d.fp16_tflops, d.fp32_tflops) * 1e12)
            else:
                backend, family = "cpu", "cpu"
                cols["usable"].append(0.0)
                cols["overhead"].append(DEVICE_OVERHEAD_BYTES["cpu"])
                cols["bandwidth"].append(system.ram_bandwidth_gbs * 1e9)
                cols["compute"].append(system.cpu_tflops * 1e12)
            cols["decode_eff"].append(c.decode_eff.get(backend, c.decode_eff_default) * c.decode_family.get(family, 1.0))
            cols["decode_tau"].append(c.decode_layer_us.get(backend, c.decode_layer_us_default) * 1e-6)
            cols["prefill_eff"].append(c.prefill_eff.get(backend, c.prefill_eff_default) * c.prefill_family.get(family, 1.0))
            ram = usable_ram_bytes(system)
            if system.unified:  # the same pool: Apple's memory beyond the GPU working set, nothing elsewhere
                d = devices[0]
                ram = unified_pool_bytes(d) - usable_gpu_bytes(d, system.wired_limit_gib) if d.backend == "metal" else 0.0
            elif system.ram_assumed:
                ram = float("inf")  # RAM not given: the scalar estimate answers "offload" with a RAM warning, not "won't run"
            cols["ram_usable"].append(ram)
            cols["ram_bandwidth"].append(system.ram_bandwidth_gbs * 1e9)
        fields: dict[str, Any] = {k: (v if k == "ids" else np.asarray(v, dtype=float)) for k, v in cols.items()}
        return cls(**fields)


@dataclass(frozen=True)
class GridResult:
    fit: np.ndarray  # int codes, shape (rows, hardware, contexts)
    total_bytes: np.ndarray
    decode_tps: np.ndarray  # NaN where it won't run
    prefill_tps: np.ndarray

    def fit_name(self, *index: int) -> str:
        return FIT_CODES[int(self.fit[index])]


def evaluate_grid(
    table: ModelQuantTable,
    hw: HardwareColumns,
    contexts: list[int],
    kv_type: str = "f16",
    prompt_tokens: int = 512,
    gen_tokens: int = 128,
    flash_attention: bool = True,
) -> GridResult:
    """Fit, memory and speed for every (model x quant) row x hardware column x context."""
    ctx = np.asarray(contexts, dtype=float)[None, None, :]
    cells = np.ceil(ctx / KV_PAD) * KV_PAD
    r = {
        k: getattr(table, k)[:, None, None]
        for k in (
            "gpu_weight_bytes",
            "file_bytes",
            "decode_cost_bytes",
            "active_params",
            "layers",
            "full_kv_layers",
            "swa_kv_layers",
            "window",
            "kv_elems",
            "heads",
            "vocab",
            "activation_bytes",
            "prefill_quant",
        )
    }
    h = {
        k: getattr(hw, k)[None, :, None]
        for k in ("usable", "overhead", "bandwidth", "decode_eff", "decode_tau", "compute", "prefill_eff", "ram_usable", "ram_bandwidth")
    }
    per_token = r["kv_elems"] * KV_BYTES[kv_type]
    swa_cells = np.where(r["window"] > 0, np.minimum(cells, np.ceil((r["window"] + 512) / KV_PAD) * KV_PAD), cells)
    kv = (r["full_kv_layers"] * cells + r["swa_kv_layers"] * swa_cells) * per_token
    kq = 0.0 if flash_attention else KQ_SLOPE * cells * 512 * r["heads"] * 4
    buffer = np.maximum(kq + r["activation_bytes"], 512 * r["vocab"] * 4)
    on_gpu = r["gpu_weight_bytes"] + kv + buffer + h["overhead"]
    has_gpu = h["usable"] > 0
    fits = has_gpu & (on_gpu <= h["usable"])
    free = h["usable"] - on_gpu
    tight = fits & (free < np.maximum(TIGHT_FRACTION * h["usable"], TIGHT_MIN_BYTES))
    # partial offload: share of layer bytes that fit on the GPU, the rest in RAM
    layer_bytes = r["gpu_weight_bytes"] + kv
    gpu_share = np.clip((h["usable"] - buffer - h["overhead"]) / layer_bytes, 0.0, 1.0) * has_gpu
    ram_needed = np.where(fits, 0.0, (1 - gpu_share) * layer_bytes + (r["file_bytes"] - r["gpu_weight_bytes"]).clip(0))
    fits_ram = ram_needed <= h["ram_usable"] + (~has_gpu) * 0
    cpu_total = r["file_bytes"] + kv + buffer + h["overhead"]
    cpu_fits = cpu_total <= h["ram_usable"]
    fit = np.full(on_gpu.shape, WONT_RUN, dtype=np.int8)
    fit = np.where(~has_gpu & cpu_fits, CPU_ONLY, fit)
    fit = np.where(has_gpu & ~fits & (gpu_share > 0) & fits_ram, OFFLOAD, fit)
    fit = np.where(has_gpu & ~fits & (gpu_share <= 0) & cpu_fits, CPU_ONLY, fit)
    fit = np.where(fits, np.where(tight, TIGHT, RUNS_WELL), fit)
    # decode
    position = np.minimum(ctx, prompt_tokens + gen_tokens / 2)
    kv_read = (
        r["full_kv_layers"] * position + r["swa_kv_layers"] * np.minimum(position, np.where(r["window"] > 0, r["window"], position))
    ) * per_token
    cost = r["decode_cost_bytes"] + kv_read
    share = np.where(has_gpu, np.where(fits, 1.0, gpu_share), 0.0)
    cpu_c = CONSTANTS
    cpu_eff = cpu_c.decode_eff.get("cpu", cpu_c.decode_eff_default)
    cpu_tau = cpu_c.decode_layer_us.get("cpu", cpu_c.decode_layer_us_default) * 1e-6
    gpu_time = share * cost / (h["bandwidth"] * h["decode_eff"]) + share * (r["layers"] + 1) * h["decode_tau"]
    cpu_bw = np.where(has_gpu, h["ram_bandwidth"], h["bandwidth"])
    cpu_time = (1 - share) * cost / (cpu_bw * cpu_eff) + (1 - share) * (r["layers"] + 1) * cpu_tau
    hop = np.where((share > 0) & (share < 1), cpu_c.split_hop_ms * 1e-3, 0.0)
    decode = 1.0 / (gpu_time + cpu_time + hop)
    # prefill
    prompt = max(1, prompt_tokens)
    flops = 2 * r["active_params"] * prompt
    prefill_gpu = (
        flops / (h["compute"] * h["prefill_eff"] * r["prefill_quant"]) + (r["layers"] + 1) * CONSTANTS.prefill_layer_us_default * 1e-6
    )
    prefill = prompt / (prefill_gpu + share * 0 + (1 - share) * np.where(has_gpu, r["file_bytes"] / 25e9, 0.0))
    dead = fit == WONT_RUN
    return GridResult(
        fit=fit,
        total_bytes=np.where(fits, on_gpu, cpu_total),
        decode_tps=np.where(dead, np.nan, decode),
        prefill_tps=np.where(dead, np.nan, prefill),
    )
