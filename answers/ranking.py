"""How good a model is for a use, kept apart from whether it fits: "what can I run" lists the best model that
fits, not the biggest.

Published figures (Model.quality) come from different tables: the Open LLM Leaderboard (mostly older and smaller
models), LMArena, and each lab's own table (one family only). A percentile within each benchmark is not
comparable across those populations (a 10B model tops a leaderboard of small models; a 14B model sits mid-table in
its own family's table, beside the 235B). So each benchmark's scores are standardised and an additive model is
fitted by least squares: score(model, benchmark) = ability(model) + offset(benchmark). Models sharing benchmarks
tie the tables together; a weak prior from size, activity (MoE active parameters) and release date, itself fitted
on the abilities, places a family that shares no benchmark with the rest. Models without published figures get
that prior as their estimate; the answer says which kind each rank is.
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
MIN_TABLE = 5  # models a benchmark needs in the catalog before its figures count
FULL_TABLE = 20  # from this many models on, a benchmark's figures count fully (fewer: in proportion)
PRIOR_WEIGHT = 1.0  # the size/date prior counts as much as one figure from a full table
OFFSET_RIDGE = 0.01  # keeps benchmark offsets defined when a benchmark's models are tied to nothing else


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
    """Ability per (model, use) from an additive fit over standardised benchmark scores, with a size/date estimate
    where nothing is published."""

    def __init__(self, catalog: Catalog):
        self._models = list(catalog.models)
        rows: dict[str, list[tuple[str, str, float]]] = defaultdict(list)  # benchmark -> (model, use, score)
        for model in self._models:
            for q in model.quality:
                rows[q.benchmark].append((model.id, q.use, q.score))
        observations: list[tuple[str, str, str, float, float]] = []  # (model, benchmark, use, standardised score, weight)
        for benchmark, entries in rows.items():
            scores = np.asarray([score for _, _, score in entries], dtype=float)
            spread = float(scores.std())
            if len(entries) < MIN_TABLE or spread == 0.0:
                continue  # a table of two or three models (one family's sizes) says little about the rest
            weight = min(1.0, len(entries) / FULL_TABLE)  # a small table standardises badly: it counts less
            for model_id, use, score in entries:
                observations.append((model_id, benchmark, use, (score - float(scores.mean())) / spread, weight))
        self._published: dict[tuple[str, str], float] = {}
        self._coef: np.ndarray | None = None
        for use, groups in USE_BENCHMARK_GROUPS.items():
            chosen = [o for o in observations if o[2] in groups]
            abilities = self._fit(chosen, use == "any")
            for model_id, ability in abilities.items():
                self._published[(model_id, use)] = _to_unit(ability)

    def _fit(self, observations: list[tuple[str, str, str, float, float]], set_prior: bool) -> dict[str, float]:
        """Abilities of the models with observations (two passes: without, then with the size/date prior)."""
        if not observations:
            return {}
        models = sorted({o[0] for o in observations})
        benchmarks = sorted({o[1] for o in observations})
        m_index = {m: i for i, m in enumerate(models)}
        b_index = {b: len(models) + i for i, b in enumerate(benchmarks)}
        unknowns = len(models) + len(benchmarks)
        design = np.zeros((len(observations) + unknowns, unknowns))
        target = np.zeros(len(observations) + unknowns)
        for row, (model_id, benchmark, _, value, weight) in enumerate(observations):
            root = math.sqrt(weight)
            design[row, m_index[model_id]] = root
            design[row, b_index[benchmark]] = root
            target[row] = root * value
        base = len(observations)
        for i in range(unknowns):  # weak ridge rows: abilities toward the prior (0 in the first pass), offsets to 0
            design[base + i, i] = math.sqrt(PRIOR_WEIGHT if i < len(models) else OFFSET_RIDGE)
        gram = design.T @ design  # small (models + benchmarks): solving it beats an SVD of the tall design
        first = np.linalg.solve(gram, design.T @ target)
        by_id = {m.id: m for m in self._models}
        coef = self._prior_coef({m: float(first[i]) for m, i in m_index.items()}, by_id)
        if coef is None:
            return {m: float(first[i]) for m, i in m_index.items()}
        if set_prior:
            self._coef = coef
        for model_id, i in m_index.items():
            target[base + i] = math.sqrt(PRIOR_WEIGHT) * float(np.asarray(_features(by_id[model_id])) @ coef)
        second = np.linalg.solve(gram, design.T @ target)
        return {m: float(second[i]) for m, i in m_index.items()}

    @staticmethod
    def _prior_coef(abilities: dict[str, float], by_id: dict[str, Model]) -> np.ndarray | None:
        if len(abilities) < 6:
            return None
        x = np.asarray([_features(by_id[m]) for m in abilities])
        y = np.asarray(list(abilities.values()))
        ridge = 0.5 * np.eye(x.shape[1])
        ridge[0, 0] = 0.0
        return np.linalg.solve(x.T @ x + ridge, x.T @ y)

    def quality(self, model: Model, use: str = "any") -> Quality:
        published = self._published.get((model.id, use))
        if published is None:
            published = self._published.get((model.id, "any"))
        if published is not None:
            return Quality(published, True)
        if self._coef is not None:
            return Quality(_to_unit(float(np.asarray(_features(model)) @ self._coef)), False)
        return Quality(min(0.95, 0.2 + 0.12 * math.log1p(model.active_params_b or model.params_b)), False)


def _to_unit(ability: float) -> float:
    """An ability (standard deviations above a typical catalog model) as a 0-1 score for sorting and display."""
    return 1.0 / (1.0 + math.exp(-1.5 * ability))
