"""Issue #14 at the answer level: default formats, runtime defaults, the evidence ladder, measured-row filtering and
verdicts that never contradict a measurement."""

from __future__ import annotations

import pytest

from answers.estimates import EstimateQuery, run_estimate
from answers.evidence import LEVELS, hardware_ids_of, row_offload
from answers.evidence import test_tokens as measured_test_tokens
from estimator.runtimes import ollama_default_context


def _ask(kb, **kw):
    return run_estimate(kb, EstimateQuery(**kw))


def test_gpt_oss_defaults_to_its_native_mxfp4(kb):
    """gpt-oss-120b ships MXFP4 experts: 36 layers x 3 x 128 experts x 2880 x 2880 x 17/32 B = 58.0 GB of experts, plus the
    rest at Q8_0 = 63.2 GB, not the 87.7 GB of a Q4_K_M recipe."""
    result = _ask(kb, model="gpt-oss-120b", hardware=["rtx-pro-6000-blackwell"])
    data = result.to_json()
    assert data["quant"] == "MXFP4" and data["quant_source"] == "native"
    assert data["memory"]["weights_gb"] == pytest.approx(63.2, abs=0.3)
    assert any("MXFP4" in line for line in data["assumptions"])


def test_ollama_uses_its_default_tag_and_context(kb):
    """Ollama's default num_ctx: 32,768 tokens for 24 GiB of VRAM (>= 23 GiB), 4,096 below, 262,144 from 47 GiB,
    never above the model's trained context."""
    assert ollama_default_context(24, 131072) == 32768
    assert ollama_default_context(16, 131072) == 4096
    assert ollama_default_context(48, 131072) == 131072
    data = _ask(kb, model="gpt-oss-20b", hardware=["rtx-3090"], runtime="ollama").to_json()
    assert data["quant"] == "MXFP4" and data["quant_source"] == "ollama_default"
    assert data["context"] == 32768 and data["context_source"] == "runtime_default"


def test_fp8_without_a_runtime_goes_to_vllm(kb):
    """FP8 DeepSeek R1 on 8x A100: llama.cpp does not load FP8, so the answer is vLLM's; 673 GB of FP8 weights do not
    fit in 8 x 0.9 x 80 GiB = 618 GB (an honest "won't run", not a format error)."""
    data = _ask(kb, model="deepseek-r1", hardware=["a100-80gb-sxm"], gpus=8, quant="FP8").to_json()
    assert data["runtime"] == "vllm" and data["runtime_source"] == "format"
    assert data["fit"] == "wont_run" and "does not load" not in data["explanation"]


def test_vllm_context_defaults_to_max_model_len_and_reports_capacity(kb):
    default = _ask(kb, model="llama-3.1-8b-instruct", hardware=["rtx-4090"], runtime="vllm").to_json()
    assert default["context"] == 131072 and default["fit"] == "wont_run"
    served = _ask(kb, model="llama-3.1-8b-instruct", hardware=["rtx-4090"], runtime="vllm", context=8192, concurrency=4).to_json()
    serving = served["serving"]
    # Llama 3.1 8B: 32 layers x 8 KV heads x 128 x 2 x 2 bytes = 131,072 bytes of KV per token
    assert serving["tokens_in_cache"] == pytest.approx(serving["kv_pool_gb"] * 1e9 / 131072, rel=0.01)
    assert serving["max_concurrent_sequences"] == serving["tokens_in_cache"] // 8192
    assert serving["aggregate_tokens_per_s"] == pytest.approx(serving["concurrency"] * serving["per_sequence_tokens_per_s"], rel=0.01)


def test_the_m1_8gb_runs_llama3_8b_and_shows_the_measurement(kb):
    """The catalog measured 9.72 tok/s for Llama 3 8B Q4_K_M on an M1 8GB: the answer may not say "won't run"."""
    result = _ask(kb, model="llama-3-8b-instruct", hardware=["apple-m1-7c-8gb"], context=8192)
    data = result.to_json()
    assert data["fit"] != "wont_run"
    assert data["evidence"] == "measured" and data["evidence_level"] in {"measured", "measured-near"}
    assert data["speed_evidence"]["decode"]["basis"]["hardware"] == "apple-m1-7c-8gb"
    assert any("iogpu.wired_limit_mb" in w for w in data["warnings"])


