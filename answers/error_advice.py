"""Tailor an error's fix to the setup a log describes: when the paste names the model and the GPU, ask the
estimator what fits on that GPU (layers to offload, the longest context, the best quant) and say it in the
runtime's own words (-ngl / num_gpu, -c / num_ctx, --max-model-len)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from answers.estimates import EstimateQuery, InputError, run_estimate
from answers.knowledge_base import KnowledgeBase
from answers.log_context import LogContext, model_name_from_file
from estimator.estimate import EstimateInputError
from estimator.runtimes import RUNTIMES
from estimator.solvers import best_quant, max_context
from knowledge.schema import ErrorEntry, Hardware, Model

_SIZE_B = re.compile(r"(\d+(?:\.\d+)?)\s*b\b", re.IGNORECASE)
_VENDOR_WORDS = re.compile(r"\b(?:NVIDIA|GeForce|AMD|Intel\(R\)|\(TM\)|Graphics|Laptop GPU|GPU)\b", re.IGNORECASE)
_GGUF_RUNTIMES = {"llama.cpp", "ollama", "lm-studio", "koboldcpp", "llamafile", "llama-cpp-python", "jan"}
# Ollama's default context when the log does not say (num_ctx 2048 before 0.6, 4096 from 0.6 on)
OLLAMA_DEFAULT_CTX = 4096


@dataclass
class Tailored:
    """Estimator-backed advice for one paste: the lines to show and what they were computed for."""

    lines: list[str] = field(default_factory=list)
    model: Model | None = None
    hardware: Hardware | None = None
    assumptions: list[str] = field(default_factory=list)


def resolve_model(kb: KnowledgeBase, ctx: LogContext) -> Model | None:
    """The catalog model the log names, only when the name is unambiguous and its size agrees."""
    names = [n for n in (ctx.model, model_name_from_file(ctx.model_file) if ctx.model_file else None) if n]
    for raw in names:
        text = raw.split("/")[-1] if "/" in raw and ":" not in raw else raw
        text = text.replace("registry.ollama.ai/library/", "")
        hits = kb.names.lookup(text, "model", limit=3)
        if not hits:
            continue
        best = hits[0]
        size = _SIZE_B.search(text.replace(":", " ").replace("-", " "))
        model = kb.catalog.model(best.id)
        if model is None:
            continue
        if size:
            wanted = float(size.group(1))
            if abs(model.params_b - wanted) > 0.15 * wanted + 0.3:
                continue
            if best.score >= 0.85:
                return model
        elif best.score == 1.0 and (len(hits) == 1 or hits[1].score < 1.0):
            return model
    return None


def resolve_gpu(kb: KnowledgeBase, ctx: LogContext) -> Hardware | None:
    """The catalog GPU the log names; the memory it reported picks between variants (RTX 3060 8 GB / 12 GB)."""
    if not ctx.gpus:
        return None
    raw = ctx.gpus[0]
    text = re.sub(r"\s+", " ", _VENDOR_WORDS.sub(" ", raw)).strip(" -,")
    hits = kb.names.lookup(text, "hardware", limit=6) or kb.names.lookup(raw, "hardware", limit=6)
    if not hits:
        return None
    wanted_words = _variant_words(raw)
    candidates: list[Hardware] = []
    for hit in hits:
        hw = kb.catalog.hardware_by_id(hit.id)
        if hw is None or hit.score < 0.8:
            continue
        if _variant_words(hw.name) - {"laptop", "mobile"} != wanted_words - {"laptop", "mobile"}:
            continue
        candidates.append(hw)
    if not candidates:
        return None
    if ctx.gpu_total_gb:
        gib = ctx.gpu_total_gb / 1.073741824
        return min(candidates, key=lambda h: abs(h.memory_gb - gib))
    return candidates[0]


_VARIANTS = ("ti", "super", "xt", "xtx", "max", "pro", "ultra", "laptop", "mobile")


def _variant_words(name: str) -> set[str]:
    return {w for w in _VARIANTS if re.search(rf"\b{w}\b", name, re.IGNORECASE)}


def _runtime(ctx: LogContext) -> str:
    runtime = ctx.runtime or "llama.cpp"
    if runtime == "llama-cpp-python":
        return "llama.cpp"
    return runtime if runtime in RUNTIMES else "llama.cpp"


def tailor(kb: KnowledgeBase, entry: ErrorEntry, ctx: LogContext | None) -> Tailored | None:
    """Advice computed for this model on this GPU, or None when the log does not name both (or the entry has
    no estimator-backed fix)."""
    if ctx is None or not entry.advice:
        return None
    model = resolve_model(kb, ctx)
    hardware = resolve_gpu(kb, ctx)
    if model is None or (hardware is None and not ctx.gpu_total_gb):
        return None
    runtime = _runtime(ctx)
    result = Tailored(model=model, hardware=hardware)
    quant = ctx.quant if runtime in _GGUF_RUNTIMES else None
    context = ctx.context_size
    if context is None:
        context = OLLAMA_DEFAULT_CTX if runtime == "ollama" else 4096
        result.assumptions.append(f"context {context:,} (not in the log)")
    query = EstimateQuery(model=model.id, quant=quant, context=context, runtime=runtime)
    if hardware is not None:
        query.hardware = [hardware.id]
        same = [g for g in ctx.gpus if g == ctx.gpus[0]]
        if len(same) > 1 and len(same) == len(ctx.gpus):
            query.gpus = len(same)
    else:
        query.vram_gb = round(ctx.gpu_total_gb / 1.073741824, 1)  # type: ignore[operator]
        query.bandwidth_gbs = 300.0
        result.assumptions.append(f"a {query.vram_gb:g} GB GPU (not in the catalog by name)")
    try:
        estimate = run_estimate(kb, query).estimate
    except (InputError, EstimateInputError):
        return None
    request = estimate.request
    words = _Words(runtime)
    on_gpu = {"runs_well", "tight"}
    if "gpu_layers" in entry.advice and request.system.gpus:
        if estimate.fit == "offload":
            result.lines.append(
                f"{estimate.gpu_layers} of {estimate.total_layers} layers fit on the GPU at {estimate.context:,} tokens: "
                f"{words.layers(estimate.gpu_layers)} (the rest run from system RAM, slower)."
            )
        elif estimate.fit in on_gpu and ctx.layers_total and (ctx.layers_offloaded or 0) < ctx.layers_total:
            result.lines.append(f"All {estimate.total_layers} layers should fit at {estimate.context:,} tokens: {words.layers(999)}.")
    if "context" in entry.advice and request.system.gpus:
        longest = max_context(request)
        if longest and longest < estimate.context:
            result.lines.append(f"Everything stays on the GPU up to about {longest:,} tokens of context: {words.context(longest)}.")
        elif longest is None:
            result.lines.append("Even a short context does not fit fully on the GPU at this quant.")
    if "kv_cache" in entry.advice and estimate.fit not in on_gpu and runtime in _GGUF_RUNTIMES:
        from estimator.estimate import estimate as run

        q8 = run(request.model_copy(update={"kv_cache": "q8_0"}))
        if q8.fit in on_gpu:
            result.lines.append(f"A q8_0 KV cache makes it fit: {words.kv_q8()}.")
    if "quant" in entry.advice and request.system.gpus and estimate.quant.is_gguf and estimate.fit not in on_gpu:
        best = best_quant(request)
        if best is not None and best.quant.name != estimate.quant.name:
            weights = best.memory.weights / 1e9
            result.lines.append(f"{best.quant.name} fits fully on the GPU at {best.context:,} tokens ({weights:.1f} GB of weights).")
        elif best is None:
            result.lines.append(f"No common quant of {model.name} fits this GPU at {estimate.context:,} tokens: use a smaller model.")
    return result if result.lines else None


class _Words:
    """The runtime's own words for a setting."""

    def __init__(self, runtime: str):
        self.runtime = runtime

    def layers(self, n: int) -> str:
        if self.runtime == "ollama":
            return f"set num_gpu {n} (`/set parameter num_gpu {n}`, or `PARAMETER num_gpu {n}` in a Modelfile)"
        if self.runtime == "lm-studio":
            return f"set GPU Offload to {n} layers"
        if self.runtime == "koboldcpp":
            return f"use --gpulayers {n}"
        return f"use -ngl {n}"

    def context(self, n: int) -> str:
        if self.runtime == "ollama":
            return f"set num_ctx {n} (`/set parameter num_ctx {n}`, or OLLAMA_CONTEXT_LENGTH={n})"
        if self.runtime == "lm-studio":
            return f"set Context Length to {n}"
        if self.runtime == "koboldcpp":
            return f"use --contextsize {n}"
        if self.runtime in {"vllm", "sglang"}:
            return f"use --max-model-len {n}"
        return f"use -c {n}"

    def kv_q8(self) -> str:
        if self.runtime == "ollama":
            return "OLLAMA_FLASH_ATTENTION=1 OLLAMA_KV_CACHE_TYPE=q8_0"
        return "-fa on -ctk q8_0 -ctv q8_0"
