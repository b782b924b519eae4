"""Community benchmark submissions on Discord: read the paste, ask for what it lacks, refuse impossible numbers,
store as pending, and let moderators (Manage Server) approve or reject. Shared by /bench (bot/commands/bench.py)
and its persistent buttons (bot/views.py)."""

from __future__ import annotations

import asyncio
import json
import re
import time
from typing import TYPE_CHECKING, Any, ClassVar

import discord

from answers.community import MAX_FILE_BYTES, MAX_PASTE, Parsed, check_numbers, parse_paste, reproductions, resolve
from answers.user_errors import InputError
from bot import render
from bot.errors import GuardedModal, GuardedView, guarded_component
from bot.respond import send

if TYPE_CHECKING:
    from bot.client import RunLocalAIBot
    from bot.state.repository import Submission, SubmissionStatus

FIELD_LABELS = {"model": "Model (e.g. Qwen3 14B)", "gpu": "GPU and count (e.g. 2x RTX 3090)", "quant": "Quant (e.g. Q4_K_M)"}


def _bot(interaction: discord.Interaction) -> RunLocalAIBot:
    return interaction.client  # type: ignore[return-value]


def summary_lines(parsed: Parsed, kb) -> list[str]:
    """What was read, one line per fact, for the submitter and the moderators."""
    model = kb.names.title("model", parsed.model) if parsed.model else f"? ({(parsed.model_text or 'not in the paste')[:60]})"
    hardware = (
        kb.names.title("hardware", parsed.hardware) if parsed.hardware else f"? ({(parsed.hardware_text or 'not in the paste')[:60]})"
    )
    lines = [
        f"Model: {model}",
        f"GPU: {parsed.gpus}× {hardware}" if parsed.gpus > 1 else f"GPU: {hardware}",
        f"Quant: {parsed.quant or '?'} · runtime {parsed.runtime}" + (f" {parsed.runtime_version}" if parsed.runtime_version else ""),
    ]
    for m in parsed.measurements[:8]:
        kind = "generating" if m.test.startswith("tg") else "prompt"
        depth = f" at depth {m.context:,}" if m.context else ""
        lines.append(f"{m.test}{depth}: **{m.tokens_per_s:,.2f} tok/s** ({kind})")
    if parsed.concurrency and parsed.concurrency > 1:
        lines.append(f"{parsed.concurrency} requests at once (aggregate rate)")
    lines += [f"Note: {n}" for n in parsed.notes[:4]]
    return lines


async def rate_limit(interaction: discord.Interaction) -> None:
    bot = _bot(interaction)
    limit = bot.settings.bench_per_hour
    if limit <= 0:
        raise InputError("Community benchmark submissions are turned off on this bot.")
    if await bot.state.bench_count_since(interaction.user.id, time.time() - 3600) >= limit:
        raise InputError(f"You can submit {limit} benchmarks an hour; please try again later.")


async def read_attachment(attachment: discord.Attachment) -> str:
    if attachment.size > MAX_FILE_BYTES:
        raise InputError(f"That file is {attachment.size:,} bytes; attach at most {MAX_FILE_BYTES // 1024} KB of benchmark output.")
    data = await attachment.read()
    if len(data) > MAX_FILE_BYTES or b"\x00" in data[:4096]:
        raise InputError("Attach the benchmark output as a text file.")
    return data.decode("utf-8", errors="replace")


