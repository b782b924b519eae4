"""Real interaction payloads through the real CommandTree; the bot answers the local fake Discord API."""

from __future__ import annotations

import discord

from bot import render
from tests.fake_discord import FakeDiscord, command_option, interaction_payload


def command_id(fake: FakeDiscord, name: str) -> str:
    for scope in fake.commands.values():
        for cmd in scope:
            if cmd["name"] == name:
                return cmd["id"]
    raise AssertionError(f"/{name} was not registered: {fake.commands}")


async def run_interaction(bot, fake: FakeDiscord, payload: dict) -> dict:
    bot._connection.parse_interaction_create(payload)
    rec = await fake.wait_for(lambda r: r.path.endswith(f"/{payload['id']}/{payload['token']}/callback"))
    return rec.body


async def final_message(fake: FakeDiscord, payload: dict, callback: dict) -> dict:
    """The message the user ends up seeing: the callback itself, or the follow-up after a defer."""
    if callback["type"] == 4:
        return callback["data"]
    rec = await fake.wait_for(lambda r: r.method == "POST" and r.path.startswith("/webhooks/") and payload["token"] in r.path)
    return rec.body


def assert_within_discord_limits(message: dict) -> None:
    assert len(message.get("content") or "") <= 2000
    assert message.get("allowed_mentions", {"parse": []}).get("parse") == []
    for data in message.get("embeds", []):
        embed = discord.Embed.from_dict(data)
        assert len(embed) <= render.EMBED_TOTAL_MAX
        assert len(embed.title or "") <= render.TITLE_MAX
        assert len(embed.description or "") <= render.DESCRIPTION_MAX
        assert len(embed.fields) <= render.FIELDS_MAX
        assert all(len(f.value) <= render.FIELD_VALUE_MAX and len(f.name) <= render.FIELD_NAME_MAX for f in embed.fields)


async def test_commands_are_registered_on_login(bot, fake):
    names = {c["name"] for c in fake.commands["global"]}
    assert "willitrun" in names
    willitrun = next(c for c in fake.commands["global"] if c["name"] == "willitrun")
    options = {o["name"]: o for o in willitrun["options"]}
    assert options["model"]["autocomplete"] and options["hardware"]["autocomplete"]
    assert options["quant"]["autocomplete"] and options["context"]["type"] == 3  # "32k" as typed
    runtimes = options["runtime"]["choices"]
    assert 1 <= len(runtimes) <= 25 and {"llama.cpp", "ollama", "vllm"} <= {c["value"] for c in runtimes}


async def test_willitrun_answers_with_an_estimate_embed(bot, fake):
    payload = interaction_payload(
        "willitrun",
        [command_option("model", "llama-3.1-8b-instruct"), command_option("hardware", "rtx-3060-12gb")],
        command_id=command_id(fake, "willitrun"),
    )
    callback = await run_interaction(bot, fake, payload)
    message = await final_message(fake, payload, callback)
    embed = message["embeds"][0]
    assert embed["title"] == "Llama 3.1 8B Instruct on GeForce RTX 3060 12GB"
    assert "Runs well" in embed["description"]
    assert embed["color"] == discord.Colour.green().value
    fields = {f["name"]: f["value"] for f in embed["fields"]}
    assert "GB" in fields["Memory"] and "tok/s" in fields["Speed (estimated)"]
    assert_within_discord_limits(message)


async def test_willitrun_free_text_names_resolve(bot, fake):
    payload = interaction_payload(
        "willitrun",
        [command_option("model", "qwen3 30b a3b"), command_option("hardware", "3090ti"), command_option("context", 32768, option_type=4)],
        command_id=command_id(fake, "willitrun"),
    )
    message = await final_message(fake, payload, await run_interaction(bot, fake, payload))
    assert message["embeds"][0]["title"].startswith("Qwen3 30B")
    assert "32,768 ctx" in message["embeds"][0]["footer"]["text"]


async def test_unknown_model_gets_did_you_mean_ephemerally(bot, fake):
    payload = interaction_payload(
        "willitrun",
        [command_option("model", "llama 3.1 9b"), command_option("hardware", "rtx 4090")],
        command_id=command_id(fake, "willitrun"),
    )
    callback = await run_interaction(bot, fake, payload)
    message = await final_message(fake, payload, callback)
    assert message["flags"] & 64, "error replies are ephemeral"
    assert "Did you mean" in message["embeds"][0]["description"]
    assert "Llama 3.1 8B" in message["embeds"][0]["description"]


async def test_autocomplete_returns_at_most_25_fuzzy_choices(bot, fake):
    payload = interaction_payload(
        "willitrun",
        [command_option("model", "qwen", focused=True), command_option("hardware", "")],
        kind=4,
        command_id=command_id(fake, "willitrun"),
    )
    callback = await run_interaction(bot, fake, payload)
    assert callback["type"] == 8
    choices = callback["data"]["choices"]
    assert 1 <= len(choices) <= 25
    assert all(1 <= len(c["name"]) <= 100 and len(c["value"]) <= 100 for c in choices)
    assert all("qwen" in c["name"].lower() for c in choices)


async def test_hardware_autocomplete_handles_typos(bot, fake):
    payload = interaction_payload(
        "willitrun",
        [command_option("model", "llama"), command_option("hardware", "4070 supr", focused=True)],
        kind=4,
        command_id=command_id(fake, "willitrun"),
    )
    callback = await run_interaction(bot, fake, payload)
    assert "rtx-4070-super" in [c["value"] for c in callback["data"]["choices"]]
