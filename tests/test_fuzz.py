"""Fuzzing: random Unicode, 4000-character logs, markdown and mention injection, absurd numbers. No exception
escapes, no output breaks Discord's limits or mentions anyone."""

from __future__ import annotations

import asyncio
import json
import threading

import discord
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from answers.engine import INTENTS
from answers.estimates import EstimateQuery, InputError, run_estimate
from bot import render
from testkit.fake_discord import FakeDiscord, command_option, interaction_payload

INJECTIONS = [
    "@everyone",
    "@here",
    "<@123456789012345678>",
    "<@&123456789012345678>",
    "<#123>",
    "**bold** __u__ ~~s~~",
    "```py\nprint(1)\n```",
    "||spoiler||",
    "> quote",
    "[link](https://example.com)",
    "\u202e",
    "\x00",
    "\ufeff",
    "ggml_backend_cuda_buffer_type_alloc_buffer: allocating",
    "cudaMalloc failed: out of memory",
    "Q4_K_M",
    "32k ctx",
    "rtx 4090",
    "llama 3.1 8b",
    "9" * 40,
    "-1e308",
    "NaN",
    "1e999",
]
messy_text = st.one_of(
    st.text(max_size=300),
    st.lists(st.sampled_from(INJECTIONS) | st.text(max_size=20), max_size=40).map(" ".join),
    st.text(alphabet=st.characters(codec="utf-8"), min_size=3000, max_size=4000),
)


def assert_safe_message(message: dict) -> None:
    assert len(message.get("content") or "") <= render.CONTENT_MAX
    assert message.get("allowed_mentions", {"parse": []}).get("parse") == []
    for data in message.get("embeds", []):
        embed = discord.Embed.from_dict(data)
        assert len(embed) <= render.EMBED_TOTAL_MAX and len(embed.fields) <= render.FIELDS_MAX
        assert len(embed.description or "") <= render.DESCRIPTION_MAX and len(embed.title or "") <= render.TITLE_MAX
        text = json.dumps(data)
        assert "@everyone" not in text and "@here" not in text


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(messy_text)
def test_answer_engine_never_crashes_and_renders_within_limits(engine, text):
    answer = engine.answer(text)
    json.dumps(answer.to_json())
    assert answer.intent in set(INTENTS)
    embed = render.answer_embed(answer) if not answer.abstained else render.text_embed("Not sure", answer.text or "-")
    assert_safe_message({"embeds": [embed.to_dict()]})


numbers = st.one_of(st.integers(-(10**12), 10**12), st.floats(allow_nan=True, allow_infinity=True), st.none())


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    model=st.text(max_size=60) | st.sampled_from(["llama 3.1 8b", "qwen3 30b a3b", "gpt-oss 120b"]),
    hardware=st.lists(st.text(max_size=30) | st.sampled_from(["rtx 4090", "3090", "m2 max 96gb"]), max_size=3),
    vram=numbers,
    bandwidth=numbers,
    ram=numbers,
    context=st.one_of(st.integers(-5, 10**10), st.none()),
    quant=st.one_of(st.none(), st.text(max_size=12), st.sampled_from(["Q4_K_M", "awq", "exl2 99", "mlx 4bit", "IQ1_S"])),
    gpus=st.one_of(st.none(), st.integers(-3, 100)),
)
def test_estimate_service_rejects_nonsense_cleanly(kb, model, hardware, vram, bandwidth, ram, context, quant, gpus):
    query = EstimateQuery(
        model=model,
        hardware=hardware if vram is None and bandwidth is None else [],
        vram_gb=vram,
        bandwidth_gbs=bandwidth,
        ram_gb=ram,
        context=context,
        quant=quant,
        gpus=gpus,
    )
    try:
        result = run_estimate(kb, query)
    except InputError as exc:
        assert exc.message and len(exc.message) < 2000
        return
    data = result.to_json()
    json.dumps(data)
    for key in ("weights_gb", "kv_cache_gb", "total_gb"):
        assert data["memory"][key] >= 0


