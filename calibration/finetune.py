"""Fine-tuning memory against published peaks (data/eval/finetune_memory.yaml; a check only: nothing is fitted on it).

Each row names its trainer, method, precision, optimizer, batch, sequence length, checkpointing and LoRA settings;
``training_request`` turns a row into a ``TrainingRequest`` with the row's stated settings over the trainer's defaults.
Rows the estimator cannot represent are left out with the reason: encoder-decoder models the catalog lacks, DeepSpeed
or torchtune CPU offload, torchtune's unpacked baseline (the real sequence lengths are unknown) and activation offloading.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import yaml

from calibration.benchmarks import REPO_ROOT, catalog
from estimator.hardware import System
from estimator.training import TrainingEstimate, TrainingRequest, estimate_training
from knowledge.devices import model_spec, system_from_hardware

FINETUNE_FILE = REPO_ROOT / "data" / "eval" / "finetune_memory.yaml"
GPUS = {"A100 (80 GB class": "a100-80gb-sxm", "A100 80GB": "a100-80gb-sxm", "NVIDIA A10G": "a10g"}
TRAINERS = {"torchtune": "torchtune", "litgpt": "litgpt", "HF transformers + peft": "hf"}
TARGETS = {
    "q_proj": ("q",),
    "k_proj": ("k",),
    "v_proj": ("v",),
    "output_proj": ("o",),
    "mlp": ("gate", "up", "down"),
    "query": ("q",),
    "key": ("k",),
    "value": ("v",),
    "projection": ("o",),
    "head": ("head",),
}
UNITS = {"GB": 1e9, "GiB": 2.0**30}


@dataclass(frozen=True)
class FinetuneCheck:
    label: str
    measured_bytes: float | None  # None: the row reports out of memory
    estimate: TrainingEstimate

    @property
    def ratio(self) -> float | None:
        return None if self.measured_bytes is None else self.estimate.memory.total / self.measured_bytes


def _gpu(name: str) -> str | None:
    if catalog().hardware_by_id(name) is not None:
        return name
    return next((gpu for prefix, gpu in GPUS.items() if name.startswith(prefix)), None)


def training_request(row: dict[str, Any]) -> TrainingRequest | str:
    """The row as a request, or why it is left out."""
    notes = row.get("notes", "")
    model = catalog().model(row["model"])
    gpu = _gpu(row["gpu"])
    trainer = next((t for prefix, t in TRAINERS.items() if row["trainer"].startswith(prefix)), None)
    if model is None or gpu is None or trainer is None:
        return "model, GPU or trainer not in the catalog"
    if "CPU offload" in notes or row.get("cpu_memory_gb"):
        return "CPU offload (DeepSpeed / torchtune fused offload): not modelled"
    step = re.search(r'step "([^"]+)"', notes)
    if step and step.group(1) in {"Baseline", "+ Activation Offloading"}:
        return f"torchtune step {step.group(1)!r}: unpacked sequences of unknown length / activation offloading"
    hardware = catalog().hardware_by_id(gpu)
    assert hardware is not None
    system: System = system_from_hardware([hardware] * row["gpus"]).model_copy(update={"desktop_reserve_gib": 0.0})
    fields: dict[str, Any] = {"model": model_spec(model), "system": system, "method": row["method"], "trainer": trainer}
    if row.get("batch_size"):
        fields["batch_size"] = row["batch_size"]
    if row.get("seq_len"):
        fields["seq_len"] = row["seq_len"]
    if row.get("gradient_checkpointing") is not None:
        fields["gradient_checkpointing"] = row["gradient_checkpointing"]
    optimizer = (row.get("optimizer") or "").lower()
    if "8bit" in optimizer:
        fields["optimizer"] = "adamw_8bit"
    elif "adamw" in optimizer:
        fields["optimizer"] = "adamw"
    if "optimizer_in_bwd" in optimizer or (step and step.group(1).startswith("+ Fuse optimizer")):
        fields["optimizer_in_backward"] = True
    if row.get("lora_rank"):
        fields["lora_rank"] = row["lora_rank"]
    if row.get("lora_targets"):
        fields["lora_targets"] = tuple(t for name in row["lora_targets"] for t in TARGETS.get(name, ()))
    if trainer == "torchtune" and step:
        # the "Optimization flags" table adds one technique per row: chunked cross-entropy from its row on
        fields["trainer"] = "torchtune"
        if step.group(1) in {"+ Packed Dataset", "+ Compile"}:
            fields["loss_chunks"] = 1
    return TrainingRequest.model_validate(fields)


def finetune_checks() -> tuple[list[FinetuneCheck], list[str]]:
    rows = yaml.safe_load(FINETUNE_FILE.read_text(encoding="utf-8"))
    checks: list[FinetuneCheck] = []
    skipped: list[str] = []
    for row in rows:
        label = f"{row['trainer']} {row['method']} {row['model']} x{row['gpus']} {row['gpu'][:24]}"
        label += f" bs{row.get('batch_size')} seq{row.get('seq_len')}"
        req = training_request(row)
        if isinstance(req, str):
            skipped.append(f"{label}: {req}")
            continue
        measured = None if row["result"] == "oom" else row["peak_memory"] * UNITS[row["unit"]]
        checks.append(FinetuneCheck(label, measured, estimate_training(req)))
    return checks, skipped
