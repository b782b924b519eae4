"""The bot process under stress: 200 concurrent interactions answered within Discord's 3 s, and kill -9 during
concurrent feedback writes losing no acknowledged write (the same scenarios bench/bot_load.py measures)."""

from __future__ import annotations

from pathlib import Path

from testkit.bot_process import concurrent_mix, fire, kill_during_feedback, ready_bot, stop_bot
from testkit.fake_discord import FakeDiscord


async def test_200_concurrent_interactions_are_answered_within_3_seconds(fake: FakeDiscord, tmp_path: Path, catalog_db: Path):
    proc, ids = await ready_bot(fake, tmp_path, catalog_db)
    try:
        acks, done = await fire(fake, concurrent_mix(ids, 200))
        assert len(acks) == 200
        assert max(acks) < 3.0, f"slowest first response {max(acks):.2f} s"
        assert max(done) < 30.0
    finally:
        await stop_bot(proc)


async def test_kill_9_during_concurrent_feedback_loses_no_acknowledged_write(fake: FakeDiscord, tmp_path: Path, catalog_db: Path):
    result = await kill_during_feedback(fake, tmp_path, catalog_db)
    assert result.integrity == "ok"
    assert not result.lost, f"{len(result.lost)} acknowledged votes lost"
    assert len(result.stored) >= len(result.acknowledged) >= 100
    assert len(result.acknowledged) < result.voters, "the kill must land while votes are still in flight"
