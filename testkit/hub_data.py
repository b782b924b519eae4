"""Repositories for the fake Hugging Face Hub (``testkit/fake_hub.py``): real config.json files, the Hub's
safetensors parameter counts, GGUF repositories whose headers are built with the ``gguf`` package, and
repositories that fail in each of the ways the Hub fails.

Provenance of the config.json files (each is the public file at the URL below, reproduced key by key; the
architecture each yields is checked against the catalog entry citing the same URL in tests/test_hub.py):
- Qwen/Qwen2.5-7B-Instruct            https://huggingface.co/Qwen/Qwen2.5-7B-Instruct/blob/main/config.json
- meta-llama/Llama-3.1-8B-Instruct    https://huggingface.co/meta-llama/Llama-3.1-8B-Instruct/blob/main/config.json
- Qwen/Qwen3-30B-A3B                  https://huggingface.co/Qwen/Qwen3-30B-A3B/blob/main/config.json
- deepseek-ai/DeepSeek-V2-Lite-Chat   https://huggingface.co/deepseek-ai/DeepSeek-V2-Lite-Chat/blob/main/config.json
  (auto_map and the tokenizer ids left out)
- google/gemma-3-4b-it                https://huggingface.co/google/gemma-3-4b-it/blob/main/config.json
- ibm-granite/granite-4.0-h-tiny      https://huggingface.co/ibm-granite/granite-4.0-h-tiny/blob/main/config.json
  (the 40-entry layer_types list written as an expression)
- Qwen/Qwen2.5-7B-Instruct-AWQ        https://huggingface.co/Qwen/Qwen2.5-7B-Instruct-AWQ/blob/main/config.json
Safetensors parameter counts: the Hub's figures for Llama 3.1 8B (8,030,261,248), Qwen2.5 7B (7,615,616,512),
Qwen3 30B-A3B (30,532,122,624), DeepSeek V2 Lite (15,706,484,224), Gemma 3 4B (4,300,079,472); the others are
made up for the fake (the AWQ repo's packed I32/F16 split, Granite's count).
GGUF files: the layout of bartowski/Meta-Llama-3.1-8B-Instruct-GGUF (file names as published); the Q4_K_M
file's header is generated here (Llama 3.1 8B shapes, llama.cpp's Q4_K_M type choices, a 128,256-token
vocabulary and 280,147 merges with placeholder strings, so the header is several MB as in the real file);
the other quants are listed with the sizes in data/calibration/gguf_sizes.csv and hold zeros.
"""

from __future__ import annotations

import tempfile
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from testkit.fake_hub import FakeHub, FakeRepo

GRANTED_TOKEN = "hf_granted"  # a token the fake Hub grants on gated/private repositories
OTHER_TOKEN = "hf_other"  # a valid token without access

QWEN25_7B: dict[str, Any] = {
    "architectures": ["Qwen2ForCausalLM"],
    "attention_dropout": 0.0,
    "bos_token_id": 151643,
    "eos_token_id": 151645,
    "hidden_act": "silu",
    "hidden_size": 3584,
    "initializer_range": 0.02,
    "intermediate_size": 18944,
    "max_position_embeddings": 32768,
    "max_window_layers": 28,
    "model_type": "qwen2",
    "num_attention_heads": 28,
    "num_hidden_layers": 28,
    "num_key_value_heads": 4,
    "rms_norm_eps": 1e-06,
    "rope_theta": 1000000.0,
    "sliding_window": 131072,
    "tie_word_embeddings": False,
    "torch_dtype": "bfloat16",
    "transformers_version": "4.43.1",
    "use_cache": True,
    "use_sliding_window": False,
    "vocab_size": 152064,
}

LLAMA31_8B: dict[str, Any] = {
    "architectures": ["LlamaForCausalLM"],
    "attention_bias": False,
    "attention_dropout": 0.0,
    "bos_token_id": 128000,
    "eos_token_id": [128001, 128008, 128009],
    "hidden_act": "silu",
    "hidden_size": 4096,
    "initializer_range": 0.02,
    "intermediate_size": 14336,
    "max_position_embeddings": 131072,
    "mlp_bias": False,
    "model_type": "llama",
    "num_attention_heads": 32,
    "num_hidden_layers": 32,
    "num_key_value_heads": 8,
    "pretraining_tp": 1,
    "rms_norm_eps": 1e-05,
    "rope_scaling": {
        "factor": 8.0,
        "low_freq_factor": 1.0,
        "high_freq_factor": 4.0,
        "original_max_position_embeddings": 8192,
        "rope_type": "llama3",
    },
    "rope_theta": 500000.0,
    "tie_word_embeddings": False,
    "torch_dtype": "bfloat16",
    "transformers_version": "4.42.3",
    "use_cache": True,
    "vocab_size": 128256,
}

