"""Answer an interaction fast, deferring only when the work takes longer than a moment."""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import discord

T = TypeVar("T")
DEFER_AFTER_S = 1.5  # Discord wants an initial response within 3 s
Payload = dict[str, Any]


async def compute_then_send(
    interaction: discord.Interaction,
    work: Callable[[], T],
    render: Callable[[T], Payload | Awaitable[Payload]],
    ephemeral: bool = False,
) -> T:
    """Run ``work`` in a thread; reply directly if it is quick, else defer and follow up. ``render`` may be a
    coroutine function (to store something before the reply goes out)."""
    task = asyncio.ensure_future(asyncio.to_thread(work))
    done, _ = await asyncio.wait({task}, timeout=DEFER_AFTER_S)
    if not done and not interaction.response.is_done():
        await interaction.response.defer(thinking=True, ephemeral=ephemeral)
    result = await task
    payload = render(result)
    if inspect.isawaitable(payload):
        payload = await payload
    await send(interaction, ephemeral=ephemeral, **payload)
    return result


async def send(interaction: discord.Interaction, ephemeral: bool = False, **payload: Any) -> None:
    if interaction.response.is_done():
        await interaction.followup.send(ephemeral=ephemeral, **payload)
    else:
        await interaction.response.send_message(ephemeral=ephemeral, **payload)
