"""Rigs, conversation turns and community benchmark submissions in the state database (SQLite and PostgreSQL)."""

from __future__ import annotations

import asyncio
import json
import time


async def test_rig_round_trip_per_user_and_delete_is_real(state):
    assert await state.rig_get(1) is None
    await state.rig_put(1, '{"label": "2x RTX 3090"}')
    await state.rig_put(2, '{"label": "M2 Max"}')
    await state.rig_put(1, '{"label": "RTX 4090 unique-marker-7f3a"}')  # replaced, not added
    assert await state.rig_get(1) == '{"label": "RTX 4090 unique-marker-7f3a"}'
    assert await state.rig_delete(1)
    assert await state.rig_get(1) is None
    assert not await state.rig_delete(1)  # nothing left to delete
    assert await state.rig_get(2) == '{"label": "M2 Max"}'  # other users untouched
    path = getattr(state, "path", None)
    if path is not None:  # SQLite: the bytes are gone from the file and its WAL (secure_delete + checkpoint)
        for file in (path, path.with_name(path.name + "-wal")):
            if file.exists():
                assert b"unique-marker-7f3a" not in file.read_bytes()


async def test_conversation_keeps_the_last_turns_and_forgets_old_ones(state):
    for i in range(7):
        await state.conversation_add(10, {"e": {"n": i}, "i": "will_it_run", "at": time.time()}, keep=5, max_age_s=86400)
    turns = await state.conversation_turns(10, max_age_s=86400)
    assert [t["e"]["n"] for t in turns] == [2, 3, 4, 5, 6]
    assert await state.conversation_turns(11, max_age_s=86400) == []
    # a turn older than the window is not returned, and an idle conversation is purged on the next write
    await state.conversation_add(12, {"e": {}, "i": "x", "at": time.time() - 90_000}, keep=5, max_age_s=86400)
    assert await state.conversation_turns(12, max_age_s=86400) == []
    await state.conversation_link(500, 10)
    assert await state.conversation_of(500, max_age_s=86400) == 10
    assert await state.conversation_of(501, max_age_s=86400) is None
    assert await state.conversation_of(500, max_age_s=-1) is None  # expired link


async def test_conversation_writes_under_concurrency_keep_the_bound(state):
    await asyncio.gather(
        *(state.conversation_add(20, {"e": {"n": i}, "i": "x", "at": time.time()}, keep=5, max_age_s=86400) for i in range(30))
    )
    assert len(await state.conversation_turns(20, max_age_s=86400)) == 5


async def test_bench_submissions_review_once_and_list(state):
    first = await state.bench_submit(1, 7, "alice", json.dumps({"model": "a"}))
    second = await state.bench_submit(1, 8, "bob 🚀", json.dumps({"model": "b"}))
    assert second > first
    assert await state.bench_count_since(7, time.time() - 60) == 1
    assert await state.bench_count_since(7, time.time() + 60) == 0
    pending = await state.bench_get(first)
    assert pending is not None and pending.status == "pending" and pending.user_name == "alice" and pending.reviewed_by is None
    results = await asyncio.gather(*(state.bench_review(first, "approved", 99, "mod", None) for _ in range(10)))
    assert sum(results) == 1  # one approval wins, even when clicked concurrently
    assert not await state.bench_review(first, "rejected", 98, "other mod", "late")
    assert await state.bench_review(second, "rejected", 99, "mod", "numbers impossible")
    approved = await state.bench_get(first)
    assert approved is not None and approved.status == "approved" and approved.reviewer_name == "mod" and approved.reviewed_at
    assert [s.id for s in await state.bench_list(("approved", "reproduced"))] == [first]
    await state.bench_mark_reproduced([first, second])  # a rejected row never becomes reproduced
    assert (await state.bench_get(first)).status == "reproduced"  # type: ignore[union-attr]
    assert (await state.bench_get(second)).status == "rejected"  # type: ignore[union-attr]
    assert await state.bench_get(10**9) is None
