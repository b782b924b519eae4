"""Reference cards: /glossary, /error, /model, /gpu, /tool."""

from __future__ import annotations

from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot import render
from bot.autocomplete import glossary_autocomplete, hardware_autocomplete, model_autocomplete, tool_autocomplete
from bot.cooldowns import per_user_cooldown
from bot.respond import send
from bot.views import card_payload, choices_view
from knowledge.search import ResolveError, resolve

if TYPE_CHECKING:
    from bot.client import RunLocalAIBot


class Cards(commands.Cog):
    def __init__(self, bot: RunLocalAIBot):
        self.bot = bot

    async def _show(self, interaction: discord.Interaction, kind: str, text: str) -> None:
        """One card, or a "did you mean" menu when the name is ambiguous or unknown."""
        await self.bot.record_command(interaction, kind)
        entry = self.bot.kb.catalog.get(kind, text)
        if entry is None:
            try:
                entry = self.bot.kb.catalog.get(kind, resolve(self.bot.kb.names, text, kind).id)
            except ResolveError as exc:
                if not exc.suggestions:
                    await send(
                        interaction,
                        ephemeral=True,
                        embed=render.error_message_embed(f"Nothing in the catalog matches {text[:80]!r}. Try /ask with a sentence."),
                    )
                    return
                options = [(h.id, h.title) for h in exc.suggestions]
                await send(
                    interaction,
                    ephemeral=True,
                    content=f"Did you mean one of these? ({len(options)} close matches)",
                    view=choices_view(kind, options),
                )
                return
        await send(interaction, **card_payload(self.bot, entry))

    @app_commands.command(name="glossary", description="What a term means, with a real example")
    @app_commands.describe(term="e.g. KV cache, GQA, Q4_K_M, flash attention")
    @app_commands.autocomplete(term=glossary_autocomplete)
    async def glossary(self, interaction: discord.Interaction, term: app_commands.Range[str, 1, 100]) -> None:
        await self._show(interaction, "glossary", term)

    @app_commands.command(name="model", description="A model card: size, architecture, context, file sizes")
    @app_commands.autocomplete(name=model_autocomplete)
    async def model(self, interaction: discord.Interaction, name: app_commands.Range[str, 1, 100]) -> None:
        await self._show(interaction, "model", name)

    @app_commands.command(name="gpu", description="A GPU or machine: memory, bandwidth, compute, backends, price")
    @app_commands.autocomplete(name=hardware_autocomplete)
    async def gpu(self, interaction: discord.Interaction, name: app_commands.Range[str, 1, 100]) -> None:
        await self._show(interaction, "hardware", name)

    @app_commands.command(name="tool", description="A runtime or tool: what it is, install and run commands, limits")
    @app_commands.autocomplete(name=tool_autocomplete)
    async def tool(self, interaction: discord.Interaction, name: app_commands.Range[str, 1, 100]) -> None:
        await self._show(interaction, "tool", name)

    @app_commands.command(name="error", description="Why a runtime fails: paste the error line or log")
    @app_commands.describe(text="The error message or log lines (up to 4000 characters)")
    @per_user_cooldown
    async def error(self, interaction: discord.Interaction, text: app_commands.Range[str, 1, 4000]) -> None:
        await self.bot.record_command(interaction, "error")
        hits = self.bot.engine.signatures.match(text)
        if hits:
            top = hits[0]
            payload = card_payload(self.bot, top.entry)
            payload["content"] = render.clip(f"Matched: `{top.line[:300]}`", render.CONTENT_MAX) if top.line else None
            await send(interaction, **{k: v for k, v in payload.items() if v is not None})
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
