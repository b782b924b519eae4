"""Model catalog rules: fine-tunes match their base, quant names parse, MoE entries carry active params, memory sanity."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from estimator.estimate import EstimateRequest, estimate
from estimator.hardware import Device, System
from estimator.quants import parse_quant
from knowledge.devices import model_spec
from knowledge.loader import DATA_DIR, architecture_differences, load_catalog, load_valid_catalog
from knowledge.schema import Model, QualityScore

BIG_GPU = Device(
    id="big",
    name="Big test GPU",
    kind="gpu",
    family="nvidia_datacenter",
    memory_gib=2000,
    bandwidth_gbs=3000,
    fp16_tflops=900,
    fp32_tflops=60,
)


@pytest.fixture(scope="module")
def models() -> dict[str, Model]:
    return {m.id: m for m in load_valid_catalog().models}


def _weights_gb(model: Model, quant: str) -> float:
    result = estimate(EstimateRequest(model=model_spec(model), system=System(gpus=[BIG_GPU]), quant=quant, context=4096))
    return result.memory.weights / 1e9


def test_catalog_has_the_families_people_ask_about(models):
    assert len(models) >= 240
    for wanted in (
        "tinyllama-1.1b-chat-v1.0",
        "falcon-180b-chat",
        "llama-3.1-nemotron-70b-instruct",
        "qwen3-next-80b-a3b-instruct",
        "qwen3-vl-8b-instruct",
        "deepseek-v3.2",
        "minimax-m2",
        "glm-4.6",
        "seed-oss-36b-instruct",
        "olmo-3-7b-instruct",
    ):
        assert wanted in models


def test_every_base_model_exists_and_shares_the_architecture(models):
    fine_tunes = [m for m in models.values() if m.base_model]
    assert len(fine_tunes) >= 50
    for model in fine_tunes:
        base = models[model.base_model]
        assert architecture_differences(model.architecture, base.architecture) == [], model.id
    assert models["llama-3.1-nemotron-70b-instruct"].base_model == "llama-3.1-70b-instruct"
    assert models["deepseek-r1-distill-llama-70b"].base_model == "llama-3.3-70b-instruct"


def test_loader_reports_unknown_and_mismatched_base_models(tmp_path: Path):
    data = tmp_path / "data"
    for folder in ("models", "hardware", "tools", "glossary", "errors", "benchmarks"):
        (data / folder).mkdir(parents=True)
    shutil.copy(DATA_DIR / "models" / "llama.yaml", data / "models" / "llama.yaml")
    arch = (
        "  architecture: {model_type: llama, layers: 32, hidden: 4096, intermediate: 14336, heads: 32, kv_heads: 8, head_dim: 128,"
        " vocab: 128256, tied_embeddings: false, max_context: 131072}\n"
    )
    (data / "models" / "ft.yaml").write_text(
        "- id: ghost-tune\n  name: Ghost\n  family: f\n  developer: d\n  params_b: 8\n  license: l\n  base_model: no-such-model\n"
        "  sources: [https://example.com/x]\n" + arch + "- id: wrong-shape\n  name: Wrong\n  family: f\n  developer: d\n  params_b: 8\n"
        "  license: l\n  base_model: llama-3.1-70b-instruct\n  sources: [https://example.com/x]\n" + arch
    )
    text = "\n".join(map(str, load_catalog(data).problems))
    assert "unknown model id 'no-such-model'" in text
    assert "wrong-shape architecture.layers" in text and "llama-3.1-70b-instruct" in text


def test_quant_names_parse_and_are_canonical(models):
    seen = 0
    for model in models.values():
        for value in (model.native_quant, model.ollama_quant, model.mlx_quant):
            if value is not None:
                assert parse_quant(value).name == value, model.id
                seen += 1
    assert seen > 250
    assert models["gpt-oss-120b"].native_quant == "MXFP4" and models["gpt-oss-120b"].ollama_quant == "MXFP4"
    assert models["deepseek-r1"].native_quant == "FP8"
    with pytest.raises(ValueError):
        Model.model_validate({**models["gpt-oss-20b"].model_dump(), "ollama_quant": "q4km"})  # must be spelled Q4_K_M


def test_every_moe_entry_has_active_params(models):
    moe = [m for m in models.values() if m.architecture.moe]
    assert len(moe) >= 40
    for model in moe:
        assert model.active_params_b is not None and model.active_params_b < model.params_b, model.id


def test_quality_scores_are_well_formed(models):
    scored = [m for m in models.values() if m.quality]
    assert len(scored) >= 20
    for model in scored:
        for score in model.quality:
            assert score.source.startswith("https://")
            if score.scale == "percent":
                assert 0 <= score.score <= 100
    r1 = {(q.use, q.benchmark): q.score for q in models["deepseek-r1"].quality}
    assert r1[("reasoning", "GPQA Diamond (pass@1)")] == 71.5
    with pytest.raises(ValueError):
        QualityScore(use="coding", benchmark="HumanEval", score=140, scale="percent", source="https://example.com/x", date="2025-01-01")


@pytest.mark.parametrize(
    ("model_id", "quant", "low", "high"),
    [
        ("gpt-oss-120b", "MXFP4", 60, 65),  # OpenAI: fits one 80 GB GPU; the checkpoint is ~65 GB
        ("gpt-oss-20b", "MXFP4", 11, 14),
        ("llama-3.1-nemotron-70b-instruct", "Q4_K_M", 41, 44),  # same file size as Llama 3.1 70B Q4_K_M (42.5 GB)
        ("qwen3-next-80b-a3b-instruct", "Q4_K_M", 45, 51),
        ("falcon-180b-chat", "Q4_0", 95, 106),
        ("tinyllama-1.1b-chat-v1.0", "Q4_0", 0.55, 0.7),
        ("deepseek-v3.2", "Q4_K_M", 390, 420),
    ],
)
def test_weights_match_published_file_sizes(models, model_id, quant, low, high):
    assert low <= _weights_gb(models[model_id], quant) <= high


def test_hybrid_models_keep_kv_on_attention_layers_only(models):
    qnext = models["qwen3-next-80b-a3b-instruct"]
    assert qnext.architecture.kv_layers == 12 and qnext.architecture.recurrent_state_mib > 0
    result = estimate(EstimateRequest(model=model_spec(qnext), system=System(gpus=[BIG_GPU]), quant="Q4_K_M", context=32768))
    # 12 attention layers x 2 (K,V) x 2 KV heads x 256 dims x 32768 cells x 2 bytes, plus the fixed recurrent state
    expected = 12 * 2 * 2 * 256 * 32768 * 2 + qnext.architecture.recurrent_state_mib * 2**20
    assert result.memory.kv_cache == pytest.approx(expected, rel=0.02)
