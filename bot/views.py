"""Buttons and menus. All are DynamicItems: their state lives in the custom_id, so they keep working after a
restart (discord.py routes clicks by matching the custom_id template)."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any, ClassVar

import discord

from answers.defaults import DEFAULT_RUNTIME
from answers.estimates import EstimateQuery, EstimateResult, run_estimate
from answers.user_errors import InputError
from bot import charts, render
from bot.community import BenchAction
from bot.errors import GuardedView, guarded_component
from bot.respond import compute_then_send, send
from estimator.quants import COMMON_GGUF

if TYPE_CHECKING:
    from bot.client import RunLocalAIBot

CUSTOM_ID_MAX = 100


def _bot(interaction: discord.Interaction) -> RunLocalAIBot:
    return interaction.client  # type: ignore[return-value]


# ----------------------------------------------------------------------------------------------
# Feedback on answers (forum auto-answers, mentions, /ask)
# ----------------------------------------------------------------------------------------------
class FeedbackButton(discord.ui.DynamicItem[discord.ui.Button], template=r"fb:(?P<verdict>solved|not_helpful)(?::(?P<answer>\d{1,20}))?"):
    """Solved / Not helpful under an answer. ``answer`` is the id the answer was recorded under before it was
    sent (so a click right after it appears always finds it); buttons without one are keyed by their message."""

    def __init__(self, verdict: str, answer_id: int | None = None):
        label, style, emoji = {
            "solved": ("Solved", discord.ButtonStyle.success, "✅"),
            "not_helpful": ("Not helpful", discord.ButtonStyle.secondary, "👎"),
        }[verdict]
        custom_id = f"fb:{verdict}" + (f":{answer_id}" if answer_id else "")
        super().__init__(discord.ui.Button(label=label, style=style, emoji=emoji, custom_id=custom_id))
        self.verdict = verdict
        self.answer_id = answer_id

    @classmethod
    async def from_custom_id(cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str]) -> FeedbackButton:
        return cls(match["verdict"], int(match["answer"]) if match["answer"] else None)

    @guarded_component
    async def callback(self, interaction: discord.Interaction) -> None:
        bot = _bot(interaction)
        answer_id = self.answer_id or (interaction.message.id if interaction.message else 0)
        stored = await bot.state.record_feedback(answer_id, interaction.user.id, self.verdict)  # type: ignore[arg-type]
        if not stored:
            await send(interaction, ephemeral=True, content="That message is not one of my answers any more.")
            return
        thanks = "Thanks, marked as solved." if self.verdict == "solved" else "Thanks, noted: the maintainers will look at it."
        await send(interaction, ephemeral=True, content=thanks)


def feedback_view(answer_id: int | None = None) -> discord.ui.View:
    view = GuardedView(timeout=None)
    view.add_item(FeedbackButton("solved", answer_id))
    view.add_item(FeedbackButton("not_helpful", answer_id))
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
        q.runtime or DEFAULT_RUNTIME,
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
    async def from_custom_id(cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str]) -> EstimateAction:
        return cls(match["action"], decode_query(match), getattr(item, "custom_id", None) or "")

    @guarded_component
    async def callback(self, interaction: discord.Interaction) -> None:
        bot = _bot(interaction)
        if self.action == "mb":
            await compute_then_send(interaction, lambda: run_estimate(bot.kb, self.query), _measured_payload, ephemeral=True)
            return
        await compute_then_send(interaction, lambda: self._variant(bot), _estimate_payload(bot.kb), ephemeral=True)

    def _variant(self, bot: RunLocalAIBot) -> EstimateResult:
        from estimator.solvers import max_context

        base = run_estimate(bot.kb, self.query)
        if self.action == "lq":
            lower = lower_quant(base.estimate.quant.name)
            if lower is None:
                raise InputError(f"{base.estimate.quant.name} is already the smallest common quant.")
            self.query.quant = lower
            return run_estimate(bot.kb, self.query)
        longest = max_context(base.estimate.request)
        if not longest:
            raise InputError("Even the shortest context does not fit fully in GPU memory with this setup.")
        self.query.context = longest
        return run_estimate(bot.kb, self.query)


def _estimate_payload(kb: Any) -> Callable[[EstimateResult], Awaitable[dict[str, Any]]]:
    """The follow-up's embed with its chart (drawn off the loop; the answer goes out without it if it is late)."""

    async def build(result: EstimateResult) -> dict[str, Any]:
        return await charts.with_estimate_chart({"embed": render.estimate_embed(result)}, result, kb)

    return build


def _measured_payload(result: EstimateResult) -> dict[str, Any]:
    return {"embed": render.measured_embed(result)}


def lower_quant(current: str) -> str | None:
    """The next smaller common GGUF quant, or None at the bottom (or for formats without a ladder)."""
    if current not in COMMON_GGUF:
        return None
    index = COMMON_GGUF.index(current)
    return COMMON_GGUF[index + 1] if index + 1 < len(COMMON_GGUF) else None


def available_actions(result: EstimateResult) -> list[str]:
    """Only the follow-ups that can do something for this answer: no "Lower quant" at the bottom of the ladder,
    no "Max context" when nothing fits on the GPU, no "Measured benchmarks" without measurements."""
    actions = []
    if lower_quant(result.estimate.quant.name) is not None:
        actions.append("lq")
    if result.estimate.fit in {"runs_well", "tight"}:
        actions.append("mc")
    if result.measured:
        actions.append("mb")
    return actions