QWEN3_30B_A3B: dict[str, Any] = {
    "architectures": ["Qwen3MoeForCausalLM"],
    "attention_bias": False,
    "attention_dropout": 0.0,
    "bos_token_id": 151643,
    "decoder_sparse_step": 1,
    "eos_token_id": 151645,
    "head_dim": 128,
    "hidden_act": "silu",
    "hidden_size": 2048,
    "initializer_range": 0.02,
    "intermediate_size": 6144,
    "max_position_embeddings": 40960,
    "max_window_layers": 48,
    "mlp_only_layers": [],
    "model_type": "qwen3_moe",
    "moe_intermediate_size": 768,
    "norm_topk_prob": True,
    "num_attention_heads": 32,
    "num_experts": 128,
    "num_experts_per_tok": 8,
    "num_hidden_layers": 48,
    "num_key_value_heads": 4,
    "output_router_logits": False,
    "rms_norm_eps": 1e-06,
    "rope_scaling": None,
    "rope_theta": 1000000.0,
    "router_aux_loss_coef": 0.001,
    "sliding_window": None,
    "tie_word_embeddings": False,
    "torch_dtype": "bfloat16",
    "transformers_version": "4.51.0",
    "use_cache": True,
    "use_sliding_window": False,
    "vocab_size": 151936,
}

DEEPSEEK_V2_LITE: dict[str, Any] = {
    "architectures": ["DeepseekV2ForCausalLM"],
    "attention_bias": False,
    "attention_dropout": 0.0,
    "aux_loss_alpha": 0.001,
    "first_k_dense_replace": 1,
    "hidden_act": "silu",
    "hidden_size": 2048,
    "initializer_range": 0.02,
    "intermediate_size": 10944,
    "kv_lora_rank": 512,
    "max_position_embeddings": 163840,
    "model_type": "deepseek_v2",
    "moe_intermediate_size": 1408,
    "moe_layer_freq": 1,
    "n_group": 1,
    "n_routed_experts": 64,
    "n_shared_experts": 2,
    "norm_topk_prob": False,
    "num_attention_heads": 16,
    "num_experts_per_tok": 6,
    "num_hidden_layers": 27,
    "num_key_value_heads": 16,
    "pretraining_tp": 1,
    "q_lora_rank": None,
    "qk_nope_head_dim": 128,
    "qk_rope_head_dim": 64,
    "rms_norm_eps": 1e-06,
    "rope_scaling": {
        "beta_fast": 32,
        "beta_slow": 1,
        "factor": 40,
        "mscale": 0.707,
        "mscale_all_dim": 0.707,
        "original_max_position_embeddings": 4096,
        "type": "yarn",
    },
    "rope_theta": 10000,
    "routed_scaling_factor": 1.0,
    "scoring_func": "softmax",
    "seq_aux": True,
    "tie_word_embeddings": False,
    "topk_group": 1,
    "topk_method": "greedy",
    "torch_dtype": "bfloat16",
    "transformers_version": "4.33.1",
    "use_cache": True,
    "v_head_dim": 128,
    "vocab_size": 102400,
}

GEMMA3_4B_IT: dict[str, Any] = {
    "architectures": ["Gemma3ForConditionalGeneration"],
    "boi_token_index": 255999,
    "eoi_token_index": 256000,
    "eos_token_id": [1, 106],
    "image_token_index": 262144,
    "initializer_range": 0.02,
    "mm_tokens_per_image": 256,
    "model_type": "gemma3",
    "text_config": {
        "hidden_size": 2560,
        "intermediate_size": 10240,
        "model_type": "gemma3_text",
        "num_hidden_layers": 34,
        "rope_scaling": {"factor": 8.0, "rope_type": "linear"},
        "sliding_window": 1024,
    },
    "torch_dtype": "bfloat16",
    "transformers_version": "4.50.0.dev0",
    "vision_config": {
        "hidden_size": 1152,
        "image_size": 896,
        "intermediate_size": 4304,
        "model_type": "siglip_vision_model",
        "num_attention_heads": 16,
        "num_hidden_layers": 27,
        "patch_size": 14,
        "vision_use_head": False,
    },
}