class BotHarness:
    """A logged-in bot and fake API on their own event loop thread, so hypothesis can drive them from sync code."""

    def __init__(self, kb, tmp_path):
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()
        self.kb = kb
        self.tmp_path = tmp_path
        self.run(self._start())

    def run(self, coro, timeout: float = 60):
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout)

    async def _start(self):
        from bot.client import RunLocalAIBot
        from bot.settings import BotSettings

        self.fake = FakeDiscord()
        await self.fake.start()
        self.original = discord.http.Route.BASE
        discord.http.Route.BASE = self.fake.api_base
        self.bot = RunLocalAIBot(BotSettings(discord_token="x", state_db=self.tmp_path / "fuzz.sqlite", user_cooldown_s=0), kb=self.kb)
        await self.bot.login("x")
        self.ids = {c["name"]: c["id"] for c in self.fake.commands["global"]}

    async def invoke(self, name: str, options: list[dict]) -> dict:
        payload = interaction_payload(name, options, command_id=self.ids[name])
        self.bot._connection.parse_interaction_create(payload)
        rec = await self.fake.wait_for(lambda r: r.path.endswith(f"/{payload['id']}/{payload['token']}/callback"), timeout=30)
        if rec.body["type"] == 5:
            rec = await self.fake.wait_for(lambda r: r.method == "POST" and payload["token"] in r.path, timeout=30)
            return rec.body
        return rec.body.get("data") or {}

    def close(self):
        async def stop():
            await self.bot.close()
            await self.fake.stop()
            discord.http.Route.BASE = self.original
            pending = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
            for task in pending:  # view timeout tasks and the like: end them before the loop stops
                task.cancel()
            await asyncio.gather(*pending, return_exceptions=True)

        self.run(stop())
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(5)


@pytest.fixture(scope="module")
def harness(kb, tmp_path_factory):
    h = BotHarness(kb, tmp_path_factory.mktemp("fuzz"))
    yield h
    h.close()


TEXT = st.one_of(st.text(min_size=1, max_size=100), st.lists(st.sampled_from(INJECTIONS), min_size=1, max_size=6).map(" ".join))
COMMAND_OPTIONS = {
    "willitrun": lambda d: [
        command_option("model", d.draw(TEXT)),
        command_option("hardware", d.draw(TEXT)),
        command_option("context", d.draw(st.integers(-10, 10**12)), option_type=4),
        command_option("gpus", d.draw(st.integers(-5, 1000)), option_type=4),
    ],
    "whatcanirun": lambda d: [
        command_option("hardware", d.draw(TEXT)),
        command_option("context", d.draw(st.integers(-1, 10**9)), option_type=4),
    ],
    "choosegpu": lambda d: [
        command_option("budget", d.draw(st.integers(-10, 10**13)), option_type=4),
        command_option("model", d.draw(TEXT)),
    ],
    "compare": lambda d: [command_option("a", d.draw(TEXT)), command_option("b", d.draw(TEXT))],
    "costvscloud": lambda d: [
        command_option("hardware", d.draw(TEXT)),
        command_option("model", d.draw(TEXT)),
        command_option("tokens_per_day", d.draw(st.integers(-10, 10**15)), option_type=4),
        command_option("electricity_price", d.draw(st.floats(-1e9, 1e9)), option_type=10),
    ],
    "glossary": lambda d: [command_option("term", d.draw(TEXT))],
    "model": lambda d: [command_option("name", d.draw(TEXT))],
    "gpu": lambda d: [command_option("name", d.draw(TEXT))],
    "tool": lambda d: [command_option("name", d.draw(TEXT))],
    "error": lambda d: [command_option("text", d.draw(st.text(min_size=1, max_size=4000) | TEXT))],
    "ask": lambda d: [command_option("question", d.draw(st.text(min_size=1, max_size=4000) | TEXT))],
}


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(st.data())
def test_every_command_survives_hostile_input(harness, data):
    name = data.draw(st.sampled_from(sorted(COMMAND_OPTIONS)))
    message = harness.run(harness.invoke(name, COMMAND_OPTIONS[name](data)))
    assert message.get("embeds") or message.get("content") or message.get("components"), f"/{name} answered nothing"
    assert_safe_message(message)
