"""Weight memory from the tensor composition: each tensor at the bytes of its storage type."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np

from estimator.architecture import ModelArch
from estimator.quants import (
    GGUF_BASE,
    TYPE_BYTES,
    TYPE_INDEX,
    Quant,
    TensorContext,
    apply_row_fallback,
    gguf_global_type,
    gguf_layer_types,
    non_gguf_types,
)
from estimator.tensors import TensorGroup, inventory, parameter_count

PARAM_FIT_TOLERANCE = 0.03  # rescale layers when config-derived count misses the stated count by more


@dataclass(frozen=True)
class WeightsBreakdown:
    """Where the bytes of a quantized model sit."""

    layer_bytes: np.ndarray  # per layer: every weight of the layer (all experts)
    layer_read_bytes: np.ndarray  # per layer: bytes read to generate one token (active experts only)
    layer_expert_bytes: np.ndarray  # per layer: routed-expert bytes (what --cpu-moe moves to RAM)
    layer_expert_read_bytes: np.ndarray  # per layer: routed-expert bytes read per token
    layer_active_params: np.ndarray  # per layer: weights used per token (prefill FLOPs = 2 x this)
    embd_bytes: float  # token embedding table (llama.cpp keeps it in host memory)
    output_bytes: float  # output head (its own tensor, or a device copy of tied embeddings)
    tied: bool
    type_bytes: dict[str, float] = field(default_factory=dict)  # storage type -> bytes in the file
    read_type_bytes: dict[str, float] = field(default_factory=dict)  # storage type -> bytes read/token
    params: float = 0.0  # text-model weights
    active_params: float = 0.0  # weights used per token (MoE: active experts)

    @property
    def file_bytes(self) -> float:
        """Size on disk (tied embeddings stored once)."""
        return float(self.layer_bytes.sum()) + self.embd_bytes + (0.0 if self.tied else self.output_bytes)

    @property
    def n_layers(self) -> int:
        return len(self.layer_bytes)

    @property
    def bits_per_weight(self) -> float:
        return 8 * self.file_bytes / self.params if self.params else 0.0


def _tensor_types(quant: Quant, group: TensorGroup, ctx: TensorContext, has_output: bool) -> np.ndarray:
    """Storage type index for each layer of a group (single element for global tensors)."""
    count = 1 if group.layers is None else len(group.layers)
    if group.role in {"norm", "router"}:
        names = np.full(count, "F32" if quant.is_gguf else "F16", dtype=object)
    elif quant.is_gguf:
        assert quant.ftype is not None
        if group.layers is None:
            names = np.full(count, gguf_global_type(quant.ftype, group.role, has_output, quant.big_embeddings), dtype=object)
            if group.role in {"output", "token_embd"} and group.row % 256:
                names = np.where(names == "Q6_K", "Q8_0", names)
        elif quant.ftype == "MXFP4":
            names = np.full(count, "MXFP4" if group.expert else "Q8_0", dtype=object)
        elif group.role == "other":
            names = np.full(count, GGUF_BASE[quant.ftype], dtype=object)
        else:
            names = gguf_layer_types(quant.ftype, group.role, np.arange(count), ctx)
        names = apply_row_fallback(names, group.row)
    else:
        names = np.full(count, non_gguf_types(quant, group.role), dtype=object)
    return np.fromiter((TYPE_INDEX[n] for n in names), dtype=np.int64, count=count)


def _type_bytes_table(quant: Quant) -> np.ndarray:
    table = TYPE_BYTES.copy()
    if quant.format in {"exl2", "exl3"} and quant.bpw:
        table[TYPE_INDEX["EXL"]] = quant.bpw / 8
    return table


def compute_weights(arch: ModelArch, quant: Quant, stated_params_b: float | None = None) -> WeightsBreakdown:
    """Bytes per layer and per storage type for ``arch`` quantized as ``quant``."""
    return _compute_cached(arch.model_dump_json(), quant, stated_params_b)


@lru_cache(maxsize=8192)
def _compute_cached(arch_json: str, quant: Quant, stated_params_b: float | None) -> WeightsBreakdown:
    arch = ModelArch.model_validate_json(arch_json)
    groups = inventory(arch)
    scale = _layer_scale(arch, groups, stated_params_b)
    ctx = TensorContext(
        n_layers=arch.layers,
        n_gqa=arch.gqa_ratio,
        n_expert=arch.moe.experts if arch.moe else 1,
        is_70b_class=arch.layers == 80 and arch.hidden == 8192 and arch.moe is None,
    )
    table = _type_bytes_table(quant)
    n = arch.layers
    layer_bytes = np.zeros(n)
    layer_read = np.zeros(n)
    layer_expert = np.zeros(n)
    layer_expert_read = np.zeros(n)
    layer_active = np.zeros(n)
    type_bytes: dict[str, float] = defaultdict(float)
    read_type_bytes: dict[str, float] = defaultdict(float)
    embd = output = 0.0
    params = active = 0.0
    names = list(TYPE_INDEX)
    for group in groups:
        types = _tensor_types(quant, group, ctx, has_output=not arch.tied_embeddings)
        weights = group.weights * (scale if group.layers is not None else 1.0)
        per = weights * table[types]
        for t, b in zip(types, per, strict=True):
            type_bytes[names[t]] += float(b)
            if group.role != "token_embd":
                read_type_bytes[names[t]] += float(b) * group.active_fraction
        params += weights * len(per)
        if group.role != "token_embd":
            active += weights * len(per) * group.active_fraction
        if group.layers is None:
            if group.role == "token_embd":
                embd = float(per[0])
            elif group.role == "output":
                output = float(per[0])
            else:
                layer_bytes[-1] += float(per[0])  # output_norm: negligible, rides with the last layer
                layer_read[-1] += float(per[0])
            continue
        np.add.at(layer_bytes, group.layers, per)
        np.add.at(layer_read, group.layers, per * group.active_fraction)
        np.add.at(layer_active, group.layers, weights * group.active_fraction)
        if group.expert:
            np.add.at(layer_expert, group.layers, per)
            np.add.at(layer_expert_read, group.layers, per * group.active_fraction)
    if arch.tied_embeddings:
        output = embd
        active += arch.vocab * arch.hidden  # the head reads the whole (tied) matrix
        emb_type = _tensor_types(quant, inventory(arch)[0], ctx, has_output=False)[0]
        read_type_bytes[names[emb_type]] += embd
    return WeightsBreakdown(
        layer_bytes=layer_bytes,
        layer_read_bytes=layer_read,
        layer_expert_bytes=layer_expert,
        layer_expert_read_bytes=layer_expert_read,
        layer_active_params=layer_active,
        embd_bytes=embd,
        output_bytes=output,
        tied=arch.tied_embeddings,
        type_bytes=dict(type_bytes),
        read_type_bytes=dict(read_type_bytes),
        params=params,
        active_params=active,
    )


def _layer_scale(arch: ModelArch, groups: list[TensorGroup], stated_params_b: float | None) -> float:
    """Scale layer tensors so the total matches the stated parameter count when the config misses it."""
    if not stated_params_b:
        return 1.0
    text_params = (stated_params_b - arch.vision_params_b) * 1e9
    derived = parameter_count(arch)
    if text_params <= 0 or abs(derived - text_params) / text_params <= PARAM_FIT_TOLERANCE:
        return 1.0
    globals_ = sum(g.total for g in groups if g.layers is None)
    layered = derived - globals_
    if layered <= 0:
        return 1.0
    return max(0.25, min(4.0, (text_params - globals_) / layered))
