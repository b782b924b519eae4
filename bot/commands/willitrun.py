"""/willitrun: will a model run on this hardware, and how fast?"""

from __future__ import annotations

from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from answers.estimates import EstimateQuery, EstimateResult, run_estimate
from bot import render
from bot.autocomplete import hardware_autocomplete, model_autocomplete
from bot.cooldowns import per_user_cooldown
from bot.respond import compute_then_send
from bot.views import estimate_view
from estimator.quants import COMMON_GGUF

if TYPE_CHECKING:
    from bot.client import RunLocalAIBot

QUANT_CHOICES = [app_commands.Choice(name=q, value=q) for q in (*COMMON_GGUF, "AWQ", "GPTQ", "EXL2 4.65bpw", "MLX 4bit", "FP8")][:25]
RUNTIME_CHOICES = [
    app_commands.Choice(name=name, value=value)
    for name, value in (
        ("llama.cpp", "llama.cpp"),
        ("Ollama", "ollama"),
        ("LM Studio", "lm-studio"),
        ("vLLM", "vllm"),
        ("ExLlamaV2 / TabbyAPI", "exllamav2"),
        ("MLX (mlx-lm)", "mlx-lm"),
        ("KoboldCpp", "koboldcpp"),
    )
]
KV_CHOICES = [app_commands.Choice(name=n, value=n) for n in ("f16", "q8_0", "q4_0")]
DEFAULT_CONTEXT = 8192


class WillItRun(commands.Cog):
    def __init__(self, bot: RunLocalAIBot):
        self.bot = bot

    @app_commands.command(name="willitrun", description="Will a model run on your hardware, and how fast?")
    @app_commands.describe(
        model="Model, e.g. Llama 3.1 8B, Qwen3 30B A3B, gpt-oss 20b",
        hardware="GPU or machine, e.g. RTX 3060 12GB, M2 Max 96GB, RX 7900 XTX",
        quant="Quantization (default Q4_K_M)",
        context="Context to allocate in tokens (default 8192)",
        runtime="Runtime (default llama.cpp)",
        gpus="Number of identical GPUs",
        kv_cache="KV cache type (default f16)",
    )
    @app_commands.choices(quant=QUANT_CHOICES, runtime=RUNTIME_CHOICES, kv_cache=KV_CHOICES)
    @app_commands.autocomplete(model=model_autocomplete, hardware=hardware_autocomplete)
    @per_user_cooldown
    async def willitrun(
        self,
        interaction: discord.Interaction,
        model: app_commands.Range[str, 1, 100],
        hardware: app_commands.Range[str, 1, 100],
        quant: app_commands.Choice[str] | None = None,
        context: app_commands.Range[int, 1, 10_485_760] | None = None,
        runtime: app_commands.Choice[str] | None = None,
        gpus: app_commands.Range[int, 1, 16] | None = None,
        kv_cache: app_commands.Choice[str] | None = None,
    ) -> None:
        query = EstimateQuery(
            model=model,
            hardware=[hardware],
            gpus=gpus,
            quant=quant.value if quant else None,
            context=context or DEFAULT_CONTEXT,
            runtime=runtime.value if runtime else "llama.cpp",
            kv_cache=kv_cache.value if kv_cache else "f16",
        )
        await self.bot.record_command(interaction, "willitrun")
        kb = self.bot.kb

        def work() -> EstimateResult:
            with self.bot.metrics.time_estimator():
                return run_estimate(kb, query)

        await compute_then_send(interaction, work, lambda r: _render(r, query))


def _render(result: EstimateResult, query: EstimateQuery) -> dict:
    payload: dict = {"embed": render.estimate_embed(result)}
    resolved = EstimateQuery(
        model=result.model_ref["id"],
        hardware=[result.hardware_refs[0]["id"]] if result.hardware_refs else [],
        gpus=len(result.hardware_refs) if len(result.hardware_refs) > 1 else None,
        quant=result.estimate.quant.name,
        context=result.estimate.context,
        runtime=result.estimate.runtime.id,
        kv_cache=result.estimate.request.kv_cache,
    )
    view = estimate_view(resolved) if resolved.hardware and len({h["id"] for h in result.hardware_refs}) == 1 else None
    if view is not None:
        payload["view"] = view
    return payload


async def setup(bot: RunLocalAIBot) -> None:
    await bot.add_cog(WillItRun(bot))