def test_offload_and_serving_rows_are_not_same_setup_for_a_plain_question(kb):
    """gpt-oss-120b on one 3090: the catalog's rows run with --n-cpu-moe (experts in RAM); a question without it must
    not see them as "same setup"."""
    data = _ask(kb, model="gpt-oss-120b", hardware=["rtx-3090"], quant="MXFP4", ram_gb=128).to_json()
    assert data["measured"] and all(m["match"] == "other setup" for m in data["measured"] if m["model"] == "gpt-oss-120b")
    assert data["evidence"] == "estimated"
    asked = _ask(kb, model="gpt-oss-120b", hardware=["rtx-3090"], quant="MXFP4", ram_gb=128, n_cpu_moe=26).to_json()
    assert any(m["match"] == "same setup" for m in asked["measured"])
    vllm_rows = _ask(kb, model="gpt-oss-120b", hardware=["rtx-pro-6000-blackwell"]).to_json()["measured"]
    assert all(m["match"] == "other setup" and "requests at once" in m["setup"] for m in vllm_rows if m["runtime"] == "vllm")


def test_ladder_levels_are_the_documented_ones(kb):
    result = _ask(kb, model="llama-3-8b-instruct", hardware=["rtx-4090"], quant="Q4_K_M", gen_tokens=1024, prompt_tokens=0, context=1024)
    assert result.evidence_level in LEVELS
    decode = result.speed_evidence["decode"]
    assert decode.level == "measured" and decode.basis is not None and decode.basis.test == "tg1024"
    assert result.estimate.decode_tps == pytest.approx(decode.basis.tokens_per_s, rel=0.1)


def test_no_answer_says_wont_run_where_a_measured_row_ran(kb):
    """Over the whole catalog: every measured row, asked as its own setup (context = its depth + test size), is never
    answered "won't run" (the estimator's verdict is reconciled with the measurement when it disagrees)."""
    offenders = []
    seen = set()
    for bench in kb.catalog.benchmarks:
        model = kb.catalog.model(bench.model)
        ids = sorted(hardware_ids_of(kb, bench))
        if model is None or not ids:
            continue
        hardware = max(ids, key=lambda i: kb.catalog.hardware_by_id(i).memory_gb)
        _, tokens = measured_test_tokens(bench.test)
        context = max(256, (bench.context or 0) + tokens)
        key = (bench.model, hardware, bench.gpus, bench.quant, bench.runtime, context, row_offload(bench, model.architecture.layers))
        if key in seen or bench.runtime not in {"llama.cpp", "ollama", "vllm", "mlx-lm"} or (bench.concurrency or 1) > 1:
            continue
        seen.add(key)
        data = _ask(
            kb,
            model=bench.model,
            hardware=[hardware],
            gpus=bench.gpus if bench.gpus > 1 else None,
            quant=bench.quant,
            runtime=bench.runtime,
            context=context,
            ram_gb=256,
            n_cpu_moe=bench.n_cpu_moe or (model.architecture.layers if bench.cpu_moe else None),
        ).to_json()
        if data["fit"] == "wont_run":
            offenders.append(f"{bench.model} {bench.quant} on {bench.gpus}x {hardware} ({bench.runtime}, {context} tokens)")
    assert len(seen) > 300
    assert not offenders, "\n".join(offenders)


def test_a_same_shape_measurement_says_so_rather_than_reading_as_a_member_submission(kb):
    """Nemotron 70B is a Llama 3.1 70B fine-tune: no row measures it on 2x RTX 3090, a Llama 3 70B row of the same shape
    does. The rung is "community" and its label names the kind, so nobody reads it as a member's submission."""
    result = _ask(kb, model="llama-3.1-nemotron-70b-instruct", hardware=["rtx-3090", "rtx-3090"], quant="Q4_K_M")
    basis = result.speed_evidence["decode"].basis
    assert result.evidence_level == "community" and basis is not None and basis.match == "similar model"
    assert result.evidence_label == "community: same-shape model measured"


def test_the_default_context_never_exceeds_what_the_model_was_trained_on(kb):
    """TinyLlama was trained on 2,048 tokens: with no context named the estimate uses 2,048 (and says why), not the usual
    8,192 followed by a warning that 8,192 is past the model's window. A named context is taken as given."""
    data = _ask(kb, model="tinyllama-1.1b-chat", hardware=["rtx-3090"]).to_json()
    assert data["context"] == 2048 and data["context_source"] == "default"
    assert any("trained context" in line for line in data["assumptions"])
    assert _ask(kb, model="tinyllama-1.1b-chat", hardware=["rtx-3090"], context=8192).to_json()["context"] == 8192
    assert _ask(kb, model="llama-3.1-8b", hardware=["rtx-3090"]).to_json()["context"] == 8192
