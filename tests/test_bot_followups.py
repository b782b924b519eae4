"""Follow-ups: in a reply chain, a thread or a forum post, a question inherits what it leaves out from the
conversation's last turn, stored in the state database (so it survives a restart), with the asker's rig."""

from __future__ import annotations

import asyncio
import time

from testkit.fake_discord import (
    BOT_ID,
    FORUM_CHANNEL_ID,
    TEXT_CHANNEL_ID,
    message_payload,
    snowflake,
    thread_payload,
    user,
)
from testkit.interactions import embed_text

BOT_USER = user(BOT_ID, "runlocalai", bot=True)


async def say(bot, fake, content: str, *, channel_id: str = TEXT_CHANNEL_ID, reply_to: dict | None = None, mention: bool = True) -> dict:
    """A member's message (mentioning the bot, or replying to one of its messages); returns the bot's reply as stored."""
    text = f"<@{BOT_ID}> {content}" if mention else content
    payload = message_payload(text, channel_id=channel_id, mentions=[BOT_USER] if mention else [], referenced=reply_to)
    seen = len(fake.requests)
    bot._connection.parse_message_create(payload)
    rec = await fake.wait_for(
        lambda r: r.method == "POST" and r.path == f"/channels/{channel_id}/messages" and fake.requests.index(r) >= seen, timeout=30
    )
    assert rec.body["allowed_mentions"]["parse"] == []
    sent = next(m for m in reversed(list(fake.messages.values())) if m["embeds"] == rec.body.get("embeds", []))
    for _ in range(200):  # the bot links its reply to the conversation right after sending it
        if await bot.state.conversation_of(int(sent["id"]), 86400) is not None:
            break
        await asyncio.sleep(0.02)
    return sent


def footer(message: dict) -> str:
    return message["embeds"][0].get("footer", {}).get("text", "")


async def test_a_reply_chain_carries_the_model_machine_and_settings(bot, fake):
    bot._connection.parse_guild_create(fake.guild())
    first = await say(bot, fake, "will qwen3 32b run on my 3090?")
    assert first["embeds"][0]["title"] == "Qwen3 32B on GeForce RTX 3090"
    second = await say(bot, fake, "what about at 32k?", reply_to=first, mention=False)
    assert second["embeds"][0]["title"] == "Qwen3 32B on GeForce RTX 3090" and "32,768 ctx" in footer(second)
    assert "Carried over from the conversation" in embed_text(second)
    # a restart in between: everything lives in the state database
    await bot.state.close()
    await bot.state.open()
    third = await say(bot, fake, "and with q8 kv cache?", reply_to=second, mention=False)
    assert "32,768 ctx" in footer(third) and "KV q8_0" in footer(third)
    # a new mention outside the chain starts afresh (nothing carried)
    fresh = await say(bot, fake, "what about at 32k?")
    assert "Carried over" not in embed_text(fresh)


async def test_a_thread_is_one_conversation_and_the_rig_fills_the_machine(bot, fake):
    bot._connection.parse_guild_create(fake.guild())
    await bot.state.rig_put(int(fake.guild()["owner_id"]), bot.rig_reader.read("2x 3090 + 128gb ddr4").dumps())
    thread_id = snowflake()
    thread = {**thread_payload("llama questions", thread_id=thread_id, parent_id=TEXT_CHANNEL_ID), "type": 11}
    bot._connection.parse_thread_create(thread)
    first = await say(bot, fake, "will llama 3.3 70b run?", channel_id=thread_id)
    assert "On your rig: 2× GeForce RTX 3090 + 128 GB DDR4." in embed_text(first)
    second = await say(bot, fake, "what about at 64k?", channel_id=thread_id)  # a mention in the thread, not a reply
    assert second["embeds"][0]["title"].startswith("Llama 3.3 70B") and "65,536 ctx" in footer(second)


async def test_a_forum_post_answer_is_the_first_turn(bot, fake):
    bot._connection.parse_guild_create(fake.guild())
    await bot.state.set_autoanswer(int(fake.guild()["id"]), int(FORUM_CHANNEL_ID), True)
    thread_id = snowflake()
    bot._connection.parse_thread_create(thread_payload("Llama 3.1 8B on my 3060?", thread_id=thread_id))
    seen = len(fake.requests)
    bot._connection.parse_message_create(
        message_payload("Will Llama 3.1 8B run on an RTX 3060 12GB?", channel_id=thread_id, message_id=thread_id)
    )
    await fake.wait_for(lambda r: r.path == f"/channels/{thread_id}/messages" and fake.requests.index(r) >= seen, timeout=30)
    follow = await say(bot, fake, "and at q8?", channel_id=thread_id)
    assert follow["embeds"][0]["title"] == "Llama 3.1 8B Instruct on GeForce RTX 3060 12GB" and footer(follow).startswith("Q8_0")


async def test_turns_are_bounded_and_expire(bot, fake):
    settings = bot.settings
    for _ in range(12):
        await bot.state.conversation_add(
            77, {"e": {"v": 1}, "i": "x", "at": time.time()}, settings.follow_up_turns, settings.follow_up_ttl_s
        )
    assert len(await bot.state.conversation_turns(77, settings.follow_up_ttl_s)) == settings.follow_up_turns == 5
    assert await bot.state.conversation_turns(77, max_age_s=-1) == []


async def test_chit_chat_and_unreadable_snapshots_carry_nothing(bot, fake):
    bot._connection.parse_guild_create(fake.guild())
    first = await say(bot, fake, "will qwen3 32b run on my 3090?")
    await bot.state.conversation_add(int(first["id"]), {"e": {"v": 99}, "i": "will_it_run", "at": time.time()}, 5, 86400)
    conv = await bot.state.conversation_of(int(first["id"]), 86400)
    assert conv is not None
    await bot.state.conversation_add(conv, {"e": "garbage", "i": 3, "at": time.time()}, 5, 86400)
    reply = await say(bot, fake, "what about at 32k?", reply_to=first, mention=False)
    assert "Carried over" not in embed_text(reply)  # the last turn is unreadable: nothing is trusted
