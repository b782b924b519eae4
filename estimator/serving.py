"""Serving capacity of vLLM-style engines: the KV cache they allocate from what the weights leave, how many sequences
of a given length it holds at once, and the decode rate per sequence and in aggregate at that concurrency.

vLLM takes ``gpu_memory_utilization`` of each GPU, loads the weights, profiles the activation peak, and gives the rest
to the KV cache in blocks of 16 tokens (``block_size``); a sequence of ``max_model_len`` tokens must fit, and at most
``max_num_seqs`` run at once (vllm-project/vllm 001999d, EngineArgs).
"""

from __future__ import annotations

from dataclasses import dataclass

from estimator.estimate import Estimate, estimate
from estimator.kv_cache import kv_cache_bytes

BLOCK_TOKENS = 16
MAX_NUM_SEQS = 256  # V0's default (V1: 1024); the smaller bound is the one that decides on small GPUs


@dataclass(frozen=True)
class ServingCapacity:
    kv_pool_bytes: float  # KV cache memory the engine allocates (all GPUs)
    tokens_in_cache: int  # tokens of KV that pool holds
    sequence_tokens: int  # the length one sequence may reach (the context asked)
    max_sequences: int  # sequences of that length held at once (bounded by max_num_seqs)
    concurrency: int  # sequences decoded together for the rates below
    per_sequence_tps: float
    aggregate_tps: float

    def to_json(self) -> dict[str, float | int]:
        return {
            "kv_pool_gb": round(self.kv_pool_bytes / 1e9, 2),
            "tokens_in_cache": self.tokens_in_cache,
            "sequence_tokens": self.sequence_tokens,
            "max_concurrent_sequences": self.max_sequences,
            "concurrency": self.concurrency,
            "per_sequence_tokens_per_s": round(self.per_sequence_tps, 1),
            "aggregate_tokens_per_s": round(self.aggregate_tps, 1),
        }


def serving_capacity(est: Estimate, concurrency: int | None = None) -> ServingCapacity | None:
    """Capacity and rates for an estimate that runs on a serving engine (None otherwise, or when it does not run)."""
    req = est.request
    if est.runtime.engine != "vllm" or est.fit == "wont_run" or est.decode_tps is None or not req.system.gpus:
        return None
    kv_now = est.memory.kv_cache
    budget = sum(p.usable_bytes for p in est.placement)
    used_without_kv = sum(p.used_bytes for p in est.placement) - kv_now
    pool = max(0.0, budget - used_without_kv)
    per_token = kv_cache_bytes(req.model.arch, BLOCK_TOKENS * 64, req.kv_cache) / (BLOCK_TOKENS * 64)
    tokens = int(pool // per_token) // BLOCK_TOKENS * BLOCK_TOKENS if per_token else 0
    sequences = min(MAX_NUM_SEQS, tokens // max(1, est.context))
    # more requests than fit wait in the queue: the rates are those of the sequences that fit at once
    wanted = max(1, min(concurrency or sequences or 1, sequences or 1, MAX_NUM_SEQS))
    rates = est if wanted == req.concurrency else estimate(req.model_copy(update={"concurrency": wanted}))
    per_seq = rates.decode_tps or 0.0
    return ServingCapacity(pool, tokens, est.context, sequences, wanted, per_seq, per_seq * wanted)
