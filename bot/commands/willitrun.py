"""/willitrun: will a model run on this hardware, and how fast?"""

from __future__ import annotations

from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from answers.defaults import DEFAULT_CONTEXT, DEFAULT_KV_CACHE
from answers.estimates import EstimateQuery, EstimateResult, run_estimate
from answers.setups import setup_from
from answers.user_errors import InputError
from bot import charts, render
from bot.cooldowns import per_user_cooldown
from bot.respond import compute_then_send
from bot.transformers import CONTEXT_HELP, KV_CHOICES, ContextArg, HardwareArg, HubName, ModelOrHubArg, QuantArg, RuntimeArg
from bot.views import estimate_view
from estimator.runtimes import RUNTIMES

if TYPE_CHECKING:
    from answers.knowledge_base import KnowledgeBase
    from bot.client import RunLocalAIBot


class WillItRun(commands.Cog):
    def __init__(self, bot: RunLocalAIBot):
        self.bot = bot

    @app_commands.command(name="willitrun", description="Will a model run on your hardware, and how fast?")
    @app_commands.describe(
        model="Model, e.g. Llama 3.1 8B, Qwen3 30B A3B, gpt-oss 20b",
        hardware="GPU or machine, e.g. RTX 3060 12GB, M2 Max 96GB (default: your /rig)",
        quant="Quantization, e.g. Q4_K_M, Q8_0, IQ4_XS, AWQ, EXL2 4.65bpw, MLX 4bit (default: the runtime's usual)",
        context=f"{CONTEXT_HELP}; default {DEFAULT_CONTEXT:,}",
        runtime="Runtime (default llama.cpp)",
        gpus="Number of identical GPUs",
        kv_cache="KV cache type (default f16)",
    )
    @app_commands.choices(kv_cache=KV_CHOICES)
    @per_user_cooldown
    async def willitrun(
        self,
        interaction: discord.Interaction,
        model: ModelOrHubArg,
        hardware: HardwareArg | None = None,
        quant: QuantArg | None = None,
        context: ContextArg | None = None,
        runtime: RuntimeArg | None = None,
        gpus: app_commands.Range[int, 1, 16] | None = None,
        kv_cache: app_commands.Choice[str] | None = None,
    ) -> None:
        query = EstimateQuery(
            hardware=[hardware.id] if hardware is not None else [],
            gpus=gpus,
            quant=quant,
            context=context,  # None: the runtime's own default (8,192 for llama.cpp, Ollama's num_ctx tiers, ...)
            runtime=runtime,
            kv_cache=kv_cache.value if kv_cache else DEFAULT_KV_CACHE,
        )
        note = None
        if hardware is None:  # the asker's saved rig
            rig = await self.bot.user_rig(interaction.user.id)
            if rig is None:
                raise InputError("Name the hardware, or save your machine once with /rig set and I'll use it.")
            setup = setup_from(self.bot.kb, rig.machine())
            if setup.empty:
                raise InputError("Your saved rig names no GPU or memory I can estimate with; update it with /rig set.")
            setup.apply(query)
            if gpus is not None and len(set(query.hardware)) == 1:  # "gpus: 4" on a one-kind rig: that many of its card
                query.hardware, query.gpus = query.hardware[:1], gpus
            query.runtime = query.runtime or (rig.runtime if rig.runtime in RUNTIMES else None)
            note = f"On your rig: {rig.label}."
        if isinstance(model, HubName):  # any Hugging Face repository: look it up after deferring
            await interaction.response.defer(thinking=True)
            assert self.bot.hub is not None
            hub = await self.bot.hub.resolve(model.text, quant)
            query.model_spec, query.quant = hub.spec, quant or hub.default_quant
        else:
            query.model = model.id
        await self.bot.record_command(interaction, "willitrun")
        kb = self.bot.kb

        def work() -> EstimateResult:
            with self.bot.metrics.time_estimator():
                return run_estimate(kb, query)

        await compute_then_send(interaction, work, lambda result: render_estimate(result, kb, note))


async def render_estimate(result: EstimateResult, kb: KnowledgeBase | None = None, note: str | None = None) -> dict:
    """The estimate embed with the follow-up buttons that apply to it, and its chart (memory and speed as the
    context fills; the curve needs ``kb``) when it is drawn in time."""
    payload: dict = {"embed": render.estimate_embed(result, note)}
    hardware_ids = [h["id"] for h in result.hardware_refs]
    catalog_ids = hardware_ids and "custom" not in hardware_ids and ":" not in result.model_ref["id"]
    if catalog_ids and len(set(hardware_ids)) == 1:  # buttons carry catalog ids
        resolved = EstimateQuery(
            model=result.model_ref["id"],
            hardware=[hardware_ids[0]],
            gpus=len(hardware_ids) if len(hardware_ids) > 1 else None,
            quant=result.estimate.quant.name,
            context=result.estimate.context,
            runtime=result.estimate.runtime.id,
            kv_cache=result.estimate.request.kv_cache,
        )
        view = estimate_view(resolved, result)
        if view is not None:
            payload["view"] = view
    return await charts.with_estimate_chart(payload, result, kb)


async def setup(bot: RunLocalAIBot) -> None:
    await bot.add_cog(WillItRun(bot))
