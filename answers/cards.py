"""Text cards for catalog entries (models, hardware, tools, glossary, errors) and small parsers."""

from __future__ import annotations

import re

from answers.knowledge_base import KnowledgeBase
from answers.log_context import LogContext
from estimator.quants import parse_quant
from estimator.weights import compute_weights
from knowledge.schema import ErrorEntry, GlossaryTerm, Hardware, Model, Tool


def card_text(kb: KnowledgeBase, entry) -> str:
    if isinstance(entry, Model):
        return model_text(entry)
    if isinstance(entry, Hardware):
        return hardware_text(entry)
    if isinstance(entry, Tool):
        return tool_text(entry)
    if isinstance(entry, GlossaryTerm):
        return glossary_text(entry)
    if isinstance(entry, ErrorEntry):
        return error_text(entry)
    return str(entry)


def model_file_sizes(model: Model, quants: tuple[str, ...] = ("Q4_K_M", "Q8_0", "F16")) -> dict[str, float]:
    return {q: compute_weights(model.architecture, parse_quant(q), model.params_b).file_bytes / 1e9 for q in quants}


def model_text(model: Model) -> str:
    a = model.architecture
    size = f"{model.params_b:g}B parameters"
    if model.active_params_b:
        size += f" ({model.active_params_b:g}B active per token, {a.moe.experts if a.moe else '?'} experts)"
    sizes = ", ".join(f"{q} {gb:.1f} GB" for q, gb in model_file_sizes(model).items())
    attention = f"{a.heads} heads / {a.kv_heads} KV heads"
    if a.mla:
        attention = f"MLA (latent {a.mla.kv_lora_rank})"
    lines = [
        f"{model.name} - {model.developer}, {size}, {model.license}.",
        f"Architecture: {a.layers} layers, hidden {a.hidden}, {attention}, vocab {a.vocab:,}, "
        f"trained context {a.max_context:,} tokens" + (f", sliding window {a.sliding_window}" if a.sliding_window else "") + ".",
        f"Weights: {sizes}.",
    ]
    if model.ollama_tags:
        lines.append(f"Ollama: `ollama run {model.ollama_tags[0]}`")
    if model.hf_repo:
        lines.append(f"Hugging Face: {model.hf_repo}")
    if model.notes:
        lines.append(model.notes)
    return "\n".join(lines)


def hardware_text(hw: Hardware) -> str:
    compute = f", {hw.fp16_tflops:g} FP16 TFLOPS" if hw.fp16_tflops else ""
    kind = {"gpu": "GPU", "unified": "unified memory", "cpu": "CPU platform"}[hw.device]
    lines = [
        f"{hw.name} ({kind}): {hw.memory_gb:g} GB {hw.memory_type}, {hw.bandwidth_gbs:g} GB/s{compute}"
        + (f", {hw.tdp_w:g} W" if hw.tdp_w else "")
        + "."
    ]
    backends = []
    if hw.backends.cuda_cc:
        backends.append(f"CUDA (compute capability {hw.backends.cuda_cc})")
    if hw.backends.rocm:
        backends.append(f"ROCm {hw.backends.rocm}" + (f" ({hw.backends.gfx})" if hw.backends.gfx else ""))
    for flag, label in (("metal", "Metal"), ("vulkan", "Vulkan"), ("sycl", "SYCL")):
        if getattr(hw.backends, flag):
            backends.append(label)
    if backends:
        lines.append("Backends: " + ", ".join(backends) + ".")
    if hw.cpu:
        lines.append(cpu_line(hw))
    ceiling = hw.bandwidth_gbs / 4.9
    lines.append(f"Rough decode ceiling for an 8B model at Q4_K_M (4.9 GB): ~{ceiling:.0f} tok/s (bandwidth / file size).")
    if hw.launch_price:
        lines.append(f"Launch price ${hw.launch_price.usd:,.0f} ({hw.launch_price.date.year}).")
    if hw.used_price:
        lines.append(f"Typical used price ${hw.used_price.usd:,.0f} ({hw.used_price.date:%b %Y}).")
    if hw.notes:
        lines.append(hw.notes)
    return "\n".join(lines)


def cpu_line(hw: Hardware) -> str:
    """Cores, memory channels and rated speeds, vector extensions, iGPU and whether the RAM size is assumed."""
    cpu = hw.cpu
    assert cpu is not None
    simd = [name for name, on in (("AVX2", cpu.avx2), ("AVX-512", cpu.avx512)) if on] or ["no AVX"]
    bus = f"{cpu.memory_bus_bits}-bit memory bus" if cpu.memory_bus_bits else f"{cpu.memory_channels} memory channels"
    line = f"CPU: {cpu.cores} cores / {cpu.threads} threads, {bus} rated {', '.join(cpu.memory_types)}, {' + '.join(simd)}."
    if cpu.igpu:
        line += f" Integrated GPU: see {cpu.igpu}."
    if cpu.memory_typical:
        line += f" {hw.memory_gb:g} GB of RAM is an assumed build; give your own size for a precise answer."
    return line


def tool_text(tool: Tool) -> str:
    lines = [
        f"{tool.name}: {tool.summary}",
        f"Runs on {', '.join(tool.os)}; backends {', '.join(tool.backends)}; formats {', '.join(tool.formats)}.",
    ]
    for platform, command in list(tool.install.items())[:3]:
        lines.append(f"Install ({platform}): `{command}`")
    if tool.run:
        lines.append(f"Run: `{tool.run}`")
    if tool.limits:
        lines.append("Limits: " + "; ".join(tool.limits[:2]))
    return "\n".join(lines)


