"""Server admin (Manage Server): /setup autoanswer, /setup threshold, /stats."""

from __future__ import annotations

from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot import render
from bot.respond import send

if TYPE_CHECKING:
    from bot.client import RunLocalAIBot


async def is_operator(interaction: discord.Interaction) -> bool:
    """The bot's owner (or a member of its owning team), or a member with the operator role on the home server.
    A reload affects every server, so a server's own Manage Server permission is not enough."""
    bot: RunLocalAIBot = interaction.client  # type: ignore[assignment]
    if await bot.is_owner(interaction.user):
        return True
    settings = bot.settings
    if settings.operator_role_id and settings.home_guild_id and interaction.guild_id == settings.home_guild_id:
        roles = getattr(interaction.user, "roles", [])
        if any(role.id == settings.operator_role_id for role in roles):
            return True
    raise app_commands.CheckFailure("Only the bot's operators can reload the catalog (it changes every server's answers).")


@app_commands.guild_only()
@app_commands.default_permissions(manage_guild=True)
class Setup(app_commands.Group, name="setup", description="Configure the bot for this server"):
    def __init__(self, bot: RunLocalAIBot):
        super().__init__()
        self.bot = bot

    @app_commands.command(name="autoanswer", description="Auto-answer new posts in a forum channel")
    @app_commands.checks.has_permissions(manage_guild=True)
    @app_commands.describe(channel="A forum channel", enabled="On or off")
    async def autoanswer(self, interaction: discord.Interaction, channel: discord.ForumChannel, enabled: bool) -> None:
        assert interaction.guild_id is not None
        await self.bot.state.set_autoanswer(interaction.guild_id, channel.id, enabled)
        state = "on" if enabled else "off"
        await send(
            interaction,
            ephemeral=True,
            content=f"Auto-answers are {state} in {channel.mention}. I answer each new post once, "
            "only when I'm confident, with Solved / Not helpful buttons.",
        )

    @app_commands.command(name="threshold", description="Confidence (0-1) needed before auto-answering (default 0.75)")
    @app_commands.describe(value="Higher = fewer but safer answers")
    @app_commands.checks.has_permissions(manage_guild=True)
    async def threshold(self, interaction: discord.Interaction, value: app_commands.Range[float, 0.0, 1.0]) -> None:
        assert interaction.guild_id is not None
        await self.bot.state.set_threshold(interaction.guild_id, value)
        await send(interaction, ephemeral=True, content=f"Auto-answer threshold set to {value:.2f}.")

    @app_commands.command(name="reload", description="Reload the catalog files for every server (bot operators only)")
    @app_commands.check(is_operator)
    async def reload(self, interaction: discord.Interaction) -> None:
        await interaction.response.defer(ephemeral=True, thinking=True)
        counts = await self.bot.reload_catalog()
        await interaction.followup.send(ephemeral=True, content="Catalog reloaded: " + ", ".join(f"{v} {k}" for k, v in counts.items()))


class Admin(commands.Cog):
    def __init__(self, bot: RunLocalAIBot):
        self.bot = bot
        self.setup_group = Setup(bot)
        bot.tree.add_command(self.setup_group)

    async def cog_unload(self) -> None:
        self.bot.tree.remove_command(self.setup_group.name)

    @app_commands.command(name="stats", description="Usage, answer rate, unanswered and down-voted questions")
    @app_commands.guild_only()
    @app_commands.default_permissions(manage_guild=True)
    @app_commands.checks.has_permissions(manage_guild=True)
    async def stats(self, interaction: discord.Interaction) -> None:
        assert interaction.guild_id is not None
        stats = await self.bot.state.stats(interaction.guild_id)
        settings = await self.bot.state.guild_settings(interaction.guild_id)
        embed = discord.Embed(title="runlocalai stats", colour=discord.Colour.blurple())
        embed.add_field(name="Usage", value=f"{stats.commands} commands · {stats.questions} free-text questions", inline=False)
        embed.add_field(name="Answer rate", value=f"{stats.answer_rate:.0%} answered · {stats.abstained} stayed silent", inline=False)
        embed.add_field(name="Feedback", value=f"✅ {stats.solved} solved · 👎 {stats.not_helpful} not helpful", inline=False)
        if stats.top_unanswered:
            embed.add_field(
                name="Most-asked unanswered (hash · intent · times · best score)",
                value="\n".join(f"`{h}` {i} ×{n} ({s:.2f})" for h, i, n, s in stats.top_unanswered),
                inline=False,
            )
        if stats.downvoted:
            embed.add_field(
                name="Down-voted answers (question hash · intent · votes)",
                value="\n".join(f"`{h}` {i} ×{n}" for h, i, n in stats.downvoted),
                inline=False,
            )
        channels = ", ".join(f"<#{c}>" for c in sorted(settings.autoanswer_channels)) or "none"
        threshold = settings.threshold if settings.threshold is not None else self.bot.settings.autoanswer_confidence
        embed.add_field(name="Auto-answer", value=f"channels: {channels} · threshold {threshold:.2f}", inline=False)
        await send(interaction, ephemeral=True, embed=render.finalize(embed))


async def setup(bot: RunLocalAIBot) -> None:
    await bot.add_cog(Admin(bot))
