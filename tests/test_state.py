"""The state repository: the same behaviour from SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio


async def test_migrations_are_applied_once(state):
    assert await state.schema_version() == 3
    await state.close()
    await state.open()  # reopening must not re-run migrations
    assert await state.schema_version() == 3


async def test_guild_settings_round_trip(state):
    assert (await state.guild_settings(1)).autoanswer_channels == set()
    await state.set_autoanswer(1, 10, True)
    await state.set_autoanswer(1, 11, True)
    await state.set_autoanswer(1, 10, False)
    await state.set_autoanswer(2, 12, True)
    await state.set_threshold(1, 0.8)
    settings = await state.guild_settings(1)
    assert settings.autoanswer_channels == {11} and settings.threshold == 0.8
    await state.set_threshold(1, None)
    assert (await state.guild_settings(1)).threshold is None


async def test_threads_are_claimed_exactly_once_even_concurrently(state):
    results = await asyncio.gather(*(state.claim_thread(555, 1) for _ in range(20)))
    assert sum(results) == 1
    assert not await state.claim_thread(555, 1)


async def test_feedback_one_vote_per_user_and_only_on_our_answers(state):
    assert not await state.record_feedback(99, 1, "solved")  # not an answer of ours
    await state.record_answer(100, 1, 10, "h" * 16, "glossary", "kv-cache")
    assert await state.record_feedback(100, 1, "solved")
    assert await state.record_feedback(100, 2, "not_helpful")
    assert await state.record_feedback(100, 1, "not_helpful")  # changed their mind
    assert await state.feedback_for(100) == {"solved": 0, "not_helpful": 2}


async def test_stats_report_usage_answer_rate_unanswered_and_downvotes(state):
    await state.record_usage(1, "command", "willitrun", True, 1.0)
    for answered in (True, True, False):
        await state.record_usage(1, "forum", "glossary", answered, 0.9 if answered else 0.2)
    await state.record_unanswered(1, "abc", "none", 0.2)
    await state.record_unanswered(1, "abc", "none", 0.4)
    await state.record_unanswered(1, "def", "glossary", 0.3)
    await state.record_answer(200, 1, 10, "qqq", "error", "x")
    await state.record_feedback(200, 7, "not_helpful")
    await state.record_feedback(200, 8, "solved")
    stats = await state.stats(1)
    assert stats.commands == 1 and stats.questions == 3 and stats.answered == 2 and stats.abstained == 1
    assert round(stats.answer_rate, 2) == 0.67
    assert stats.top_unanswered[0][:3] == ("abc", "none", 2) and abs(stats.top_unanswered[0][3] - 0.4) < 1e-9
    assert stats.downvoted == [("qqq", "error", 1)] and stats.solved == 1 and stats.not_helpful == 1
    other = await state.stats(2)
    assert other.questions == 0 and other.top_unanswered == []


async def test_concurrent_writes_are_all_kept(state):
    await state.record_answer(300, 1, 10, "z", "glossary", None)
    await asyncio.gather(*(state.record_feedback(300, user, "solved") for user in range(100)))
    assert (await state.feedback_for(300))["solved"] == 100