def glossary_text(term: GlossaryTerm) -> str:
    lines = [f"{term.term}: {term.short}", f"Example: {term.example}"]
    if term.in_tools:
        lines.append("In tools: " + "; ".join(term.in_tools[:3]))
    return "\n".join(lines)


def error_text(
    entry: ErrorEntry,
    line: str | None = None,
    also: list[ErrorEntry] | None = None,
    *,
    context: LogContext | None = None,
    tailored: list[str] | None = None,
    tailored_for: str | None = None,
    symptom: bool = False,
) -> str:
    """An error card. With a matched line, the log's context and estimator-backed advice when given."""
    lines = [f"{entry.title}: {entry.summary}"]
    if line:
        lines.append(f'You described: "{line[:200]}"' if symptom else f"Matched: `{line[:200]}`")
    read = context.describe() if context is not None else ""
    if read:
        lines.append(f"Read from your log: {read}")
    if entry.checks and (symptom or not entry.signatures):
        lines.append("Check, in this order:")
        for i, check in enumerate(entry.checks[:5], 1):
            lines.append(f"{i}. {check.title}")
            for where, command in _commands_for(check.commands, context)[:1]:
                lines.append(f"   {where}: `{command}`")
    else:
        lines.append("Most likely cause: " + entry.causes[0])
        if entry.confirm:
            lines.append("Confirm: " + entry.confirm[0])
    if tailored:
        lines.append(f"For your setup ({tailored_for or 'estimated'}):")
        lines.extend(f"- {t}" for t in tailored)
    if not (entry.checks and (symptom or not entry.signatures)):
        for i, fix in enumerate(entry.fixes[:3], 1):
            lines.append(f"{i}. {fix.title}")
            for where, command in _commands_for(fix.commands, context)[:2]:
                lines.append(f"   {where}: `{command}`")
    if also:
        lines.append("Also in the log: " + ", ".join(e.title for e in also))
    return "\n".join(lines)


def _commands_for(commands: dict[str, str], context: LogContext | None) -> list[tuple[str, str]]:
    """Commands for the runtime and OS the log shows first, then the rest in their written order."""
    items = list(commands.items())
    if context is None:
        return items
    wanted = [w for w in (context.runtime, context.os, "linux" if context.os == "wsl" else None) if w]
    return sorted(items, key=lambda kv: wanted.index(kv[0]) if kv[0] in wanted else len(wanted))


def error_answer_text(kb: KnowledgeBase, hits: list) -> str:
    """The answer to a pasted log: the root cause's card with what was read from the log and, when the log
    names the model and GPU, fixes computed for them."""
    from answers.error_advice import tailor

    top = hits[0]
    context = getattr(top, "context", None)
    tailored = None
    try:
        tailored = tailor(kb, top.entry, context)
    except Exception:
        tailored = None
    label = None
    if tailored is not None:
        where = tailored.hardware.name if tailored.hardware else "your GPU"
        label = f"estimated for {tailored.model.name if tailored.model else 'this model'} on {where}"
        if tailored.assumptions:
            label += "; assumed " + ", ".join(tailored.assumptions)
    also = [h.entry for h in hits[1:3]]
    return error_text(
        top.entry,
        top.line,
        also,
        context=context,
        tailored=tailored.lines if tailored else None,
        tailored_for=label,
        symptom=getattr(top, "kind", "signature") == "symptom",
    )


def _consumer_gpus_with(kb: KnowledgeBase, vram_gb: float) -> list[Hardware]:
    return [h for h in kb.catalog.hardware if h.device == "gpu" and h.memory_gb == vram_gb and h.segment == "desktop"]


def typical_bandwidth(kb: KnowledgeBase, vram_gb: float) -> float:
    """Median bandwidth of desktop GPUs sold with this much VRAM (for "a 16gb card")."""
    same = _consumer_gpus_with(kb, vram_gb)
    if same:
        return float(_median(h.bandwidth_gbs for h in same))
    return max(100.0, min(1000.0, 30.0 * vram_gb))


def typical_fp16(kb: KnowledgeBase, vram_gb: float) -> float | None:
    values = [h.fp16_tflops for h in _consumer_gpus_with(kb, vram_gb) if h.fp16_tflops]
    return float(_median(values)) if values else None


_MONEY = re.compile(
    r"(?:\$|usd\s?|eur\s?|€|£)\s?(\d[\d,]*(?:\.\d+)?)\s*(k)?|(\d[\d,]*(?:\.\d+)?)\s*(k)?\s*(?:usd|dollars|bucks|\$|eur|euros?)",
    re.I,
)


def parse_budget(text: str) -> float | None:
    match = _MONEY.search(text)
    if not match:
        return None
    value, k = (match.group(1), match.group(2)) if match.group(1) else (match.group(3), match.group(4))
    amount = float(value.replace(",", "")) * (1000 if k else 1)
    return amount if 50 <= amount <= 200_000 else None


_TOKENS = re.compile(r"(\d+(?:\.\d+)?)\s*(k|m|million|thousand)?\s*tokens?\s*(?:a|per|/)\s*day", re.I)


def parse_tokens_per_day(text: str) -> int | None:
    match = _TOKENS.search(text)
    if not match:
        return None
    scale = {"k": 1e3, "thousand": 1e3, "m": 1e6, "million": 1e6}.get((match.group(2) or "").lower(), 1)
    value = float(match.group(1)) * scale
    return int(value) if 0 < value <= 1e11 else None


def _median(values):
    import statistics  # here: the module costs more to import than the few medians it computes

    return statistics.median(values)
