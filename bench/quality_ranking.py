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

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from testkit.arena_check import spearman  # noqa: E402


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
    from testkit.arena_check import without_arena

    blind, arena = without_arena(KnowledgeBase.load().catalog)
    index = QualityIndex(blind)
    scores = {m.id: index.quality(m).score for m in blind.models}
    baseline = percentile_baseline(blind.models)
    by_id = {m.id: m for m in blind.models}
    both = [i for i in arena if by_id[i].quality and i in baseline]
    every = list(arena)

    def agreement(predicted: dict[str, float], ids: list[str]) -> float:
        return spearman([predicted[i] for i in ids], [arena[i] for i in ids])

    print(f"models with an arena score: {len(arena)}; with other published figures too: {len(both)}")
    print(f"  additive index (this code), all {len(every)}:          Spearman {agreement(scores, every):.3f}")
    print(f"  additive index, the {len(both)} with other figures:      Spearman {agreement(scores, both):.3f}")
    print(f"  mean-percentile baseline, the {len(both)} with figures:  Spearman {agreement(baseline, both):.3f}")


if __name__ == "__main__":
    main()
