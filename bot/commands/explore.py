"""Catalog-wide questions: /whatcanirun, /choosegpu, /compare, /costvscloud."""

from __future__ import annotations

from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from answers.advisors import USES, AdvisorError, AdvisorResult, choose_gpu, compare, cost_vs_cloud, what_can_i_run
from answers.entities import Entities
from answers.estimates import InputError, resolve_hardware, resolve_model
from bot import render
from bot.autocomplete import hardware_autocomplete, model_autocomplete, model_or_hardware_autocomplete
from bot.cooldowns import per_user_cooldown
from bot.respond import compute_then_send

if TYPE_CHECKING:
    from bot.client import RunLocalAIBot

USE_CHOICES = [app_commands.Choice(name=u, value=u) for u in USES]


def _result_payload(title: str):
    def build(result: AdvisorResult) -> dict:
        return {"embed": render.text_embed(title, result.text)}

    return build


def _advise(fn):
    """Advisor errors are user errors: turn them into InputError for the one error path."""

    def run():
        try:
            return fn()
        except AdvisorError as exc:
            raise InputError(str(exc)) from exc

    return run


class Explore(commands.Cog):
    def __init__(self, bot: RunLocalAIBot):
        self.bot = bot

    @app_commands.command(name="whatcanirun", description="The best models that fit your hardware, grouped by how well they run")
    @app_commands.describe(hardware="GPU or machine", context="Context in tokens (default 8192)", use="What you want the model for")
    @app_commands.choices(use=USE_CHOICES)
    @app_commands.autocomplete(hardware=hardware_autocomplete)
    @per_user_cooldown
    async def whatcanirun(
        self,
        interaction: discord.Interaction,
        hardware: app_commands.Range[str, 1, 100],
        context: app_commands.Range[int, 256, 1_048_576] = 8192,
        use: app_commands.Choice[str] | None = None,
    ) -> None:
        hw = resolve_hardware(self.bot.kb, hardware)
        await self.bot.record_command(interaction, "whatcanirun")
        await compute_then_send(
            interaction,
            _advise(lambda: what_can_i_run(self.bot.kb, hw.id, context, use.value if use else "any")),
            _result_payload(f"What runs on {hw.name}"),
        )

    @app_commands.command(name="choosegpu", description="GPUs ranked by value for a model")
    @app_commands.describe(
        budget="Maximum price in USD", model="Target model (default Llama 3.1 8B)", context="Context in tokens", used="Rank by used prices"
    )
    @app_commands.autocomplete(model=model_autocomplete)
    @per_user_cooldown
    async def choosegpu(
        self,
        interaction: discord.Interaction,
        budget: app_commands.Range[int, 50, 1_000_000] | None = None,
        model: app_commands.Range[str, 1, 100] | None = None,
        context: app_commands.Range[int, 256, 1_048_576] = 8192,
        used: bool = False,
    ) -> None:
        model_id = resolve_model(self.bot.kb, model).id if model else None
        await self.bot.record_command(interaction, "choosegpu")
        await compute_then_send(
            interaction, _advise(lambda: choose_gpu(self.bot.kb, model_id, context, budget, used)), _result_payload("Which GPU")
        )

    @app_commands.command(name="compare", description="Two models or two GPUs side by side, with when to choose which")
    @app_commands.describe(a="First model or GPU", b="Second model or GPU")
    @app_commands.autocomplete(a=model_or_hardware_autocomplete, b=model_or_hardware_autocomplete)
    @per_user_cooldown
    async def compare(
        self, interaction: discord.Interaction, a: app_commands.Range[str, 1, 100], b: app_commands.Range[str, 1, 100]
    ) -> None:
        hits = [self._resolve_either(a), self._resolve_either(b)]
        kinds = {h.kind for h in hits}
        if len(kinds) != 1:
            raise InputError("Compare two models or two GPUs, not one of each (try /willitrun for a model on a GPU).")
        entities = Entities(models=hits if "model" in kinds else [], hardware=hits if "hardware" in kinds else [])
        await self.bot.record_command(interaction, "compare")
        await compute_then_send(
            interaction, _advise(lambda: compare(self.bot.kb, entities)), _result_payload(f"{hits[0].title} vs {hits[1].title}")
        )

    def _resolve_either(self, text: str):
        from knowledge.search import Hit, ResolveError, resolve

        kind, _, value = text.partition(":")
        if kind in {"model", "hardware"} and self.bot.kb.catalog.get(kind, value):
            return Hit(kind, value, self.bot.kb.names.title(kind, value), 1.0)
        errors = []
        for kind in ("model", "hardware"):
            try:
                return resolve(self.bot.kb.names, text, kind)
            except ResolveError as exc:
                errors.append(exc)
        suggestions = [h.title for exc in errors for h in exc.suggestions][:5]
        raise InputError(f"I don't know {text[:80]!r} as a model or a GPU.", suggestions)

    @app_commands.command(name="costvscloud", description="Local electricity versus a cloud API, and when the hardware pays off")
    @app_commands.describe(
        hardware="GPU or machine",
        model="Model",
        tokens_per_day="Tokens you generate per day",
        electricity_price="Price per kWh (default 0.15)",
        api_price="Cloud price per 1M tokens (default by model size)",
    )
    @app_commands.autocomplete(hardware=hardware_autocomplete, model=model_autocomplete)
    @per_user_cooldown
    async def costvscloud(
        self,
        interaction: discord.Interaction,
        hardware: app_commands.Range[str, 1, 100],
        model: app_commands.Range[str, 1, 100],
        tokens_per_day: app_commands.Range[int, 1, 100_000_000_000],
        electricity_price: app_commands.Range[float, 0.0, 5.0] = 0.15,
        api_price: app_commands.Range[float, 0.001, 1000.0] | None = None,
    ) -> None:
        hw = resolve_hardware(self.bot.kb, hardware)
        entry = resolve_model(self.bot.kb, model)
        await self.bot.record_command(interaction, "costvscloud")
        await compute_then_send(
            interaction,
            _advise(lambda: cost_vs_cloud(self.bot.kb, hw.id, entry.id, tokens_per_day, electricity_price, api_price)),
            _result_payload(f"{entry.name} on {hw.name}: local vs cloud"),
        )


async def setup(bot: RunLocalAIBot) -> None:
    await bot.add_cog(Explore(bot))
