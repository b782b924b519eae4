"""End to end: the bot as a real process, connected to the local fake Discord API over REST and gateway."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from pathlib import Path

import pytest

from tests.fake_discord import FakeDiscord, command_option, interaction_payload

ROOT = Path(__file__).resolve().parents[1]


async def start_bot(fake: FakeDiscord, tmp_path: Path, catalog_db: Path, **extra_env: str) -> asyncio.subprocess.Process:
    env = {
        **os.environ,
        "DISCORD_TOKEN": "fake-token-e2e",
        "RUNLOCALAI_API_BASE": fake.api_base,
        "RUNLOCALAI_GATEWAY_URL": fake.gateway_url,
        "RUNLOCALAI_CATALOG_DB": str(catalog_db),
        "RUNLOCALAI_STATE_DB": str(tmp_path / "state.sqlite"),
        "RUNLOCALAI_LOG_LEVEL": "INFO",
        **extra_env,
    }
    return await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "runlocalai",
        "bot",
        cwd=ROOT,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )


async def stop_bot(proc: asyncio.subprocess.Process) -> str:
    if proc.returncode is None:
        proc.send_signal(signal.SIGTERM)
        try:
            await asyncio.wait_for(proc.wait(), 20)
        except TimeoutError:
            proc.kill()
            await proc.wait()
    assert proc.stdout is not None
    return (await proc.stdout.read()).decode(errors="replace")


@pytest.fixture
async def bot_process(fake: FakeDiscord, tmp_path: Path, catalog_db: Path):
    proc = await start_bot(fake, tmp_path, catalog_db)
    try:
        await fake.wait_for(lambda r: r.method == "PUT" and r.path.endswith("/commands"), timeout=60)
        await fake.wait_connected(timeout=60)
        yield proc
    finally:
        log = await stop_bot(proc)
        assert "fake-token-e2e" not in log, "the token must never reach the logs"


async def test_bot_process_registers_and_answers(fake: FakeDiscord, bot_process):
    registered = {c["name"]: c for c in fake.commands["global"]}
    assert "willitrun" in registered
    identify = next(r for r in fake.requests if r.path == "identify")
    assert identify.body["token"] == "fake-token-e2e"

    # a /willitrun command
    payload = interaction_payload(
        "willitrun",
        [command_option("model", "Llama 3.1 8B"), command_option("hardware", "RTX 3060 12GB")],
        command_id=registered["willitrun"]["id"],
    )
    await fake.dispatch("INTERACTION_CREATE", payload)
    callback = await fake.wait_for(lambda r: r.path.endswith(f"/{payload['id']}/{payload['token']}/callback"), timeout=30)
    if callback.body["type"] == 5:  # deferred: the answer arrives as a follow-up
        follow = await fake.wait_for(lambda r: r.method == "POST" and payload["token"] in r.path, timeout=30)
        embed = follow.body["embeds"][0]
    else:
        embed = callback.body["data"]["embeds"][0]
    assert embed["title"] == "Llama 3.1 8B Instruct on GeForce RTX 3060 12GB"
    assert "Runs well" in embed["description"]

    # an autocomplete request
    auto = interaction_payload(
        "willitrun",
        [command_option("model", "gpt-oss", focused=True), command_option("hardware", "")],
        kind=4,
        command_id=registered["willitrun"]["id"],
    )
    await fake.dispatch("INTERACTION_CREATE", auto)
    answer = await fake.wait_for(lambda r: r.path.endswith(f"/{auto['id']}/{auto['token']}/callback"), timeout=30)
    values = [c["value"] for c in answer.body["data"]["choices"]]
    assert {"gpt-oss-20b", "gpt-oss-120b"} <= set(values)


async def test_bot_without_token_exits_with_one_clear_line(tmp_path: Path):
    env = {k: v for k, v in os.environ.items() if k not in {"DISCORD_TOKEN", "RUNLOCALAI_DISCORD_TOKEN"}}
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "runlocalai", "bot", cwd=tmp_path, env=env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE
    )
    out, err = await proc.communicate()
    assert proc.returncode != 0
    lines = err.decode().strip().splitlines()
    assert len(lines) == 1 and "DISCORD_TOKEN" in lines[0]
    assert "Traceback" not in err.decode() + out.decode()
