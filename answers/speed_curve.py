"""Generation speed as the context fills: the real estimator at a handful of context lengths, for the chart
under /willitrun (the bot draws it; it never extrapolates).

Each point is an estimate whose context is allocated *and* filled (prompt = context - generated tokens), so it
answers "how fast does it write once my conversation is this long?": the KV cache read per token grows with
depth, and a long context can push layers out of GPU memory (the point's ``fit`` then says ``offload``)."""

from __future__ import annotations

from dataclasses import dataclass, replace

from answers.estimates import EstimateQuery, run_estimate
from answers.knowledge_base import KnowledgeBase
from answers.user_errors import InputError

CURVE_START = 2048
CURVE_END = 131_072  # 128k: beyond it few people run local models, and the point costs the most
MAX_POINTS = 9


@dataclass(frozen=True)
class Point:
    context: int
    decode_tps: float | None  # None: does not run at this context
    low: float | None
    high: float | None
    fit: str
    gpu_layers: int
    total_layers: int


def curve_contexts(max_context: int, asked: int | None = None) -> list[int]:
    """2k, 4k, 8k, ... up to the model's trained context (or 128k), plus the model's own limit when it is not a
    power of two and the asked context, sorted; at most ``MAX_POINTS``."""
    top = min(max_context, CURVE_END)
    contexts = []
    c = CURVE_START
    while c <= top:
        contexts.append(c)
        c *= 2
    if top >= CURVE_START and top not in contexts:
        contexts.append(top)
    if asked is not None and asked >= 256 and asked not in contexts:
        contexts.append(asked)
    contexts = sorted(set(contexts))
    while len(contexts) > MAX_POINTS:  # drop the points nearest a neighbour, never the asked one or the ends
        inner = [i for i in range(1, len(contexts) - 1) if contexts[i] != asked]
        drop = min(inner, key=lambda i: contexts[i + 1] / contexts[i - 1])
        contexts.pop(drop)
    return contexts


def speed_curve(kb: KnowledgeBase, query: EstimateQuery, contexts: list[int]) -> list[Point]:
    """One estimate per context length (cached by ``run_estimate``), with the context full at the end of
    generation. Contexts the estimator refuses are left out."""
    points = []
    for context in contexts:
        prompt = max(0, context - query.gen_tokens)
        try:
            result = run_estimate(kb, replace(query, context=context, prompt_tokens=prompt))
        except InputError:
            continue
        est = result.estimate
        band = est.decode_band
        points.append(
            Point(
                context=context,
                decode_tps=None if est.decode_tps is None else float(est.decode_tps),
                low=None if band is None else float(band[0]),
                high=None if band is None else float(band[1]),
                fit=est.fit,
                gpu_layers=est.gpu_layers,
                total_layers=est.total_layers,
            )
        )
    return points
