"""The bot as a real process against the local fake Discord API: 200 concurrent interactions (first-response
and final-answer p50/p99, versus Discord's 3 s), and kill -9 during concurrent feedback writes (acknowledged
writes kept, integrity check).

    python bench/bot_load.py
"""

from __future__ import annotations

import asyncio
import signal
import sqlite3
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.fake_discord import USER_ID, FakeDiscord, command_option, component_payload, interaction_payload
from tests.test_bot_e2e import stop_bot
from tests.test_resilience import MIX, fire, ready_bot


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
            payloads = [
                interaction_payload(
                    MIX[i % len(MIX)][0],
                    MIX[i % len(MIX)][1],
                    command_id=ids[MIX[i % len(MIX)][0]],
                    user_id=str(int(USER_ID) + i + 1000 * round_),
                )
                for i in range(200)
            ]
            started = time.perf_counter()
            acks, done = await fire(fake, payloads)
            print(
                f"200 concurrent interactions (round {round_}, {'cold' if round_ == 1 else 'warm'} caches), "
                f"all in {time.perf_counter() - started:.2f} s"
            )
            print(f"  first response: {pct(acks)}   max {max(acks) * 1000:.0f} ms   (Discord requires < 3000 ms)")
            print(f"  final answer:   {pct(done)}   max {max(done) * 1000:.0f} ms")
    finally:
        await stop_bot(proc)
    # durability
    proc, ids = await ready_bot(fake, work, catalog)
    ask = interaction_payload("ask", [command_option("question", "what is a kv cache?")], command_id=ids["ask"])
    await fake.dispatch("INTERACTION_CREATE", ask)
    await fake.wait_for(lambda r: r.path.endswith("/messages/@original") and ask["token"] in r.path, timeout=30)
    await asyncio.sleep(0.5)
    message = next(m for m in reversed(list(fake.messages.values())) if m.get("components"))
    acked: list[int] = []
    latencies: list[float] = []

    async def vote(user: int) -> None:
        payload = component_payload("fb:solved", message, user_id=str(user))
        t0 = time.perf_counter()
        await fake.dispatch("INTERACTION_CREATE", payload)
        await fake.wait_for(lambda r: r.path.endswith(f"/{payload['id']}/{payload['token']}/callback"), timeout=20)
        latencies.append(time.perf_counter() - t0)
        acked.append(user)

    tasks = [asyncio.create_task(vote(int(USER_ID) + 50_000 + i)) for i in range(3000)]
    while len(acked) < 300:
        await asyncio.sleep(0.005)
    proc.send_signal(signal.SIGKILL)
    await proc.wait()
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    await stop_bot(proc)
    db = sqlite3.connect(work / "state.sqlite")
    integrity = db.execute("PRAGMA integrity_check").fetchone()[0]
    stored = {r[0] for r in db.execute("SELECT user_id FROM feedback WHERE message_id = ?", (int(message["id"]),))}
    db.close()
    print(
        f"kill -9 during 3000 concurrent feedback writes: {len(acked)} acknowledged before the kill, {len(stored)} stored, "
        f"{len(set(acked) - stored)} acknowledged writes lost; integrity_check: {integrity}"
    )
    print(f"  feedback click round trip: {pct(latencies)}")
    await fake.stop()


if __name__ == "__main__":
    asyncio.run(main())
