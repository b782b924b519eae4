"""The quality index behind "what can I run": published figures from different tables made comparable."""

from __future__ import annotations

import pytest

from answers.ranking import QualityIndex
from testkit.arena_check import arena_agreement


@pytest.fixture(scope="module")
def index(kb):
    return QualityIndex(kb.catalog)


@pytest.mark.parametrize(
    "better,worse",
    [
        ("llama-3.3-70b-instruct", "llama-3.1-8b-instruct"),
        ("qwen3-14b", "qwen3-4b"),
        ("qwen3-32b", "qwen3-8b"),
        ("gemma-3-27b-it", "gemma-3-4b-it"),
        ("qwen2.5-72b-instruct", "qwen2.5-7b-instruct"),
    ],
)
def test_a_bigger_sibling_of_the_same_release_ranks_higher(kb, index, better, worse):
    assert index.quality(kb.catalog.model(better)).score > index.quality(kb.catalog.model(worse)).score


def test_a_family_table_does_not_outrank_a_shared_table(kb, index):
    """Qwen3 14B's figures come from Qwen's own table (beside the 235B), Falcon3 10B's from a leaderboard of mostly
    small models: each was mid-table and top-table of a different crowd, and the newer, larger model is better."""
    assert index.quality(kb.catalog.model("qwen3-14b")).score > index.quality(kb.catalog.model("falcon3-10b-instruct")).score


def test_it_predicts_the_hidden_arena_order(kb):
    """Built without any LMArena figure, the index orders the arena's models much like the arena does."""

    def scores(blind):
        index = QualityIndex(blind)
        return {m.id: index.quality(m).score for m in blind.models}

    agreement, count = arena_agreement(kb.catalog, scores)
    assert count >= 40
    assert agreement > 0.6  # the earlier mean-percentile index scored 0.51 (bench/quality_ranking.py)
