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
    TYPE_NAMES,
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
    layer_expert_active_params: np.ndarray  # per layer: routed-expert weights used per token (part of the above)
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
            names = np.full(
                count, gguf_global_type(quant.ftype, group.role, has_output, quant.big_embeddings, quant.embedding_type), dtype=object
            )
            if group.role in {"output", "token_embd"} and group.row % 256 and not quant.embedding_type:
                names = np.where(names == "Q6_K", "Q8_0", names)
        elif quant.ftype == "MXFP4":
            names = np.full(count, "MXFP4" if group.expert else "Q8_0", dtype=object)
        elif group.expert and ctx.native_expert_type:
            names = np.full(count, ctx.native_expert_type, dtype=object)  # requantizing leaves native MXFP4 experts as they are
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
        native_expert_type=arch.native_expert_type,
    )
    table = _type_bytes_table(quant)
    builder = WeightsBuilder(arch.layers)
    embd_type = "F16"
    for group in groups:
        types = _tensor_types(quant, group, ctx, has_output=not arch.tied_embeddings)
        weights = group.weights * (scale if group.layers is not None else 1.0)
        names = [TYPE_NAMES[t] for t in types]
        per = weights * table[types]
        if group.layers is None:
            if group.role == "token_embd":
                embd_type = names[0]
            builder.add_global(group.role, names[0], float(per[0]), float(weights))
        else:
            builder.add_layers(group.layers, names, per, float(weights), expert=group.expert, active_fraction=group.active_fraction)
    return builder.build(tied=arch.tied_embeddings, head_weights=arch.vocab * arch.hidden, embd_type=embd_type)


class WeightsBuilder:
    """Collects tensors one by one (from a recipe or from a GGUF file's header) into a ``WeightsBreakdown``: the one
    place that decides what counts as resident, read per token, routed expert or active."""

    def __init__(self, n_layers: int):
        self.n = n_layers
        self.layer_bytes = np.zeros(n_layers)
        self.layer_read = np.zeros(n_layers)
        self.layer_expert = np.zeros(n_layers)
        self.layer_expert_read = np.zeros(n_layers)
        self.layer_active = np.zeros(n_layers)
        self.layer_expert_active = np.zeros(n_layers)
        self.type_bytes: dict[str, float] = defaultdict(float)
        self.read_type_bytes: dict[str, float] = defaultdict(float)
        self.embd = 0.0
        self.output = 0.0
        self.params = 0.0
        self.active = 0.0

    def add_layers(
        self,
        layers: np.ndarray | list[int],
        type_names: list[str],
        nbytes: np.ndarray | list[float],
        weights: float,
        *,
        expert: bool = False,
        active_fraction: float = 1.0,
    ) -> None:
        """One tensor role on ``layers`` (its storage type and bytes per layer; ``weights`` per layer). Routed experts
        are read at ``active_fraction`` (active / experts) per generated token."""
        idx = np.asarray(layers, dtype=int)
        per = np.asarray(nbytes, dtype=float)
        for name, b in zip(type_names, per, strict=True):
            self.type_bytes[name] += float(b)
            self.read_type_bytes[name] += float(b) * active_fraction
        np.add.at(self.layer_bytes, idx, per)
        np.add.at(self.layer_read, idx, per * active_fraction)
        np.add.at(self.layer_active, idx, weights * active_fraction)
        if expert:
            np.add.at(self.layer_expert, idx, per)
            np.add.at(self.layer_expert_read, idx, per * active_fraction)
            np.add.at(self.layer_expert_active, idx, weights * active_fraction)
        self.params += weights * len(idx)
        self.active += weights * len(idx) * active_fraction

    def add_global(self, role: str, type_name: str, nbytes: float, weights: float) -> None:
        """A tensor outside the layer stack: the token embedding (one row read per token), the output head, or a
        small one such as output_norm (it rides with the last layer)."""
        self.type_bytes[type_name] += nbytes
        self.params += weights
        if role == "token_embd":
            self.embd = nbytes
            return
        self.read_type_bytes[type_name] += nbytes
        self.active += weights
        if role == "output":
            self.output = nbytes
        else:
            self.layer_bytes[-1] += nbytes
            self.layer_read[-1] += nbytes

    def build(self, tied: bool, head_weights: int, embd_type: str) -> WeightsBreakdown:
        output = self.output
        read_type_bytes = dict(self.read_type_bytes)
        active = self.active
        if tied:
            output = self.embd  # the head reads the whole (tied) embedding matrix every token
            active += head_weights
            read_type_bytes[embd_type] = read_type_bytes.get(embd_type, 0.0) + self.embd
        return WeightsBreakdown(
            layer_bytes=self.layer_bytes,
            layer_read_bytes=self.layer_read,
            layer_expert_bytes=self.layer_expert,
            layer_expert_read_bytes=self.layer_expert_read,
            layer_active_params=self.layer_active,
            layer_expert_active_params=self.layer_expert_active,
            embd_bytes=self.embd,
            output_bytes=output,
            tied=tied,
            type_bytes=dict(self.type_bytes),
            read_type_bytes=read_type_bytes,
            params=self.params,
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
