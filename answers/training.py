"""Fine-tuning memory as an answer: names -> catalog entries -> ``estimator.training`` -> the JSON of
`runlocalai estimate --train full|lora|qlora` (same conventions as the inference estimate: model and hardware
references, memory in GB, a fit verdict, explanation, suggestions, assumptions)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from answers.estimates import EstimateQuery, build_system, resolve_model_spec
from answers.knowledge_base import KnowledgeBase
from answers.user_errors import InputError
from estimator.request import EstimateInputError
from estimator.training import LORA_TARGETS, TRAINERS, TrainingEstimate, TrainingRequest, estimate_training
from estimator.units import GB

METHODS = ("full", "lora", "qlora")
TARGET_WORDS = {"all": LORA_TARGETS[:-1], "attention": ("q", "k", "v", "o"), "mlp": ("gate", "up", "down")}


@dataclass
class TrainingQuery:
    method: str = "lora"
    model: str | None = None
    model_config: Path | dict[str, Any] | None = None
    hardware: list[str] = field(default_factory=list)
    gpus: int | None = None
    vram_gb: float | None = None
    bandwidth_gbs: float | None = None
    fp16_tflops: float | None = None
    desktop_reserve_gb: float | None = None
    trainer: str = "hf"
    precision: str | None = None
    optimizer: str | None = None
    batch_size: int = 1
    seq_len: int = 2048
    gradient_checkpointing: bool | None = None
    lora_rank: int | None = None
    lora_targets: str | None = None  # "q,v", "all", "attention", "mlp"


@dataclass
class TrainingResult:
    estimate: TrainingEstimate
    model_ref: dict[str, str]
    hardware_refs: list[dict[str, str]]
    assumptions: list[str]

    def to_json(self) -> dict[str, Any]:
        return training_json(self)


def parse_targets(text: str | None) -> tuple[str, ...] | None:
    if not text:
        return None
    out: list[str] = []
    for word in text.replace(" ", "").lower().split(","):
        names = TARGET_WORDS.get(word) or ((word.removesuffix("_proj"),) if word.removesuffix("_proj") in LORA_TARGETS else None)
        if names is None:
            raise InputError(f"Unknown LoRA target {word!r}: use q, k, v, o, gate, up, down, head, or all / attention / mlp.")
        out.extend(n for n in names if n not in out)
    return tuple(out)


def run_training(kb: KnowledgeBase, q: TrainingQuery) -> TrainingResult:
    if q.method not in METHODS:
        raise InputError(f"Unknown training method {q.method!r}: use full, lora or qlora.")
    if q.trainer not in TRAINERS:
        raise InputError(f"Unknown trainer {q.trainer!r}: use {', '.join(TRAINERS)}.")
    base = EstimateQuery(
        model=q.model,
        model_config=q.model_config,
        hardware=q.hardware,
        gpus=q.gpus,
        vram_gb=q.vram_gb,
        bandwidth_gbs=q.bandwidth_gbs,
        fp16_tflops=q.fp16_tflops,
        desktop_reserve_gb=q.desktop_reserve_gb,
    )
    spec, model_ref = resolve_model_spec(kb, base)
    if not q.hardware and q.vram_gb is None:
        raise InputError("Name the GPU (--hardware), or give --vram-gb and --bandwidth-gbs.")
    system, hardware_refs = build_system(kb, base)
    try:
        request = TrainingRequest.model_validate(
            {
                "model": spec,
                "system": system,
                "method": q.method,
                "trainer": q.trainer,
                "precision": q.precision,
                "optimizer": q.optimizer,
                "batch_size": q.batch_size,
                "seq_len": q.seq_len,
                "gradient_checkpointing": q.gradient_checkpointing,
                "lora_rank": q.lora_rank,
                "lora_targets": parse_targets(q.lora_targets),
            }
        )
        est = estimate_training(request)
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
        raise InputError(f"Impossible training options ({problems}).") from exc
    except EstimateInputError as exc:
        raise InputError(str(exc)) from exc
    return TrainingResult(est, model_ref, hardware_refs, _assumptions(q, est))


def _assumptions(q: TrainingQuery, est: TrainingEstimate) -> list[str]:
    s = est.settings
    out = [f"Trainer {q.trainer}: its defaults fill what the question leaves out."]
    if q.precision is None:
        out.append(
            f"Precision {s.precision} ({'fp32 parameters with 16-bit autocast' if s.precision == 'mixed' else 'parameters and states'})."
        )
    if q.optimizer is None:
        out.append(f"Optimizer {s.optimizer}.")
    if q.gradient_checkpointing is None:
        out.append(f"Gradient checkpointing {'on' if s.gradient_checkpointing else 'off'}.")
    if q.method != "full" and q.lora_rank is None:
        out.append(f"LoRA rank {s.lora_rank} on {', '.join(s.lora_targets)}.")
    return out


def training_json(result: TrainingResult) -> dict[str, Any]:
    est = result.estimate
    m = est.memory
    s = est.settings
    return {
        "model": result.model_ref,
        "hardware": result.hardware_refs,
        "mode": "training",
        "method": est.request.method,
        "trainer": est.request.trainer,
        "precision": s.precision,
        "optimizer": s.optimizer,
        "batch_size": est.request.batch_size,
        "seq_len": est.request.seq_len,
        "gradient_checkpointing": s.gradient_checkpointing,
        "lora": None if est.request.method == "full" else {"rank": s.lora_rank, "targets": list(s.lora_targets)},
        "trainable_params": int(est.trainable_params),
        "memory": {
            "weights_gb": round(m.weights / GB, 2),
            "adapters_gb": round(m.adapters / GB, 2),
            "gradients_gb": round(m.gradients / GB, 2),
            "optimizer_gb": round(m.optimizer / GB, 2),
            "activations_gb": round(m.activations / GB, 2),
            "logits_gb": round(m.logits / GB, 2),
            "overhead_gb": round(m.overhead / GB, 2),
            "total_gb": round(m.total / GB, 2),
            "available_gb": round(m.available / GB, 2),
        },
        "per_gpu": len(est.request.system.gpus) > 1,
        "fit": est.fit,
        "explanation": est.explanation,
        "suggestions": list(est.suggestions),
        "assumptions": result.assumptions,
    }


def training_text(result: TrainingResult) -> str:
    data = training_json(result)
    hw = " + ".join(h["name"] for h in result.hardware_refs) or "custom GPU"
    head = f"{result.model_ref['name']} · {data['method']} · batch {data['batch_size']} x {data['seq_len']:,} tokens"
    lines = [
        f"{head} on {hw} ({data['trainer']})",
        f"{data['fit'].replace('_', ' ').capitalize()}: {data['explanation']}",
    ]
    lines.extend(f"Assumed: {a}" for a in data["assumptions"])
    if data["suggestions"]:
        lines.append("What to change:")
        lines.extend(f"- {s}" for s in data["suggestions"])
    return "\n".join(lines)
