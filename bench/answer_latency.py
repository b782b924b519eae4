"""Answer-engine latency: p50/p99 of routing (entities, signatures, intent) and of full answers on the shipped
catalog, and routing + name lookup on a synthetic 100,000-entry catalog; beside a naive linear rapidfuzz scan
over every name measured in the same run. Also the index build time at start-up.

    python bench/answer_latency.py
"""

from __future__ import annotations

import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from rapidfuzz import fuzz

QUERIES = [
    "Will Llama 3.1 8B run on an RTX 3060 12GB?",
    "can my 4070 super run qwen3 32b at q4?",
    "2x 3090 llama 3.3 70b 32k ctx",
    "what is a kv cache",
    "whats gguf",
    "eli5 quantization",
    "how do i install ollama",
    "3090 vs 4090 for llms",
    "thanks!",
    "what's the weather like today",
    "specs of the rtx 3090",
    "tell me about qwen3 30b a3b",
    "Error: model requires more system memory (44.0 GiB) than is available (15.2 GiB)",
    "CUDA error: no kernel image is available for execution on the device",
    "mbp m3 pro 18gb can it do mistral nemo?",
    "bro will deepseek r1 distill qwen 14b run on my 4060",
    "what does -ngl mean in llama.cpp",
    "rtx 3065 llama 9b",
]


def percentiles(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    return statistics.median(ordered) * 1000, ordered[min(len(ordered) - 1, int(0.99 * len(ordered)))] * 1000


def timed(fn, queries: list[str], repeat: int) -> list[float]:
    out = []
    for _ in range(repeat):
        for q in queries:
            t0 = time.perf_counter()
            fn(q)
            out.append(time.perf_counter() - t0)
    return out


def naive_scan(names: list[str]):
    def scan(query: str) -> str:
        best, best_score = "", -1.0
        for name in names:  # the obvious implementation: score every name
            score = fuzz.WRatio(query, name)
            if score > best_score:
                best, best_score = name, score
        return best

    return scan


def synthetic_catalog(size: int):
    """A catalog of `size` entries with realistic-looking names (models, GPUs, terms), built without validation."""
    import datetime as dt

    from knowledge.catalog import Catalog
    from knowledge.schema import GlossaryTerm, Hardware, Model

    rng = random.Random(7)
    words = [
        "nova",
        "quill",
        "atlas",
        "ember",
        "lumen",
        "orbit",
        "pike",
        "zephyr",
        "cobalt",
        "delta",
        "flux",
        "helix",
        "ion",
        "jade",
        "kilo",
        "mesa",
        "nimbus",
        "onyx",
        "prism",
        "quartz",
        "rune",
        "sable",
        "tundra",
        "umbra",
        "vortex",
    ]
    models, hardware, glossary = [], [], []
    for i in range(size):
        a, b = rng.choice(words), rng.choice(words)
        if i % 3 == 0:
            name = f"{a.title()} {rng.randint(1, 4)}.{rng.randint(0, 9)} {rng.choice([1, 3, 7, 8, 14, 32, 70])}B {b} {i}"
            models.append(
                Model.model_construct(
                    kind="model",
                    id=f"m{i}",
                    name=name,
                    aliases=[f"{a}{i}"],
                    family=a,
                    release_date=dt.date(2024, 1 + i % 12, 1),
                    sources=[],
                )
            )
        elif i % 3 == 1:
            name = f"{a.upper()} RX {rng.randint(1000, 9999)} {rng.choice([8, 12, 16, 24, 48])}GB {i}"
            hardware.append(Hardware.model_construct(kind="hardware", id=f"h{i}", name=name, aliases=[], chip=None, sources=[]))
        else:
            term = f"{a} {b} attention {i}"
            glossary.append(
                GlossaryTerm.model_construct(
                    kind="glossary",
                    id=f"g{i}",
                    term=term,
                    aliases=[f"{b}-{a}-{i}"],
                    short=f"{a} {b} is a synthetic term number {i}",
                    body="synthetic body text",
                    example="x",
                    in_tools=[],
                    sources=[],
                )
            )
    return Catalog(models=models, hardware=hardware, glossary=glossary)


def main() -> None:
    from answers.engine import AnswerEngine
    from answers.knowledge_base import KnowledgeBase
    from knowledge.search import NameIndex

    t0 = time.perf_counter()
    kb = KnowledgeBase.load()
    load_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    engine = AnswerEngine(kb)
    build_s = time.perf_counter() - t0
    names = [n for kind in kb.names._choices.values() for n in kind]
    print(f"shipped catalog: {len(list(kb.catalog.entries()))} entries, {len(names)} names")
    print(f"  load from SQLite {load_s * 1000:.0f} ms; name index + BM25 + signature build {build_s * 1000:.0f} ms")
    for label, fn, repeat in (
        ("route (entities+signatures+intent)", engine.classify, 20),
        ("full answer (incl. estimates)", engine.answer, 5),
        ("naive linear rapidfuzz scan", naive_scan(names), 5),
    ):
        p50, p99 = percentiles(timed(fn, QUERIES, repeat))
        print(f"  {label:38s} p50 {p50:7.2f} ms   p99 {p99:7.2f} ms")

    size = 100_000
    t0 = time.perf_counter()
    synthetic = synthetic_catalog(size)
    index = NameIndex(synthetic)
    build = time.perf_counter() - t0
    synthetic_names = [n for kind in index._choices.values() for n in kind]
    rng = random.Random(3)
    sample = [rng.choice(synthetic_names) for _ in range(20)]
    typos = [s[:-2] + "x" + s[-1] if len(s) > 4 else s for s in sample]
    queries = sample + typos
    print(f"synthetic catalog: {size:,} entries, {len(synthetic_names):,} names (build {build * 1000:.0f} ms)")

    def lookup(q: str):
        return index.lookup(q, "model") or index.lookup(q, "hardware") or index.lookup(q, "glossary")

    t0 = time.perf_counter()
    engine = AnswerEngine(KnowledgeBase.from_catalog(synthetic))
    engine_build = time.perf_counter() - t0
    print(f"  engine over it (entity index + BM25 over {len(synthetic.glossary):,} terms) built in {engine_build * 1000:.0f} ms")
    questions = [f"what is {q}" for q in sample[:10]] + [f"can {q} run on {r}" for q, r in zip(sample[:10], sample[10:20], strict=True)]
    questions += typos

    def route_and_rank(q: str):
        route = engine.classify(q)
        return route, engine.bm25.top(q, limit=5)

    for label, fn, repeat in (
        ("name lookup (exact, then fuzzy)", lookup, 5),
        ("route + BM25 ranking", route_and_rank, 3),
        ("naive linear rapidfuzz scan", naive_scan(synthetic_names), 1),
    ):
        if fn is route_and_rank:
            p50, p99 = percentiles(timed(fn, questions, repeat))
            print(f"  {label:38s} p50 {p50:7.2f} ms   p99 {p99:7.2f} ms")
            continue
        p50, p99 = percentiles(timed(fn, queries, repeat))
        print(f"  {label:38s} p50 {p50:7.2f} ms   p99 {p99:7.2f} ms")


if __name__ == "__main__":
    main()
