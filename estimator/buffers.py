"""Compute buffers and fixed per-device overhead.

llama.cpp reserves one compute buffer per device sized for the worst micro-batch. Its allocator reuses
memory, so the buffer is the *peak* of what is alive at once, not a sum:
- attention: with flash attention off, the KQ score matrix n_ctx x n_ubatch x n_heads x 4 B dominates and
  grows with context (measured: 164 MiB at 2k, 2144 MiB at 32k for a 32-head 7B, n_ubatch 512);
  with flash attention on it is tiled and stays small;
- output: logits for a full micro-batch, n_ubatch x vocab x 4 B (250 MiB for a 128k vocabulary);
plus activations of about n_ubatch x (hidden + FFN width) x 4 B.
"""

from __future__ import annotations

from estimator.architecture import ModelArch
from estimator.kv_cache import padded_context
from estimator.units import GIB, MIB

# Fitted on data/calibration/measured_memory.csv (two points, flash attention off):
KQ_SLOPE = 1.031  # measured growth / (n_ubatch x n_heads x 4 B) per context token: (2144-164)/(30720*64 KiB)
ACTIVATION_FACTOR = 1.0  # intercept 164 MiB - 128 MiB KQ = 36 MiB = 1.0 x n_ubatch x (hidden+ffn) x 4 B

# Fixed overhead per device: driver context, kernels and library workspaces (not in llama.cpp's logs).
DEVICE_OVERHEAD_BYTES: dict[str, float] = {
    "cuda": 0.35 * GIB,
    "rocm": 0.5 * GIB,
    "vulkan": 0.3 * GIB,
    "sycl": 0.4 * GIB,
    "metal": 0.15 * GIB,
    "cpu": 0.1 * GIB,
}


def activation_bytes(arch: ModelArch, ubatch: int) -> float:
    ffn = arch.moe.expert_intermediate * arch.moe.active if arch.moe else arch.intermediate
    return ACTIVATION_FACTOR * ubatch * (arch.hidden + max(arch.intermediate, ffn)) * 4


def attention_scores_bytes(arch: ModelArch, context: int, ubatch: int, flash_attention: bool) -> float:
    if flash_attention:
        # tiled kernels keep a small per-head scratch
        return ubatch * arch.heads * 256 * 4
    kv_len = padded_context(context)
    if arch.sliding_window and arch.global_every is None:
        kv_len = min(kv_len, padded_context(arch.sliding_window + ubatch))
    return KQ_SLOPE * kv_len * ubatch * arch.heads * 4


def logits_bytes(arch: ModelArch, ubatch: int) -> float:
    return ubatch * arch.vocab * 4


def compute_buffer_bytes(
    arch: ModelArch, context: int, ubatch: int = 512, flash_attention: bool = True, holds_output: bool = True
) -> float:
    """Peak compute buffer on one device (the one holding the output head gets the logits peak)."""
    ub = min(ubatch, max(1, context))
    attention_peak = attention_scores_bytes(arch, context, ub, flash_attention) + activation_bytes(arch, ub)
    output_peak = logits_bytes(arch, ub) + 2 * ub * arch.hidden * 4 if holds_output else 0.0
    return max(attention_peak, output_peak)


# vLLM / SGLang reserve activation memory by running a profile pass before sizing the KV cache (vLLM
# Worker.determine_num_available_blocks): one batch of max_num_batched_tokens through the model, and the sampler on
# max_num_seqs sequences (EngineArgs defaults at vllm-project/vllm 001999d: max_num_seqs 256 in V0, 1024 in V1;
# max_num_batched_tokens 8192 in V1's server; gpu_memory_utilization 0.90).
SERVING_BATCHED_TOKENS = 8192
SERVING_MAX_SEQS = 256


def serving_profile_bytes(arch: ModelArch, context: int) -> float:
    """Peak activations of the serving engines' profile pass: a full batch of tokens through the widest layer, and the
    sampler's float32 logits (plus softmax copies) for every sequence slot."""
    tokens = min(SERVING_BATCHED_TOKENS, max(2048, context))
    sampler = 3 * SERVING_MAX_SEQS * arch.vocab * 4
    return activation_bytes(arch, tokens) + sampler


def host_compute_buffer_bytes(context: int) -> float:
    """CPU-side buffer llama.cpp keeps beside a GPU (12 MiB at 2k, 72 MiB at 32k in the measured pair)."""
    return 8 * MIB + 2048 * padded_context(context)