GRANITE_40_H_TINY: dict[str, Any] = {
    "architectures": ["GraniteMoeHybridForCausalLM"],
    "attention_bias": False,
    "attention_dropout": 0.0,
    "attention_multiplier": 0.0078125,
    "bos_token_id": 100257,
    "embedding_multiplier": 12,
    "eos_token_id": 100257,
    "hidden_act": "silu",
    "hidden_size": 1536,
    "init_method": "mup",
    "initializer_range": 0.1,
    "intermediate_size": 512,
    "layer_types": ["attention" if i in (5, 15, 25, 35) else "mamba" for i in range(40)],
    "logits_scaling": 6,
    "mamba_chunk_size": 256,
    "mamba_conv_bias": True,
    "mamba_d_conv": 4,
    "mamba_d_head": 64,
    "mamba_d_state": 128,
    "mamba_expand": 2,
    "mamba_n_groups": 1,
    "mamba_n_heads": 48,
    "mamba_proj_bias": False,
    "max_position_embeddings": 131072,
    "model_type": "granitemoehybrid",
    "normalization_function": "rmsnorm",
    "num_attention_heads": 12,
    "num_experts_per_tok": 6,
    "num_hidden_layers": 40,
    "num_key_value_heads": 4,
    "num_local_experts": 64,
    "output_router_logits": False,
    "pad_token_id": 100256,
    "position_embedding_type": "nope",
    "residual_multiplier": 0.22,
    "rms_norm_eps": 1e-05,
    "rope_scaling": None,
    "rope_theta": 10000,
    "router_aux_loss_coef": 0.0,
    "shared_intermediate_size": 1024,
    "tie_word_embeddings": True,
    "torch_dtype": "bfloat16",
    "transformers_version": "4.56.0",
    "use_cache": True,
    "vocab_size": 100352,
}

QWEN25_7B_AWQ: dict[str, Any] = {
    **QWEN25_7B,
    "quantization_config": {
        "bits": 4,
        "group_size": 128,
        "modules_to_not_convert": None,
        "quant_method": "awq",
        "version": "gemm",
        "zero_point": True,
    },
    "torch_dtype": "float16",
}

# repo id -> (config.json, safetensors parameters per dtype, card data, gated)
SAFETENSORS_REPOS: dict[str, tuple[dict[str, Any], dict[str, int], dict[str, Any], str | bool]] = {
    "Qwen/Qwen2.5-7B-Instruct": (QWEN25_7B, {"BF16": 7_615_616_512}, {"license": "apache-2.0", "base_model": "Qwen/Qwen2.5-7B"}, False),
    "meta-llama/Llama-3.1-8B-Instruct": (
        LLAMA31_8B,
        {"BF16": 8_030_261_248},
        {"license": "llama3.1", "base_model": "meta-llama/Llama-3.1-8B", "language": ["en", "de", "fr"]},
        "manual",
    ),
    "Qwen/Qwen3-30B-A3B": (
        QWEN3_30B_A3B,
        {"BF16": 30_532_122_624},
        {"license": "apache-2.0", "base_model": ["Qwen/Qwen3-30B-A3B-Base"]},
        False,
    ),
    "deepseek-ai/DeepSeek-V2-Lite-Chat": (
        DEEPSEEK_V2_LITE,
        {"BF16": 15_706_484_224},
        {"license": "other", "license_name": "deepseek"},
        False,
    ),
    "google/gemma-3-4b-it": (GEMMA3_4B_IT, {"BF16": 4_300_079_472}, {"license": "gemma", "pipeline_tag": "image-text-to-text"}, "manual"),
    "ibm-granite/granite-4.0-h-tiny": (GRANITE_40_H_TINY, {"BF16": 6_938_340_000}, {"license": "apache-2.0"}, False),
    "Qwen/Qwen2.5-7B-Instruct-AWQ": (QWEN25_7B_AWQ, {"I32": 952_565_760, "F16": 1_089_470_464}, {"license": "apache-2.0"}, False),
}

BARTOWSKI_LLAMA = "bartowski/Meta-Llama-3.1-8B-Instruct-GGUF"
# quant -> file size in bytes (data/calibration/gguf_sizes.csv, GB as printed by the uploader)
LLAMA_GGUF_SIZES_GB = {
    "f32": 32.13,
    "Q8_0": 8.54,
    "Q6_K_L": 6.85,
    "Q6_K": 6.6,
    "Q5_K_M": 5.73,
    "Q4_K_L": 5.31,
    "IQ4_XS": 4.45,
    "Q3_K_M": 4.02,
    "Q2_K": 3.18,
}


def _pad(n: int, align: int = 32) -> int:
    return n + (-n % align)


