"""End to end: the bot as a real process, connected to the local fake Discord API over REST and gateway."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from pathlib import Path

import pytest

from testkit.bot_process import TOKEN, start_bot, stop_bot
from testkit.fake_discord import FakeDiscord, command_option, interaction_payload

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
async def bot_process(fake: FakeDiscord, tmp_path: Path, catalog_db: Path):
    proc = await start_bot(fake, tmp_path, catalog_db)
    try:
        await fake.wait_for(lambda r: r.method == "PUT" and r.path.endswith("/commands"), timeout=60)
        await fake.wait_connected(timeout=60)
        yield proc
    finally:
        log = await stop_bot(proc)
        assert TOKEN not in log, "the token must never reach the logs"


async def test_bot_process_registers_and_answers(fake: FakeDiscord, bot_process):
    registered = {c["name"]: c for c in fake.commands["global"]}
    assert "willitrun" in registered
    identify = next(r for r in fake.requests if r.path == "identify")
    assert identify.body["token"] == TOKEN

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


COMMAND_CASES = {
    "willitrun": [command_option("model", "qwen3 8b"), command_option("hardware", "rtx 4060")],
    "whatcanirun": [command_option("hardware", "apple-m2-max-38c-96gb")],
    "choosegpu": [command_option("budget", 800, option_type=4)],
    "compare": [command_option("a", "3090"), command_option("b", "4090")],
    "costvscloud": [
        command_option("hardware", "rtx-3090"),
        command_option("model", "qwen3-8b"),
        command_option("tokens_per_day", 2_000_000, option_type=4),
    ],
    "glossary": [command_option("term", "gqa")],
    "error": [command_option("text", "Error: model requires more system memory (40 GiB) than is available (12 GiB)")],
    "model": [command_option("name", "gemma 3 27b")],
    "gpu": [command_option("name", "p40")],
    "tool": [command_option("name", "lm studio")],
    "ask": [command_option("question", "what is speculative decoding?")],
    "stats": [],
    "finetune": [command_option("model", "qwen3 8b"), command_option("hardware", "rtx 4090"), command_option("method", "qlora")],
    "rig": [{"name": "show", "type": 1, "options": []}],
    "bench": [{"name": "review", "type": 1, "options": []}],
}


async def dispatch_and_wait(fake: FakeDiscord, payload: dict, timeout: float = 30) -> dict:
    await fake.dispatch("INTERACTION_CREATE", payload)
    rec = await fake.wait_for(lambda r: r.path.endswith(f"/{payload['id']}/{payload['token']}/callback"), timeout=timeout)
    if rec.body["type"] == 5:
        rec = await fake.wait_for(lambda r: r.method == "POST" and payload["token"] in r.path, timeout=timeout)
        return rec.body
    return rec.body.get("data") or {}


async def test_every_command_forum_answers_feedback_and_restart(fake: FakeDiscord, tmp_path: Path, catalog_db: Path):
    from testkit.fake_discord import FORUM_CHANNEL_ID, component_payload, message_payload, snowflake, thread_payload

    proc = await start_bot(fake, tmp_path, catalog_db, RUNLOCALAI_CHANNEL_COOLDOWN_S="0")
    try:
        await fake.wait_for(lambda r: r.method == "PUT" and r.path.endswith("/commands"), timeout=60)
        await fake.wait_connected(timeout=60)
        ids = {c["name"]: c["id"] for c in fake.commands["global"]}
        assert set(COMMAND_CASES) | {"setup"} == set(ids)
        for name, options in COMMAND_CASES.items():
            message = await dispatch_and_wait(fake, interaction_payload(name, options, command_id=ids[name]))
            assert message.get("embeds") or message.get("content"), f"/{name} sent nothing"
        # admin turns auto-answers on for the forum channel
        setup = interaction_payload(
            "setup",
            [{"name": "channel", "type": 7, "value": FORUM_CHANNEL_ID}, command_option("enabled", True, option_type=5)],
            command_id=ids["setup"],
            subcommand="autoanswer",
        )
        setup["data"]["resolved"] = {
            "channels": {FORUM_CHANNEL_ID: {"id": FORUM_CHANNEL_ID, "type": 15, "name": "help", "permissions": "0", "parent_id": None}}
        }
        assert "Auto-answers are on" in (await dispatch_and_wait(fake, setup))["content"]
        # a new forum post with a real question gets one answer with feedback buttons
        thread_id = snowflake()
        await fake.dispatch("THREAD_CREATE", thread_payload("Llama 3.1 8B on my 3060?", thread_id=thread_id))
        await fake.dispatch(
            "MESSAGE_CREATE", message_payload("Will Llama 3.1 8B run on an RTX 3060 12GB?", channel_id=thread_id, message_id=thread_id)
        )
        posted = await fake.wait_for(lambda r: r.method == "POST" and r.path == f"/channels/{thread_id}/messages", timeout=30)
        assert "Runs well" in posted.body["embeds"][0]["description"]
        buttons = [c["custom_id"] for c in posted.body["components"][0]["components"]]
        assert buttons == [f"fb:solved:{thread_id}", f"fb:not_helpful:{thread_id}"]
        # an off-topic post stays unanswered
        quiet_id = snowflake()
        await fake.dispatch("THREAD_CREATE", thread_payload("game night", thread_id=quiet_id))
        await fake.dispatch(
            "MESSAGE_CREATE", message_payload("anyone watching the game tonight?", channel_id=quiet_id, message_id=quiet_id)
        )
        await asyncio.sleep(2.0)
        assert not [r for r in fake.requests if r.path == f"/channels/{quiet_id}/messages"]
        # mentioned in a text channel: a reply; another bot mentioning us: nothing
        from testkit.fake_discord import BOT_ID, TEXT_CHANNEL_ID, user

        before = len([r for r in fake.requests if r.path == f"/channels/{TEXT_CHANNEL_ID}/messages"])
        mention = message_payload(f"<@{BOT_ID}> what is a kv cache?", mentions=[user(BOT_ID, "runlocalai", bot=True)])
        await fake.dispatch("MESSAGE_CREATE", mention)
        reply = await fake.wait_for(lambda r: r.method == "POST" and r.path == f"/channels/{TEXT_CHANNEL_ID}/messages", timeout=30)
        assert str(reply.body["message_reference"]["message_id"]) == mention["id"] and "KV cache" in reply.body["embeds"][0]["title"]
        assert reply.body["allowed_mentions"]["parse"] == []
        from_bot = message_payload(
            f"<@{BOT_ID}> what is a kv cache?", author_id=snowflake(), bot=True, mentions=[user(BOT_ID, "runlocalai", bot=True)]
        )
        await fake.dispatch("MESSAGE_CREATE", from_bot)
        await asyncio.sleep(1.0)
        assert len([r for r in fake.requests if r.path == f"/channels/{TEXT_CHANNEL_ID}/messages"]) == before + 1
        # a "Solved" click is recorded
        answer = next(m for m in fake.messages.values() if m["channel_id"] == thread_id)
        click = component_payload(buttons[0], answer, channel_id=thread_id)
        assert "solved" in (await dispatch_and_wait(fake, click))["content"]
    finally:
        log = await stop_bot(proc)
        assert "Traceback" not in log, log[-3000:]
    # after a restart the vote is still there and the buttons still work
    proc = await start_bot(fake, tmp_path, catalog_db, RUNLOCALAI_CHANNEL_COOLDOWN_S="0")
    try:
        identified = fake.identified
        while fake.identified == identified:
            await asyncio.sleep(0.05)
        await asyncio.sleep(0.5)
        from testkit.fake_discord import USER_ID

        second = component_payload(buttons[0], answer, channel_id=thread_id, user_id=str(int(USER_ID) + 1))
        assert "solved" in (await dispatch_and_wait(fake, second))["content"]
        stats = await dispatch_and_wait(fake, interaction_payload("stats", [], command_id=ids["stats"]))
        feedback = next(f["value"] for f in stats["embeds"][0]["fields"] if f["name"] == "Feedback")
        assert "✅ 2 solved" in feedback
    finally:
        await stop_bot(proc)


async def test_operations_health_metrics_reload_and_graceful_stop(fake: FakeDiscord, tmp_path: Path, catalog_db: Path):
    import socket

    import aiohttp

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = await start_bot(fake, tmp_path, catalog_db, RUNLOCALAI_HTTP_PORT=str(port))
    try:
        await fake.wait_connected(timeout=60)
        async with aiohttp.ClientSession() as session:
            for _ in range(100):
                async with session.get(f"http://127.0.0.1:{port}/health") as resp:
                    health = await resp.json()
                if health["ready"]:
                    break
                await asyncio.sleep(0.1)
            assert health["status"] == "ok" and health["guilds"] == 1 and health["catalog"]
            ids = {c["name"]: c["id"] for c in fake.commands["global"]}
            payload = interaction_payload("glossary", [command_option("term", "gqa")], command_id=ids["glossary"])
            await fake.dispatch("INTERACTION_CREATE", payload)
            await fake.wait_for(lambda r: r.path.endswith(f"/{payload['id']}/{payload['token']}/callback"), timeout=30)
            await asyncio.sleep(0.3)
            async with session.get(f"http://127.0.0.1:{port}/metrics") as resp:
                metrics = await resp.text()
            assert 'runlocalai_command_seconds_count{command="glossary"} 1.0' in metrics
            assert "runlocalai_answers_total" in metrics and "runlocalai_estimator_seconds" in metrics
        proc.send_signal(signal.SIGHUP)  # hot reload of the catalog
        await asyncio.sleep(3.0)
        payload = interaction_payload("glossary", [command_option("term", "kv cache")], command_id=ids["glossary"])
        await fake.dispatch("INTERACTION_CREATE", payload)
        await fake.wait_for(lambda r: r.path.endswith(f"/{payload['id']}/{payload['token']}/callback"), timeout=30)
    finally:
        log = await stop_bot(proc)
    assert proc.returncode == 0, log[-2000:]
    assert "catalog reloaded" in log and "shutting down (signal received)" in log and "stopped" in log
    assert TOKEN not in log
