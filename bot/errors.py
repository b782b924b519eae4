"""The one error path: every interaction (slash command, autocomplete, button, menu, modal) and every event
listener turns an exception into one friendly message; bugs are logged with their traceback, never shown.

User errors (`InputError`, including "did you mean" choices) are shown as they are; permission, cooldown and
option-conversion failures get a plain sentence; anything else is an apology. No reply ever contains a Python
repr.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, ParamSpec, TypeVar

import discord
from discord import app_commands

from answers.user_errors import InputError
from bot import render
from bot.respond import send

log = logging.getLogger("runlocalai.bot")

BUG_MESSAGE = "Something went wrong on my side; the maintainers have the details. Please try again."
P = ParamSpec("P")
T = TypeVar("T")


@dataclass(frozen=True)
class Friendly:
    kind: str  # input | cooldown | permission | unavailable | bug
    message: str


def root_cause(error: BaseException) -> BaseException:
    """The exception behind discord.py's wrappers (CommandInvokeError.original, TransformerError.__cause__)."""
    seen: set[int] = set()
    while id(error) not in seen:
        seen.add(id(error))
        inner = getattr(error, "original", None) or (error.__cause__ if isinstance(error, app_commands.TransformerError) else None)
        if inner is None:
            break
        error = inner
    return error


def explain(error: BaseException) -> Friendly:
    """What to tell the user about ``error``."""
    cause = root_cause(error)
    if isinstance(cause, InputError):
        return Friendly("input", cause.full_message())
    if isinstance(error, app_commands.CommandOnCooldown):
        return Friendly("cooldown", f"Slow down a little: try again in {error.retry_after:.0f} s.")
    if isinstance(error, app_commands.BotMissingPermissions):
        missing = ", ".join(p.replace("_", " ") for p in error.missing_permissions)
        return Friendly("permission", f"I need the {missing} permission here to do that.")
    if isinstance(error, app_commands.MissingPermissions | app_commands.MissingRole | app_commands.MissingAnyRole):
        return Friendly("permission", "You don't have permission to use this command here.")
    if isinstance(error, app_commands.NoPrivateMessage):
        return Friendly("permission", "This command works in a server, not in direct messages.")
    if isinstance(error, app_commands.CheckFailure):
        return Friendly("permission", str(error) if _plain(str(error)) else "You can't use this command here.")
    if isinstance(error, app_commands.TransformerError):
        what = {
            discord.AppCommandOptionType.channel: "I can't see that channel. Give me View Channel there, or pick another one.",
            discord.AppCommandOptionType.user: "I can't find that member.",
            discord.AppCommandOptionType.role: "I can't find that role.",
        }.get(error.type)
        return Friendly("input", what or "I couldn't use one of the values you gave; pick one from the list or check its format.")
    if isinstance(error, app_commands.CommandNotFound | app_commands.CommandSignatureMismatch):
        return Friendly("unavailable", "That command changed since your client loaded it. Reload Discord (Ctrl+R) and try again.")
    if isinstance(cause, discord.Forbidden):
        return Friendly("permission", "Discord refused that action: I may be missing a permission in this channel.")
    return Friendly("bug", BUG_MESSAGE)


def _plain(text: str) -> bool:
    """A check failure message written for people (ours), not a default repr-like one."""
    return bool(text) and "<" not in text and "check functions" not in text and len(text) < 300


async def report(interaction: discord.Interaction, error: BaseException, *, where: str) -> Friendly:
    """Tell the user (ephemerally) and the logs; never raises."""
    friendly = explain(error)
    client = interaction.client
    if friendly.kind == "bug":
        log.error("%s failed", where, exc_info=root_cause(error))
    metrics = getattr(client, "metrics", None)
    if metrics is not None:
        metrics.command_errors.labels(where, friendly.kind).inc()
    if interaction.type == discord.InteractionType.autocomplete:
        return friendly  # autocomplete cannot show a message; an empty list is the answer
    try:
        await send(interaction, ephemeral=True, embed=render.error_message_embed(friendly.message))
    except discord.HTTPException:
        log.warning("could not deliver the error message for interaction %s", interaction.id)
    return friendly


class GuardedView(discord.ui.View):
    """A View whose item callbacks report failures through the one error path."""

    async def on_error(self, interaction: discord.Interaction, error: Exception, item: discord.ui.Item[Any]) -> None:
        await report(interaction, error, where=f"component {getattr(item, 'custom_id', type(item).__name__)}")


class GuardedModal(discord.ui.Modal):
    """A Modal whose submit reports failures through the one error path."""

    async def on_error(self, interaction: discord.Interaction, error: Exception) -> None:
        await report(interaction, error, where=f"modal {self.title}")


def guarded_component(
    callback: Callable[[Any, discord.Interaction], Awaitable[None]],
) -> Callable[[Any, discord.Interaction], Awaitable[None]]:
    """Wrap a DynamicItem callback: discord.py only logs their exceptions, so route them to the user too."""

    @functools.wraps(callback)
    async def run(self: Any, interaction: discord.Interaction) -> None:
        try:
            await callback(self, interaction)
        except Exception as exc:
            await report(interaction, exc, where=f"component {getattr(self, 'custom_id', type(self).__name__)}")

    return run


def guarded_listener(name: str) -> Callable[[Callable[P, Awaitable[None]]], Callable[P, Awaitable[None]]]:
    """Wrap an event listener: log a failure once, with context, and keep the bot running."""

    def decorate(listener: Callable[P, Awaitable[None]]) -> Callable[P, Awaitable[None]]:
        @functools.wraps(listener)
        async def run(*args: P.args, **kwargs: P.kwargs) -> None:
            try:
                await listener(*args, **kwargs)
            except Exception:
                log.exception("listener %s failed", name)

        return run

    return decorate
