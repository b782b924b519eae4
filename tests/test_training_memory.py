"""Fine-tuning memory (issue #14, item 6): every term hand-computed on a small model, the CLI contract, and the
published peaks as a check (no constant is fitted on them)."""

from __future__ import annotations

import json

import pytest

from estimator.architecture import ModelArch
from estimator.hardware import Device, System
from estimator.request import ModelSpec
from estimator.training import TrainingRequest, estimate_training, lora_parameters, resolved_settings
from estimator.units import GIB
from runlocalai.cli import main

# 2 layers, hidden 256, MLP 512, 4 heads of 64 with 2 KV heads, vocabulary 1000, untied head.
TINY = ModelArch(
    model_type="llama",
    layers=2,
    hidden=256,
    intermediate=512,
    heads=4,
    kv_heads=2,
    head_dim=64,
    vocab=1000,
    tied_embeddings=False,
    max_context=4096,
)
# per layer: q 65,536 + k 32,768 + v 32,768 + o 65,536 + gate/up/down 3 x 131,072 + 2 norms x 256 = 590,336
# total: 2 x 590,336 + output_norm 256 + embedding 256,000 + head 256,000 = 1,692,928
PARAMS = 1_692_928
GPU = System(gpus=[Device(kind="gpu", family="nvidia_datacenter", memory_gib=24, bandwidth_gbs=900)])


def _request(**kw) -> TrainingRequest:
    return TrainingRequest(model=ModelSpec(id="tiny", name="Tiny", arch=TINY), system=GPU, batch_size=2, seq_len=128, **kw)


def test_full_fine_tune_terms_by_hand():
    est = estimate_training(_request(method="full", trainer="torchtune"))
    m = est.memory
    assert est.trainable_params == PARAMS
    assert m.weights == pytest.approx(PARAMS * 2)  # bf16
    assert m.gradients == pytest.approx(PARAMS * 2)
    assert m.optimizer == pytest.approx(PARAMS * 4)  # AdamW: two bf16 moments
    # 256 tokens; one layer keeps 2 x (4 x 256 + 256 + 2 x 128 + 256 + 3 x 512) = 6,656 bytes per token; with
    # checkpointing each layer keeps its 2 x 256-byte input and one layer is recomputed
    assert m.activations == pytest.approx(256 * (2 * 2 * 256 + 6656))
    # logits: bf16 for every token, float32 value + gradient for one of torchtune's 8 chunks
    assert m.logits == pytest.approx(1000 * (2 * 256 + 8 * 256 / 8))
    subtotal = PARAMS * 8 + 256 * (2 * 2 * 256 + 6656) + 1000 * (512 + 256)
    assert m.overhead == pytest.approx(0.35 * GIB + 0.05 * subtotal)
    assert est.fit == "runs_well"


def test_checkpointing_off_keeps_every_layer():
    est = estimate_training(_request(method="full", trainer="torchtune", gradient_checkpointing=False))
    assert est.memory.activations == pytest.approx(256 * 2 * 6656)


def test_lora_counts_rank_times_in_plus_out_per_adapted_matrix():
    req = _request(method="lora", trainer="hf", lora_rank=8, lora_targets=("q", "v"))
    # q: 8 x (256 + 256) x 2 layers = 8,192; v: 8 x (256 + 128) x 2 layers = 6,144
    assert lora_parameters(req, resolved_settings(req)) == 14_336
    est = estimate_training(req)
    m = est.memory
    assert m.weights == pytest.approx(PARAMS * 4)  # HF Trainer: fp32 parameters under bf16 autocast
    assert m.gradients == pytest.approx(14_336 * 4) and m.optimizer == pytest.approx(14_336 * 8)
    assert m.logits == pytest.approx(1000 * (2 + 8) * 256)  # no chunked loss


def test_qlora_stores_linear_layers_in_nf4_and_8bit_adam_quarters_the_states():
    lora = estimate_training(_request(method="lora", trainer="torchtune"))
    qlora = estimate_training(_request(method="qlora", trainer="torchtune"))
    linear = 2 * 589_824
    # NF4 with double quantisation: 32 bytes of 4-bit codes + a 1-byte absmax per 64 weights + one fp32 constant per 256
    # blocks (33.016 bytes per 64); embedding and head stay 16-bit, norms too
    assert qlora.memory.weights == pytest.approx(linear * (32 + 1 + 4 / 256) / 64 + 2 * 256_000 * 2 + (2 * 2 * 256 + 256) * 2)
    assert qlora.memory.weights < lora.memory.weights / 2
    adam8 = estimate_training(_request(method="full", trainer="torchtune", optimizer="adamw_8bit"))
    assert adam8.memory.optimizer == pytest.approx(PARAMS * 2)


def test_fsdp_splits_states_over_gpus_but_not_activations():
    two = System(gpus=GPU.gpus * 2)
    one = estimate_training(_request(method="full", trainer="torchtune"))
    sharded = estimate_training(
        TrainingRequest(
            model=ModelSpec(id="tiny", name="Tiny", arch=TINY), system=two, batch_size=2, seq_len=128, method="full", trainer="torchtune"
        )
    )
    assert sharded.memory.optimizer == pytest.approx(one.memory.optimizer / 2)
    assert sharded.memory.activations == pytest.approx(one.memory.activations)


def test_cli_train_json(capsys, catalog_db, monkeypatch):
    monkeypatch.setenv("RUNLOCALAI_DB", str(catalog_db))
    argv = ["estimate", "--model", "llama-3.1-8b-instruct", "--hardware", "rtx-4090", "--train", "full", "--json"]
    assert main(argv) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["mode"] == "training" and data["method"] == "full" and data["fit"] == "wont_run"
    assert data["trainable_params"] == pytest.approx(8.03e9, rel=0.01)
    assert data["memory"]["total_gb"] > data["memory"]["available_gb"] and data["suggestions"]
    assert main([*argv[:5], "--train", "qlora", "--trainer", "torchtune", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["fit"] in {"runs_well", "tight"} and data["lora"]["rank"] == 8 and data["lora"]["targets"] == ["q", "v"]


def test_published_peaks_are_a_check_not_a_fit():
    """The estimator is never fitted on data/eval/finetune_memory.yaml; the OOM rows it can represent must not be
    answered as runs_well with room to spare, and the ratio to published peaks stays within a factor of 3."""
    from calibration.finetune import finetune_checks

    checks, skipped = finetune_checks()
    assert len(checks) + len(skipped) == 81
    ratios = [c.ratio for c in checks if c.ratio is not None]
    assert len(ratios) >= 40 and all(1 / 3 < r < 3 for r in ratios)
