"""How good a model is for a use, kept apart from whether it fits: "what can I run" lists the best model that
fits, not the biggest.

Published figures (Model.quality) are turned into percentiles within each benchmark across the catalog, and a
model's score for a use is the mean percentile of its benchmarks for that use (all benchmarks when none is for
that use). Models without published figures get an estimate from size, activity (MoE active parameters) and
release date, fitted on the models that have figures; the answer says which kind each rank is.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass

import numpy as np

from knowledge.catalog import Catalog
from knowledge.schema import Model

USE_BENCHMARK_GROUPS = {
    "code": ("coding",),
    "coding": ("coding",),
    "reasoning": ("reasoning", "math"),
    "chat": ("chat", "knowledge"),
    "vision": ("vision",),
    "any": ("chat", "knowledge", "reasoning", "coding", "math"),
}


@dataclass(frozen=True)
class Quality:
    score: float  # 0-1, higher is better
    published: bool  # from published figures (else estimated from size and date)


def _features(model: Model) -> list[float]:
    size = model.params_b
    active = model.active_params_b or size
    year = (model.release_date.year + model.release_date.timetuple().tm_yday / 366) if model.release_date else 2024.0
    return [1.0, math.log(size), math.log(active), year - 2024.0]


class QualityIndex:
    """Percentile-based quality per (model, use), with a size/date estimate where nothing is published."""

    def __init__(self, catalog: Catalog):
        by_benchmark: dict[str, list[tuple[str, float]]] = defaultdict(list)
        uses: dict[tuple[str, str], list[str]] = defaultdict(list)
        for model in catalog.models:
            for q in model.quality:
                by_benchmark[q.benchmark].append((model.id, q.score))
                uses[(model.id, q.use)].append(q.benchmark)
        percentile: dict[tuple[str, str], float] = {}
        for benchmark, rows in by_benchmark.items():
            ordered = sorted(score for _, score in rows)
            for model_id, score in rows:
                below = sum(1 for s in ordered if s < score) + 0.5 * (sum(1 for s in ordered if s == score) - 1)
                percentile[(model_id, benchmark)] = (below + 0.5) / len(ordered) if len(ordered) > 1 else 0.5
        self._published: dict[tuple[str, str], float] = {}
        for model in catalog.models:
            for use, groups in USE_BENCHMARK_GROUPS.items():
                marks = [percentile[(model.id, b)] for g in groups for b in uses.get((model.id, g), [])]
                if marks:
                    self._published[(model.id, use)] = float(np.mean(marks))
        rows_x, rows_y = [], []
        for model in catalog.models:
            value = self._published.get((model.id, "any"))
            if value is not None:
                rows_x.append(_features(model))
                rows_y.append(value)
        self._coef = None
        if len(rows_y) >= 6:
            x, y = np.asarray(rows_x), np.asarray(rows_y)
            ridge = 0.5 * np.eye(x.shape[1])
            ridge[0, 0] = 0.0
            self._coef = np.linalg.solve(x.T @ x + ridge, x.T @ y)

    def quality(self, model: Model, use: str = "any") -> Quality:
        published = self._published.get((model.id, use)) or self._published.get((model.id, "any"))
        if published is not None:
            return Quality(published, True)
        if self._coef is not None:
            estimate = float(np.clip(np.asarray(_features(model)) @ self._coef, 0.02, 0.98))
        else:
            estimate = min(0.95, 0.2 + 0.12 * math.log1p(model.active_params_b or model.params_b))
        return Quality(estimate, False)
