"""Catalog-wide evaluation speed: all catalog models x common quants x all hardware at one context, with the
vectorised grid, against a scalar estimate() loop over a sample measured in the same run.

    python bench/batch_grid.py
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def main() -> None:
    from answers.knowledge_base import KnowledgeBase
    from estimator.batch import HardwareColumns, ModelQuantTable, evaluate_grid
    from estimator.estimate import EstimateRequest, estimate
    from estimator.quants import COMMON_GGUF
    from knowledge.devices import model_spec, system_from_hardware

    kb = KnowledgeBase.load()
    models = [model_spec(m) for m in kb.catalog.models]
    systems = [(h.id, system_from_hardware([h])) for h in kb.catalog.hardware]
    t0 = time.perf_counter()
    table = ModelQuantTable.build(models, list(COMMON_GGUF))
    build_s = time.perf_counter() - t0
    columns = HardwareColumns.build(systems)
    evaluate_grid(table, columns, [8192])  # warm up
    runs = []
    for _ in range(7):
        t0 = time.perf_counter()
        grid = evaluate_grid(table, columns, [8192])
        runs.append(time.perf_counter() - t0)
    combos = grid.fit.size
    grid_ms = statistics.median(runs) * 1000
    sample = [(models[i % len(models)], COMMON_GGUF[i % len(COMMON_GGUF)], systems[(i * 7) % len(systems)][1]) for i in range(200)]
    t0 = time.perf_counter()
    for model, quant, system in sample:
        estimate(EstimateRequest(model=model, system=system, quant=quant, context=8192))
    scalar_per = (time.perf_counter() - t0) / len(sample)
    scalar_total_ms = scalar_per * combos * 1000
    print(f"combinations: {len(models)} models x {len(COMMON_GGUF)} quants x {len(systems)} hardware = {combos:,}")
    print(f"per-(model, quant) table build (once, at start-up): {build_s * 1000:.0f} ms")
    print(f"vectorised grid, median of 7: {grid_ms:.1f} ms  (goal <= 100 ms)")
    print(f"scalar estimate(): {scalar_per * 1e3:.2f} ms each -> {scalar_total_ms / 1000:.0f} s for the same grid")
    print(f"speed-up: {scalar_total_ms / grid_ms:,.0f}x")


if __name__ == "__main__":
    main()