def gguf_file(arch: str, tensors: list[tuple[str, tuple[int, ...], Any]], configure: Any = None) -> tuple[bytes, int]:
    """A GGUF file written with the gguf package: (header bytes, total file size). Tensor data is not written;
    the fake Hub serves zeros after the header."""
    import gguf

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "model.gguf"
        writer = gguf.GGUFWriter(str(path), arch)
        if configure is not None:
            configure(writer)
        data = 0
        for name, shape, qtype in tensors:
            block, type_size = gguf.GGML_QUANT_SIZES[qtype]
            nbytes = int(np.prod(shape)) * type_size // block
            writer.add_tensor_info(name, shape, np.dtype(np.float32), nbytes, raw_dtype=qtype)
            data += _pad(nbytes)
        writer.write_header_to_file()
        writer.write_kv_data_to_file()
        writer.write_ti_data_to_file()
        writer.close()
        head = path.read_bytes()
    return head, _pad(len(head)) + data


def llama_tensors(layers: int, hidden: int, ffn: int, kv: int, vocab: int, ftype: str = "Q4_K_M") -> list[tuple[str, tuple[int, ...], Any]]:
    """Tensor infos of a Llama-layout model (numpy shape order: rows, columns). Q4_K_M follows llama.cpp's
    choices: Q4_K base, Q6_K for attn_v and ffn_down on the 'more bits' layers and for the output head."""
    from gguf import GGMLQuantizationType as T

    base, high = {"Q4_K_M": (T.Q4_K, T.Q6_K), "Q8_0": (T.Q8_0, T.Q8_0), "Q4_0": (T.Q4_0, T.Q4_0)}[ftype]

    def more_bits(i: int) -> bool:
        return i < layers // 8 or i >= 7 * layers // 8 or (i - layers // 8) % 3 == 2

    out: list[tuple[str, tuple[int, ...], Any]] = [("token_embd.weight", (vocab, hidden), base)]
    for i in range(layers):
        out += [
            (f"blk.{i}.attn_norm.weight", (hidden,), T.F32),
            (f"blk.{i}.attn_q.weight", (hidden, hidden), base),
            (f"blk.{i}.attn_k.weight", (kv, hidden), base),
            (f"blk.{i}.attn_v.weight", (kv, hidden), high if more_bits(i) else base),
            (f"blk.{i}.attn_output.weight", (hidden, hidden), base),
            (f"blk.{i}.ffn_norm.weight", (hidden,), T.F32),
            (f"blk.{i}.ffn_gate.weight", (ffn, hidden), base),
            (f"blk.{i}.ffn_up.weight", (ffn, hidden), base),
            (f"blk.{i}.ffn_down.weight", (hidden, ffn), high if more_bits(i) else base),
        ]
    out += [("output_norm.weight", (hidden,), T.F32), ("output.weight", (vocab, hidden), high)]
    return out


@lru_cache(maxsize=1)
def llama31_8b_q4km() -> tuple[bytes, int]:
    """Header and size of a Llama 3.1 8B Instruct Q4_K_M GGUF (several MB of tokenizer, as the real one)."""
    import gguf

    def configure(w: Any) -> None:
        w.add_name("Meta Llama 3.1 8B Instruct")
        w.add_file_type(gguf.LlamaFileType.MOSTLY_Q4_K_M)
        w.add_block_count(32)
        w.add_context_length(131072)
        w.add_embedding_length(4096)
        w.add_feed_forward_length(14336)
        w.add_head_count(32)
        w.add_head_count_kv(8)
        w.add_rope_freq_base(500000.0)
        w.add_layer_norm_rms_eps(1e-5)
        w.add_vocab_size(128256)
        w.add_rope_dimension_count(128)
        w.add_tokenizer_model("gpt2")
        w.add_tokenizer_pre("llama-bpe")
        w.add_token_list([f"tok{i}" for i in range(128256)])
        w.add_token_types([1] * 128256)
        w.add_token_merges([f"m{i} x{i}" for i in range(280147)])
        w.add_bos_token_id(128000)
        w.add_eos_token_id(128009)

    return gguf_file("llama", llama_tensors(32, 4096, 14336, 1024, 128256), configure)


