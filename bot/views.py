"""Buttons and menus. All are DynamicItems: their state lives in the custom_id, so they keep working after a
restart (discord.py routes clicks by matching the custom_id template)."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any, ClassVar

import discord

from answers.estimates import EstimateQuery, EstimateResult, InputError, run_estimate
from bot import render
from bot.respond import compute_then_send, send

if TYPE_CHECKING:
    from bot.client import RunLocalAIBot

CUSTOM_ID_MAX = 100


def _bot(interaction: discord.Interaction) -> RunLocalAIBot:
    return interaction.client  # type: ignore[return-value]


# ----------------------------------------------------------------------------------------------
# Feedback on answers (forum auto-answers, mentions, /ask)
# ----------------------------------------------------------------------------------------------
class FeedbackButton(discord.ui.DynamicItem[discord.ui.Button], template=r"fb:(?P<verdict>solved|not_helpful)"):
    def __init__(self, verdict: str):
        label, style, emoji = {
            "solved": ("Solved", discord.ButtonStyle.success, "✅"),
            "not_helpful": ("Not helpful", discord.ButtonStyle.secondary, "👎"),
        }[verdict]
        super().__init__(discord.ui.Button(label=label, style=style, emoji=emoji, custom_id=f"fb:{verdict}"))
        self.verdict = verdict

    @classmethod
    async def from_custom_id(cls, interaction: discord.Interaction, item: discord.ui.Button, match: re.Match[str]) -> FeedbackButton:
        return cls(match["verdict"])

    async def callback(self, interaction: discord.Interaction) -> None:
        bot = _bot(interaction)
        message_id = interaction.message.id if interaction.message else 0
        stored = await bot.state.record_feedback(message_id, interaction.user.id, self.verdict)  # type: ignore[arg-type]
        if not stored:
            await send(interaction, ephemeral=True, content="That message is not one of my answers any more.")
            return
        thanks = "Thanks, marked as solved." if self.verdict == "solved" else "Thanks, noted: the maintainers will look at it."
        await send(interaction, ephemeral=True, content=thanks)


def feedback_view() -> discord.ui.View:
    view = discord.ui.View(timeout=None)
    view.add_item(FeedbackButton("solved"))
    view.add_item(FeedbackButton("not_helpful"))
    return view


# ----------------------------------------------------------------------------------------------
# /willitrun follow-ups: lower quant, max context, measured benchmarks
# ----------------------------------------------------------------------------------------------
def encode_query(action: str, q: EstimateQuery) -> str | None:
    """A compact custom_id carrying the whole request, or None if it would exceed Discord's 100 characters."""
    hardware = "+".join(q.hardware)
    parts = [
        "wir",
        action,
        q.model or "",
        hardware,
        str(q.gpus or 1),
        (q.quant or "").replace(":", ""),
        str(q.context or 0),
        q.runtime,
        q.kv_cache,
    ]
    custom_id = ":".join(parts)
    return custom_id if len(custom_id) <= CUSTOM_ID_MAX and all(":" not in p for p in parts[2:]) else None


def decode_query(match: re.Match[str]) -> EstimateQuery:
    gpus = int(match["gpus"])
    return EstimateQuery(
        model=match["model"],
        hardware=match["hardware"].split("+"),
        gpus=gpus if gpus > 1 else None,
        quant=match["quant"] or None,
        context=int(match["context"]) or None,
        runtime=match["runtime"],
        kv_cache=match["kv"],
    )


