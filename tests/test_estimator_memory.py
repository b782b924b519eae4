"""Memory model: hand-computed cases, calibration regressions and properties."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from calibration.data import memory_rows, size_rows
from estimator.architecture import ModelArch
from estimator.buffers import compute_buffer_bytes
from estimator.estimate import EstimateInputError, EstimateRequest, ModelSpec, estimate
from estimator.hardware import Device, System, apple_default_working_set
from estimator.kv_cache import kv_cache_bytes
from estimator.quants import UnknownQuantError, parse_quant
from estimator.units import GIB, MIB
from estimator.weights import compute_weights

LLAMA3_8B = ModelArch(
    model_type="llama",
    layers=32,
    hidden=4096,
    intermediate=14336,
    heads=32,
    kv_heads=8,
    head_dim=128,
    vocab=128256,
    tied_embeddings=False,
    max_context=131072,
)
MISTRAL_7B = LLAMA3_8B.model_copy(update={"model_type": "mistral", "vocab": 32000, "max_context": 32768})


def test_kv_cache_llama3_8b_8192_f16_is_1_07_gb():
    # 2 (K,V) x 32 layers x 8 KV heads x 128 dims x 8192 tokens x 2 bytes
    assert kv_cache_bytes(LLAMA3_8B, 8192, "f16") == 2 * 32 * 8 * 128 * 8192 * 2 == 1_073_741_824


def test_kv_cache_quantized_types_scale_by_block_size():
    f16 = kv_cache_bytes(LLAMA3_8B, 8192, "f16")
    assert kv_cache_bytes(LLAMA3_8B, 8192, "q8_0") == pytest.approx(f16 * (34 / 32) / 2)
    assert kv_cache_bytes(LLAMA3_8B, 8192, "q4_0") == pytest.approx(f16 * (18 / 32) / 2)


def test_kv_cache_pads_context_to_256_cells():
    assert kv_cache_bytes(LLAMA3_8B, 8000, "f16") == kv_cache_bytes(LLAMA3_8B, 8192, "f16")


def test_gqa_cuts_cache_by_head_ratio():
    mha = LLAMA3_8B.model_copy(update={"kv_heads": 32})
    assert kv_cache_bytes(mha, 4096) == 4 * kv_cache_bytes(LLAMA3_8B, 4096)


def test_sliding_window_layers_cache_only_their_window():
    gemma = ModelArch(
        model_type="gemma3",
        layers=62,
        hidden=5376,
        intermediate=21504,
        heads=32,
        kv_heads=16,
        head_dim=128,
        vocab=262208,
        tied_embeddings=True,
        max_context=131072,
        sliding_window=1024,
        global_every=6,
    )
    full = gemma.model_copy(update={"sliding_window": None, "global_every": None})
    ratio = kv_cache_bytes(gemma, 131072) / kv_cache_bytes(full, 131072)
    global_layers = sum(1 for i in range(62) if i % 6 == 5)
    expected = (global_layers * 131072 + (62 - global_layers) * 1536) / (62 * 131072)  # window 1024 + ubatch 512
    assert ratio == pytest.approx(expected)


def test_mla_caches_the_latent_only():
    from estimator.architecture import MLASpec

    mla = LLAMA3_8B.model_copy(
        update={"mla": MLASpec(q_lora_rank=1536, kv_lora_rank=512, qk_nope_head_dim=128, qk_rope_head_dim=64, v_head_dim=128)}
    )
    assert kv_cache_bytes(mla, 1024) == 32 * (512 + 64) * 1024 * 2


def test_file_sizes_match_real_llama31_8b_ggufs_within_one_percent():
    errors = []
    for row in size_rows():
        weights = compute_weights(LLAMA3_8B, parse_quant(row.quant), 8.03)
        errors.append(abs(weights.file_bytes / 1e9 / row.file_gb - 1))
    assert max(errors) < 0.01, f"worst file-size error {max(errors):.2%}"
    assert sorted(errors)[len(errors) // 2] < 0.003


def test_q4_k_m_raises_attn_v_and_ffn_down_in_half_the_layers():
    w = compute_weights(LLAMA3_8B, parse_quant("Q4_K_M"), None)
    assert set(w.type_bytes) >= {"Q4_K", "Q6_K", "F32"}
    # output head Q6_K + ~half of attn_v/ffn_down: Q6_K share of the file is well above the head alone
    head_share = 128256 * 4096 * 210 / 256 / w.file_bytes
    assert w.type_bytes["Q6_K"] / w.file_bytes > head_share + 0.1


def test_compute_buffer_matches_measured_pair_without_flash_attention():
    for row in memory_rows():
        predicted = compute_buffer_bytes(MISTRAL_7B, row.n_ctx, row.n_ubatch, flash_attention=row.flash_attn)
        assert predicted / MIB == pytest.approx(row.compute_gpu_mib, rel=0.08)


def test_flash_attention_keeps_buffer_small_at_long_context():
    off = compute_buffer_bytes(LLAMA3_8B, 65536, flash_attention=False)
    on = compute_buffer_bytes(LLAMA3_8B, 65536, flash_attention=True)
    assert on < 0.2 * off


def test_apple_working_set_defaults():
    assert apple_default_working_set(16) == pytest.approx(16 * GIB * 2 / 3)
    assert apple_default_working_set(128) == pytest.approx(96 * GIB)


def _request(**overrides) -> EstimateRequest:
    gpu = Device(
        id="g",
        name="Test 24GB",
        kind="gpu",
        family="nvidia_consumer",
        memory_gib=24,
        bandwidth_gbs=936,
        fp16_tflops=71,
        fp32_tflops=35.6,
        backend="cuda",
    )
    base = {
        "model": ModelSpec(id="m", name="Llama 3 8B", arch=LLAMA3_8B, params_b=8.03),
        "system": System(gpus=[gpu]),
        "quant": "Q4_K_M",
        "context": 8192,
    }
    base.update(overrides)
    return EstimateRequest(**base)


def test_impossible_inputs_get_one_clear_message():
    for bad in (0, 10**9):
        with pytest.raises(EstimateInputError, match="Context must be between"):
            estimate(_request(context=bad))
    with pytest.raises(UnknownQuantError, match="Did you mean"):
        estimate(_request(quant="Q4_K_Z"))
    with pytest.raises(ValueError):
        Device(kind="gpu", memory_gib=-8, bandwidth_gbs=100)


@settings(max_examples=40, deadline=None)
@given(st.integers(256, 131072), st.integers(1, 65536))
def test_more_context_never_needs_less_memory(ctx, extra):
    a = estimate(_request(context=ctx)).memory.total
    b = estimate(_request(context=min(ctx + extra, 131072 * 2))).memory.total
    assert b >= a


@settings(max_examples=20, deadline=None)
@given(st.sampled_from(["Q2_K", "Q3_K_M", "Q4_K_M", "Q5_K_M", "Q6_K", "Q8_0", "F16"]))
def test_fewer_bits_never_need_more_memory(quant):
    order = ["Q2_K", "Q3_K_M", "Q4_K_M", "Q5_K_M", "Q6_K", "Q8_0", "F16"]
    smaller = order[: order.index(quant)]
    mine = estimate(_request(quant=quant)).memory.weights
    assert all(estimate(_request(quant=q)).memory.weights <= mine for q in smaller)


@settings(max_examples=30, deadline=None)
@given(st.floats(100, 3000), st.floats(1.01, 3.0))
def test_more_bandwidth_is_never_slower(bandwidth, factor):
    def speed(bw: float) -> float:
        gpu = Device(kind="gpu", family="nvidia_consumer", memory_gib=24, bandwidth_gbs=bw, fp16_tflops=71, fp32_tflops=35)
        return estimate(_request(system=System(gpus=[gpu]))).decode_tps

    assert speed(bandwidth * factor) >= speed(bandwidth)


@settings(max_examples=15, deadline=None)
@given(st.sampled_from([8, 12, 16, 24, 48]), st.sampled_from(["Q4_K_M", "Q8_0", "F16"]), st.sampled_from([4096, 32768]))
def test_adding_a_gpu_never_makes_a_model_not_fit(vram, quant, ctx):
    big = LLAMA3_8B.model_copy(update={"layers": 80, "hidden": 8192, "intermediate": 28672, "heads": 64})
    gpu = Device(kind="gpu", family="nvidia_consumer", memory_gib=vram, bandwidth_gbs=900, fp16_tflops=70, fp32_tflops=35)
    rank = {"wont_run": 0, "cpu_only": 1, "offload": 2, "tight": 3, "runs_well": 4}
    model = ModelSpec(id="b", name="70B", arch=big, params_b=70.6)
    one = estimate(_request(model=model, system=System(gpus=[gpu]), quant=quant, context=ctx))
    two = estimate(_request(model=model, system=System(gpus=[gpu, gpu]), quant=quant, context=ctx))
    assert rank[two.fit] >= rank[one.fit]
    assert two.gpu_layers >= one.gpu_layers


def test_phi3_fused_qkv_takes_the_attn_qkv_rule(kb):
    """Phi-3 keeps q, k and v in one attn_qkv tensor (and gate+up in one ffn_up); at Q4_K_M llama.cpp stores attn_qkv
    as Q5_K on every layer: 3072 x (3 x 3072) weights x 176/256 bytes = 19,464,192 bytes per layer."""
    from estimator.tensors import inventory

    arch = kb.catalog.model("phi-3-mini-4k-instruct").architecture
    names = {g.name for g in inventory(arch)}
    assert "attn_qkv" in names and not names & {"attn_q", "attn_k", "attn_v", "ffn_gate"}
    w = compute_weights(arch, parse_quant("Q4_K_M"))
    per_layer = 3072 * 9216 * 176 / 256
    assert per_layer == 19_464_192
    assert w.type_bytes["Q5_K"] == pytest.approx(32 * per_layer)  # only attn_qkv is Q5_K in this mix


def test_gpt_oss_experts_stay_mxfp4_in_every_gguf(kb):
    """gpt-oss ships its routed experts in MXFP4 and GGUF files keep them so (Unsloth's F16 file: 13.8 GB): 24 layers x
    3 matrices x 32 experts x 2880 x 2880 weights x 17/32 bytes."""
    model = kb.catalog.model("gpt-oss-20b")
    experts = 24 * 3 * 32 * 2880 * 2880 * 17 / 32
    for quant in ("F16", "Q4_K_M", "MXFP4"):
        w = compute_weights(model.architecture, parse_quant(quant), model.params_b)
        assert w.type_bytes["MXFP4"] == pytest.approx(experts), quant
    assert compute_weights(model.architecture, parse_quant("F16"), model.params_b).file_bytes / 1e9 == pytest.approx(13.8, abs=0.1)


def test_config_json_quantization_config_is_kept():
    config = {
        "model_type": "gpt_oss",
        "hidden_size": 2880,
        "num_attention_heads": 64,
        "num_key_value_heads": 8,
        "num_hidden_layers": 24,
        "head_dim": 64,
        "intermediate_size": 2880,
        "vocab_size": 201088,
        "num_local_experts": 32,
        "num_experts_per_tok": 4,
        "quantization_config": {"quant_method": "mxfp4"},
    }
    arch = ModelArch.from_hf_config(config)
    assert arch.quantization == "mxfp4" and arch.native_expert_type == "MXFP4"