def tiny_gguf(ftype: str, split: tuple[int, int] | None = None) -> tuple[bytes, int]:
    """A 4-layer Llama-layout model (hidden 256); ``split=(part, parts)`` writes one part of a split file."""
    import gguf

    tensors = llama_tensors(4, 256, 512, 128, 1000, ftype)
    parts = split[1] if split else 1
    part = split[0] if split else 1
    per = -(-len(tensors) // parts)
    mine = tensors[(part - 1) * per : part * per]

    def configure(w: Any) -> None:
        if part == 1:
            w.add_name("Tiny Split Test")
            w.add_file_type({"Q8_0": gguf.LlamaFileType.MOSTLY_Q8_0, "Q4_0": gguf.LlamaFileType.MOSTLY_Q4_0}[ftype])
            w.add_block_count(4)
            w.add_context_length(8192)
            w.add_embedding_length(256)
            w.add_feed_forward_length(512)
            w.add_head_count(4)
            w.add_head_count_kv(2)
            w.add_token_list([f"t{i}" for i in range(1000)])
        if split:
            w.add_uint16("split.no", part - 1)
            w.add_uint16("split.count", parts)
            w.add_int32("split.tensors.count", len(tensors))

    return gguf_file("llama", mine, configure)


def tensor_bytes(tensors: list[tuple[str, tuple[int, ...], Any]]) -> int:
    import gguf

    total = 0
    for _, shape, qtype in tensors:
        block, size = gguf.GGML_QUANT_SIZES[qtype]
        total += int(np.prod(shape)) * size // block
    return total


def standard_hub(hub: FakeHub | None = None) -> FakeHub:
    """The fake Hub with every repository the tests and the bench use."""
    hub = hub or FakeHub()
    for repo_id, (config, params, card, gated) in SAFETENSORS_REPOS.items():
        repo = FakeRepo(repo_id, safetensors=params, card_data=card, gated=gated, granted_tokens={GRANTED_TOKEN})
        repo.add_file("config.json", config).add_file("generation_config.json", {"do_sample": True})
        repo.add_file("README.md", f"# {repo_id}\n").add_file("tokenizer.json", "{}")
        shards = max(1, round(sum(params.values()) * 2 / 5e9))
        for i in range(1, shards + 1):
            repo.add_file(f"model-{i:05d}-of-{shards:05d}.safetensors", b"", size=4_900_000_000)
        repo.add_file("model.safetensors.index.json", {"metadata": {"total_size": sum(params.values()) * 2}, "weight_map": {}})
        hub.add(repo)

    llama = FakeRepo(
        BARTOWSKI_LLAMA,
        card_data={"license": "llama3.1", "base_model": "meta-llama/Meta-Llama-3.1-8B-Instruct", "quantized_by": "bartowski"},
        library_name=None,
        gguf={"total": 8_030_261_312, "architecture": "llama", "context_length": 131072},
    )
    head, size = llama31_8b_q4km()
    llama.add_file("Meta-Llama-3.1-8B-Instruct-Q4_K_M.gguf", head, size=size)
    for quant, gb in LLAMA_GGUF_SIZES_GB.items():
        llama.add_file(f"Meta-Llama-3.1-8B-Instruct-{quant}.gguf", b"", size=round(gb * 1e9))
    llama.add_file("Meta-Llama-3.1-8B-Instruct.imatrix", b"", size=4_988_000).add_file("README.md", "# GGUF quants\n")
    hub.add(llama)

    tiny = FakeRepo("testorg/Tiny-Split-GGUF", card_data={"license": "mit"}, library_name=None)
    for part in (1, 2):
        head, size = tiny_gguf("Q8_0", (part, 2))
        tiny.add_file(f"Tiny-Q8_0/Tiny-Q8_0-{part:05d}-of-00002.gguf", head, size=size)
    head, size = tiny_gguf("Q4_0")
    tiny.add_file("Tiny-Q4_0.gguf", head, size=size)
    tiny.add_file("mmproj-Tiny-F16.gguf", b"", size=2 * 400_000_000)
    hub.add(tiny)

    # failures
    hub.add(FakeRepo("ratelimited/Model-7B", status=429).add_file("config.json", QWEN25_7B))
    hub.add(FakeRepo("slow/Model-7B", delay_s=2.0).add_file("config.json", QWEN25_7B))
    hub.add(
        FakeRepo("secret/Private-7B", private=True, granted_tokens={GRANTED_TOKEN}, safetensors={"BF16": 7_615_616_512}).add_file(
            "config.json", QWEN25_7B
        )
    )
    hub.add(
        FakeRepo("someone/Llama-LoRA", card_data={"base_model": "meta-llama/Llama-3.1-8B-Instruct"}).add_file(
            "adapter_config.json", {"r": 16}
        )
    )
    hub.add(
        FakeRepo("someone/Pure-Mamba-2.8B").add_file("config.json", {"model_type": "mamba", "hidden_size": 2560, "num_hidden_layers": 64})
    )
    hub.add(FakeRepo("someone/Odd-Arch-1B").add_file("config.json", {"model_type": "oddformer", "d_hidden": 2048}))
    hub.add(FakeRepo("someone/Empty-Repo").add_file("README.md", "nothing here"))
    return hub
