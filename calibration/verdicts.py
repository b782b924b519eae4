"""Fit verdicts against reality: measured rows must never be answered "won't run", real out-of-memory reports must
never be answered "fits" (runs_well / tight).

- Measured rows: every row of knowledge/data/benchmarks (both sides of the split: no constant is fitted on verdicts),
  asked as its setup (``calibration.benchmarks.build_case``). A row whose host RAM is not stated is asked with the
  estimator's default RAM, as a user who does not give it would be.
- Out-of-memory reports: data/eval/oom_reports.yaml. Reports name models and machines in free text; ``OOM_SETUPS``
  below maps each one this estimator can represent to catalog ids and request fields, and says why the others are
  left out (multi-node pipeline parallelism, unnamed hardware, engines it does not model).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import yaml

from calibration.benchmarks import REPO_ROOT, Case, cases, catalog
from estimator.estimate import EstimateRequest, estimate
from estimator.hardware import System
from knowledge.devices import model_spec, system_from_hardware

OOM_FILE = REPO_ROOT / "data" / "eval" / "oom_reports.yaml"
FITS = frozenset({"runs_well", "tight"})

# source URL -> request fields (catalog ids; "hardware" a list of hardware ids, [] for a CPU-only machine, "ram_gb" the
# host RAM when the report gives it), or the reason the report cannot be represented. Only capacity_oom: true reports
# are checked. A model the catalog lacks is mapped to a catalogued model with the same tensor shapes, said here.
OOM_SETUPS: dict[str, dict[str, Any] | str] = {
    "https://github.com/ggml-org/llama.cpp/issues/20431": {
        "model": "qwen3.5-397b-a17b",  # a Heretic fine-tune of it
        "hardware": ["rtx-3090"],
        "quant": "Q4_K_S",
        "context": 262144,
        "n_cpu_moe": 999,  # -ot ffn_exps=CPU: every routed expert in RAM
        "ubatch": 1024,
        "vision": True,
    },
    "https://github.com/mozilla-ai/llamafile/issues/372": {
        "model": "tinyllama-1.1b-chat-v1.0",
        "hardware": ["gtx-1050-ti"],
        "quant": "F32",
        "context": 512,
        "gpu_layers": 9999,
    },
    "https://github.com/vllm-project/vllm/issues/15598": "4 nodes with pipeline parallelism 4: not modelled",
    "https://github.com/ikawrakow/ik_llama.cpp/pull/235": "ik_llama.cpp with pipeline-parallel copies; context not stated",
    "https://github.com/abetlen/llama-cpp-python/issues/1944": "llama.cpp before its MLA latent KV cache (a 200 GB full-head "
    "cache); today's cache for that context is 11.5 GB, so the report describes a version this estimator does not model",
    "https://github.com/ggml-org/llama.cpp/issues/8101": {
        "model": "llama-3-8b-instruct",  # the Gradient 1M-context fine-tune: same shapes
        "hardware": [],
        "ram_gb": 128,
        "quant": "Q8_0",  # not stated; any quant: the 1M-token KV cache alone is 128 GiB
        "context": 1048576,
    },
    "https://github.com/Graph-COM/SubgraphRAG/issues/19": {
        "model": "llama-3.1-8b-instruct",
        "hardware": ["rtx-3090"],  # vLLM's tensor_parallel_size defaults to 1: one of the two cards
        "quant": "BF16",
        "runtime": "vllm",
        "context": 131072,
    },
    "https://github.com/ollama/ollama/issues/14719": {
        "model": "deepseek-r1-distill-llama-70b",
        "hardware": ["rtx-3090", "rtx-3090"],
        "quant": "Q4_K_M",
        "runtime": "ollama",
        "ram_gb": 65.6,
        "context": 131072,  # Ollama's default num_ctx with >= 47 GiB of VRAM (262144), capped at the model's 131072
    },
    "https://github.com/ggml-org/llama.cpp/issues/9112": {
        "model": "phi-3.5-mini-instruct",
        "hardware": ["apple-m1-max-32c-64gb"],  # a 64 GB Mac with a 48 GiB working set (chip not stated)
        "quant": "Q8_0",
        "context": 131072,
        "flash_attention": False,
    },
    "https://github.com/ggml-org/llama.cpp/issues/3414": {
        "model": "codellama-34b-instruct",
        "hardware": ["apple-m1-max-32c-32gb"],
        "quant": "Q4_K_M",
        "context": 8168,
        "flash_attention": False,
    },
    "https://github.com/turboderp-org/exllamav2/issues/677": {
        "model": "llama-3.1-70b-instruct",
        "hardware": ["l40s"],  # "46 GB (48 GB card, likely L40S)"
        "quant": "EXL2 2.4bpw",
        "runtime": "exllamav2",
        "context": 131072,
    },
    "https://github.com/turboderp-org/exllamav2/issues/663": "a draft model of unstated size loaded beside the 70B on Windows",
    "https://github.com/meta-llama/llama/issues/55": "Meta's reference PyTorch code with a batch-32 KV cache: not an engine modelled",
    "https://github.com/meta-llama/llama/issues/136": "Meta's reference PyTorch code with a batch-32 KV cache: not an engine modelled",
    "https://github.com/vllm-project/vllm/issues/1479": "vLLM 0.2 (Oct 2023) with its first AWQ kernels: the thread puts the "
    "memory in those kernels, which today's engine and this estimator do not have",
    "https://github.com/vllm-project/vllm/issues/4880": {
        "model": "qwen2.5-32b-instruct",  # Qwen1.5-32B-Chat: the same shapes (64 layers, 5120 wide, 40/8 heads)
        "hardware": ["rtx-3090"],
        "quant": "AWQ",
        "runtime": "vllm",
        "context": 32768,
    },
    "https://github.com/vllm-project/vllm/issues/3872": {
        "model": "qwen2.5-32b-instruct",  # Qwen1.5-32B-Chat-GPTQ-Int4: the same shapes
        "hardware": ["rtx-3090"],
        "quant": "GPTQ",
        "runtime": "vllm",
        "context": 512,
        "gpu_memory_utilization": 0.9,
    },
    "https://github.com/ollama/ollama/issues/3765": {
        "model": "llama-3-70b-instruct",
        "hardware": ["rx-7900-xtx"],  # "AMD GPU 24 GB (ROCm)"
        "quant": "Q2_K",
        "runtime": "ollama",
        "ram_gb": 64,
        "context": 2048,
    },
    "https://github.com/riccardomusmeci/mlx-llm/issues/22": {
        "model": "llama-3-8b-instruct",
        "hardware": ["apple-m1-max-24c-32gb"],  # "Apple M1 32 GB"
        "quant": "MLX 4bit",
        "runtime": "mlx-lm",
        "context": 17128,
        "prompt_tokens": 17000,
        "ubatch": 17000,  # mlx-llm computes the whole prompt's attention at once
        "flash_attention": False,
    },
    "https://github.com/ml-explore/mlx-lm/issues/644": {
        "model": "gpt-oss-20b",
        "hardware": ["apple-m4-10c-16gb"],
        "quant": "MLX 4bit",  # mlx-community's MXFP4 conversion: 4-bit weights with group scales, 11.5 GB
        "runtime": "mlx-lm",
        "context": 4096,
    },
    "https://github.com/ml-explore/mlx-lm/issues/1808": "28 concurrent generations in mlx_lm.evaluate on an M5 (not in the catalog)",
    "https://github.com/ml-explore/mlx-examples/issues/626": {
        "model": "mixtral-8x7b-instruct-v0.1",
        "hardware": ["apple-m1-max-32c-64gb"],  # "Apple M1 Mac 64 GB"
        "quant": "MLX 8bit",
        "runtime": "mlx-lm",
        "context": 54128,
        "prompt_tokens": 54000,
        "ubatch": 54000,  # the 2024 example computed the prompt's attention unchunked
        "flash_attention": False,
    },
    "https://github.com/ollama/ollama/issues/6741": "GPUs totalling 160 GB, cards not stated",
}


@dataclass(frozen=True)
class VerdictCheck:
    label: str
    verdict: str
    ok: bool
    detail: str = ""


def measured_row_verdicts(sides: tuple[str, ...] = ("fit", "check")) -> list[VerdictCheck]:
    """One check per measured row: the estimator must not say "won't run"."""
    rows, _ = cases(sides)  # type: ignore[arg-type]
    out = []
    for case in rows:
        try:
            est = estimate(case.request)
        except ValueError as exc:
            out.append(VerdictCheck(_label(case), "error", True, str(exc)))
            continue
        ok = est.fit != "wont_run" or (est.deciding_term == "runtime" and case.request.runtime not in {"llama.cpp", "ollama"})
        out.append(VerdictCheck(_label(case), est.fit, ok, " ".join(est.reasons)))
    return out


def _label(case: Case) -> str:
    row = case.bench.row
    return f"{row.model} on {row.gpus}x {row.hardware} {row.quant} {row.runtime} {row.test} ({case.bench.file})"


def oom_reports() -> list[dict[str, Any]]:
    return yaml.safe_load(OOM_FILE.read_text(encoding="utf-8"))


def oom_verdicts() -> tuple[list[VerdictCheck], list[str]]:
    """Checks for the capacity out-of-memory reports this estimator can represent, and the reasons for the rest."""
    cat = catalog()
    checks: list[VerdictCheck] = []
    skipped: list[str] = []
    for report in oom_reports():
        if report.get("capacity_oom") is not True:
            continue
        setup = OOM_SETUPS.get(report["source"])
        if setup is None or isinstance(setup, str):
            skipped.append(f"{report['source']}: {setup or 'no catalog mapping (model or machine not identifiable)'}")
            continue
        fields = dict(setup)
        model = cat.model(fields.pop("model"))
        hardware = [cat.hardware_by_id(h) for h in fields.pop("hardware")]
        assert model is not None and all(hardware), report["source"]
        ram = fields.pop("ram_gb", None)
        system = system_from_hardware([h for h in hardware if h is not None], ram) if hardware else System(ram_gib=ram)
        request = EstimateRequest(model=model_spec(model), system=system, **fields)
        est = estimate(request)
        checks.append(VerdictCheck(report["source"], est.fit, est.fit not in FITS, est.deciding_term))
    return checks, skipped
