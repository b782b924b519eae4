"""Free text: /ask, answers when mentioned or replied to, and auto-answers in configured forum channels."""

from __future__ import annotations

import asyncio
import logging
import re
import time
from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from answers.conversation import Context
from answers.engine import Answer, hub_refs_to_resolve
from answers.hub import HubModel
from answers.user_errors import InputError
from bot import render
from bot.cooldowns import per_user_cooldown
from bot.errors import explain, guarded_listener
from bot.respond import compute_then_send
from bot.views import feedback_view

if TYPE_CHECKING:
    from bot.client import RunLocalAIBot

log = logging.getLogger("runlocalai.ask")
_MENTION = re.compile(r"<@!?\d+>|<@&\d+>|<#\d+>")


def answer_payload(answer: Answer, answer_id: int | None = None) -> dict:
    """The embed for an answer; with ``answer_id`` (where it was recorded) it gets Solved / Not helpful buttons."""
    if answer.abstained:
        text = answer.text or (
            "I don't have a confident answer to that. Try naming a model and your GPU, pasting the exact error, or /glossary for a term."
        )
        return {"embed": render.text_embed("Not sure", text, discord.Colour.light_grey())}
    payload: dict = {"embed": render.answer_embed(answer)}
    if answer_id is not None:
        payload["view"] = feedback_view(answer_id)
    return payload


