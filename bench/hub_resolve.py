"""Resolving Hugging Face repositories (answers/hub.py) against the fake Hub (testkit/fake_hub.py): an unseen
repository (model info + config.json, or model info + GGUF header by range requests) and the same from the
cache, beside a baseline measured in the same run (one plain HTTP GET of a config.json). Twice: on loopback,
and with a simulated wide-area link (a fixed delay on every request and a bandwidth cap on file bodies).

    python bench/hub_resolve.py [--runs 5] [--rtt-ms 80] [--mbytes-per-s 25]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

SAFETENSORS = ["Qwen/Qwen2.5-7B-Instruct", "Qwen/Qwen3-30B-A3B", "deepseek-ai/DeepSeek-V2-Lite-Chat", "ibm-granite/granite-4.0-h-tiny"]
GGUF = ["bartowski/Meta-Llama-3.1-8B-Instruct-GGUF", "testorg/Tiny-Split-GGUF:Q8_0"]


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def fmt(values: list[float]) -> str:
    return f"p50 {pct(values, 0.5) * 1000:8.1f} ms   p95 {pct(values, 0.95) * 1000:8.1f} ms"


def measure(endpoint: str, runs: int, workdir: Path) -> dict[str, list[float]]:
    from huggingface_hub.utils import get_session

    from answers.hub import HubResolver
    from answers.hub_cache import MemoryHubCache, SQLiteHubCache
    from bot.state.sqlite import SQLiteState

    out: dict[str, list[float]] = {"baseline": [], "safetensors": [], "gguf": [], "file cache": [], "bot state cache": []}
    url = f"{endpoint}/Qwen/Qwen2.5-7B-Instruct/resolve/main/config.json"
    for _ in range(runs * 2):
        t0 = time.perf_counter()
        get_session().get(url).raise_for_status()
        out["baseline"].append(time.perf_counter() - t0)
    for _ in range(runs):
        for kind, repos in (("safetensors", SAFETENSORS), ("gguf", GGUF)):
            for repo in repos:
                resolver = HubResolver(MemoryHubCache(), endpoint=endpoint, timeout_s=30)  # nothing cached: unseen
                t0 = time.perf_counter()
                resolver.resolve_sync(repo)
                out[kind].append(time.perf_counter() - t0)
                resolver.close()
    file_resolver = HubResolver(SQLiteHubCache(workdir / "hub-cache.sqlite"), endpoint=endpoint, timeout_s=30)
    for repo in SAFETENSORS + GGUF:
        file_resolver.resolve_sync(repo)  # fill

    async def from_state() -> list[float]:
        state = SQLiteState(workdir / "state.sqlite")
        await state.open()
        resolver = HubResolver(state, endpoint=endpoint, timeout_s=30)
        for repo in SAFETENSORS + GGUF:
            await resolver.resolve(repo)
        times = []
        for _ in range(runs * 4):
            for repo in SAFETENSORS + GGUF:
                t0 = time.perf_counter()
                await resolver.resolve(repo)
                times.append(time.perf_counter() - t0)
        await state.close()
        return times

    for _ in range(runs * 4):
        for repo in SAFETENSORS + GGUF:
            t0 = time.perf_counter()
            file_resolver.resolve_sync(repo)
            out["file cache"].append(time.perf_counter() - t0)
    out["bot state cache"] = asyncio.run(from_state())
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--rtt-ms", type=float, default=80.0, help="simulated delay added to every request")
    parser.add_argument("--mbytes-per-s", type=float, default=25.0, help="simulated bandwidth for file bodies")
    args = parser.parse_args()

    from answers.hub import HubResolver
    from testkit.hub_data import llama31_8b_q4km, standard_hub

    t0 = time.perf_counter()
    hub = standard_hub()
    header, size = llama31_8b_q4km()
    build_s = time.perf_counter() - t0
    print(f"fake Hub: {len(SAFETENSORS)} config.json repos, {len(GGUF)} GGUF repos; Llama 3.1 8B Q4_K_M: header {len(header) / 1e6:.1f} MB")
    print(f"of a {size / 1e9:.2f} GB file (built in {build_s:.1f} s); {args.runs} runs per repository, each with an empty cache\n")
    with hub.running_in_thread(), tempfile.TemporaryDirectory() as tmp:
        warm = HubResolver(endpoint=hub.endpoint)
        try:
            warm.resolve_sync("Qwen/Qwen2.5-7B-Instruct")  # imports and connection pool, outside the figures
        finally:
            warm.close()
        for label, latency, rate in (
            ("loopback", 0.0, None),
            (f"simulated link: +{args.rtt_ms:g} ms per request, {args.mbytes_per_s:g} MB/s", args.rtt_ms / 1000, args.mbytes_per_s * 1e6),
        ):
            hub.latency_s, hub.bytes_per_s = latency, rate
            hub.clear_log()
            figures = measure(hub.endpoint, args.runs, Path(tmp) / label[:8].strip())
            gguf_reads = [r for r in hub.requests if r.path.endswith("Q4_K_M.gguf") and r.status == 206]
            lookups = sum(1 for r in gguf_reads if r.range and r.range.startswith("bytes=0-"))
            per_lookup = sum(r.bytes_sent for r in gguf_reads) / max(1, lookups)
            unseen = figures["safetensors"] + figures["gguf"]
            print(f"== {label}")
            print(f"  baseline: plain GET of config.json        {fmt(figures['baseline'])}")
            print(f"  unseen repository, all                    {fmt(unseen)}   (goal p95 <= 2000 ms)")
            print(f"    config.json + safetensors repositories  {fmt(figures['safetensors'])}")
            print(f"    GGUF repositories (header by ranges)    {fmt(figures['gguf'])}   ({per_lookup / 1e6:.1f} MB read per 8B header)")
            print(f"  cached, CLI file (SQLite)                 {fmt(figures['file cache'])}   (goal <= 5 ms)")
            print(f"  cached, bot state (aiosqlite)             {fmt(figures['bot state cache'])}")
            ratio = statistics.median(figures["safetensors"]) / statistics.median(figures["baseline"])
            print(f"  unseen config.json repository / baseline: {ratio:.1f}x (model info and config.json are fetched concurrently)\n")


if __name__ == "__main__":
    main()
