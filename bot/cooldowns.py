"""Per-user cooldown whose length comes from the bot's settings (0 disables it)."""

from __future__ import annotations

import discord
from discord import app_commands


def _per_user(interaction: discord.Interaction) -> app_commands.Cooldown | None:
    seconds = getattr(getattr(interaction.client, "settings", None), "user_cooldown_s", 3.0)
    return app_commands.Cooldown(1, seconds) if seconds > 0 else None


per_user_cooldown = app_commands.checks.dynamic_cooldown(_per_user, key=lambda i: i.user.id)
