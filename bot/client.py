"""The bot: an AutoShardedBot with restrictive mentions, one error path, metrics, and the knowledge loaded
once and swappable at run time (catalog hot reload)."""

from __future__ import annotations

import asyncio
import copy
import logging
import time
from dataclasses import dataclass
from typing import Any

import discord
from discord import app_commands
from discord.ext import commands

from answers.community import community_rows
from answers.conversation import Context, from_snapshot, snapshot
from answers.engine import Answer, AnswerEngine, EngineSettings
from answers.hub import HubResolver
from answers.knowledge_base import KnowledgeBase
from answers.rig import Rig, RigReader
from bot import charts
from bot.errors import report
from bot.observability import Metrics
from bot.settings import BotSettings
from bot.state import make_state
from bot.state.repository import StateRepository
from bot.views import DYNAMIC_ITEMS

log = logging.getLogger("runlocalai.bot")

EXTENSIONS = (
    "bot.commands.willitrun",
    "bot.commands.explore",
    "bot.commands.cards",
    "bot.commands.ask",
    "bot.commands.admin",
    "bot.commands.training",
    "bot.commands.rig",
    "bot.commands.bench",
)


def build_intents(settings: BotSettings) -> discord.Intents:
    intents = discord.Intents.default()  # guilds + guild messages; no privileged intents
    intents.message_content = settings.message_content
    return intents


@dataclass(frozen=True)
class Brain:
    """Catalog, name index and answer engine: replaced as one object on reload, so a request never sees a
    mix of old and new catalog."""

    kb: KnowledgeBase
    engine: AnswerEngine


def shard_options(settings: BotSettings) -> dict[str, Any]:
    """Shard settings for AutoShardedBot: only the ones given (None means "Discord decides")."""
    options: dict[str, Any] = {}
    if settings.shard_count is not None:
        options["shard_count"] = settings.shard_count
    if settings.shard_ids is not None:
        options["shard_ids"] = settings.shard_ids
    return options


class TimedTree(app_commands.CommandTree):
    async def interaction_check(self, interaction: discord.Interaction) -> bool:
        interaction.extras["started"] = time.perf_counter()
        return True