class EstimateAction(
    discord.ui.DynamicItem[discord.ui.Button],
    template=r"wir:(?P<action>lq|mc|mb):(?P<model>[^:]+):(?P<hardware>[^:]+):(?P<gpus>\d+):(?P<quant>[^:]*):(?P<context>\d+)"
    r":(?P<runtime>[^:]+):(?P<kv>[^:]+)",
):
    LABELS: ClassVar[dict[str, tuple[str, str]]] = {
        "lq": ("Lower quant", "⬇️"),
        "mc": ("Max context", "📏"),
        "mb": ("Measured benchmarks", "📊"),
    }

    def __init__(self, action: str, query: EstimateQuery, custom_id: str):
        label, emoji = self.LABELS[action]
        super().__init__(discord.ui.Button(label=label, emoji=emoji, style=discord.ButtonStyle.secondary, custom_id=custom_id))
        self.action = action
        self.query = query

    @classmethod
    async def from_custom_id(cls, interaction: discord.Interaction, item: discord.ui.Button, match: re.Match[str]) -> EstimateAction:
        return cls(match["action"], decode_query(match), item.custom_id or "")

    async def callback(self, interaction: discord.Interaction) -> None:
        bot = _bot(interaction)
        if self.action == "mb":
            await compute_then_send(interaction, lambda: run_estimate(bot.kb, self.query), _measured_payload, ephemeral=True)
            return
        await compute_then_send(interaction, lambda: self._variant(bot), _estimate_payload, ephemeral=True)

    def _variant(self, bot: RunLocalAIBot) -> EstimateResult:
        from estimator.quants import COMMON_GGUF
        from estimator.solvers import max_context

        base = run_estimate(bot.kb, self.query)
        if self.action == "lq":
            current = base.estimate.quant.name
            lower = COMMON_GGUF[COMMON_GGUF.index(current) + 1 :] if current in COMMON_GGUF else COMMON_GGUF[4:]
            if not lower:
                raise InputError(f"{current} is already the smallest common quant.")
            self.query.quant = lower[0]
            return run_estimate(bot.kb, self.query)
        longest = max_context(base.estimate.request)
        if not longest:
            raise InputError("Even the shortest context does not fit fully in GPU memory with this setup.")
        self.query.context = longest
        return run_estimate(bot.kb, self.query)


def _estimate_payload(result: EstimateResult) -> dict[str, Any]:
    return {"embed": render.estimate_embed(result)}


def _measured_payload(result: EstimateResult) -> dict[str, Any]:
    return {"embed": render.measured_embed(result)}


def estimate_view(query: EstimateQuery) -> discord.ui.View | None:
    view = discord.ui.View(timeout=None)
    for action in ("lq", "mc", "mb"):
        custom_id = encode_query(action, query)
        if custom_id is None:
            return None
        view.add_item(EstimateAction(action, query, custom_id))
    return view


# ----------------------------------------------------------------------------------------------
# Cards: "did you mean" choices and related-term navigation
# ----------------------------------------------------------------------------------------------
class CardSelect(discord.ui.DynamicItem[discord.ui.Select], template=r"card:(?P<kind>model|hardware|tool|glossary|error)"):
    """A menu of entries of one kind; choosing one shows its card."""

    def __init__(self, kind: str, options: list[tuple[str, str]] | None = None, placeholder: str = "Did you mean…"):
        select = discord.ui.Select(
            custom_id=f"card:{kind}",
            placeholder=placeholder,
            options=[discord.SelectOption(label=title[:100], value=entry_id[:100]) for entry_id, title in (options or [])[:25]]
            or [discord.SelectOption(label="(none)", value="none")],
        )
        super().__init__(select)
        self.kind = kind

    @classmethod
    async def from_custom_id(cls, interaction: discord.Interaction, item: discord.ui.Select, match: re.Match[str]) -> CardSelect:
        return cls(match["kind"])

    async def callback(self, interaction: discord.Interaction) -> None:
        bot = _bot(interaction)
        values = (interaction.data or {}).get("values", [])  # type: ignore[union-attr]
        entry = bot.kb.catalog.get(self.kind, values[0]) if values else None
        if entry is None:
            await send(interaction, ephemeral=True, content="That entry is no longer in the catalog.")
            return
        await send(interaction, ephemeral=True, **card_payload(bot, entry))


def card_payload(bot: RunLocalAIBot, entry: Any) -> dict[str, Any]:
    """Embed for a catalog entry, with a related-terms menu for glossary terms."""
    embed = render.card_embed(bot.kb, entry)
    payload: dict[str, Any] = {"embed": embed}
    related = getattr(entry, "related", None)
    if entry.kind == "glossary" and related:
        options = [(r, bot.kb.names.title("glossary", r)) for r in related if bot.kb.catalog.get("glossary", r)]
        if options:
            view = discord.ui.View(timeout=None)
            view.add_item(CardSelect("glossary", options, placeholder="Related terms…"))
            payload["view"] = view
    return payload


def choices_view(kind: str, options: list[tuple[str, str]]) -> discord.ui.View:
    view = discord.ui.View(timeout=None)
    view.add_item(CardSelect(kind, options))
    return view


DYNAMIC_ITEMS = (FeedbackButton, EstimateAction, CardSelect)
