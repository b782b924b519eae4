"""Driving the real bot through real interaction payloads: dispatch, wait for the fake API's record of the
answer, and read what the user would see. Shared by the bot tests (and anything else that drives the bot)."""

from __future__ import annotations

import discord

from bot import render
from testkit.fake_discord import FakeDiscord, Recorded, component_payload, interaction_payload


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


async def answer_request(fake: FakeDiscord, payload: dict) -> Recorded:
    """The request that carried the message the user sees (the callback, or the follow-up after a defer), with
    the files uploaded beside it."""
    callback = await fake.wait_for(lambda r: r.path.endswith(f"/{payload['id']}/{payload['token']}/callback"))
    if callback.body["type"] == 4:
        return callback
    return await fake.wait_for(lambda r: r.method == "POST" and r.path.startswith("/webhooks/") and payload["token"] in r.path)


def assert_within_discord_limits(message: dict) -> None:
    assert len(message.get("content") or "") <= 2000
    assert message.get("allowed_mentions", {"parse": []}).get("parse") == []
    for data in message.get("embeds", []):
        embed = discord.Embed.from_dict(data)
        assert len(embed) <= render.EMBED_TOTAL_MAX
        assert len(embed.title or "") <= render.TITLE_MAX
        assert len(embed.description or "") <= render.DESCRIPTION_MAX
        assert len(embed.fields) <= render.FIELDS_MAX
        assert all(len(f.value or "") <= render.FIELD_VALUE_MAX and len(f.name or "") <= render.FIELD_NAME_MAX for f in embed.fields)


def registered(fake: FakeDiscord) -> dict[str, dict]:
    return {c["name"]: c for c in fake.commands["global"]}


async def invoke(
    bot, fake: FakeDiscord, name: str, options: list[dict], subcommand: str | None = None, permissions: str | None = None
) -> tuple[dict, dict, dict]:
    """Run a command; returns (payload, callback body, the message the user sees)."""
    payload = interaction_payload(name, options, command_id=registered(fake)[name]["id"], subcommand=subcommand)
    if permissions is not None:
        payload = interaction_payload(
            name, options, command_id=registered(fake)[name]["id"], subcommand=subcommand, permissions=permissions
        )
    callback = await run_interaction(bot, fake, payload)
    message = await final_message(fake, payload, callback)
    assert_within_discord_limits(message)
    return payload, callback, message


async def click(bot, fake: FakeDiscord, custom_id: str, stored: dict) -> dict:
    """Click a button on a stored message; returns the message the user sees."""
    return (await press(bot, fake, custom_id, stored))[0]


async def press(bot, fake: FakeDiscord, custom_id: str, stored: dict) -> tuple[dict, Recorded]:
    """Click a button on a stored message; returns the message the user sees and the request that carried it."""
    payload = component_payload(custom_id, stored)
    message = await final_message(fake, payload, await run_interaction(bot, fake, payload))
    return message, await answer_request(fake, payload)


def sent_message(fake: FakeDiscord, callback_payload: dict, content: dict) -> dict:
    """The stored message object (with id and components) for a response, as Discord would return it."""
    for message in reversed(list(fake.messages.values())):
        if message["embeds"] == content.get("embeds", []) and message["components"] == content.get("components", []):
            return message
    raise AssertionError("response message not stored by the fake")


def embed_text(message: dict) -> str:
    parts = []
    for e in message.get("embeds", []):
        parts += [e.get("title", ""), e.get("description", "")] + [f["name"] + " " + f["value"] for f in e.get("fields", [])]
    return (message.get("content") or "") + "\n".join(parts)
