"""Model architecture: the config.json facts the estimator needs.

Field names follow the Hugging Face config where one exists so a catalog entry can be checked
against the model's own config.json line by line.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, model_validator

FUSED_QKV_TYPES = frozenset({"phi3"})


class MoESpec(BaseModel):
    """Mixture-of-experts feed-forward layout."""

    model_config = ConfigDict(extra="forbid", defer_build=True)

    experts: int = Field(gt=1, description="routed experts per MoE layer")
    active: int = Field(gt=0, description="routed experts used per token")
    shared: int = Field(0, ge=0, description="always-on shared experts per MoE layer")
    expert_intermediate: int = Field(gt=0, description="feed-forward width of one expert")
    shared_intermediate: int | None = Field(None, gt=0, description="width of one shared expert (defaults to expert_intermediate)")
    dense_layers: int = Field(0, ge=0, description="leading layers with a dense FFN instead of experts")
    every: int = Field(1, ge=1, description="MoE on every n-th layer (Llama 4 Maverick: 2)")

    @model_validator(mode="after")
    def _active_le_experts(self) -> MoESpec:
        if self.active > self.experts:
            raise ValueError(f"active experts ({self.active}) exceed experts ({self.experts})")
        return self


class MLASpec(BaseModel):
    """Multi-head latent attention (DeepSeek V2/V3/R1, Kimi K2)."""

    model_config = ConfigDict(extra="forbid", defer_build=True)

    q_lora_rank: int | None = Field(None, gt=0, description="None: q projected directly")
    kv_lora_rank: int = Field(gt=0)
    qk_nope_head_dim: int = Field(gt=0)
    qk_rope_head_dim: int = Field(gt=0)
    v_head_dim: int = Field(gt=0)


class ModelArch(BaseModel):
    """Transformer shape facts, as in the model's config.json."""

    model_config = ConfigDict(extra="forbid", defer_build=True)

    model_type: str = Field(description="config.json model_type, e.g. llama, qwen2, gemma3")
    layers: int = Field(gt=0, description="num_hidden_layers")
    hidden: int = Field(gt=0, description="hidden_size")
    intermediate: int = Field(gt=0, description="intermediate_size (dense FFN width)")
    heads: int = Field(gt=0, description="num_attention_heads")
    kv_heads: int = Field(gt=0, description="num_key_value_heads (== heads without GQA)")
    head_dim: int = Field(gt=0, description="head_dim (hidden/heads unless config says otherwise)")
    vocab: int = Field(gt=0, description="vocab_size")
    tied_embeddings: bool = Field(description="tie_word_embeddings")
    max_context: int = Field(gt=0, description="max_position_embeddings (trained/extended context)")
    rope_theta: float | None = None
    rope_scaling: str | None = Field(None, description="rope_scaling type: llama3, yarn, linear, ...")
    sliding_window: int | None = Field(None, gt=0, description="window of sliding-window layers")
    global_every: int | None = Field(
        None,
        ge=1,
        description="1 of every n layers attends globally; the rest use sliding_window "
        "(Gemma 2: 2, Gemma 3: 6). None with sliding_window set: every layer slides.",
    )
    kv_layers: int | None = Field(None, gt=0, description="layers that keep a KV cache, if fewer than all (hybrid models)")
    recurrent_state_mib: float = Field(0.0, ge=0, description="constant recurrent state per sequence (Mamba / linear attention)")
    gated_ffn: bool = Field(True, description="SwiGLU/GeGLU FFN with gate+up+down (False: up+down)")
    attention_bias: bool = False
    moe: MoESpec | None = None
    mla: MLASpec | None = None
    vision_params_b: float = Field(0.0, ge=0, description="vision encoder + projector, billions")
    quantization: str | None = Field(
        None, description="quantization_config.quant_method of the released checkpoint (mxfp4, fp8, awq, gptq, ...)"
    )

    @model_validator(mode="after")
    def _check_heads(self) -> ModelArch:
        if self.heads % self.kv_heads:
            raise ValueError(f"heads ({self.heads}) not a multiple of kv_heads ({self.kv_heads})")
        if self.kv_layers is not None and self.kv_layers > self.layers:
            raise ValueError("kv_layers exceeds layers")
        if self.moe and self.moe.dense_layers > self.layers:
            raise ValueError("moe.dense_layers exceeds layers")
        return self

    @property
    def gqa_ratio(self) -> int:
        return self.heads // self.kv_heads

    @property
    def is_moe(self) -> bool:
        return self.moe is not None

    @property
    def fused_qkv(self) -> bool:
        """One attn_qkv tensor instead of attn_q/k/v (Phi-3 family: Phi3ForCausalLM's qkv_proj, kept fused in GGUF)."""
        return self.model_type in FUSED_QKV_TYPES

    @property
    def fused_gate_up(self) -> bool:
        """One ffn_up tensor holding gate and up (Phi-3 family: gate_up_proj)."""
        return self.model_type in FUSED_QKV_TYPES and self.gated_ffn

    @property
    def native_expert_type(self) -> str | None:
        """Storage type the routed experts ship in and keep in every GGUF (gpt-oss: MXFP4)."""
        if self.moe is not None and (self.quantization == "mxfp4" or self.model_type == "gpt_oss"):
            return "MXFP4"
        return None

    @classmethod
    def from_hf_config(cls, config: dict[str, Any]) -> ModelArch:
        """Build from a Hugging Face config.json dict (multimodal configs use text_config)."""
        return cls.model_validate(hf_config_to_arch_fields(config))

    @classmethod
    def from_hf_config_file(cls, path: str | Path) -> ModelArch:
        return cls.from_hf_config(json.loads(Path(path).read_text(encoding="utf-8")))


