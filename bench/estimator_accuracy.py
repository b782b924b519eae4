"""Estimator accuracy: in-sample and leave-one-hardware-family-out error for decode, prefill and file size,
beside the naive baselines measured in the same run; then an independent check on the catalog's measured
benchmarks that were NOT used for fitting (other models, long contexts, multi-GPU, MoE).

    python bench/estimator_accuracy.py
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from calibration.fit import run_fit

CALIBRATION_MODELS = {"llama-2-7b", "codellama-7b-instruct"}


def independent_check() -> None:
    from answers.knowledge_base import KnowledgeBase
    from estimator.estimate import EstimateRequest, estimate
    from knowledge.devices import model_spec, system_from_hardware

    kb = KnowledgeBase.load()
    chips = {}
    for hw in kb.catalog.hardware:
        chips.setdefault(hw.chip or hw.id, hw)
        chips.setdefault(hw.id, hw)
    rows = {"decode": [], "prefill": []}
    naive = {"decode": [], "prefill": []}
    skipped = 0
    for bench in kb.catalog.benchmarks:
        if bench.model in CALIBRATION_MODELS or bench.runtime not in {"llama.cpp", "ollama"}:
            continue
        model = kb.catalog.model(bench.model)
        hw = chips.get(bench.hardware)
        if model is None or hw is None:
            skipped += 1
            continue
        kind = "decode" if bench.test.startswith("tg") else "prefill"
        n = int(bench.test[2:].split("+")[0])
        depth = bench.context or 0
        try:
            req = EstimateRequest(
                model=model_spec(model),
                system=system_from_hardware([hw] * bench.gpus),
                quant=bench.quant,
                prompt_tokens=(n if kind == "prefill" else depth),
                gen_tokens=(n if kind == "decode" else 0),
                context=depth + n + 16,
            )
            est = estimate(req)
        except Exception:  # unknown quant spelling in a source table, etc.
            skipped += 1
            continue
        value = est.decode_tps if kind == "decode" else est.prefill_tps
        if value is None:
            skipped += 1
            continue
        rows[kind].append(value / bench.tokens_per_s)
        file_gb = est.weights.file_bytes / 1e9
        if kind == "decode":
            naive[kind].append(hw.bandwidth_gbs * bench.gpus**0 / file_gb / bench.tokens_per_s)
        else:
            naive[kind].append((hw.fp16_tflops or hw.fp32_tflops or 1) * 1e12 / (2 * model.params_b * 1e9) / bench.tokens_per_s)
    print("\nIndependent check on catalog benchmarks not used for fitting (predicted/measured):")
    for kind in ("decode", "prefill"):
        for label, data in (("ours", rows[kind]), ("naive", naive[kind])):
            if not data:
                continue
            errors = [abs(r - 1) for r in data]
            print(
                f"  {kind:8s} {label:6s} median |err| {100 * statistics.median(errors):5.1f}%   "
                f"within ±25%: {100 * sum(e < 0.25 for e in errors) / len(errors):5.1f}%   (n={len(errors)})"
            )
    print(f"  ({skipped} rows skipped: hardware/model not resolvable or runtime not llama.cpp-family)")


def main() -> None:
    started = time.perf_counter()
    result = run_fit()
    print(f"Calibration fit on data/calibration ({time.perf_counter() - started:.1f} s):")
    for name, acc in result.report.items():
        print(f"  {name:62s} {acc}")
    for kind, fams in result.per_family.items():
        lam = fams.pop("lambda")
        print(f"  {kind} leave-one-family-out median % by held-out family (ridge {lam}):")
        print("    " + ", ".join(f"{k} {v:.0f}" for k, v in sorted(fams.items())))
    print(f"  bands (10th-90th pct of predicted/measured): {result.constants.bands}")
    independent_check()


if __name__ == "__main__":
    main()