async def submit(
    interaction: discord.Interaction, text: str, model: str | None, gpu: str | None, quant: str | None, draft_id: int | None = None
) -> None:
    """Parse, resolve and check a submission, then store it (pending, or a draft that asks for what is missing)."""
    bot = _bot(interaction)
    kb = bot.kb
    if draft_id is None:
        await rate_limit(interaction)
        parsed = await asyncio.to_thread(parse_paste, text)
    else:
        stored = await bot.state.bench_get(draft_id)
        if stored is None or stored.status != "draft" or stored.user_id != interaction.user.id:
            raise InputError("That submission is not waiting for details any more.")
        parsed = Parsed.from_json(json.loads(stored.data))
    parsed = await asyncio.to_thread(resolve, kb, parsed, model, gpu, quant)
    missing = parsed.missing()
    if not missing:
        reasons = await asyncio.to_thread(check_numbers, kb, parsed)
        if reasons:
            raise InputError("Not accepted: " + "; ".join(reasons[:3]) + ". Check the paste, or the model, GPU and quant you named.")
    data = json.dumps(parsed.to_json())
    name = interaction.user.display_name[:40]
    guild_id = interaction.guild_id or 0
    if missing:
        if draft_id is None:
            draft_id = await bot.state.bench_submit(guild_id, interaction.user.id, name, data, status="draft")
        view = _fill_view(draft_id)
        what = ", ".join(missing)
        embed = render.submission_embed(f"Almost there: tell me the {what}", summary_lines(parsed, kb), discord.Colour.gold())
        await send(interaction, ephemeral=True, embed=embed, view=view)
        return
    if draft_id is not None:
        if not await bot.state.bench_complete(draft_id, data):
            raise InputError("That submission is not waiting for details any more.")
        submission_id = draft_id
    else:
        submission_id = await bot.state.bench_submit(guild_id, interaction.user.id, name, data)
    lines = [*summary_lines(parsed, kb), "", "A moderator will review it (/bench review); approved rows appear as community evidence."]
    await send(interaction, ephemeral=True, embed=render.submission_embed(f"Submitted #{submission_id} for review", lines))


def _fill_view(draft_id: int) -> discord.ui.View:
    view = GuardedView(timeout=None)
    view.add_item(BenchAction("fill", draft_id))
    return view


class BenchModal(GuardedModal, title="Submit a benchmark"):
    """The paste and, when the paste lacks them, the model, GPU and quant."""

    output: discord.ui.TextInput[BenchModal] = discord.ui.TextInput(
        label="Output (llama-bench, ollama --verbose, …)",
        style=discord.TextStyle.paragraph,
        max_length=MAX_PASTE,
        placeholder="| model | size | params | backend | ngl | test | t/s |",
    )
    model: discord.ui.TextInput[BenchModal] = discord.ui.TextInput(label=FIELD_LABELS["model"], required=False, max_length=100)
    gpu: discord.ui.TextInput[BenchModal] = discord.ui.TextInput(label=FIELD_LABELS["gpu"], required=False, max_length=100)
    quant: discord.ui.TextInput[BenchModal] = discord.ui.TextInput(label=FIELD_LABELS["quant"], required=False, max_length=40)

    async def on_submit(self, interaction: discord.Interaction) -> None:
        await submit(interaction, self.output.value, self.model.value, self.gpu.value, self.quant.value)


class BenchFillModal(GuardedModal, title="The missing details"):
    """Asks only for what the paste lacked."""

    def __init__(self, draft_id: int, missing: list[str]):
        super().__init__()
        self.draft_id = draft_id
        self.fields: dict[str, discord.ui.TextInput[BenchFillModal]] = {}
        for name in missing:
            field: discord.ui.TextInput[BenchFillModal] = discord.ui.TextInput(label=FIELD_LABELS[name], max_length=100)
            self.fields[name] = field
            self.add_item(field)

    async def on_submit(self, interaction: discord.Interaction) -> None:
        values = {name: field.value for name, field in self.fields.items()}
        await submit(interaction, "", values.get("model"), values.get("gpu"), values.get("quant"), draft_id=self.draft_id)


async def open_fill_modal(interaction: discord.Interaction, draft_id: int) -> None:
    bot = _bot(interaction)
    stored = await bot.state.bench_get(draft_id)
    if stored is None or stored.status != "draft":
        raise InputError("That submission is not waiting for details any more.")
    if stored.user_id != interaction.user.id:
        raise InputError("Only the member who submitted it can add its details.")
    missing = Parsed.from_json(json.loads(stored.data)).missing()
    await interaction.response.send_modal(BenchFillModal(draft_id, missing or ["gpu"]))


def _is_moderator(interaction: discord.Interaction) -> bool:
    return bool(interaction.guild_id) and interaction.permissions.manage_guild


