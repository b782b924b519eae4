"""Does the quality index rank models the way people judge them? A check, not a fit: every model's LMArena text
score is hidden, the index is built from the remaining published figures, and its order of those models is compared
with the arena order (Spearman rank correlation). Printed beside the earlier method (mean percentile of each
benchmark) computed in the same run.

    python bench/quality_ranking.py
"""

from __future__ import annotations

import statistics
import sys
from collections import defaultdict
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

ARENA = "LMArena text arena score"


def spearman(a: list[float], b: list[float]) -> float:
    ra, rb = (np.argsort(np.argsort(x)) for x in (a, b))
    return float(np.corrcoef(ra, rb)[0, 1])


def percentile_baseline(models) -> dict[str, float]:
    """The earlier index: mean within-benchmark percentile over a model's figures (all uses)."""
    rows: dict[str, list[tuple[str, float]]] = defaultdict(list)
    for m in models:
        for q in m.quality:
            rows[q.benchmark].append((m.id, q.score))
    marks: dict[str, list[float]] = defaultdict(list)
    for entries in rows.values():
        ordered = sorted(s for _, s in entries)
        for model_id, score in entries:
            below = sum(1 for s in ordered if s < score) + 0.5 * (sum(1 for s in ordered if s == score) - 1)
            marks[model_id].append((below + 0.5) / len(ordered) if len(ordered) > 1 else 0.5)
    return {m: statistics.mean(v) for m, v in marks.items()}


def main() -> None:
    from answers.knowledge_base import KnowledgeBase
    from answers.ranking import QualityIndex

    catalog = KnowledgeBase.load().catalog
    arena = {m.id: q.score for m in catalog.models for q in m.quality if q.benchmark == ARENA}
    hidden = [m.model_copy(update={"quality": [q for q in m.quality if q.benchmark != ARENA]}) for m in catalog.models]
    blind = catalog.__class__(**{**catalog.__dict__, "models": hidden})
    index = QualityIndex(blind)
    baseline = percentile_baseline(hidden)
    by_id = {m.id: m for m in hidden}
    both = [i for i in arena if by_id[i].quality and i in baseline]
    every = list(arena)
    new_all = [index.quality(by_id[i]).score for i in every]
    print(f"models with an arena score: {len(arena)}; with other published figures too: {len(both)}")
    print(f"  additive index (this code), all {len(every)}:          Spearman {spearman(new_all, [arena[i] for i in every]):.3f}")
    print(
        f"  additive index, the {len(both)} with other figures:      Spearman "
        f"{spearman([index.quality(by_id[i]).score for i in both], [arena[i] for i in both]):.3f}"
    )
    print(
        f"  mean-percentile baseline, the {len(both)} with figures:  Spearman "
        f"{spearman([baseline[i] for i in both], [arena[i] for i in both]):.3f}"
    )


if __name__ == "__main__":
    main()
