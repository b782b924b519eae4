"""/finetune: how much GPU memory full fine-tuning, LoRA or QLoRA of a model needs, and whether it fits."""

from __future__ import annotations

from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from answers.training import TrainingQuery, TrainingResult, run_training
from bot import render
from bot.cooldowns import per_user_cooldown
from bot.respond import compute_then_send
from bot.transformers import HardwareArg, ModelArg

if TYPE_CHECKING:
    from bot.client import RunLocalAIBot

METHOD_CHOICES = [
    app_commands.Choice(name="LoRA (adapters on a 16-bit base)", value="lora"),
    app_commands.Choice(name="QLoRA (adapters on a 4-bit base)", value="qlora"),
    app_commands.Choice(name="Full fine-tune", value="full"),
]
TRAINER_CHOICES = [
    app_commands.Choice(name="Hugging Face Trainer + PEFT", value="hf"),
    app_commands.Choice(name="torchtune", value="torchtune"),
    app_commands.Choice(name="LitGPT", value="litgpt"),
    app_commands.Choice(name="Unsloth", value="unsloth"),
]


class Training(commands.Cog):
    def __init__(self, bot: RunLocalAIBot):
        self.bot = bot

    @app_commands.command(name="finetune", description="GPU memory to fine-tune a model (full, LoRA, QLoRA) and whether it fits")
    @app_commands.describe(
        model="Model, e.g. Llama 3.1 8B, Qwen3 8B, Mistral 7B",
        hardware="GPU, e.g. RTX 4090, RTX 3060 12GB, A100 80GB",
        method="Full fine-tune, LoRA or QLoRA (default LoRA)",
        batch_size="Sequences per step per GPU (default 1)",
        seq_len="Tokens per sequence (default 2048)",
        trainer="Whose defaults to assume (default Hugging Face Trainer + PEFT)",
        gradient_checkpointing="Recompute activations in the backward pass (default: the trainer's)",
        gpus="Number of identical GPUs",
    )
    @app_commands.choices(method=METHOD_CHOICES, trainer=TRAINER_CHOICES)
    @per_user_cooldown
    async def finetune(
        self,
        interaction: discord.Interaction,
        model: ModelArg,
        hardware: HardwareArg,
        method: app_commands.Choice[str] | None = None,
        batch_size: app_commands.Range[int, 1, 256] | None = None,
        seq_len: app_commands.Range[int, 128, 131072] | None = None,
        trainer: app_commands.Choice[str] | None = None,
        gradient_checkpointing: bool | None = None,
        gpus: app_commands.Range[int, 1, 16] | None = None,
    ) -> None:
        query = TrainingQuery(
            method=method.value if method else "lora",
            model=model.id,
            hardware=[hardware.id],
            gpus=gpus,
            trainer=trainer.value if trainer else "hf",
            batch_size=batch_size or 1,
            seq_len=seq_len or 2048,
            gradient_checkpointing=gradient_checkpointing,
        )
        await self.bot.record_command(interaction, "finetune")
        kb = self.bot.kb

        def work() -> TrainingResult:
            with self.bot.metrics.time_estimator():
                return run_training(kb, query)

        await compute_then_send(interaction, work, render_training)


def render_training(result: TrainingResult) -> dict:
    return {"embed": render.training_embed(result)}


async def setup(bot: RunLocalAIBot) -> None:
    await bot.add_cog(Training(bot))
