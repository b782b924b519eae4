"""Catalog-wide questions: /whatcanirun, /choosegpu, /compare, /costvscloud."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from answers.advisors import USES, AdvisorError, AdvisorResult, choose_gpu, compare_entries, cost_vs_cloud, what_can_i_run
from answers.defaults import DEFAULT_CONTEXT
from answers.setups import Setup, setup_from
from answers.side_by_side import SideBySide, side_by_side
from answers.user_errors import InputError
from bot import charts, render
from bot.cooldowns import per_user_cooldown
from bot.respond import compute_then_send
from bot.transformers import CONTEXT_HELP, ContextArg, HardwareArg, ModelArg, ModelOrHardwareArg

if TYPE_CHECKING:
    from bot.client import RunLocalAIBot

log = logging.getLogger("runlocalai.bot")
USE_CHOICES = [app_commands.Choice(name=u, value=u) for u in USES]


def _result_payload(title: str):
    def build(result: AdvisorResult) -> dict:
        return {"embed": render.text_embed(title, result.text)}

    return build


class Explore(commands.Cog):
    def __init__(self, bot: RunLocalAIBot):
        self.bot = bot

    @app_commands.command(name="whatcanirun", description="The best models that fit your hardware, grouped by how well they run")
    @app_commands.describe(
        hardware="GPU or machine (default: your /rig)",
        context=f"{CONTEXT_HELP}; default {DEFAULT_CONTEXT:,}",
        use="What you want the model for",
    )
    @app_commands.choices(use=USE_CHOICES)
    @per_user_cooldown
    async def whatcanirun(
        self,
        interaction: discord.Interaction,
        hardware: HardwareArg | None = None,
        context: ContextArg | None = None,
        use: app_commands.Choice[str] | None = None,
    ) -> None:
        await self.bot.record_command(interaction, "whatcanirun")
        kb = self.bot.kb
        where: Setup | str
        if hardware is not None:
            where, title, note = hardware.id, f"What runs on {hardware.name}", ""
        else:  # the asker's saved rig
            rig = await self.bot.user_rig(interaction.user.id)
            if rig is None:
                raise InputError("Name the hardware, or save your machine once with /rig set and I'll use it.")
            setup = setup_from(kb, rig.machine())
            if setup.empty:
                raise InputError("Your saved rig names no GPU or memory I can estimate with; update it with /rig set.")
            where, title, note = setup, "What runs on your rig", f"On your rig: {rig.label}.\n"
        await compute_then_send(
            interaction,
            lambda: what_can_i_run(kb, where, context or DEFAULT_CONTEXT, use.value if use else "any"),
            lambda result: {"embed": render.text_embed(title, note + result.text)},
        )

    @app_commands.command(name="choosegpu", description="GPUs ranked by value for a model")
    @app_commands.describe(
        budget="Maximum price in USD",
        model="Target model (default Llama 3.1 8B)",
        context=f"{CONTEXT_HELP}; default {DEFAULT_CONTEXT:,}",
        used="Rank by used prices",
    )
    @per_user_cooldown
    async def choosegpu(
        self,
        interaction: discord.Interaction,
        budget: app_commands.Range[int, 50, 1_000_000] | None = None,
        model: ModelArg | None = None,
        context: ContextArg | None = None,
        used: bool = False,
    ) -> None:
        await self.bot.record_command(interaction, "choosegpu")
        kb = self.bot.kb
        await compute_then_send(
            interaction,
            lambda: choose_gpu(kb, model.id if model else None, context or DEFAULT_CONTEXT, budget, used),
            _result_payload("Which GPU"),
        )

    @app_commands.command(name="compare", description="Two models or two GPUs side by side, with when to choose which")
    @app_commands.describe(a="First model or GPU", b="Second model or GPU")
    @per_user_cooldown
    async def compare(self, interaction: discord.Interaction, a: ModelOrHardwareArg, b: ModelOrHardwareArg) -> None:
        if a.kind != b.kind:
            raise InputError("Compare two models or two GPUs, not one of each (try /willitrun for a model on a GPU).")
        await self.bot.record_command(interaction, "compare")
        kb = self.bot.kb

        def work() -> tuple[AdvisorResult, SideBySide | None]:
            result = compare_entries(kb, a, b)
            try:
                return result, side_by_side(kb, a, b)
            except Exception:  # the chart is extra: the comparison stands without it
                log.exception("no side-by-side figures for %s vs %s", a.id, b.id)
                return result, None

        async def build(answer: tuple[AdvisorResult, SideBySide | None]) -> dict:
            result, figures = answer
            return await charts.with_compare_chart({"embed": render.text_embed(f"{a.title} vs {b.title}", result.text)}, figures)

        await compute_then_send(interaction, work, build)

    @app_commands.command(name="costvscloud", description="Local electricity versus a cloud API, and when the hardware pays off")
    @app_commands.describe(
        hardware="GPU or machine",
        model="Model",
        tokens_per_day="Tokens you generate per day (or give hours_per_day)",
        electricity_price="Price per kWh (default 0.15)",
        api_price="Cloud price per 1M tokens (default by model size)",
        hours_per_day="Hours a day the machine generates, instead of tokens (24 = around the clock)",
    )
    @per_user_cooldown
    async def costvscloud(
        self,
        interaction: discord.Interaction,
        hardware: HardwareArg,
        model: ModelArg,
        tokens_per_day: app_commands.Range[int, 1, 100_000_000_000] | None = None,
        electricity_price: app_commands.Range[float, 0.0, 5.0] = 0.15,
        api_price: app_commands.Range[float, 0.001, 1000.0] | None = None,
        hours_per_day: app_commands.Range[float, 0.1, 24.0] | None = None,
    ) -> None:
        await self.bot.record_command(interaction, "costvscloud")
        kb = self.bot.kb

        def work() -> AdvisorResult:
            if tokens_per_day is None and hours_per_day is None:
                raise AdvisorError("Give tokens_per_day (e.g. 2000000) or hours_per_day (e.g. 24) so I know the volume.")
            volume = tokens_per_day or 1
            return cost_vs_cloud(kb, hardware.id, model.id, volume, electricity_price, api_price, hours_per_day=hours_per_day)

        await compute_then_send(
            interaction,
            work,
            _result_payload(f"{model.name} on {hardware.name}: local vs cloud"),
        )


async def setup(bot: RunLocalAIBot) -> None:
    await bot.add_cog(Explore(bot))