def _first(cfg: dict[str, Any], *keys: str, default: Any = None) -> Any:
    for key in keys:
        if cfg.get(key) is not None:
            return cfg[key]
    return default


# Keys some config.json files leave out because transformers fills them from the config class's defaults
# (e.g. google/gemma-3-4b-it's text_config lists only hidden/intermediate/layers/rope_scaling/sliding_window).
# Values: the defaults of transformers' Gemma3TextConfig and LlamaConfig (huggingface/transformers,
# src/transformers/models/{gemma3,llama}/configuration_*.py).
_CONFIG_DEFAULTS: dict[str, dict[str, Any]] = {
    "gemma3_text": {
        "vocab_size": 262208,
        "num_attention_heads": 8,
        "num_key_value_heads": 4,
        "head_dim": 256,
        "max_position_embeddings": 131072,
        "rope_theta": 1_000_000.0,
        "sliding_window_pattern": 6,
        "tie_word_embeddings": True,
    },
    "llama": {
        "vocab_size": 32000,
        "hidden_size": 4096,
        "intermediate_size": 11008,
        "num_hidden_layers": 32,
        "num_attention_heads": 32,
        "max_position_embeddings": 2048,
        "rope_theta": 10000.0,
    },
}
# Architectures with no attention layer at all: the estimator has no model for them yet.
PURE_RECURRENT_TYPES = frozenset({"mamba", "mamba2", "falcon_mamba", "rwkv", "rwkv5", "rwkv6", "rwkv7", "xlstm", "recurrent_gemma"})


class UnsupportedArchitectureError(ValueError):
    """A config.json the estimator cannot model (pure recurrent, encoder-only speech, ...)."""


