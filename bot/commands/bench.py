"""/bench submit and /bench review: community benchmarks with trust tiers (pending -> approved -> reproduced)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot.community import BenchModal, read_attachment, review_payload, submit
from bot.cooldowns import per_user_cooldown
from bot.respond import send

if TYPE_CHECKING:
    from bot.client import RunLocalAIBot


@app_commands.guild_only()
class BenchGroup(app_commands.Group, name="bench", description="Share your benchmark numbers with the community"):
    def __init__(self, bot: RunLocalAIBot):
        super().__init__()
        self.bot = bot

    @app_commands.command(name="submit", description="Submit llama-bench / ollama --verbose / llama-server / vLLM output")
    @app_commands.describe(
        file="The output as a text file (empty: a box to paste it into)",
        model="The model, when the output does not name it",
        gpu="The GPU and count, e.g. 2x RTX 3090, when the output does not name it",
        quant="The quant, e.g. Q4_K_M, when the output does not name it",
    )
    @per_user_cooldown
    async def submit_bench(
        self,
        interaction: discord.Interaction,
        file: discord.Attachment | None = None,
        model: app_commands.Range[str, 1, 100] | None = None,
        gpu: app_commands.Range[str, 1, 100] | None = None,
        quant: app_commands.Range[str, 1, 40] | None = None,
    ) -> None:
        if file is None:
            modal = BenchModal()
            modal.model.default, modal.gpu.default, modal.quant.default = model, gpu, quant
            await interaction.response.send_modal(modal)
            return
        await interaction.response.defer(ephemeral=True, thinking=True)
        await submit(interaction, await read_attachment(file), model, gpu, quant)

    @app_commands.command(name="review", description="Approve or reject pending benchmark submissions (moderators)")
    @app_commands.default_permissions(manage_guild=True)
    @app_commands.checks.has_permissions(manage_guild=True)
    async def review(self, interaction: discord.Interaction) -> None:
        assert interaction.guild_id is not None
        pending = [s for s in await self.bot.state.bench_list(("pending",), limit=500) if s.guild_id == interaction.guild_id]
        await send(interaction, ephemeral=True, **review_payload(pending, self.bot.kb))


class BenchCog(commands.Cog):
    def __init__(self, bot: RunLocalAIBot):
        self.bot = bot
        self.group = BenchGroup(bot)
        bot.tree.add_command(self.group)

    async def cog_unload(self) -> None:
        self.bot.tree.remove_command(self.group.name)


async def setup(bot: RunLocalAIBot) -> None:
    await bot.add_cog(BenchCog(bot))
