"""Slash-command argument types: each owns its autocomplete, its conversion and its "did you mean".

Cogs declare ``model: ModelArg`` and receive a catalog entry; a name that resolves to nothing raises
``InputError`` with suggestions, which the one error path (bot/errors.py) shows to the user.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

import discord
from discord import app_commands

from answers.defaults import KV_CACHE_TYPES, MAX_CONTEXT, MIN_CONTEXT
from answers.hub_ids import parse_hub_ref
from answers.knowledge_base import KnowledgeBase
from answers.lookup import Lookup, lookup_entry, resolve_either, resolve_entry, suggest
from answers.user_errors import InputError
from answers.values import parse_context_text, parse_quant_text
from estimator.quants import all_quant_names
from estimator.runtimes import RUNTIMES
from knowledge.schema import ErrorEntry, GlossaryTerm, Hardware, Model, Tool

MAX_CHOICES = 25
NAME_MAX = 100


def _kb(interaction: discord.Interaction) -> KnowledgeBase:
    return interaction.client.kb  # type: ignore[attr-defined]


def choice(name: str, value: str) -> app_commands.Choice[str]:
    """A choice within Discord's limits (names and values 1-100 characters)."""
    name = (name or value).strip()[:NAME_MAX] or value[:NAME_MAX]
    return app_commands.Choice(name=name, value=value[:NAME_MAX])


class EntryTransformer(app_commands.Transformer):
    """A catalog entry of one kind, typed by name, id or alias."""

    kind: ClassVar[str]

    @property
    def max_value(self) -> int:
        return NAME_MAX

    @property
    def min_value(self) -> int:
        return 1

    async def autocomplete(self, interaction: discord.Interaction, value: Any) -> list[app_commands.Choice[str]]:  # type: ignore[override]
        return [choice(title, entry_id) for entry_id, title in suggest(_kb(interaction), self.kind, str(value or ""))]

    async def transform(self, interaction: discord.Interaction, value: Any) -> Any:
        return resolve_entry(_kb(interaction), self.kind, str(value))


class ModelTransformer(EntryTransformer):
    kind = "model"


class HardwareTransformer(EntryTransformer):
    kind = "hardware"


class GlossaryTransformer(EntryTransformer):
    kind = "glossary"


class ToolTransformer(EntryTransformer):
    kind = "tool"


class ErrorTransformer(EntryTransformer):
    kind = "error"


@dataclass(frozen=True)
class HubName:
    """A Hugging Face repository typed where a model goes (``owner/name`` or a Hub URL): looked up after the
    command defers, because the Hub may take longer than Discord's 3-second window."""

    text: str


class ModelOrHubTransformer(ModelTransformer):
    """A catalog model, or any Hugging Face repository."""

    async def transform(self, interaction: discord.Interaction, value: Any) -> Any:
        text = str(value)
        found = lookup_entry(_kb(interaction), "model", text)
        if found.entry is not None:
            return found.entry
        if parse_hub_ref(text) is not None:
            return HubName(text)
        raise InputError(
            f"I don't know the model {text[:80]!r}. Give its Hugging Face id (owner/name) to look it up.", [t for _, t in found.choices]
        )


class ModelOrHardwareTransformer(EntryTransformer):
    """A model or a GPU/machine (for /compare); autocomplete values carry their kind (``model:<id>``)."""

    kind = "model"

    async def autocomplete(self, interaction: discord.Interaction, value: Any) -> list[app_commands.Choice[str]]:  # type: ignore[override]
        kb, typed = _kb(interaction), str(value or "")
        out = [choice(title, f"model:{i}") for i, title in suggest(kb, "model", typed, limit=12)]
        out += [choice(title, f"hardware:{i}") for i, title in suggest(kb, "hardware", typed, limit=12)]
        return out[:MAX_CHOICES]

    async def transform(self, interaction: discord.Interaction, value: Any) -> Any:
        return resolve_either(_kb(interaction), str(value))


