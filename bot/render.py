"""Everything the bot shows: embeds, text bars and limits. Cogs call these; nothing else builds embeds."""

from __future__ import annotations

import discord

from answers.engine import Answer
from answers.estimates import EstimateResult
from answers.render import FIT_LABEL, fmt_tps, hardware_label
from answers.rig import Rig
from answers.training import TrainingResult
from estimator.units import GB

# Discord limits (https://discord.com/developers/docs/resources/message#embed-object-embed-limits)
TITLE_MAX = 256
DESCRIPTION_MAX = 4096
FIELDS_MAX = 25
FIELD_NAME_MAX = 256
FIELD_VALUE_MAX = 1024
FOOTER_MAX = 2048
EMBED_TOTAL_MAX = 6000
CONTENT_MAX = 2000

FIT_COLOUR = {
    "runs_well": discord.Colour.green(),
    "tight": discord.Colour.gold(),
    "offload": discord.Colour.orange(),
    "cpu_only": discord.Colour.dark_orange(),
    "wont_run": discord.Colour.red(),
}
FIT_EMOJI = {"runs_well": "🟢", "tight": "🟡", "offload": "🟠", "cpu_only": "🟤", "wont_run": "🔴"}
BAR_WIDTH = 24


def clip(text: str, limit: int) -> str:
    text = text or ""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def neutralize(text: str) -> str:
    """Defang mass mentions even though allowed_mentions already blocks pings (belt and braces)."""
    return text.replace("@everyone", "@\u200beveryone").replace("@here", "@\u200bhere")


def finalize(embed: discord.Embed) -> discord.Embed:
    """Clip every part to Discord's limits, then trim fields until the total fits."""
    if embed.title:
        embed.title = clip(neutralize(embed.title), TITLE_MAX)
    if embed.description:
        embed.description = clip(neutralize(embed.description), DESCRIPTION_MAX)
    fields = embed.fields[:FIELDS_MAX]
    embed.clear_fields()
    for f in fields:
        embed.add_field(
            name=clip(neutralize(f.name or "\u200b"), FIELD_NAME_MAX),
            value=clip(neutralize(f.value or "\u200b"), FIELD_VALUE_MAX),
            inline=f.inline,
        )
    if embed.footer and embed.footer.text:
        embed.set_footer(text=clip(embed.footer.text, FOOTER_MAX))
    while len(embed) > EMBED_TOTAL_MAX and embed.fields:
        embed.remove_field(len(embed.fields) - 1)
    if len(embed) > EMBED_TOTAL_MAX and embed.description:
        embed.description = clip(embed.description, max(100, len(embed.description) - (len(embed) - EMBED_TOTAL_MAX)))
    return embed


def memory_bar(result: EstimateResult) -> str:
    """Weights / KV / buffers against usable memory, as block characters."""
    m = result.estimate.memory
    capacity = max(m.available, 1.0)
    total = m.total
    scale = BAR_WIDTH / max(capacity, total)
    parts = [("█", m.weights), ("▓", m.kv_cache), ("▒", m.compute_buffer + m.overhead)]
    cells = ""
    for char, value in parts:
        cells += char * max(0, round(value * scale))
    cells = cells[:BAR_WIDTH]
    free = max(0, round(capacity * scale) - len(cells))
    bar = cells + "░" * free
    over = " ⚠ over" if total > capacity else ""
    return (
        f"`{bar}` {total / GB:.1f} / {capacity / GB:.1f} GB{over}\n"
        f"█ weights {m.weights / GB:.1f} · ▓ KV {m.kv_cache / GB:.1f} · ▒ buffers+overhead "
        f"{(m.compute_buffer + m.overhead) / GB:.1f} · ░ free"
    )


def source_link(source: str) -> str:
    """A markdown link for a URL; community submissions and citations stay plain text."""
    return f"[source]({source})" if source.startswith(("https://", "http://")) else discord.utils.escape_markdown(clip(source, 160))


