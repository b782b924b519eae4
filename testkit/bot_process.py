"""The bot as a real process pointed at the fake Discord API, and the load / durability scenarios that both the
tests and bench/bot_load.py run (one definition, two uses)."""

from __future__ import annotations

import asyncio
import os
import signal
import sqlite3
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from testkit.fake_discord import USER_ID, FakeDiscord, command_option, component_payload, interaction_payload

ROOT = Path(__file__).resolve().parents[1]
TOKEN = "fake-token-e2e"

MIX = [
    ("willitrun", [command_option("model", "llama 3.1 8b"), command_option("hardware", "rtx 3060 12gb")]),
    ("willitrun", [command_option("model", "qwen3 32b"), command_option("hardware", "rtx 4090")]),
    ("glossary", [command_option("term", "kv cache")]),
    ("ask", [command_option("question", "can my 4070 super run qwen3 14b?")]),
    ("gpu", [command_option("name", "3090")]),
    ("model", [command_option("name", "gpt-oss 20b")]),
    ("error", [command_option("text", "CUDA error: no kernel image is available for execution on the device")]),
    ("ask", [command_option("question", "thanks!")]),
]


async def start_bot(fake: FakeDiscord, workdir: Path, catalog_db: Path, **extra_env: str) -> asyncio.subprocess.Process:
    env = {
        **os.environ,
        "DISCORD_TOKEN": TOKEN,
        "RUNLOCALAI_API_BASE": fake.api_base,
        "RUNLOCALAI_GATEWAY_URL": fake.gateway_url,
        "RUNLOCALAI_CATALOG_DB": str(catalog_db),
        "RUNLOCALAI_STATE_DB": str(workdir / "state.sqlite"),
        "RUNLOCALAI_LOG_LEVEL": "INFO",
        **extra_env,
    }
    return await asyncio.create_subprocess_exec(
        sys.executable, "-m", "runlocalai", "bot", cwd=ROOT, env=env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT
    )


async def stop_bot(proc: asyncio.subprocess.Process) -> str:
    """SIGTERM (then kill after 20 s); returns everything the process printed."""
    if proc.returncode is None:
        proc.send_signal(signal.SIGTERM)
        try:
            await asyncio.wait_for(proc.wait(), 20)
        except TimeoutError:
            proc.kill()
            await proc.wait()
    assert proc.stdout is not None
    return (await proc.stdout.read()).decode(errors="replace")


async def ready_bot(fake: FakeDiscord, workdir: Path, catalog_db: Path, **env: str) -> tuple[asyncio.subprocess.Process, dict[str, str]]:
    """Start a bot process and wait until this process (not an earlier one) has identified; returns command ids."""
    identified = fake.identified
    proc = await start_bot(fake, workdir, catalog_db, **env)
    deadline = time.monotonic() + 60
    while fake.identified == identified:
        if time.monotonic() > deadline or proc.returncode is not None:
            raise TimeoutError("bot did not connect")
        await asyncio.sleep(0.05)
    await asyncio.sleep(0.5)  # READY and GUILD_CREATE processed
    return proc, {c["name"]: c["id"] for c in fake.commands["global"]}


async def fire(fake: FakeDiscord, payloads: list[dict]) -> tuple[list[float], list[float]]:
    """Dispatch all at once; seconds to the first callback (Discord's 3 s rule) and to the final answer."""
    sent = time.perf_counter()
    for payload in payloads:
        await fake.dispatch("INTERACTION_CREATE", payload)

    async def one(payload: dict) -> tuple[float, float]:
        rec = await fake.wait_for(lambda r: r.path.endswith(f"/{payload['id']}/{payload['token']}/callback"), timeout=60)
        ack = time.perf_counter() - sent
        if rec.body["type"] == 5:
            await fake.wait_for(lambda r: r.method == "POST" and payload["token"] in r.path, timeout=60)
        return ack, time.perf_counter() - sent

    results = await asyncio.gather(*(one(p) for p in payloads))
    return [a for a, _ in results], [d for _, d in results]


def concurrent_mix(ids: dict[str, str], count: int) -> list[dict]:
    """``count`` interactions cycling through MIX, each from a different user."""
    payloads = []
    for i in range(count):
        name, options = MIX[i % len(MIX)]
        payloads.append(interaction_payload(name, options, command_id=ids[name], user_id=str(int(USER_ID) + i)))
    return payloads


@dataclass(frozen=True)
class KillResult:
    acknowledged: set[int]
    stored: set[int]
    voters: int
    integrity: str
    latencies: list[float]

    @property
    def lost(self) -> set[int]:
        return self.acknowledged - self.stored


async def kill_during_feedback(fake: FakeDiscord, workdir: Path, catalog_db: Path, voters: int = 3000, kill_after: int = 100) -> KillResult:
    """Answer a question, then send ``voters`` concurrent "Solved" clicks and kill -9 the bot after ``kill_after``
    of them were acknowledged; returns which acknowledged votes survived in the database."""
    proc, ids = await ready_bot(fake, workdir, catalog_db)
    answered = interaction_payload("ask", [command_option("question", "what is a kv cache?")], command_id=ids["ask"])
    await fake.dispatch("INTERACTION_CREATE", answered)
    await fake.wait_for(lambda r: r.path.endswith(f"/{answered['id']}/{answered['token']}/callback"), timeout=30)
    solved = f"fb:solved:{answered['id']}"  # the answer row is written before the reply goes out
    message = next(m for m in fake.messages.values() if m.get("components") and m["components"][0]["components"][0]["custom_id"] == solved)
    acknowledged: set[int] = set()
    latencies: list[float] = []

    async def vote(user: int) -> None:
        payload = component_payload(solved, message, user_id=str(user))
        started = time.perf_counter()
        await fake.dispatch("INTERACTION_CREATE", payload)
        rec = await fake.wait_for(lambda r: r.path.endswith(f"/{payload['id']}/{payload['token']}/callback"), timeout=20)
        if "solved" in (rec.body.get("data") or {}).get("content", ""):
            latencies.append(time.perf_counter() - started)
            acknowledged.add(user)

    tasks = [asyncio.create_task(vote(int(USER_ID) + 1000 + i)) for i in range(voters)]
    while len(acknowledged) < kill_after:
        await asyncio.sleep(0.005)
    proc.send_signal(signal.SIGKILL)  # mid-stream: more votes are in flight
    await proc.wait()
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    await stop_bot(proc)
    db = sqlite3.connect(workdir / "state.sqlite")
    try:
        integrity = db.execute("PRAGMA integrity_check").fetchone()[0]
        stored = {row[0] for row in db.execute("SELECT user_id FROM feedback WHERE message_id = ?", (int(answered["id"]),))}
    finally:
        db.close()
    return KillResult(set(acknowledged), stored, voters, integrity, latencies)