class RunLocalAIBot(commands.AutoShardedBot):
    def __init__(self, settings: BotSettings, kb: KnowledgeBase | None = None):
        super().__init__(
            command_prefix=commands.when_mentioned,
            intents=build_intents(settings),
            allowed_mentions=discord.AllowedMentions.none(),
            help_command=None,
            tree_cls=TimedTree,
            **shard_options(settings),
        )
        self.settings = settings
        self._preloaded = kb
        self.brain: Brain
        self.metrics = Metrics()
        dsn = settings.state_dsn.get_secret_value() if settings.state_dsn else None
        self.state: StateRepository = make_state(settings.state_db, dsn)
        self.hub: HubResolver | None = None
        self.tree.error(self.on_app_command_error)

    # -- knowledge -------------------------------------------------------------------------------
    @property
    def kb(self) -> KnowledgeBase:
        return self.brain.kb

    @property
    def engine(self) -> AnswerEngine:
        return self.brain.engine

    def _engine_settings(self) -> EngineSettings:
        return EngineSettings(min_confidence=self.settings.min_confidence, min_margin=self.settings.min_margin)

    async def reload_catalog(self) -> dict[str, int]:
        """Rebuild from the files if they changed, load, and swap in one assignment."""
        try:
            kb = await KnowledgeBase.load_async(self.settings.catalog_db)
            engine = await asyncio.to_thread(AnswerEngine, kb, self._engine_settings())
        except Exception:
            self.metrics.catalog_reloads.labels("failed").inc()
            log.exception("catalog reload failed; keeping the current catalog")
            raise
        kb.set_community(self.brain.kb.community if getattr(self, "brain", None) else ())
        self.brain = Brain(kb, engine)
        await self.refresh_community()
        self.metrics.catalog_reloads.labels("ok").inc()
        log.info("catalog reloaded: %s (fingerprint %s, %s)", kb.catalog.counts(), kb.catalog.fingerprint, kb.source)
        return kb.catalog.counts()

    # -- lifecycle -------------------------------------------------------------------------------
    async def setup_hook(self) -> None:
        started = time.perf_counter()
        # a preloaded catalog may be shared (tests, benches): this bot's community rows go on its own shallow copy
        kb = copy.copy(self._preloaded) if self._preloaded else await KnowledgeBase.load_async(self.settings.catalog_db)
        self.brain = Brain(kb, AnswerEngine(kb, self._engine_settings()))
        log.info("catalog loaded in %.0f ms (%s): %s", 1000 * (time.perf_counter() - started), kb.source, kb.catalog.counts())
        await self.state.open()
        await self.refresh_community()  # approved community benchmarks become evidence
        token = self.settings.hf_token.get_secret_value() if self.settings.hf_token else None
        self.hub = HubResolver(self.state, token=token, timeout_s=self.settings.hub_timeout_s)  # cache in the state database
        charts.renderer.start()  # a warm worker, so the first chart is not skipped
        self.add_dynamic_items(*DYNAMIC_ITEMS)  # buttons and menus keep working across restarts
        for extension in EXTENSIONS:
            await self.load_extension(extension)
        mode = "ON" if self.intents.message_content else "OFF (slash commands and mentions only)"
        log.info("message content intent %s; shards %s of %s", mode, self.shard_ids or "auto", self.shard_count or "auto")
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
        charts.renderer.close()
        if self.hub is not None:
            self.hub.close()
        await self.state.close()

    async def on_ready(self) -> None:
        log.info("ready as %s in %d guild(s)", self.user, len(self.guilds))

    # -- bookkeeping -----------------------------------------------------------------------------
    async def on_app_command_completion(self, interaction: discord.Interaction, command) -> None:
        started = interaction.extras.get("started")
        if started is not None:
            self.metrics.command_seconds.labels(command.qualified_name).observe(time.perf_counter() - started)

    async def record_command(self, interaction: discord.Interaction, name: str) -> None:
        try:
            await self.state.record_usage(interaction.guild_id, "command", name, True, 1.0)
        except Exception:  # statistics must never break an answer
            log.exception("could not record usage")

    async def record_question(self, guild_id: int | None, kind: str, answer: Answer, answered: bool | None = None) -> None:
        answered = (not answer.abstained) if answered is None else answered
        self.metrics.answers.labels(kind, "answered" if answered else "abstained").inc()
        try:
            await self.state.record_usage(guild_id, kind, answer.intent, answered, answer.confidence)
            if not answered:
                await self.state.record_unanswered(guild_id, answer.question_hash, answer.intent, answer.confidence)
        except Exception:
            log.exception("could not record a question")

    # -- rigs, conversations, community benchmarks ----------------------------------------------
    @property
    def rig_reader(self) -> RigReader:
        return RigReader(self.engine.entities)

    async def user_rig(self, user_id: int) -> Rig | None:
        """The user's saved rig (None when there is none, or it cannot be read any more)."""
        return Rig.from_json(await self.state.rig_get(user_id))

    async def conversation_context(self, user_id: int, conv_id: int | None) -> Context:
        """What the engine should know beyond the message: the conversation's last turn and the asker's rig."""
        context = Context()
        rig = await self.user_rig(user_id)
        if rig is not None:
            context.rig, context.rig_label = rig.machine(), rig.label
        if conv_id is not None:
            turns = await self.state.conversation_turns(conv_id, self.settings.follow_up_ttl_s)
            if turns:
                context.previous, context.previous_intent = from_snapshot(turns[-1].get("e")), str(turns[-1].get("i") or "") or None
        return context

    async def remember_turn(self, conv_id: int, answer: Answer, *message_ids: int, store: bool = True) -> None:
        """Keep an answered question's facts (never its text) for follow-ups, and link the messages to the conversation
        (``store=False``: only link, e.g. the reply once it is sent)."""
        if answer.abstained or answer.intent in {"none", "error"}:
            return
        try:
            if store:
                turn = {"e": snapshot(answer.entities), "i": answer.intent, "at": time.time()}
                await self.state.conversation_add(conv_id, turn, self.settings.follow_up_turns, self.settings.follow_up_ttl_s)
            for message_id in message_ids:
                await self.state.conversation_link(message_id, conv_id)
        except Exception:  # remembering must never break an answer
            log.exception("could not remember a conversation turn")

    async def refresh_community(self) -> int:
        """Load approved community benchmarks into the knowledge base (at start-up, after a reload and each approval)."""
        records = await self.state.bench_list(("approved", "reproduced"))
        rows = community_rows([vars(r) for r in records])
        self.brain.kb.set_community(rows)
        return len(rows)

    # -- the one error path ----------------------------------------------------------------------
    async def on_app_command_error(self, interaction: discord.Interaction, error: app_commands.AppCommandError) -> None:
        """Every slash command and autocomplete failure goes through bot/errors.py."""
        name = interaction.command.qualified_name if interaction.command else "?"
        await report(interaction, error, where=name)
