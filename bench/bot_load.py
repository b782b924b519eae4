"""The bot as a real process against the local fake Discord API: 200 concurrent interactions (first-response
and final-answer p50/p99, versus Discord's 3 s), and kill -9 during concurrent feedback writes (acknowledged
writes kept, integrity check). The scenarios are the ones tests/test_resilience.py asserts (testkit).

    python bench/bot_load.py
"""

from __future__ import annotations

import asyncio
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from testkit.bot_process import concurrent_mix, fire, kill_during_feedback, ready_bot, stop_bot
from testkit.fake_discord import FakeDiscord


def pct(values: list[float]) -> str:
    ordered = sorted(values)
    return f"p50 {statistics.median(ordered) * 1000:6.0f} ms   p99 {ordered[int(0.99 * (len(ordered) - 1))] * 1000:6.0f} ms"


async def main() -> None:
    from knowledge.store import ensure_database

    work = Path(tempfile.mkdtemp(prefix="runlocalai-load-"))
    catalog = ensure_database(work / "catalog.sqlite")
    fake = FakeDiscord()
    await fake.start()
    proc, ids = await ready_bot(fake, work, catalog)
    try:
        for round_ in (1, 2):
            started = time.perf_counter()
            acks, done = await fire(fake, concurrent_mix(ids, 200))
            print(
                f"200 concurrent interactions (round {round_}, {'cold' if round_ == 1 else 'warm'} caches), "
                f"all in {time.perf_counter() - started:.2f} s"
            )
            print(f"  first response: {pct(acks)}   max {max(acks) * 1000:.0f} ms   (Discord requires < 3000 ms)")
            print(f"  final answer:   {pct(done)}   max {max(done) * 1000:.0f} ms")
    finally:
        await stop_bot(proc)
    result = await kill_during_feedback(fake, work, catalog, voters=3000, kill_after=300)
    print(
        f"kill -9 during {result.voters} concurrent feedback writes: {len(result.acknowledged)} acknowledged before the kill, "
        f"{len(result.stored)} stored, {len(result.lost)} acknowledged writes lost; integrity_check: {result.integrity}"
    )
    print(f"  feedback click round trip: {pct(result.latencies)}")
    await fake.stop()


if __name__ == "__main__":
    asyncio.run(main())
