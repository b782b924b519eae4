"""Fine-tuning memory: full fine-tune, LoRA and QLoRA, per GPU, from the model's tensors.

    total = weights + adapters + gradients + optimizer states + activations + logits + overhead

- weights: full and LoRA keep the base model at the training precision (bf16: 2 bytes, fp32: 4); QLoRA stores the
  linear layers in NF4 (4 bits + block scales, the same bytes as ``estimator.quants`` NF4) with embeddings and head in
  bf16. Under FSDP (torchtune, LitGPT on several GPUs) weights, gradients and optimizer states are split over the GPUs;
  under DDP (Hugging Face Trainer) every GPU holds them all.
- trainable parameters: every weight (full) or, for each adapted linear layer of shape (d_in, d_out), r x (d_in + d_out).
- gradients: one per trainable parameter at the parameter's precision (none kept when the optimizer steps inside the
  backward pass, torchtune's ``optimizer_in_bwd``: then one layer's worth).
- optimizer: AdamW keeps two moments per trainable parameter in the parameter's dtype (torch.optim: bf16 parameters ->
  bf16 moments, 4 bytes; fp32 -> 8 bytes); 8-bit AdamW (bitsandbytes) 2 bytes; SGD with momentum one copy.
- activations per token per layer, 16-bit, with flash attention (no score matrix kept): the layer input and the norm
  outputs (4 x hidden), q, k, v (q_dim + 2 x kv_dim), the attention output (q_dim) and the MLP's gate, up and product
  (3 x ffn; 2 x ffn without a gate), all x 2 bytes. With gradient checkpointing only each layer's input (2 x hidden bytes)
  is kept, plus one layer recomputed at a time.
- logits: tokens x vocab x (2 bytes bf16 + 4 float32 for the loss + 4 its gradient), divided by the chunks when the
  trainer computes the loss in chunks (torchtune: 8 chunks; LitGPT: 128-token chunks).
- overhead: the CUDA context and library workspaces (as for inference) plus 5 % for the caching allocator's
  fragmentation (a prior).

No constant here is fitted: data/eval/finetune_memory.yaml (81 published peaks) is only a check (bench/finetune_memory.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from estimator.buffers import DEVICE_OVERHEAD_BYTES
from estimator.hardware import System, desktop_reserves, usable_gpu_bytes
from estimator.quants import parse_quant
from estimator.request import EstimateInputError, ModelSpec
from estimator.tensors import moe_layer_mask
from estimator.units import GB, GIB
from estimator.weights import compute_weights

Method = Literal["full", "lora", "qlora"]
Precision = Literal["bf16", "fp16", "fp32", "mixed"]  # mixed: fp32 parameters, 16-bit activations (AMP)
Optimizer = Literal["adamw", "adamw_8bit", "sgd"]
Trainer = Literal["torchtune", "litgpt", "hf", "unsloth"]
FRAGMENTATION = 0.05
LORA_TARGETS = ("q", "k", "v", "o", "gate", "up", "down", "head")
_BYTES = {"bf16": 2, "fp16": 2, "fp32": 4, "mixed": 4}


@dataclass(frozen=True)
class TrainerDefaults:
    """What a trainer does unless told otherwise (its documented defaults and recipes)."""

    precision: Precision
    optimizer: Optimizer
    gradient_checkpointing: bool
    loss_chunks: int  # the logits' float32 copy in this many chunks (1 = whole)
    lora_targets: tuple[str, ...]
    lora_rank: int
    shards: Literal["all", "full", "none"]  # FSDP across GPUs for every method, for full fine-tunes only, or DDP replicas
    optimizer_in_backward: bool = False
    loss_chunk_tokens: int = 0  # or in chunks of this many tokens (LitGPT); 0 = by count


# torchtune: recipes at pytorch/torchtune bd2a0fc (bf16 everywhere, activation checkpointing on in the single-device
# recipes, chunked cross-entropy in 8 chunks, LoRA on q_proj and v_proj with rank 8); LitGPT: config_hub/finetune
# (precision "bf16-true", no activation checkpointing, chunked cross-entropy of 128 tokens, LoRA query/value r 8, FSDP
# for full fine-tunes on several GPUs);
# Hugging Face Trainer + PEFT: fp32 parameters with bf16 autocast when bf16=True, AdamW in fp32, gradient checkpointing
# off by default, PEFT's LoRA on q_proj and v_proj, r 8; Unsloth: bf16, 8-bit AdamW, its own checkpointing, r 16 on all
# linear layers.
TRAINERS: dict[str, TrainerDefaults] = {
    "torchtune": TrainerDefaults("bf16", "adamw", True, 8, ("q", "v"), 8, "all"),
    "litgpt": TrainerDefaults("bf16", "adamw", False, 1, ("q", "v"), 8, "full", loss_chunk_tokens=128),
    "hf": TrainerDefaults("mixed", "adamw", False, 1, ("q", "v"), 8, "none"),
    "unsloth": TrainerDefaults("bf16", "adamw_8bit", True, 1, ("q", "k", "v", "o", "gate", "up", "down"), 16, "none"),
}


class TrainingRequest(BaseModel):
    model_config = ConfigDict(frozen=True, arbitrary_types_allowed=True, defer_build=True)

    model: ModelSpec
    system: System
    method: Method = "lora"
    trainer: Trainer = "hf"
    precision: Precision | None = None  # None: the trainer's
    optimizer: Optimizer | None = None
    batch_size: int = Field(1, ge=1, le=4096)
    seq_len: int = Field(2048, ge=16, le=1_048_576)
    gradient_checkpointing: bool | None = None
    lora_rank: int | None = Field(None, ge=1, le=4096)
    lora_targets: tuple[str, ...] | None = None
    optimizer_in_backward: bool | None = None
    loss_chunks: int | None = Field(None, ge=1, description="the loss' float32 logits in this many chunks (1 = whole)")


@dataclass(frozen=True)
class TrainingMemory:
    weights: float
    adapters: float
    gradients: float
    optimizer: float
    activations: float
    logits: float
    overhead: float
    available: float

    @property
    def total(self) -> float:
        return self.weights + self.adapters + self.gradients + self.optimizer + self.activations + self.logits + self.overhead


@dataclass(frozen=True)
class TrainingEstimate:
    request: TrainingRequest
    settings: TrainerDefaults  # what was used after the request's overrides
    trainable_params: float
    memory: TrainingMemory  # per GPU
    fit: Literal["runs_well", "tight", "wont_run"]
    explanation: str
    suggestions: tuple[str, ...] = ()


def resolved_settings(req: TrainingRequest) -> TrainerDefaults:
    d = TRAINERS[req.trainer]
    targets = req.lora_targets if req.lora_targets is not None else d.lora_targets
    unknown = set(targets) - set(LORA_TARGETS)
    if unknown:
        raise EstimateInputError(f"Unknown LoRA target(s) {', '.join(sorted(unknown))}: use {', '.join(LORA_TARGETS)} or 'all'.")
    return TrainerDefaults(
        precision=req.precision or d.precision,
        optimizer=req.optimizer or d.optimizer,
        gradient_checkpointing=d.gradient_checkpointing if req.gradient_checkpointing is None else req.gradient_checkpointing,
        loss_chunks=req.loss_chunks or d.loss_chunks,
        loss_chunk_tokens=0 if req.loss_chunks else d.loss_chunk_tokens,
        lora_targets=targets,
        lora_rank=req.lora_rank or d.lora_rank,
        shards=d.shards,
        optimizer_in_backward=d.optimizer_in_backward if req.optimizer_in_backward is None else req.optimizer_in_backward,
    )


def _linear_shapes(req: TrainingRequest) -> dict[str, tuple[int, int, int]]:
    """LoRA target -> (d_in, d_out, how many such matrices) over the layer stack (routed experts not adapted)."""
    arch = req.model.arch
    h, n = arch.hidden, arch.layers
    q_dim = arch.heads * arch.head_dim
    kv_dim = arch.kv_heads * arch.head_dim
    ffn = arch.intermediate
    out = {"q": (h, q_dim, n), "k": (h, kv_dim, n), "v": (h, kv_dim, n), "o": (q_dim, h, n), "head": (h, arch.vocab, 1)}
    dense = int((~moe_layer_mask(arch)).sum())  # layers with a dense MLP (routed experts are not adapted here)
    out.update({"gate": (h, ffn, dense if arch.gated_ffn else 0), "up": (h, ffn, dense), "down": (ffn, h, dense)})
    return out


def lora_parameters(req: TrainingRequest, settings: TrainerDefaults) -> float:
    shapes = _linear_shapes(req)
    r = settings.lora_rank
    return float(sum(r * (d_in + d_out) * count for name, (d_in, d_out, count) in shapes.items() if name in settings.lora_targets))


def activation_bytes_per_token_layer(req: TrainingRequest) -> float:
    """16-bit activations one token keeps for the backward pass in one layer (flash attention, no checkpointing)."""
    arch = req.model.arch
    q_dim = arch.heads * arch.head_dim
    kv_dim = arch.kv_heads * arch.head_dim
    ffn = (
        arch.moe.expert_intermediate * arch.moe.active + (arch.moe.shared_intermediate or 0) * arch.moe.shared
        if arch.moe
        else arch.intermediate
    )
    mlp = (3 if arch.gated_ffn else 2) * ffn
    return 2.0 * (4 * arch.hidden + q_dim + 2 * kv_dim + q_dim + mlp)


def estimate_training(req: TrainingRequest) -> TrainingEstimate:
    """Peak GPU memory per GPU for one training step, and whether it fits."""
    s = resolved_settings(req)
    arch = req.model.arch
    gpus = max(1, len(req.system.gpus))
    shard = gpus if s.shards == "all" or (s.shards == "full" and req.method == "full") else 1
    param_bytes = _BYTES[s.precision]
    dense_weights = compute_weights(arch, parse_quant("BF16"), req.model.params_b)
    params = dense_weights.params
    if req.method == "qlora":
        nf4 = compute_weights(arch, parse_quant("NF4"), req.model.params_b)
        weights = nf4.file_bytes  # linear layers NF4, embeddings and head 16-bit
    else:
        weights = params * param_bytes
    if req.method == "full":
        trainable = params
        adapters = 0.0
    else:
        trainable = lora_parameters(req, s)
        adapters = trainable * param_bytes
    grad_bytes = trainable * param_bytes
    if s.optimizer_in_backward and req.method == "full":
        grad_bytes = grad_bytes / arch.layers  # stepped layer by layer: about one layer's gradients at a time
    state_bytes = {"adamw": 2 * param_bytes, "adamw_8bit": 2.0, "sgd": param_bytes}[s.optimizer]
    optimizer = trainable * state_bytes
    tokens = req.batch_size * req.seq_len
    per_layer = activation_bytes_per_token_layer(req)
    if s.gradient_checkpointing:
        activations = tokens * (arch.layers * 2.0 * arch.hidden + per_layer)
    else:
        activations = tokens * arch.layers * per_layer
    if req.method != "full":
        activations += tokens * s.lora_rank * 2.0 * len(s.lora_targets) * arch.layers  # the adapters' low-rank inputs
    fp32_tokens = min(tokens, s.loss_chunk_tokens) if s.loss_chunk_tokens else tokens / max(1, s.loss_chunks)
    logits = arch.vocab * (2.0 * tokens + 8.0 * fp32_tokens)
    device_overhead = DEVICE_OVERHEAD_BYTES.get(req.system.gpus[0].backend, 0.3 * GIB) if req.system.gpus else 0.1 * GIB
    states = (weights + adapters + grad_bytes + optimizer) / shard
    subtotal = states + activations + logits
    memory = TrainingMemory(
        weights=weights / shard,
        adapters=adapters / shard,
        gradients=grad_bytes / shard,
        optimizer=optimizer / shard,
        activations=activations,
        logits=logits,
        overhead=device_overhead + FRAGMENTATION * subtotal,
        available=_available(req.system),
    )
    fit, explanation, suggestions = _verdict(req, s, memory, trainable)
    return TrainingEstimate(req, s, trainable, memory, fit, explanation, suggestions)


def _available(system: System) -> float:
    if not system.gpus:
        return 0.0
    reserves = desktop_reserves(system)
    return min(usable_gpu_bytes(d, system.wired_limit_gib, r) for d, r in zip(system.gpus, reserves, strict=True))


def _verdict(
    req: TrainingRequest, s: TrainerDefaults, m: TrainingMemory, trainable: float
) -> tuple[Literal["runs_well", "tight", "wont_run"], str, tuple[str, ...]]:
    if not req.system.gpus:
        return "wont_run", "Training needs a GPU: the common trainers run on CUDA, ROCm or Apple's MPS.", ()
    per = "per GPU " if len(req.system.gpus) > 1 else ""
    parts = (
        f"weights {_gb(m.weights)}, "
        + (f"adapters {_gb(m.adapters)}, " if m.adapters else "")
        + f"gradients {_gb(m.gradients)}, optimizer {_gb(m.optimizer)}, activations {_gb(m.activations)}, logits {_gb(m.logits)}, "
        f"overhead {_gb(m.overhead)}"
    )
    what = req.method.upper() if req.method != "full" else "Full fine-tuning"
    text = (
        f"{what} of {req.model.name} needs {_gb(m.total)} {per}({parts}) of {_gb(m.available)} usable; "
        f"{trainable / 1e6:,.1f}M trainable parameters."
    )
    if m.total > m.available:
        tips = []
        if not s.gradient_checkpointing:
            tips.append("Turn on gradient checkpointing: activations shrink to one layer's worth plus each layer's input.")
        if req.batch_size > 1:
            tips.append("Lower the batch size and use gradient accumulation for the same effective batch.")
        if req.method == "full":
            tips.append("Use LoRA or QLoRA: only the adapters train, so gradients and optimizer states almost vanish.")
        elif req.method == "lora":
            tips.append("Use QLoRA: the frozen base weights drop to about 4.2 bits per weight.")
        if s.optimizer == "adamw":
            tips.append("Use an 8-bit AdamW (bitsandbytes): optimizer states from 2x to 1/4 of the 16-bit figure.")
        return "wont_run", text, tuple(tips)
    free = m.available - m.total
    tight = free < max(0.08 * m.available, 0.6 * GIB)
    return ("tight" if tight else "runs_well"), text, ()


def _gb(n: float) -> str:
    return f"{n / GB:.1f} GB"
