"""Reference cards: /glossary (with categories to browse), /error, /model, /gpu, /tool."""

from __future__ import annotations

from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from answers.lookup import Lookup
from bot import render
from bot.cooldowns import per_user_cooldown
from bot.respond import send
from bot.transformers import GlossaryCardArg, HardwareCardArg, ModelCardArg, ToolCardArg
from bot.views import card_payload, choices_view, glossary_page_payload
from knowledge.schema import GLOSSARY_CATEGORY_TITLES

if TYPE_CHECKING:
    from bot.client import RunLocalAIBot

CATEGORY_CHOICES = [app_commands.Choice(name=title, value=key) for key, title in GLOSSARY_CATEGORY_TITLES.items()][:25]


class Cards(commands.Cog):
    def __init__(self, bot: RunLocalAIBot):
        self.bot = bot

    async def _show(self, interaction: discord.Interaction, found: Lookup) -> None:
        """One card, or a "did you mean" menu when the name is ambiguous or unknown."""
        await self.bot.record_command(interaction, found.kind)
        if found.entry is not None:
            await send(interaction, **card_payload(self.bot, found.entry))
            return
        if not found.choices:
            await send(
                interaction,
                ephemeral=True,
                embed=render.error_message_embed(f"Nothing in the catalog matches {found.text[:80]!r}. Try /ask with a sentence."),
            )
            return
        await send(
            interaction,
            ephemeral=True,
            content=f"Did you mean one of these? ({len(found.choices)} close matches)",
            view=choices_view(found.kind, found.choices),
        )

    @app_commands.command(name="glossary", description="What a term means, with a real example; or browse a category")
    @app_commands.describe(term="e.g. KV cache, GQA, Q4_K_M, flash attention", category="Browse the terms of one category")
    @app_commands.choices(category=CATEGORY_CHOICES)
    async def glossary(
        self, interaction: discord.Interaction, term: GlossaryCardArg | None = None, category: app_commands.Choice[str] | None = None
    ) -> None:
        if term is not None:
            await self._show(interaction, term)
            return
        await self.bot.record_command(interaction, "glossary")
        await send(interaction, ephemeral=True, **glossary_page_payload(self.bot.kb, category.value if category else None, 0))

    @app_commands.command(name="model", description="A model card: size, architecture, context, file sizes")
    async def model(self, interaction: discord.Interaction, name: ModelCardArg) -> None:
        await self._show(interaction, name)

    @app_commands.command(name="gpu", description="A GPU or machine: memory, bandwidth, compute, backends, price")
    async def gpu(self, interaction: discord.Interaction, name: HardwareCardArg) -> None:
        await self._show(interaction, name)

    @app_commands.command(name="tool", description="A runtime or tool: what it is, install and run commands, limits")
    async def tool(self, interaction: discord.Interaction, name: ToolCardArg) -> None:
        await self._show(interaction, name)

    @app_commands.command(name="error", description="Why a runtime fails: paste the error line or log")
    @app_commands.describe(text="The error message or log lines (up to 4000 characters)")
    @per_user_cooldown
    async def error(self, interaction: discord.Interaction, text: app_commands.Range[str, 1, 4000]) -> None:
        await self.bot.record_command(interaction, "error")
        hits = self.bot.engine.signatures.match(text)
        if hits:
            top = hits[0]
            payload = card_payload(self.bot, top.entry)
            if top.line:
                payload["content"] = render.clip(f"Matched: `{top.line[:300]}`", render.CONTENT_MAX)
            await send(interaction, **payload)
            return
        ranked = self.bot.engine.bm25.top(text, limit=5, kinds={"error"})
        if not ranked:
            await send(
                interaction,
                ephemeral=True,
                embed=render.error_message_embed(
                    "I don't recognise this error. Paste the exact lines the runtime printed (the last few lines of the log help most)."
                ),
            )
            return
        options = [(doc.id, doc.title) for doc, _ in ranked]
        await send(
            interaction, ephemeral=True, content="No exact match for that message. Is it one of these?", view=choices_view("error", options)
        )


async def setup(bot: RunLocalAIBot) -> None:
    await bot.add_cog(Cards(bot))