def hf_config_to_arch_fields(config: dict[str, Any]) -> dict[str, Any]:
    """Map config.json keys (several naming schemes) to ModelArch fields."""
    outer = config
    cfg = dict(config.get("text_config") or config.get("llm_config") or config)
    inner_type = str(cfg.get("model_type") or outer.get("model_type") or "")
    if inner_type in PURE_RECURRENT_TYPES or outer.get("model_type") in PURE_RECURRENT_TYPES:
        raise UnsupportedArchitectureError(f"{inner_type} is a pure recurrent architecture (no attention layers); not modelled yet")
    for key, value in _CONFIG_DEFAULTS.get(inner_type, {}).items():
        cfg.setdefault(key, value)
    model_type = str(_first(cfg, "model_type", default=outer.get("model_type", "unknown")))
    hidden = int(_first(cfg, "hidden_size", "n_embd", "d_model"))
    heads = int(_first(cfg, "num_attention_heads", "n_head", "num_heads"))
    kv_heads = int(_first(cfg, "num_key_value_heads", "num_kv_heads", "multi_query_group_num", default=heads))
    if cfg.get("multi_query_attention") is True and "num_key_value_heads" not in cfg:
        kv_heads = 1
    layers = int(_first(cfg, "num_hidden_layers", "n_layer", "num_layers"))
    head_dim = int(_first(cfg, "head_dim", "kv_channels", default=hidden // heads))
    intermediate = int(_first(cfg, "intermediate_size", "ffn_hidden_size", "n_inner", default=4 * hidden))
    tied = bool(_first(cfg, "tie_word_embeddings", default=outer.get("tie_word_embeddings", False)))
    fields: dict[str, Any] = {
        "model_type": model_type,
        "layers": layers,
        "hidden": hidden,
        "intermediate": intermediate,
        "heads": heads,
        "kv_heads": kv_heads,
        "head_dim": head_dim,
        "vocab": int(_first(cfg, "vocab_size", "padded_vocab_size", default=outer.get("vocab_size"))),
        "tied_embeddings": tied,
        "max_context": int(_first(cfg, "max_position_embeddings", "seq_length", "n_positions", default=4096)),
        "rope_theta": _first(cfg, "rope_theta"),
        "attention_bias": bool(_first(cfg, "attention_bias", "qkv_bias", default=model_type == "qwen2")),
    }
    scaling = cfg.get("rope_scaling") or {}
    if isinstance(scaling, dict):
        fields["rope_scaling"] = scaling.get("rope_type") or scaling.get("type")
    _add_sliding_window(cfg, fields)
    _add_moe(cfg, fields, intermediate)
    _add_mla(cfg, fields)
    _add_hybrid(cfg, fields)
    quant = outer.get("quantization_config") or cfg.get("quantization_config")
    if isinstance(quant, dict) and quant.get("quant_method"):
        fields["quantization"] = str(quant["quant_method"]).lower()
    return fields


def _add_sliding_window(cfg: dict[str, Any], fields: dict[str, Any]) -> None:
    window = cfg.get("sliding_window")
    layer_types = cfg.get("layer_types")
    if not window or cfg.get("use_sliding_window") is False:
        return
    if cfg.get("model_type") in {"mistral", "qwen2", "qwen3"} and not layer_types:
        return  # window present in config but not applied by llama.cpp / transformers by default
    fields["sliding_window"] = int(window)
    if isinstance(layer_types, list) and layer_types:
        full = sum(1 for t in layer_types if "full" in str(t) or "global" in str(t))
        if full:
            fields["global_every"] = max(1, round(len(layer_types) / full))
    elif cfg.get("sliding_window_pattern"):
        fields["global_every"] = int(cfg["sliding_window_pattern"])
    elif str(cfg.get("model_type", "")).startswith("gemma2"):
        fields["global_every"] = 2


def _add_moe(cfg: dict[str, Any], fields: dict[str, Any], intermediate: int) -> None:
    experts = _first(cfg, "num_local_experts", "num_experts", "n_routed_experts", "moe_num_experts")
    if not experts or int(experts) <= 1:
        return
    active = int(_first(cfg, "num_experts_per_tok", "num_experts_per_token", "moe_top_k", "top_k", default=2))
    expert_inter = int(_first(cfg, "moe_intermediate_size", "expert_intermediate_size", default=intermediate))
    shared = int(_first(cfg, "n_shared_experts", "num_shared_experts", default=0) or 0)
    shared_inter = _first(cfg, "shared_expert_intermediate_size", "shared_intermediate_size")  # Qwen MoE; Granite MoE
    if shared_inter and not shared:
        shared = 1
    moe: dict[str, Any] = {
        "experts": int(experts),
        "active": active,
        "shared": shared,
        "expert_intermediate": expert_inter,
        "dense_layers": int(_first(cfg, "first_k_dense_replace", default=0) or 0),
    }
    if shared_inter:
        moe["shared_intermediate"] = int(shared_inter)
    step = _first(cfg, "interleave_moe_layer_step", "moe_layer_freq")
    if isinstance(step, int) and step > 1:
        moe["every"] = step
    fields["moe"] = moe


def _add_mla(cfg: dict[str, Any], fields: dict[str, Any]) -> None:
    if not cfg.get("kv_lora_rank"):
        return
    # head_dim is the query/key width: the non-RoPE part plus the RoPE part (DeepSeek V2/V3: 128 + 64)
    fields["head_dim"] = int(cfg["qk_nope_head_dim"]) + int(cfg["qk_rope_head_dim"])
    fields["mla"] = {
        "q_lora_rank": cfg.get("q_lora_rank"),
        "kv_lora_rank": int(cfg["kv_lora_rank"]),
        "qk_nope_head_dim": int(cfg["qk_nope_head_dim"]),
        "qk_rope_head_dim": int(cfg["qk_rope_head_dim"]),
        "v_head_dim": int(cfg["v_head_dim"]),
    }


_ATTENTION_KINDS = frozenset({"attention", "full_attention", "sliding_attention", "chunked_attention", "global", "local", "hybrid"})
_RECURRENT_KINDS = frozenset({"mamba", "mamba2", "linear_attention", "conv", "short_conv", "ssm", "recurrent"})
_PATTERN_KINDS = {"M": "mamba", "*": "attention", "-": "mlp", "E": "moe"}  # Nemotron-H hybrid_override_pattern


def _layer_kinds(cfg: dict[str, Any], layers: int) -> list[str] | None:
    """What each layer is (attention, mamba, linear_attention, conv, mlp, ...), from whichever key the config uses."""
    for key in ("layer_types", "layers_block_type"):
        kinds = cfg.get(key)
        if isinstance(kinds, list) and kinds and all(isinstance(k, str) for k in kinds):
            return [k.lower() for k in kinds]
    pattern = cfg.get("hybrid_override_pattern")
    if isinstance(pattern, str) and pattern:
        return [_PATTERN_KINDS.get(c, "other") for c in pattern]
    period, offset = cfg.get("attn_layer_period"), cfg.get("attn_layer_offset")  # Jamba
    if isinstance(period, int) and period > 0 and isinstance(offset, int):
        return ["attention" if i % period == offset else "mamba" for i in range(layers)]
    interval = cfg.get("full_attention_interval")  # Qwen3-Next: layers i with (i + 1) % interval == 0 attend fully
    if isinstance(interval, int) and interval > 1:
        return ["full_attention" if (i + 1) % interval == 0 else "linear_attention" for i in range(layers)]
    full = cfg.get("full_attn_idxs")  # LFM2
    if isinstance(full, list) and full:
        return ["full_attention" if i in set(full) else "conv" for i in range(layers)]
    return None


def _recurrent_layer_bytes(cfg: dict[str, Any], hidden: int) -> float:
    """State kept per sequence by one recurrent layer, FP32 as llama.cpp stores it (conv state + SSM state)."""
    d_state = _first(cfg, "mamba_d_state", "ssm_state_size")
    if d_state:  # Mamba-1 (Jamba) or Mamba-2 (Granite 4.0 H, Nemotron-H, Falcon-H1, Bamba)
        n_heads = _first(cfg, "mamba_n_heads", "mamba_num_heads")
        head_dim = _first(cfg, "mamba_d_head", "mamba_head_dim")
        d_conv = int(_first(cfg, "mamba_d_conv", "conv_kernel", default=4))
        expand = float(_first(cfg, "mamba_expand", "expand", default=2))
        d_inner = int(_first(cfg, "mamba_d_ssm", default=0) or (n_heads * head_dim if n_heads and head_dim else expand * hidden))
        if n_heads:  # Mamba-2: the convolution also runs over B and C (2 x groups x state)
            groups = int(_first(cfg, "mamba_n_groups", "n_groups", default=1))
            conv = (d_conv - 1) * (d_inner + 2 * groups * int(d_state))
        else:
            conv = (d_conv - 1) * d_inner
        return 4.0 * (conv + d_inner * int(d_state))
    if cfg.get("linear_num_value_heads"):  # Gated DeltaNet (Qwen3-Next): a key x value matrix per value head
        key_heads, value_heads = int(cfg.get("linear_num_key_heads") or cfg["linear_num_value_heads"]), int(cfg["linear_num_value_heads"])
        key_dim, value_dim = int(cfg["linear_key_head_dim"]), int(cfg["linear_value_head_dim"])
        conv = (int(cfg.get("linear_conv_kernel_dim") or 4) - 1) * (2 * key_heads * key_dim + value_heads * value_dim)
        return 4.0 * (conv + value_heads * key_dim * value_dim)
    if cfg.get("conv_L_cache"):  # LFM2 short convolutions: the last L-1 inputs
        return 4.0 * (int(cfg["conv_L_cache"]) - 1) * hidden
    return 0.0


def _add_hybrid(cfg: dict[str, Any], fields: dict[str, Any]) -> None:
    """Layers without a KV cache: recurrent layers of hybrids, Mllama's cross-attention, Gemma 3n's shared KV."""
    layers, hidden = fields["layers"], fields["hidden"]
    cross = cfg.get("cross_attention_layers")
    if isinstance(cross, list) and 0 < len(cross) < layers:  # Mllama: image cross-attention keeps no text KV
        fields["kv_layers"] = layers - len(cross)
    shared = cfg.get("num_kv_shared_layers")
    if isinstance(shared, int) and 0 < shared < layers:  # Gemma 3n: the last layers reuse earlier layers' KV
        fields["kv_layers"] = layers - shared
    if cfg.get("model_type") == "falcon_h1":  # attention and Mamba-2 side by side in every layer
        fields["recurrent_state_mib"] = round(layers * _recurrent_layer_bytes(cfg, hidden) / 2**20, 2)
        return
    kinds = _layer_kinds(cfg, layers)
    if not kinds or not any(k in _RECURRENT_KINDS for k in kinds):
        return
    attention = sum(1 for k in kinds if k in _ATTENTION_KINDS)
    recurrent = sum(1 for k in kinds if k in _RECURRENT_KINDS)
    if attention == 0:
        raise UnsupportedArchitectureError("no attention layers in layer_types; pure recurrent models are not modelled yet")
    if attention < layers:
        fields["kv_layers"] = attention
    fields["recurrent_state_mib"] = round(recurrent * _recurrent_layer_bytes(cfg, hidden) / 2**20, 2)