async def review(interaction: discord.Interaction, submission_id: int, approve: bool) -> None:
    """A moderator's click: approve (the rows become community evidence, reproductions are marked) or reject."""
    bot = _bot(interaction)
    if not _is_moderator(interaction):
        raise InputError("Only members with Manage Server can review benchmark submissions.")
    stored = await bot.state.bench_get(submission_id)
    if stored is None or stored.guild_id != interaction.guild_id:
        raise InputError(f"Submission #{submission_id} is not one of this server's.")
    status: SubmissionStatus = "approved" if approve else "rejected"
    reviewer = interaction.user.display_name[:40]
    if not await bot.state.bench_review(
        submission_id, status, interaction.user.id, reviewer, None if approve else "rejected by a moderator"
    ):
        await send(interaction, ephemeral=True, content=f"Submission #{submission_id} was already reviewed ({stored.status}).")
        return
    message = f"Rejected #{submission_id}."
    if approve:
        reproduced = await _mark_reproductions(bot, stored)
        count = await bot.refresh_community()
        message = f"Approved #{submission_id}: its rows are community evidence now ({count} community rows in use)."
        if reproduced:
            message += f" It reproduces #{', #'.join(map(str, reproduced))}: both are marked reproduced."
    await send(interaction, ephemeral=True, content=message)


async def _mark_reproductions(bot: RunLocalAIBot, stored: Submission) -> list[int]:
    candidate = Parsed.from_json(json.loads(stored.data))
    others: list[tuple[int, int, Parsed]] = []
    for other in await bot.state.bench_list(("approved", "reproduced")):
        if other.id != stored.id:
            try:
                others.append((other.id, other.user_id, Parsed.from_json(json.loads(other.data))))
            except (TypeError, ValueError):
                continue
    found = reproductions(candidate, others, stored.user_id)
    if found:
        await bot.state.bench_mark_reproduced([stored.id, *found])
    return found


def review_payload(submissions: list[Submission], kb) -> dict:
    """The pending queue: one embed and one row of buttons per submission (at most five)."""
    if not submissions:
        return {"content": "No benchmark submissions are waiting for review."}
    embeds, view = [], GuardedView(timeout=None)
    for submission in submissions[:5]:
        try:
            parsed = Parsed.from_json(json.loads(submission.data))
            lines = summary_lines(parsed, kb)
        except (TypeError, ValueError):
            lines = ["(unreadable)"]
        title = f"#{submission.id} by {submission.user_name}"
        embeds.append(render.submission_embed(title, lines))
        view.add_item(BenchAction("approve", submission.id, row=len(embeds) - 1))
        view.add_item(BenchAction("reject", submission.id, row=len(embeds) - 1))
    return {"embeds": embeds, "view": view}


class BenchAction(discord.ui.DynamicItem[discord.ui.Button], template=r"bench:(?P<action>approve|reject|fill):(?P<id>\d{1,18})"):
    """Persistent buttons: a moderator's Approve / Reject, and the submitter's "Add the missing details"."""

    LABELS: ClassVar[dict[str, tuple[str, discord.ButtonStyle]]] = {
        "approve": ("Approve", discord.ButtonStyle.success),
        "reject": ("Reject", discord.ButtonStyle.danger),
        "fill": ("Add the missing details", discord.ButtonStyle.primary),
    }

    def __init__(self, action: str, submission_id: int, row: int | None = None):
        label, style = self.LABELS[action]
        if action != "fill":
            label = f"{label} #{submission_id}"
        super().__init__(discord.ui.Button(label=label, style=style, custom_id=f"bench:{action}:{submission_id}", row=row))
        self.action = action
        self.submission_id = submission_id

    @classmethod
    async def from_custom_id(cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str]) -> BenchAction:
        return cls(match["action"], int(match["id"]))

    @guarded_component
    async def callback(self, interaction: discord.Interaction) -> None:
        if self.action == "fill":
            await open_fill_modal(interaction, self.submission_id)
        else:
            await review(interaction, self.submission_id, approve=self.action == "approve")
