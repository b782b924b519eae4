"""The quality index checked against an order people produced: LMArena text scores, hidden while the index is built.
Shared by tests/test_quality_ranking.py and bench/quality_ranking.py."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

ARENA = "LMArena text arena score"


def spearman(a: list[float], b: list[float]) -> float:
    ra, rb = (np.argsort(np.argsort(x)) for x in (a, b))
    return float(np.corrcoef(ra, rb)[0, 1])


def without_arena(catalog: Any) -> tuple[Any, dict[str, float]]:
    """A copy of ``catalog`` whose models carry no arena figure, and the hidden arena scores by model id."""
    arena = {m.id: q.score for m in catalog.models for q in m.quality if q.benchmark == ARENA}
    hidden = [m.model_copy(update={"quality": [q for q in m.quality if q.benchmark != ARENA]}) for m in catalog.models]
    return catalog.__class__(**{**catalog.__dict__, "models": hidden}), arena


def arena_agreement(catalog: Any, scores: Callable[[Any], dict[str, float]]) -> tuple[float, int]:
    """Spearman between ``scores(blind catalog)`` and the hidden arena order, over the arena's models that keep
    other published figures and get a score; and how many those are."""
    blind, arena = without_arena(catalog)
    by_id = {m.id: m for m in blind.models}
    predicted = scores(blind)
    ids = [i for i in arena if by_id[i].quality and i in predicted]
    return spearman([predicted[i] for i in ids], [arena[i] for i in ids]), len(ids)
