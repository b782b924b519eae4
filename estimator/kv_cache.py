"""KV cache size: 2 x layers x KV heads x head dim x tokens x bytes per element, with the exceptions
that matter (sliding-window layers, multi-head latent attention, recurrent layers, llama.cpp padding)."""

from __future__ import annotations

import numpy as np

from estimator.architecture import ModelArch
from estimator.tensors import attention_layer_mask
from estimator.units import MIB

KV_BYTES: dict[str, float] = {
    "f32": 4.0,
    "f16": 2.0,
    "bf16": 2.0,
    "q8_0": 34 / 32,
    "q4_0": 18 / 32,
    "q5_0": 22 / 32,
    "q4_1": 20 / 32,
    "q5_1": 24 / 32,
    "fp8": 1.0,
}
KV_PAD = 256  # llama.cpp rounds the cache size up to a multiple of 256 cells


def padded_context(context: int) -> int:
    return -(-context // KV_PAD) * KV_PAD


def cached_tokens_per_layer(arch: ModelArch, context: int, ubatch: int = 512) -> np.ndarray:
    """Tokens each layer keeps: the full context, or window + one micro-batch on sliding layers."""
    ctx = padded_context(context)
    tokens = np.full(arch.layers, ctx, dtype=np.int64)
    if arch.sliding_window:
        swa = padded_context(min(ctx, arch.sliding_window + ubatch))
        idx = np.arange(arch.layers)
        if arch.global_every:
            sliding = (idx % arch.global_every) != (arch.global_every - 1)
        else:
            sliding = np.ones(arch.layers, dtype=bool)
        tokens = np.where(sliding, np.minimum(tokens, swa), tokens)
    tokens[~attention_layer_mask(arch)] = 0
    return tokens


def kv_elements_per_token_layer(arch: ModelArch) -> int:
    """K plus V elements one token adds to one attention layer."""
    if arch.mla is not None:
        # llama.cpp caches the compressed latent plus the shared RoPE key (V is read from the same latent)
        return arch.mla.kv_lora_rank + arch.mla.qk_rope_head_dim
    return 2 * arch.kv_heads * arch.head_dim


def kv_cache_layer_bytes(arch: ModelArch, context: int, kv_type: str = "f16", ubatch: int = 512) -> np.ndarray:
    """Bytes of KV cache (plus recurrent state) held by each layer at an allocated context."""
    per_token = kv_elements_per_token_layer(arch) * KV_BYTES[kv_type]
    layer = cached_tokens_per_layer(arch, context, ubatch) * per_token
    if arch.recurrent_state_mib:
        recurrent = ~attention_layer_mask(arch)
        if recurrent.any():
            layer = layer + np.where(recurrent, arch.recurrent_state_mib * MIB / recurrent.sum(), 0.0)
    return layer.astype(float)


def kv_cache_bytes(arch: ModelArch, context: int, kv_type: str = "f16", ubatch: int = 512) -> float:
    return float(kv_cache_layer_bytes(arch, context, kv_type, ubatch).sum())


def sliding_layer_mask(arch: ModelArch) -> np.ndarray:
    """True for layers that attend only to the last ``sliding_window`` tokens."""
    if not arch.sliding_window:
        return np.zeros(arch.layers, dtype=bool)
    idx = np.arange(arch.layers)
    if arch.global_every:
        return np.asarray((idx % arch.global_every) != (arch.global_every - 1))
    return np.ones(arch.layers, dtype=bool)


def attended_tokens_per_layer(arch: ModelArch, position: float) -> np.ndarray:
    """Tokens each layer attends to when ``position`` tokens precede the current one (0 on recurrent layers)."""
    tokens = np.full(arch.layers, float(position))
    if arch.sliding_window:
        tokens = np.where(sliding_layer_mask(arch), np.minimum(tokens, arch.sliding_window), tokens)
    tokens[~attention_layer_mask(arch)] = 0
    return tokens


def kv_read_bytes_per_layer(arch: ModelArch, position: float, kv_type: str = "f16") -> np.ndarray:
    """Cache bytes each layer reads to generate one token when ``position`` tokens precede it."""
    return attended_tokens_per_layer(arch, position) * kv_elements_per_token_layer(arch) * KV_BYTES[kv_type]


def kv_read_bytes_per_token(arch: ModelArch, position: float, kv_type: str = "f16") -> float:
    """Cache bytes read to generate one token when ``position`` tokens precede it."""
    return float(kv_read_bytes_per_layer(arch, position, kv_type).sum())
