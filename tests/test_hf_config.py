"""config.json -> ModelArch (estimator/architecture.py) on real configs: dense, MoE, MLA, sliding window,
vision with a partial text_config, hybrid Mamba-2 / Gated DeltaNet, cross-attention, pure recurrent."""

from __future__ import annotations

import pytest

from estimator.architecture import ModelArch, UnsupportedArchitectureError
from testkit.hub_data import SAFETENSORS_REPOS

SHAPES = (
    "layers",
    "hidden",
    "intermediate",
    "heads",
    "kv_heads",
    "head_dim",
    "vocab",
    "tied_embeddings",
    "max_context",
    "sliding_window",
    "global_every",
    "kv_layers",
    "recurrent_state_mib",
    "moe",
    "mla",
)


@pytest.mark.parametrize("repo", [r for r in SAFETENSORS_REPOS if not r.endswith("-AWQ")])
def test_real_configs_give_the_catalog_architecture(repo, kb):
    """Each config.json yields the shapes the catalog entry citing the same file records."""
    entry = next(m for m in kb.catalog.models if m.hf_repo == repo)
    arch = ModelArch.from_hf_config(SAFETENSORS_REPOS[repo][0])
    for field in SHAPES:
        assert getattr(arch, field) == getattr(entry.architecture, field), field


def test_qwen3_next_hybrid_gated_deltanet():
    # keys as in Qwen/Qwen3-Next-80B-A3B-Instruct's config.json (every 4th layer full attention)
    config = {
        "model_type": "qwen3_next",
        "hidden_size": 2048,
        "intermediate_size": 5120,
        "num_hidden_layers": 48,
        "num_attention_heads": 16,
        "num_key_value_heads": 2,
        "head_dim": 256,
        "vocab_size": 151936,
        "max_position_embeddings": 262144,
        "full_attention_interval": 4,
        "linear_conv_kernel_dim": 4,
        "linear_key_head_dim": 128,
        "linear_num_key_heads": 16,
        "linear_num_value_heads": 32,
        "linear_value_head_dim": 128,
        "num_experts": 512,
        "num_experts_per_tok": 10,
        "moe_intermediate_size": 512,
        "shared_expert_intermediate_size": 512,
        "tie_word_embeddings": False,
    }
    arch = ModelArch.from_hf_config(config)
    assert arch.kv_layers == 12
    # per linear layer, FP32: conv (4-1) x (2x16x128 + 32x128) + state 32 x 128 x 128 = 548,864 values
    assert arch.recurrent_state_mib == pytest.approx(36 * 548_864 * 4 / 2**20, abs=0.01)
    assert arch.moe is not None and arch.moe.experts == 512 and arch.moe.shared == 1


def test_other_hybrid_layouts():
    base = {"hidden_size": 1024, "num_attention_heads": 8, "num_hidden_layers": 8, "vocab_size": 1000, "intermediate_size": 2048}
    mamba1 = {"mamba_d_state": 16, "mamba_d_conv": 4, "mamba_expand": 2}
    jamba = ModelArch.from_hf_config({**base, **mamba1, "model_type": "jamba", "attn_layer_period": 8, "attn_layer_offset": 4})
    # Mamba-1, d_inner = 2 x 1024: conv 3 x 2048 + state 2048 x 16, FP32, on 7 layers
    assert jamba.kv_layers == 1 and jamba.recurrent_state_mib == pytest.approx(7 * (3 * 2048 + 2048 * 16) * 4 / 2**20, abs=0.01)
    nemotron = ModelArch.from_hf_config(
        {
            **base,
            "model_type": "nemotron_h",
            "hybrid_override_pattern": "M-M*-M-M",
            "mamba_num_heads": 16,
            "mamba_head_dim": 64,
            "ssm_state_size": 128,
            "n_groups": 8,
            "conv_kernel": 4,
        }
    )
    assert nemotron.kv_layers == 1 and nemotron.recurrent_state_mib > 0
    mllama = ModelArch.from_hf_config({**base, "model_type": "mllama_text_model", "cross_attention_layers": [3, 7]})
    assert mllama.kv_layers == 6 and mllama.recurrent_state_mib == 0
    lfm2 = ModelArch.from_hf_config({**base, "model_type": "lfm2", "full_attn_idxs": [2, 5], "conv_L_cache": 3})
    assert lfm2.kv_layers == 2 and lfm2.recurrent_state_mib == pytest.approx(6 * 2 * 1024 * 4 / 2**20, abs=0.01)


def test_pure_recurrent_models_are_refused():
    with pytest.raises(UnsupportedArchitectureError, match="pure recurrent"):
        ModelArch.from_hf_config({"model_type": "mamba", "hidden_size": 2560, "num_hidden_layers": 64})
