"""The bot: a commands.Bot with restrictive mentions, one error path and the knowledge loaded once."""

from __future__ import annotations

import logging
import time

import discord
from discord import app_commands
from discord.ext import commands

from answers.engine import Answer, AnswerEngine, EngineSettings
from answers.estimates import InputError
from answers.knowledge_base import KnowledgeBase
from bot import render
from bot.respond import send
from bot.settings import BotSettings
from bot.state.repository import StateRepository
from bot.state.sqlite import SQLiteState
from bot.views import DYNAMIC_ITEMS

log = logging.getLogger("runlocalai.bot")

EXTENSIONS = ("bot.commands.willitrun", "bot.commands.explore", "bot.commands.cards", "bot.commands.ask", "bot.commands.admin")


def build_intents(settings: BotSettings) -> discord.Intents:
    intents = discord.Intents.default()  # guilds + guild messages; no privileged intents
    intents.message_content = settings.message_content
    return intents


class RunLocalAIBot(commands.Bot):
    def __init__(self, settings: BotSettings, kb: KnowledgeBase | None = None):
        super().__init__(
            command_prefix=commands.when_mentioned,
            intents=build_intents(settings),
            allowed_mentions=discord.AllowedMentions.none(),
            help_command=None,
        )
        self.settings = settings
        self._preloaded = kb
        self.kb: KnowledgeBase
        self.engine: AnswerEngine
        self.state: StateRepository = SQLiteState(settings.state_db)
        self.tree.on_error = self.on_app_command_error

    async def setup_hook(self) -> None:
        started = time.perf_counter()
        self.kb = self._preloaded or await KnowledgeBase.load_async(self.settings.catalog_db)
        self.engine = AnswerEngine(
            self.kb, EngineSettings(min_confidence=self.settings.min_confidence, min_margin=self.settings.min_margin)
        )
        log.info("catalog loaded in %.0f ms: %s", 1000 * (time.perf_counter() - started), self.kb.catalog.counts())
        await self.state.open()
        self.add_dynamic_items(*DYNAMIC_ITEMS)  # buttons and menus keep working across restarts
        for extension in EXTENSIONS:
            await self.load_extension(extension)
        mode = (
            "message content intent ON" if self.intents.message_content else "message content intent OFF (slash commands and mentions only)"
        )
        log.info("mode: %s", mode)
        if self.settings.sync_commands:
            await self.sync_commands()

    async def sync_commands(self) -> list[app_commands.AppCommand]:
        if self.settings.dev_guild_id:
            guild = discord.Object(id=self.settings.dev_guild_id)
            self.tree.copy_global_to(guild=guild)
            synced = await self.tree.sync(guild=guild)
            log.info("synced %d commands to dev guild %s", len(synced), self.settings.dev_guild_id)
        else:
            synced = await self.tree.sync()
            log.info("synced %d global commands", len(synced))
        return synced

    async def close(self) -> None:
        await super().close()
        await self.state.close()

    async def record_command(self, interaction: discord.Interaction, name: str) -> None:
        try:
            await self.state.record_usage(interaction.guild_id, "command", name, True, 1.0)
        except Exception:  # statistics must never break an answer
            log.exception("could not record usage")

    async def record_question(self, guild_id: int | None, kind: str, answer: Answer, answered: bool | None = None) -> None:
        answered = (not answer.abstained) if answered is None else answered
        try:
            await self.state.record_usage(guild_id, kind, answer.intent, answered, answer.confidence)
            if not answered:
                await self.state.record_unanswered(guild_id, answer.question_hash, answer.intent, answer.confidence)
        except Exception:
            log.exception("could not record a question")

    async def on_ready(self) -> None:
        log.info("ready as %s in %d guild(s)", self.user, len(self.guilds))

    async def on_app_command_error(self, interaction: discord.Interaction, error: app_commands.AppCommandError) -> None:
        """The single error path: user mistakes get a clear ephemeral answer, bugs get logged."""
        original = getattr(error, "original", error)
        if isinstance(original, InputError):
            message = original.message
            if original.suggestions and "Did you mean" not in message:
                message += " Did you mean: " + ", ".join(original.suggestions[:5]) + "?"
        elif isinstance(error, app_commands.CommandOnCooldown):
            message = f"Slow down a little: try again in {error.retry_after:.0f} s."
        elif isinstance(error, app_commands.MissingPermissions | app_commands.CheckFailure):
            message = "You don't have permission to use this command here."
        else:
            log.exception("command %s failed", interaction.command.qualified_name if interaction.command else "?", exc_info=original)
            message = "Something went wrong on my side; the maintainers have the details. Please try again."
        try:
            await send(interaction, ephemeral=True, embed=render.error_message_embed(message))
        except discord.HTTPException:
            log.warning("could not deliver the error message for interaction %s", interaction.id)
