"""Chart render time: p50/p95 per chart type, drawn in this process (what the worker does) and through the bot's
warm worker process (what a reply waits for: pickling, the pipe and the drawing; the bot's cache of recent PNGs is
off here), beside encoding an empty PNG of the same size measured in the same run. Also the PNG sizes and the cost
of the speed curve's estimates.

    python bench/charts.py [--repeat 60]
"""

from __future__ import annotations

import argparse
import asyncio
import io
import os
import statistics
import sys
import time
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from PIL import Image

from answers import estimates
from answers.estimates import EstimateQuery, run_estimate
from answers.knowledge_base import KnowledgeBase
from answers.side_by_side import side_by_side
from answers.speed_curve import curve_contexts, speed_curve
from bot import chart_content
from bot.chart_draw import has_dejavu, render
from bot.chart_specs import HEIGHT_PX, PALETTE, WIDTH_PX, ChartSpec
from bot.charts import ChartRenderer

BUDGET_MS = 100.0


def percentiles(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    return statistics.median(ordered) * 1000, ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))] * 1000


def timed(fn, repeat: int, clock=time.perf_counter) -> list[float]:
    fn()  # warm
    out = []
    for _ in range(repeat):
        t0 = clock()
        fn()
        out.append(clock() - t0)
    return out


def empty_png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (WIDTH_PX, HEIGHT_PX), PALETTE["card"]).save(buffer, format="PNG")
    return buffer.getvalue()


def chart_specs(kb: KnowledgeBase) -> dict[str, tuple[ChartSpec, list[float]]]:
    """One spec per chart type, built from real answers; with the time its speed curve took (cold cache)."""
    specs: dict[str, tuple[ChartSpec, list[float]]] = {}
    for label, model, hardware in (
        ("willitrun (fits)", "llama-3.1-8b-instruct", "rtx-3060-12gb"),
        ("willitrun (offload)", "llama-3.3-70b-instruct", "rtx-4090"),
    ):
        query = EstimateQuery(model=model, hardware=[hardware], context=8192)
        result = run_estimate(kb, query)
        contexts = curve_contexts(result.estimate.request.model.arch.max_context, 8192)
        estimates._cache.clear()
        t0 = time.perf_counter()
        points = speed_curve(kb, query, contexts)
        cold = time.perf_counter() - t0
        t0 = time.perf_counter()
        speed_curve(kb, query, contexts)
        warm = time.perf_counter() - t0
        specs[label] = (chart_content.estimate_spec(result, points), [cold, warm])
    catalog = kb.catalog
    gpus = side_by_side(kb, catalog.hardware_by_id("rtx-3090"), catalog.hardware_by_id("rtx-4090"))  # type: ignore[arg-type]
    models = side_by_side(kb, catalog.model("qwen3-32b"), catalog.model("llama-3.3-70b-instruct"))  # type: ignore[arg-type]
    specs["compare GPUs"] = (chart_content.compare_spec(gpus), [])
    specs["compare models"] = (chart_content.compare_spec(models), [])
    specs["compare sizes"] = (chart_content.compare_spec(replace(models, kind="sizes")), [])
    return specs


async def through_worker(specs: dict[str, tuple[ChartSpec, list[float]]], repeat: int) -> dict[str, list[float]]:
    renderer = ChartRenderer(keep=0)  # every render drawn anew (the bot keeps recent PNGs for repeated questions)
    t0 = time.perf_counter()
    await renderer.wait_ready()
    start = time.perf_counter() - t0
    out: dict[str, list[float]] = {"(worker start + warm-up)": [start]}  # spawn re-imports this script; the bot's is lighter
    for label, (spec, _) in specs.items():
        await renderer.render(spec, timeout=10)
        samples = []
        for _ in range(repeat):
            t0 = time.perf_counter()
            png = await renderer.render(spec, timeout=10)
            samples.append(time.perf_counter() - t0)
            assert png is not None
        out[label] = samples
    renderer.close()
    return out


def print_load() -> None:
    if hasattr(os, "getloadavg"):
        print(f"load average (1 min) {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=60)
    args = parser.parse_args()
    kb = KnowledgeBase.load()
    specs = chart_specs(kb)
    base = percentiles(timed(empty_png, args.repeat))
    base_cpu = percentiles(timed(empty_png, args.repeat, time.process_time))
    print(f"Charts {WIDTH_PX}x{HEIGHT_PX}, Pillow, font {'DejaVu Sans' if has_dejavu() else 'Pillow built-in (DejaVu not found)'}")
    size = f"{WIDTH_PX}x{HEIGHT_PX}"
    print(f"baseline: encode an empty {size} PNG   p50 {base[0]:6.1f} ms  p95 {base[1]:6.1f} ms  (CPU p50 {base_cpu[0]:.1f} ms)")
    print()
    print(f"{'chart':22} {'in-process p50':>15} {'p95':>8} {'x baseline':>10} {'CPU p50':>9} {'x baseline':>10} {'PNG KB':>7}")
    worst = 0.0
    for label, (spec, _) in specs.items():
        p50, p95 = percentiles(timed(lambda spec=spec: render(spec), args.repeat))
        cpu50, _ = percentiles(timed(lambda spec=spec: render(spec), args.repeat, time.process_time))
        worst = max(worst, p95)
        print(
            f"{label:22} {p50:12.1f} ms {p95:5.1f} ms {p50 / base[0]:9.1f}x {cpu50:6.1f} ms {cpu50 / base_cpu[0]:9.1f}x "
            f"{len(render(spec)) / 1024:7.1f}"
        )
    print()
    print(f"{'chart':26} {'via warm worker p50':>19} {'p95':>8}")
    for label, samples in asyncio.run(through_worker(specs, args.repeat)).items():
        p50, p95 = percentiles(samples)
        worst = max(worst, p95) if not label.startswith("(") else worst
        print(f"{label:26} {p50:16.1f} ms {p95:5.1f} ms")
    print()
    for label, (_, curve) in specs.items():
        if curve:
            print(f"speed curve for {label}: {curve[0] * 1000:.0f} ms cold, {curve[1] * 1000:.2f} ms cached (run_estimate)")
    print_load()
    print(f"worst p95 {worst:.1f} ms: {'within' if worst <= BUDGET_MS else 'OVER'} the {BUDGET_MS:.0f} ms budget")


if __name__ == "__main__":
    main()