class RuntimeTransformer(app_commands.Transformer):
    """A runtime id from the estimator's runtime table (the one list of runtimes)."""

    @property
    def choices(self) -> list[app_commands.Choice[str]]:  # type: ignore[override]
        return [choice(r.name, r.id) for r in list(RUNTIMES.values())[:MAX_CHOICES]]

    async def transform(self, interaction: discord.Interaction, value: Any) -> str:
        if str(value) not in RUNTIMES:
            raise InputError(f"Unknown runtime {str(value)[:40]!r}.", [r.name for r in RUNTIMES.values()][:5])
        return str(value)


class QuantTransformer(app_commands.Transformer):
    """A quantization typed freely ("q4km", "Q4_K_M", "exl2 4.65", "mlx 4bit"), returned in canonical form."""

    @property
    def max_value(self) -> int:
        return 40

    async def autocomplete(self, interaction: discord.Interaction, value: Any) -> list[app_commands.Choice[str]]:  # type: ignore[override]
        typed = str(value or "").lower().replace("_", "").replace(" ", "")
        names = all_quant_names()
        ranked = [n for n in names if n.lower().replace("_", "").replace(" ", "").startswith(typed)] + [
            n for n in names if typed in n.lower().replace("_", "").replace(" ", "")
        ]
        return [choice(n, n) for n in dict.fromkeys(ranked or names)][:MAX_CHOICES]

    async def transform(self, interaction: discord.Interaction, value: Any) -> str:
        return parse_quant_text(str(value))


class ContextTransformer(app_commands.Transformer):
    """A context length: 8192, 32k, 128K, 1M."""

    @property
    def max_value(self) -> int:
        return 20

    async def autocomplete(self, interaction: discord.Interaction, value: Any) -> list[app_commands.Choice[str]]:  # type: ignore[override]
        typed = str(value or "").strip().lower()
        presets = ["4k", "8k", "16k", "32k", "64k", "128k", "256k", "1M"]
        return [choice(p, p) for p in presets if p.lower().startswith(typed)] or [choice(p, p) for p in presets]

    async def transform(self, interaction: discord.Interaction, value: Any) -> int:
        return parse_context_text(str(value))


KV_CHOICES = [app_commands.Choice(name=kv, value=kv) for kv in KV_CACHE_TYPES]
CONTEXT_HELP = f"Context in tokens, e.g. 8192, 32k or 128k ({MIN_CONTEXT:,} to {MAX_CONTEXT:,})"

ModelArg = app_commands.Transform[Model, ModelTransformer]
ModelOrHubArg = app_commands.Transform[Model | HubName, ModelOrHubTransformer]
HardwareArg = app_commands.Transform[Hardware, HardwareTransformer]
GlossaryArg = app_commands.Transform[GlossaryTerm, GlossaryTransformer]
ToolArg = app_commands.Transform[Tool, ToolTransformer]
ErrorArg = app_commands.Transform[ErrorEntry, ErrorTransformer]
ModelOrHardwareArg = app_commands.Transform[Model | Hardware, ModelOrHardwareTransformer]
RuntimeArg = app_commands.Transform[str, RuntimeTransformer]
QuantArg = app_commands.Transform[str, QuantTransformer]
ContextArg = app_commands.Transform[int, ContextTransformer]


class CardTransformer(EntryTransformer):
    """Like EntryTransformer, but an unknown name is not an error: the card commands offer a menu instead."""

    async def transform(self, interaction: discord.Interaction, value: Any) -> Lookup:
        return lookup_entry(_kb(interaction), self.kind, str(value))


class GlossaryCard(CardTransformer):
    kind = "glossary"


class ModelCard(CardTransformer):
    kind = "model"


class HardwareCard(CardTransformer):
    kind = "hardware"


class ToolCard(CardTransformer):
    kind = "tool"


GlossaryCardArg = app_commands.Transform[Lookup, GlossaryCard]
ModelCardArg = app_commands.Transform[Lookup, ModelCard]
HardwareCardArg = app_commands.Transform[Lookup, HardwareCard]
ToolCardArg = app_commands.Transform[Lookup, ToolCard]