def estimate_embed(result: EstimateResult, note: str | None = None) -> discord.Embed:
    """The estimate; ``note`` (e.g. "On your rig: …") goes first, so the asker sees which machine was assumed."""
    est = result.estimate
    hw = hardware_label(result.hardware_refs)
    verdict = f"{FIT_EMOJI[est.fit]} **{FIT_LABEL[est.fit]}** - {result.advice.explanation}"
    embed = discord.Embed(
        title=f"{result.model_ref['name']} on {hw}",
        description=f"{note}\n{verdict}" if note else verdict,
        colour=FIT_COLOUR[est.fit],
    )
    embed.add_field(name="Memory", value=memory_bar(result), inline=False)
    if est.decode_tps is not None and est.decode_band and est.prefill_tps is not None and est.prefill_band:
        embed.add_field(
            name=f"Speed ({result.evidence_label})",
            value=(
                f"Generating: **~{fmt_tps(est.decode_tps)} tok/s** ({fmt_tps(est.decode_band[0])}-{fmt_tps(est.decode_band[1])})\n"
                f"Prompt ({est.request.prompt_tokens} tokens): ~{fmt_tps(est.prefill_tps)} tok/s "
                f"({fmt_tps(est.prefill_band[0])}-{fmt_tps(est.prefill_band[1])})"
            ),
            inline=False,
        )
    if result.measured:
        rows = [
            f"{r.test} **{fmt_tps(r.tokens_per_s)}** tok/s · {r.quant} · {r.match} · {source_link(r.source)}" for r in result.measured[:5]
        ]
        embed.add_field(name="Measured", value="\n".join(rows), inline=False)
    if result.advice.suggestions:
        embed.add_field(name="What to change", value="\n".join(f"• {s}" for s in result.advice.suggestions[:5]), inline=False)
    if est.warnings:
        embed.add_field(name="Note", value="\n".join(est.warnings), inline=False)
    if result.assumptions.notes:
        embed.add_field(name="Assumed", value="\n".join(result.assumptions.notes), inline=False)
    layers = f" · {est.gpu_layers}/{est.total_layers} layers on GPU" if est.request.system.gpus else ""
    embed.set_footer(text=f"{est.quant.name} · {est.context:,} ctx · {est.runtime.name} · KV {est.request.kv_cache}{layers}")
    return finalize(embed)


def answer_embed(answer: Answer, title: str | None = None) -> discord.Embed:
    """A card for glossary / model / hardware / tool / error / compare / choose_gpu / cost answers."""
    if answer.estimate is not None:  # what came from the conversation or the asker's rig goes first
        note = "\n".join(answer.context_notes) or None
        return estimate_embed(answer.estimate, note)
    first = answer.matches[0].title if answer.matches else None
    embed = discord.Embed(
        title=title or first or answer.intent.replace("_", " ").title(), description=answer.text, colour=discord.Colour.blurple()
    )
    if answer.intent == "error":
        embed.colour = discord.Colour.red()
    if len(answer.matches) > 1 and answer.intent in {"error", "glossary"}:
        embed.add_field(name="Related", value=", ".join(m.title for m in answer.matches[1:4]), inline=False)
    embed.set_footer(text=f"{answer.intent.replace('_', ' ')} · confidence {answer.confidence:.0%}")
    return finalize(embed)


def error_message_embed(message: str) -> discord.Embed:
    return finalize(discord.Embed(description=message, colour=discord.Colour.red()))


KIND_COLOUR = {
    "model": discord.Colour.blue(),
    "hardware": discord.Colour.teal(),
    "tool": discord.Colour.purple(),
    "glossary": discord.Colour.blurple(),
    "error": discord.Colour.red(),
}


