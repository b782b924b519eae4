"""Autocomplete from the in-memory name index (no I/O): <= 25 choices, names 1-100 characters."""

from __future__ import annotations

import discord
from discord import app_commands

from answers.knowledge_base import KnowledgeBase
from knowledge.names import normalize

MAX_CHOICES = 25
POPULAR = {
    "model": [
        "llama-3.1-8b-instruct",
        "qwen3-8b",
        "qwen3-30b-a3b",
        "gpt-oss-20b",
        "gemma-3-27b-it",
        "qwen3-32b",
        "llama-3.3-70b-instruct",
        "mistral-small-3.1-24b-instruct-2503",
        "deepseek-r1-distill-qwen-32b",
        "qwen2.5-coder-32b-instruct",
    ],
    "hardware": [
        "rtx-3060-12gb",
        "rtx-3090",
        "rtx-4090",
        "rtx-5090",
        "rtx-4060-ti-16gb",
        "rtx-4070-super",
        "rx-7900-xtx",
        "apple-m4-pro-20c-48gb",
        "apple-m2-max-38c-96gb",
        "ryzen-ai-max-395-128gb",
        "dgx-spark",
        "tesla-p40",
    ],
}


def _choice(name: str, value: str) -> app_commands.Choice[str]:
    name = (name or value).strip()[:100] or value[:100]
    return app_commands.Choice(name=name, value=value[:100])


def suggest(kb: KnowledgeBase, kind: str, current: str, limit: int = MAX_CHOICES) -> list[app_commands.Choice[str]]:
    """Best matches for what has been typed so far (prefix and substring first, then fuzzy)."""
    text = normalize(current or "")[:100]
    entries = {
        "model": kb.catalog.models,
        "hardware": kb.catalog.hardware,
        "tool": kb.catalog.tools,
        "glossary": kb.catalog.glossary,
        "error": kb.catalog.errors,
    }[kind]
    if not text:
        ids = [i for i in POPULAR.get(kind, []) if kb.catalog.get(kind, i)] or [e.id for e in entries[:limit]]
        return [_choice(kb.names.title(kind, i), i) for i in ids][:limit]
    seen: dict[str, str] = {}
    for entry in entries:
        names = [entry.title, entry.id, *entry.aliases]
        if any(normalize(str(n)).startswith(text) for n in names):
            seen.setdefault(entry.id, entry.title)
    for entry in entries:
        if len(seen) >= limit:
            break
        if any(text in normalize(str(n)) for n in [entry.title, entry.id, *entry.aliases]):
            seen.setdefault(entry.id, entry.title)
    if len(seen) < limit:
        for hit in kb.names.lookup(current, kind, limit=limit):
            seen.setdefault(hit.id, hit.title)
    return [_choice(title, entry_id) for entry_id, title in list(seen.items())[:limit]]


def _kb(interaction: discord.Interaction) -> KnowledgeBase:
    return interaction.client.kb  # type: ignore[attr-defined]


async def model_autocomplete(interaction: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
    return suggest(_kb(interaction), "model", current)


async def hardware_autocomplete(interaction: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
    return suggest(_kb(interaction), "hardware", current)


async def glossary_autocomplete(interaction: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
    return suggest(_kb(interaction), "glossary", current)


async def tool_autocomplete(interaction: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
    return suggest(_kb(interaction), "tool", current)


async def model_or_hardware_autocomplete(interaction: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
    kb = _kb(interaction)
    out = [app_commands.Choice(name=c.name, value=f"model:{c.value}"[:100]) for c in suggest(kb, "model", current, limit=12)]
    out += [app_commands.Choice(name=c.name, value=f"hardware:{c.value}"[:100]) for c in suggest(kb, "hardware", current, limit=12)]
    return out[:25]
