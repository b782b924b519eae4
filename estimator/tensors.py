"""Tensor inventory: every weight tensor of a model, derived from its architecture.

Each entry says which layers hold it, how many weights it has per layer, its row length (llama.cpp's
``ne[0]``, which decides block-size fallbacks) and its role (the category llama.cpp's quantizer uses).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from estimator.architecture import ModelArch


@dataclass(frozen=True)
class TensorGroup:
    """One tensor role repeated over a set of layers (or a single global tensor when layers is None)."""

    name: str  # GGUF-style tensor name, e.g. ffn_down_exps
    role: str  # quantizer category: attn_q, attn_k, attn_v, attn_kv_b, attn_output, attn_qkv,
    #            ffn_gate, ffn_up, ffn_down, token_embd, output, norm, router, other
    weights: int  # weights per layer (whole tensor for global ones)
    row: int  # ne[0]: input features per row
    layers: np.ndarray | None  # layer indices holding this tensor; None for global tensors
    expert: bool = False  # 3-D routed-expert tensor (read only for active experts)
    active_fraction: float = 1.0  # share of weights read per token (routed experts: active/experts)

    @property
    def total(self) -> int:
        return self.weights * (1 if self.layers is None else len(self.layers))


def moe_layer_mask(arch: ModelArch) -> np.ndarray:
    """Boolean mask over layers: True where the FFN is a mixture of experts."""
    idx = np.arange(arch.layers)
    if arch.moe is None:
        return np.zeros(arch.layers, dtype=bool)
    mask = idx >= arch.moe.dense_layers
    if arch.moe.every > 1:
        mask &= (idx % arch.moe.every) == (arch.moe.every - 1)
    return mask


def attention_layer_mask(arch: ModelArch) -> np.ndarray:
    """True for layers with (softmax) attention; hybrids spread kv_layers evenly over the stack."""
    if arch.kv_layers is None or arch.kv_layers >= arch.layers:
        return np.ones(arch.layers, dtype=bool)
    step = arch.layers / arch.kv_layers
    chosen = np.minimum((np.arange(arch.kv_layers) * step + step - 1).astype(int), arch.layers - 1)
    mask = np.zeros(arch.layers, dtype=bool)
    mask[chosen] = True
    return mask


def inventory(arch: ModelArch) -> list[TensorGroup]:
    """All weight tensors of the text model (vision encoder excluded)."""
    h = arch.hidden
    all_layers = np.arange(arch.layers)
    attn_layers = all_layers[attention_layer_mask(arch)]
    groups: list[TensorGroup] = [
        TensorGroup("token_embd", "token_embd", arch.vocab * h, h, None),
        TensorGroup("output_norm", "norm", h, h, None),
        TensorGroup("attn_norm", "norm", h, h, all_layers),
        TensorGroup("ffn_norm", "norm", h, h, all_layers),
    ]
    if not arch.tied_embeddings:
        groups.append(TensorGroup("output", "output", arch.vocab * h, h, None))
    groups.extend(_attention(arch, attn_layers))
    recurrent = all_layers[~attention_layer_mask(arch)]
    if len(recurrent):
        # Mamba-style mixer: in/out projections of about 2x expansion; refined by the param-count fit.
        inner = 2 * h
        groups.append(TensorGroup("ssm_in", "other", h * (2 * inner + 2 * 128 + inner // 64), h, recurrent))
        groups.append(TensorGroup("ssm_out", "other", inner * h, inner, recurrent))
    groups.extend(_feed_forward(arch))
    return groups


def _attention(arch: ModelArch, layers: np.ndarray) -> list[TensorGroup]:
    h = arch.hidden
    if arch.mla is not None:
        m = arch.mla
        qk = m.qk_nope_head_dim + m.qk_rope_head_dim
        groups = []
        if m.q_lora_rank:
            groups.append(TensorGroup("attn_q_a", "other", h * m.q_lora_rank, h, layers))
            groups.append(TensorGroup("attn_q_b", "attn_q", m.q_lora_rank * arch.heads * qk, m.q_lora_rank, layers))
        else:
            groups.append(TensorGroup("attn_q", "attn_q", h * arch.heads * qk, h, layers))
        groups += [
            TensorGroup("attn_kv_a_mqa", "other", h * (m.kv_lora_rank + m.qk_rope_head_dim), h, layers),
            TensorGroup(
                "attn_kv_b",
                "attn_kv_b",
                m.kv_lora_rank * arch.heads * (m.qk_nope_head_dim + m.v_head_dim),
                m.kv_lora_rank,
                layers,
            ),
            TensorGroup("attn_output", "attn_output", arch.heads * m.v_head_dim * h, arch.heads * m.v_head_dim, layers),
        ]
        return groups
    q_dim = arch.heads * arch.head_dim
    kv_dim = arch.kv_heads * arch.head_dim
    if arch.fused_qkv:
        groups = [TensorGroup("attn_qkv", "attn_qkv", h * (q_dim + 2 * kv_dim), h, layers)]
    else:
        groups = [
            TensorGroup("attn_q", "attn_q", h * q_dim, h, layers),
            TensorGroup("attn_k", "attn_k", h * kv_dim, h, layers),
            TensorGroup("attn_v", "attn_v", h * kv_dim, h, layers),
        ]
    groups.append(TensorGroup("attn_output", "attn_output", q_dim * h, q_dim, layers))
    if arch.attention_bias:
        groups.append(TensorGroup("attn_bias", "norm", q_dim + 2 * kv_dim, 1, layers))
    return groups


def _feed_forward(arch: ModelArch) -> list[TensorGroup]:
    h = arch.hidden
    moe_mask = moe_layer_mask(arch)
    dense = np.arange(arch.layers)[~moe_mask]
    groups: list[TensorGroup] = []
    if len(dense):
        f = arch.intermediate
        if arch.fused_gate_up:
            groups.append(TensorGroup("ffn_up", "ffn_up", 2 * h * f, h, dense))  # gate and up in one tensor
        else:
            if arch.gated_ffn:
                groups.append(TensorGroup("ffn_gate", "ffn_gate", h * f, h, dense))
            groups.append(TensorGroup("ffn_up", "ffn_up", h * f, h, dense))
        groups.append(TensorGroup("ffn_down", "ffn_down", f * h, f, dense))
    moe = arch.moe
    if moe is None or not moe_mask.any():
        return groups
    layers = np.arange(arch.layers)[moe_mask]
    e, fe = moe.experts, moe.expert_intermediate
    share = moe.active / moe.experts
    groups.append(TensorGroup("ffn_gate_inp", "router", h * e, h, layers))
    if arch.gated_ffn:
        groups.append(TensorGroup("ffn_gate_exps", "ffn_gate", e * h * fe, h, layers, True, share))
    groups.append(TensorGroup("ffn_up_exps", "ffn_up", e * h * fe, h, layers, True, share))
    groups.append(TensorGroup("ffn_down_exps", "ffn_down", e * fe * h, fe, layers, True, share))
    if moe.shared:
        fs = (moe.shared_intermediate or fe) * moe.shared
        if arch.gated_ffn:
            groups.append(TensorGroup("ffn_gate_shexp", "ffn_gate", h * fs, h, layers))
        groups.append(TensorGroup("ffn_up_shexp", "ffn_up", h * fs, h, layers))
        groups.append(TensorGroup("ffn_down_shexp", "ffn_down", fs * h, fs, layers))
    return groups


def parameter_count(arch: ModelArch) -> int:
    """Total text-model weights implied by the architecture."""
    return sum(g.total for g in inventory(arch))
