"""Estimator accuracy, fit and check apart (issue #14).

1. Stage 1 (data/calibration, LLaMA-2-7B scoreboards): in-sample and leave-one-hardware-family-out error beside the
   naive baselines, as before.
2. Stage 2 fit rows (the ``fit`` files of data/measurements/split.yaml): in-sample error of the terms fitted on them.
3. Check rows (the ``check`` files: never used for any constant): decode, prefill and whole-request speeds by category
   (dense / MoE llama.cpp, offload, vLLM, MLX, multi-GPU), beside the naive rules, and the issue's goals.
4. GGUF file sizes against data/eval/gguf_sizes.yaml (no constant involved: every row is a check).
5. Fit verdicts: measured rows answered "won't run", real out-of-memory reports answered "fits".
6. Fine-tuning memory against data/eval/finetune_memory.yaml (a check).

    python bench/estimator_accuracy.py            # everything
    python bench/estimator_accuracy.py --quick    # skip the stage-1 refit (the slowest part)
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from calibration.benchmarks import CALIBRATION_MODELS, Case, cases, catalog
from calibration.measured_fit import Prepared, band_key, predict, prepare
from estimator.calibration.constants import CONSTANTS


def summary(ratios: list[float]) -> str:
    if not ratios:
        return "n=0"
    errors = [abs(r - 1) for r in ratios]
    return (
        f"median |err| {100 * statistics.median(errors):5.1f}%   within ±25%: {100 * sum(e < 0.25 for e in errors) / len(errors):5.1f}%   "
        f"median pred/meas {statistics.median(ratios):4.2f}   (n={len(ratios)})"
    )


def naive(case: Case) -> float | None:
    """The back-of-envelope rules: decode = bandwidth / file size; prefill = FP16 TFLOPS / (2 x params)."""
    row = case.bench.row
    hw = catalog().hardware_by_id(row.hardware) or next((h for h in catalog().hardware if h.chip == row.hardware), None)
    model = catalog().model(row.model)
    if hw is None or model is None:
        return None
    from estimator.quants import parse_quant
    from estimator.weights import compute_weights

    try:
        size = compute_weights(model.architecture, parse_quant(row.quant), model.params_b).file_bytes
    except ValueError:
        return None
    if case.kind == "prefill":
        return (hw.fp16_tflops or hw.fp32_tflops or 1.0) * 1e12 / (2 * model.params_b * 1e9) / row.tokens_per_s
    return hw.bandwidth_gbs * 1e9 * row.gpus / size / row.tokens_per_s


def speed_tables(side: str) -> dict[str, list[float]]:
    rows, _ = cases((side,))  # type: ignore[arg-type]
    rows = [c for c in rows if c.bench.row.model not in CALIBRATION_MODELS]
    prepared: list[Prepared] = prepare(rows)
    groups: dict[str, list[float]] = defaultdict(list)
    for p in prepared:
        ratio = predict(p, CONSTANTS) / p.case.measured
        kind = {"decode": "decode", "prefill": "prefill"}.get(p.case.kind, "request")
        groups[f"{kind} all"].append(ratio)
        groups[f"{kind} {band_key(p)}"].append(ratio)
        if "moe" in p.case.categories:
            groups[f"{kind} MoE (any setup)"].append(ratio)
        if "multi_gpu" in p.case.categories:
            groups[f"{kind} multi-GPU"].append(ratio)
        if "apple" in p.case.categories:
            groups[f"{kind} Apple"].append(ratio)
        base = naive(p.case)
        if base is not None and p.case.kind in {"decode", "prefill"}:
            groups[f"{kind} naive rule"].append(base)
    groups["_unbuilt"] = [float(len(rows) - len(prepared))]
    return groups


def print_tables(title: str, groups: dict[str, list[float]]) -> None:
    print(f"\n{title}")
    for key in sorted(k for k in groups if not k.startswith("_")):
        print(f"  {key:28s} {summary(groups[key])}")
    print(f"  ({int(groups['_unbuilt'][0])} rows the estimator answers 'won't run' or cannot represent are left out)")


def goals(check: dict[str, list[float]]) -> None:
    def within(key: str) -> float:
        data = check.get(key, [])
        return 100 * sum(abs(r - 1) < 0.25 for r in data) / max(1, len(data))

    def median(key: str) -> float:
        data = check.get(key, [])
        return 100 * statistics.median(abs(r - 1) for r in data) if data else float("nan")

    print("\nGoals on check rows (never fitted):")
    print(f"  decode median |err| <= 10 %:       {median('decode all'):5.1f} %")
    print(f"  decode within ±25 % >= 85 %:       {within('decode all'):5.1f} %")
    moe_decode, moe_decode_gpu = within("decode MoE (any setup)"), within("decode moe")
    moe_prompt, moe_prompt_gpu = median("prefill MoE (any setup)"), median("prefill moe")
    print(f"  MoE decode within ±25 % >= 80 %:   {moe_decode:5.1f} % (llama.cpp full-GPU MoE: {moe_decode_gpu:.1f} %)")
    print(f"  MoE prompt median |err| <= 30 %:   {moe_prompt:5.1f} % (llama.cpp full-GPU MoE: {moe_prompt_gpu:.1f} %)")


def sizes() -> None:
    from calibration.sizes import size_checks

    checks = size_checks()
    print("\nGGUF file sizes vs data/eval/gguf_sizes.yaml (no fitted constant; error outside the listing's rounding):")
    by_model: dict[str, list[float]] = defaultdict(list)
    old = [c for c in checks if c.old_recipe]
    for c in checks:
        if not c.old_recipe:
            by_model[c.model].append(abs(c.error))
    for model, errors in sorted(by_model.items()):
        print(f"  {model:30s} max {100 * max(errors):5.2f}%   median {100 * statistics.median(errors):5.2f}%   (n={len(errors)})")
    every = [e for errors in by_model.values() for e in errors]
    print(f"  all current recipes: median {100 * statistics.median(every):.2f}%, max {100 * max(every):.2f}% (n={len(every)})")
    if old:
        worst = max(abs(c.error) for c in old)
        print(f"  older llama.cpp recipes (Dec 2023 Mixtral, Oct 2023 Q2_K; not modelled): n={len(old)}, max {100 * worst:.1f}%")


def verdicts() -> None:
    from calibration.verdicts import measured_row_verdicts, oom_verdicts

    measured = measured_row_verdicts()
    bad = [c for c in measured if not c.ok]
    print("\nFit verdicts (estimator alone, before any measurement reconciles it):")
    print(f"  measured rows answered 'won't run': {len(bad)} of {len(measured)}")
    for c in bad:
        print(f"    - {c.label}")
    checks, skipped = oom_verdicts()
    fits = [c for c in checks if not c.ok]
    print(f"  real capacity OOM reports answered 'fits': {len(fits)} of {len(checks)} representable ({len(skipped)} left out)")
    for c in fits:
        print(f"    - {c.label}: {c.verdict}")


def finetune() -> None:
    from calibration.finetune import finetune_checks

    checks, skipped = finetune_checks()
    ratios = [c.ratio for c in checks if c.ratio is not None]
    ooms = [c for c in checks if c.ratio is None]
    print("\nFine-tuning memory vs data/eval/finetune_memory.yaml (a check; predicted/measured peak):")
    by: dict[str, list[float]] = defaultdict(list)
    for c in checks:
        if c.ratio is not None:
            by[c.label.split()[0] + " " + c.estimate.request.method].append(c.ratio)
    for key, values in sorted(by.items()):
        print(f"  {key:22s} {summary(values)}")
    print(f"  all                    {summary(ratios)}")
    said_fits = [c for c in ooms if c.estimate.fit != "wont_run"]
    print(f"  published OOMs answered as fitting: {len(said_fits)} of {len(ooms)}; {len(skipped)} rows not representable")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="skip the stage-1 refit")
    args = parser.parse_args()
    if not args.quick:
        from calibration.fit import run_fit

        started = time.perf_counter()
        result = run_fit()
        print(f"Stage 1 calibration on data/calibration ({time.perf_counter() - started:.1f} s):")
        for name, acc in result.report.items():
            print(f"  {name:62s} {acc}")
        print(f"  bands (10th-90th pct of predicted/measured): {CONSTANTS.bands}")
    fit = speed_tables("fit")
    print_tables("Stage 2 fit rows (fit files of data/measurements/split.yaml; in-sample for the stage-2 terms):", fit)
    check = speed_tables("check")
    print_tables("Check rows (check files; never used for any constant):", check)
    goals(check)
    sizes()
    verdicts()
    finetune()


if __name__ == "__main__":
    main()