class Ask(commands.Cog):
    def __init__(self, bot: RunLocalAIBot):
        self.bot = bot
        self._channel_last: dict[int, float] = {}

    # ------------------------------------------------------------------------------------------
    @app_commands.command(name="ask", description="Ask anything about running models locally")
    @app_commands.describe(question="e.g. will qwen3 32b run on my 4070 super? / paste an error / what is GQA?")
    @per_user_cooldown
    async def ask(self, interaction: discord.Interaction, question: app_commands.Range[str, 1, 4000]) -> None:
        answer_id = interaction.id

        async def record_then_render(answer: Answer) -> dict:
            await self._record(answer, answer_id, interaction.guild_id, interaction.channel_id or 0)
            return answer_payload(answer, None if answer.abstained else answer_id)

        hub = await self._hub_model(question, interaction)
        in_thread = isinstance(interaction.channel, discord.Thread)
        conv_id = interaction.channel_id if in_thread and interaction.channel_id else interaction.id
        context = await self.bot.conversation_context(interaction.user.id, conv_id)
        answer = await compute_then_send(interaction, lambda: self._answer(question, hub, context), record_then_render)
        await self.bot.record_question(interaction.guild_id, "ask", answer)
        if not answer.abstained:
            original = None if in_thread else await _original_id(interaction)
            await self.bot.remember_turn(conv_id, answer, *([original] if original else []))

    async def _record(self, answer: Answer, answer_id: int, guild_id: int | None, channel_id: int) -> None:
        """Store an answer before it is sent, so a feedback click can never arrive before its row exists."""
        if answer.abstained:
            return
        await self.bot.state.record_answer(
            answer_id, guild_id, channel_id, answer.question_hash, answer.intent, answer.matches[0].id if answer.matches else None
        )

    def _answer(self, text: str, hub: HubModel | None = None, context: Context | None = None) -> Answer:
        engine = self.bot.engine  # one catalog for the whole answer, even if a reload swaps it meanwhile
        with self.bot.metrics.time_search():
            return engine.answer(text, hub_model=hub, context=context)

    async def _conversation_of(self, message: discord.Message) -> int:
        """A thread is one conversation; a reply continues the chain it answers (its root); anything else starts one."""
        if isinstance(message.channel, discord.Thread):
            return message.channel.id
        if message.reference is not None and message.reference.message_id:
            linked = await self.bot.state.conversation_of(message.reference.message_id, self.bot.settings.follow_up_ttl_s)
            return linked or message.reference.message_id
        return message.id

    async def _hub_model(self, text: str, interaction: discord.Interaction | None = None) -> HubModel | None:
        """A Hugging Face repository the message names (and the catalog lacks), looked up before answering. For
        /ask the interaction is deferred first and a failed lookup is the answer; in threads it is just skipped."""
        refs = hub_refs_to_resolve(self.bot.kb, text)
        if not refs or self.bot.hub is None:
            return None
        if interaction is not None and not interaction.response.is_done():
            await interaction.response.defer(thinking=True)
        try:
            return await self.bot.hub.resolve(refs[0])
        except InputError:
            if interaction is not None:
                raise
            return None

    # ------------------------------------------------------------------------------------------
    @commands.Cog.listener()
    @guarded_listener("on_message")
    async def on_message(self, message: discord.Message) -> None:
        if message.author.bot or self.bot.user is None or message.author.id == self.bot.user.id:
            return  # never answer bots, including ourselves
        if message.guild is None:
            return
        if isinstance(message.channel, discord.Thread) and message.id == message.channel.id:
            await self._forum_post(message)
            return
        mentioned = self.bot.user in message.mentions
        replied = (
            message.reference is not None
            and isinstance(message.reference.resolved, discord.Message)
            and message.reference.resolved.author.id == self.bot.user.id
        )
        if not (mentioned or replied):
            return
        try:
            await self._mention(message)
        except Exception as exc:  # the asker gets one friendly line; the log gets the details
            friendly = explain(exc)
            if friendly.kind == "bug":
                log.exception("answering a mention failed")
            await message.reply(embed=render.error_message_embed(friendly.message), mention_author=False)

    async def _mention(self, message: discord.Message) -> None:
        assert message.guild is not None
        text = _MENTION.sub(" ", message.content).strip()
        if not text:
            await message.reply("Ask me about a model and your GPU, paste an error, or try /ask.", mention_author=False)
            return
        conv_id = await self._conversation_of(message)
        context = await self.bot.conversation_context(message.author.id, conv_id)
        answer = await asyncio.to_thread(self._answer, text, await self._hub_model(text), context)
        await self.bot.record_question(message.guild.id, "mention", answer)
        await self._record(answer, message.id, message.guild.id, message.channel.id)
        await self.bot.remember_turn(conv_id, answer, message.id)  # before replying: a quick follow-up finds it
        sent = await message.reply(**answer_payload(answer, None if answer.abstained else message.id), mention_author=False)
        await self.bot.remember_turn(conv_id, answer, sent.id, store=False)

    async def _forum_post(self, message: discord.Message) -> None:
        """A new post in a forum channel: answer it once, only when configured and confident."""
        thread = message.channel
        assert isinstance(thread, discord.Thread) and message.guild is not None
        settings = await self.bot.state.guild_settings(message.guild.id)
        if thread.parent_id not in settings.autoanswer_channels:
            return
        now = time.monotonic()
        last = self._channel_last.get(thread.parent_id or 0, -1e9)
        if now - last < self.bot.settings.channel_cooldown_s:
            return
        text = f"{thread.name}\n{message.content}".strip()
        context = await self.bot.conversation_context(message.author.id, None)  # the poster's rig, if saved
        answer = await asyncio.to_thread(self._answer, text, None, context)
        threshold = settings.threshold if settings.threshold is not None else self.bot.settings.autoanswer_confidence
        confident = not answer.abstained and answer.confidence >= threshold
        await self.bot.record_question(message.guild.id, "forum", answer, answered=confident)
        if not confident:
            return  # silence beats a wrong answer in someone's help thread
        if not await self.bot.state.claim_thread(thread.id, message.guild.id):
            return  # already answered (another shard/process or a replayed event)
        self._channel_last[thread.parent_id or 0] = now
        await self._record(answer, message.id, message.guild.id, thread.id)
        await self.bot.remember_turn(thread.id, answer)  # a later mention in the thread follows up on the post
        await thread.send(**answer_payload(answer, message.id))


async def _original_id(interaction: discord.Interaction) -> int | None:
    """The id of the message an interaction answered with (a reply to it continues the conversation)."""
    try:
        return (await interaction.original_response()).id
    except discord.HTTPException:
        return None


async def setup(bot: RunLocalAIBot) -> None:
    await bot.add_cog(Ask(bot))