def card_embed(kb, entry) -> discord.Embed:
    """A catalog entry as an embed (model, GPU, tool, glossary term or error)."""
    from answers.cards import card_text

    text = card_text(kb, entry)
    head, _, rest = text.partition("\n")
    embed = discord.Embed(
        title=entry.title,
        description=head if entry.kind != "glossary" else text.split("\n")[0],
        colour=KIND_COLOUR.get(entry.kind, discord.Colour.blurple()),
    )
    if entry.kind == "glossary":
        embed.description = entry.short
        embed.add_field(name="In depth", value=entry.body, inline=False)
        embed.add_field(name="Example", value=entry.example, inline=False)
        if entry.in_tools:
            embed.add_field(name="In your tools", value="\n".join(f"• {t}" for t in entry.in_tools[:5]), inline=False)
    elif entry.kind == "error":
        embed.description = entry.summary
        embed.add_field(name="Signatures", value="\n".join(f"`{s[:120]}`" for s in entry.signatures[:4]), inline=False)
        embed.add_field(name="Likely causes", value="\n".join(f"• {c}" for c in entry.causes[:4]), inline=False)
        for i, fix in enumerate(entry.fixes[:4], 1):
            commands = "\n".join(f"{where}: `{cmd[:200]}`" for where, cmd in list(fix.commands.items())[:3])
            embed.add_field(name=f"{i}. {fix.title}", value=((fix.detail or "") + "\n" + commands).strip() or "\u200b", inline=False)
    elif rest:
        embed.add_field(name="Details", value=rest, inline=False)
    if entry.sources:
        embed.set_footer(text="Source: " + entry.sources[0])
    return finalize(embed)


def measured_embed(result: EstimateResult) -> discord.Embed:
    embed = discord.Embed(
        title=f"Measured: {result.model_ref['name']} on {hardware_label(result.hardware_refs)}", colour=discord.Colour.blue()
    )
    if not result.measured:
        embed.description = (
            "No public measurement of this model on this hardware in the catalog yet; the speed shown is the calibrated estimate."
        )
    else:
        embed.description = "\n".join(
            f"{r.test} **{fmt_tps(r.tokens_per_s)}** tok/s · {r.quant} · {r.runtime} {r.backend or ''} · {r.match} · "
            f"{source_link(r.source)}"
            for r in result.measured[:10]
        )
    return finalize(embed)


def text_embed(title: str, text: str, colour: discord.Colour | None = None) -> discord.Embed:
    return finalize(discord.Embed(title=title, description=text, colour=colour or discord.Colour.blurple()))


def training_embed(result: TrainingResult) -> discord.Embed:
    """Fine-tuning memory: verdict, the terms that add up to the peak, what was assumed, what to change."""
    data = result.to_json()
    m = data["memory"]
    hw = hardware_label(result.hardware_refs)
    embed = discord.Embed(
        title=f"{data['method'].upper() if data['method'] != 'full' else 'Full fine-tune'} of {result.model_ref['name']} on {hw}",
        description=f"{FIT_EMOJI[data['fit']]} **{FIT_LABEL[data['fit']]}** - {data['explanation']}",
        colour=FIT_COLOUR[data["fit"]],
    )
    terms = [
        ("weights", m["weights_gb"]),
        ("adapters", m["adapters_gb"]),
        ("gradients", m["gradients_gb"]),
        ("optimizer", m["optimizer_gb"]),
        ("activations", m["activations_gb"]),
        ("logits", m["logits_gb"]),
        ("overhead", m["overhead_gb"]),
    ]
    lines = [f"{name}: {value:.1f} GB" for name, value in terms if value >= 0.05]
    per = " per GPU" if data["per_gpu"] else ""
    embed.add_field(name=f"Memory{per}: {m['total_gb']:.1f} / {m['available_gb']:.1f} GB", value="\n".join(lines), inline=False)
    embed.add_field(name="Assumed", value="\n".join(data["assumptions"]), inline=False)
    if data["suggestions"]:
        embed.add_field(name="What to change", value="\n".join(f"• {s}" for s in data["suggestions"][:5]), inline=False)
    embed.set_footer(
        text=f"{data['trainer']} · batch {data['batch_size']} x {data['seq_len']:,} tokens · {data['precision']} · {data['optimizer']}"
    )
    return finalize(embed)


def rig_embed(rig: Rig, title: str) -> discord.Embed:
    embed = discord.Embed(title=title, description="\n".join(rig.describe()), colour=discord.Colour.teal())
    embed.set_footer(text="Used when you ask without naming hardware · /rig clear deletes it")
    return finalize(embed)


def submission_embed(title: str, lines: list[str], colour: discord.Colour | None = None) -> discord.Embed:
    return finalize(discord.Embed(title=title, description="\n".join(lines), colour=colour or discord.Colour.blurple()))