def estimate_view(query: EstimateQuery, result: EstimateResult) -> discord.ui.View | None:
    view = GuardedView(timeout=None)
    for action in available_actions(result):
        custom_id = encode_query(action, query)
        if custom_id is None:
            return None
        view.add_item(EstimateAction(action, query, custom_id))
    return view if view.children else None


# ----------------------------------------------------------------------------------------------
# Cards: "did you mean" choices and related-term navigation
# ----------------------------------------------------------------------------------------------
class CardSelect(discord.ui.DynamicItem[discord.ui.Select], template=r"card:(?P<kind>model|hardware|tool|glossary|error)"):
    """A menu of entries of one kind; choosing one shows its card."""

    def __init__(self, kind: str, options: list[tuple[str, str]] | None = None, placeholder: str = "Did you mean…"):
        select: discord.ui.Select[Any] = discord.ui.Select(
            custom_id=f"card:{kind}",
            placeholder=placeholder,
            options=[discord.SelectOption(label=title[:100], value=entry_id[:100]) for entry_id, title in (options or [])[:25]]
            or [discord.SelectOption(label="(none)", value="none")],
        )
        super().__init__(select)
        self.kind = kind

    @classmethod
    async def from_custom_id(cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str]) -> CardSelect:
        return cls(match["kind"])

    @guarded_component
    async def callback(self, interaction: discord.Interaction) -> None:
        bot = _bot(interaction)
        data: dict[str, Any] = dict(interaction.data or {})
        values: list[str] = list(data.get("values") or [])
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
            view = GuardedView(timeout=None)
            view.add_item(CardSelect("glossary", options, placeholder="Related terms…"))
            payload["view"] = view
    return payload


def choices_view(kind: str, options: list[tuple[str, str]]) -> discord.ui.View:
    view = GuardedView(timeout=None)
    view.add_item(CardSelect(kind, options))
    return view


# ----------------------------------------------------------------------------------------------
# Glossary browsing: a category's terms, 25 a page, with a menu to open one
# ----------------------------------------------------------------------------------------------
PAGE_SIZE = 25


class GlossaryPage(discord.ui.DynamicItem[discord.ui.Button], template=r"gpage:(?P<category>[a-z-]{1,20}):(?P<page>\d{1,3})"):
    def __init__(self, category: str, page: int, label: str):
        super().__init__(discord.ui.Button(label=label, style=discord.ButtonStyle.secondary, custom_id=f"gpage:{category}:{page}"))
        self.category = category
        self.page = page

    @classmethod
    async def from_custom_id(cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str]) -> GlossaryPage:
        return cls(match["category"], int(match["page"]), getattr(item, "label", None) or "")

    @guarded_component
    async def callback(self, interaction: discord.Interaction) -> None:
        await send(interaction, ephemeral=True, **glossary_page_payload(_bot(interaction).kb, self.category, self.page))


def glossary_page_payload(kb: Any, category: str | None, page: int) -> dict[str, Any]:
    """The categories with their sizes (no category), or one page of a category's terms with a menu."""
    from knowledge.schema import GLOSSARY_CATEGORY_TITLES

    if category is None:
        counts = {key: 0 for key in GLOSSARY_CATEGORY_TITLES}
        for term in kb.catalog.glossary:
            counts[term.category] = counts.get(term.category, 0) + 1
        lines = [f"**{GLOSSARY_CATEGORY_TITLES[k]}**: {n} terms" for k, n in counts.items() if n]
        text = "\n".join(lines) + "\n\nPick a category with `/glossary category:`, or look a term up with `/glossary term:`."
        return {"embed": render.text_embed(f"Glossary: {len(kb.catalog.glossary)} terms", text)}
    if category not in GLOSSARY_CATEGORY_TITLES:
        raise InputError(f"Unknown glossary category {category[:30]!r}.", list(GLOSSARY_CATEGORY_TITLES.values())[:5])
    terms = sorted((t for t in kb.catalog.glossary if t.category == category), key=lambda t: t.term.lower())
    pages = max(1, -(-len(terms) // PAGE_SIZE))
    page = min(max(page, 0), pages - 1)
    chunk = terms[page * PAGE_SIZE : (page + 1) * PAGE_SIZE]
    title = f"{GLOSSARY_CATEGORY_TITLES[category]} ({len(terms)} terms)" + (f", page {page + 1}/{pages}" if pages > 1 else "")
    text = "\n".join(f"**{t.term}**: {t.short}" for t in chunk) or "No terms in this category yet."
    view = GuardedView(timeout=None)
    if chunk:
        view.add_item(CardSelect("glossary", [(t.id, t.term) for t in chunk], placeholder="Open a term…"))
    if page > 0:
        view.add_item(GlossaryPage(category, page - 1, "Previous"))
    if page + 1 < pages:
        view.add_item(GlossaryPage(category, page + 1, "Next"))
    return {"embed": render.text_embed(title, text), "view": view}


DYNAMIC_ITEMS = (FeedbackButton, EstimateAction, CardSelect, GlossaryPage, BenchAction)
