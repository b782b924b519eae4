"""/rig set, /rig show, /rig clear: the machine a user's questions are about when they name none (stored per user)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from answers.rig import MAX_RIG_TEXT, Rig
from bot import render
from bot.cooldowns import per_user_cooldown
from bot.errors import GuardedModal
from bot.respond import send

if TYPE_CHECKING:
    from bot.client import RunLocalAIBot

EXAMPLE = "2x 3090 + 128gb ddr4, ubuntu, llama.cpp"


def _bot(interaction: discord.Interaction) -> RunLocalAIBot:
    return interaction.client  # type: ignore[return-value]


async def save_rig(interaction: discord.Interaction, text: str, os_name: str | None, runtime: str | None, label: str | None) -> None:
    """Read the rig (free text or pasted tool output), store it for this user and show what was understood."""
    bot = _bot(interaction)
    rig = bot.rig_reader.read(text, os_name=os_name, runtime=runtime, label=label)  # InputError -> the one error path
    await bot.state.rig_put(interaction.user.id, rig.dumps())
    await send(interaction, ephemeral=True, embed=render.rig_embed(rig, "Rig saved"))


class RigModal(GuardedModal, title="Your rig"):
    """Room for a paste: nvidia-smi, rocm-smi, system_profiler, lscpu / free -h, or a description."""

    machine: discord.ui.TextInput[RigModal] = discord.ui.TextInput(
        label="Machine (text, or paste nvidia-smi / free -h)",
        style=discord.TextStyle.paragraph,
        placeholder=EXAMPLE,
        max_length=MAX_RIG_TEXT,
    )
    os_name: discord.ui.TextInput[RigModal] = discord.ui.TextInput(label="Operating system", required=False, max_length=40)
    runtime: discord.ui.TextInput[RigModal] = discord.ui.TextInput(
        label="Runtime", required=False, max_length=40, placeholder="llama.cpp, ollama, vllm, lm-studio…"
    )
    label: discord.ui.TextInput[RigModal] = discord.ui.TextInput(label="Name (optional)", required=False, max_length=100)

    async def on_submit(self, interaction: discord.Interaction) -> None:
        await save_rig(interaction, self.machine.value, self.os_name.value, self.runtime.value, self.label.value)


@app_commands.guild_only()
class RigGroup(app_commands.Group, name="rig", description="Your machine: used whenever you ask without naming hardware"):
    def __init__(self, bot: RunLocalAIBot):
        super().__init__()
        self.bot = bot

    @app_commands.command(name="set", description="Save your machine (leave 'machine' empty to paste nvidia-smi etc.)")
    @app_commands.describe(
        machine=f"e.g. {EXAMPLE}; empty opens a box for pasting tool output",
        os="Operating system",
        runtime="Runtime you use",
        label="A name for it",
    )
    @per_user_cooldown
    async def set_rig(
        self,
        interaction: discord.Interaction,
        machine: app_commands.Range[str, 1, 1000] | None = None,
        os: app_commands.Range[str, 1, 40] | None = None,
        runtime: app_commands.Range[str, 1, 40] | None = None,
        label: app_commands.Range[str, 1, 100] | None = None,
    ) -> None:
        if machine is None:
            modal = RigModal()
            modal.os_name.default, modal.runtime.default, modal.label.default = os, runtime, label
            await interaction.response.send_modal(modal)
            return
        await save_rig(interaction, machine, os, runtime, label)

    @app_commands.command(name="show", description="What I have saved about your machine")
    async def show(self, interaction: discord.Interaction) -> None:
        rig = await self.bot.user_rig(interaction.user.id)
        if rig is None:
            await send(interaction, ephemeral=True, content=f"No rig saved. Save one with `/rig set machine:{EXAMPLE}`.")
            return
        await send(interaction, ephemeral=True, embed=render.rig_embed(rig, "Your rig"))

    @app_commands.command(name="clear", description="Delete your saved machine")
    async def clear(self, interaction: discord.Interaction) -> None:
        deleted = await self.bot.state.rig_delete(interaction.user.id)
        await send(interaction, ephemeral=True, content="Your rig is deleted." if deleted else "There was no rig saved for you.")


class RigCog(commands.Cog):
    def __init__(self, bot: RunLocalAIBot):
        self.bot = bot
        self.group = RigGroup(bot)
        bot.tree.add_command(self.group)

    async def cog_unload(self) -> None:
        self.bot.tree.remove_command(self.group.name)


def rig_note(rig: Rig) -> str:
    return f"On your rig: {rig.label}."


async def setup(bot: RunLocalAIBot) -> None:
    await bot.add_cog(RigCog(bot))
