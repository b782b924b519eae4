"""Why an estimate came out as it did, and what to change: plain sentences built from the numbers."""

from __future__ import annotations

from dataclasses import dataclass

from estimator.estimate import Estimate, EstimateInputError, estimate
from estimator.quants import COMMON_GGUF
from estimator.solvers import FITS_ON_GPU, best_quant, max_context
from estimator.units import GB


def gb(n: float) -> str:
    value = n / GB
    return f"{value:.1f} GB" if value < 100 else f"{value:.0f} GB"


@dataclass
class Advice:
    explanation: str
    suggestions: list[str]


def _hardware_label(est: Estimate) -> str:
    gpus = est.request.system.gpus
    if not gpus:
        return "system RAM"
    names = [d.name for d in gpus]
    if len(set(names)) == 1 and len(names) > 1:
        return f"{len(names)}x {names[0]}"
    return " + ".join(names)


def explain(est: Estimate) -> str:
    m = est.memory
    parts = [f"weights {gb(m.weights)}", f"KV cache {gb(m.kv_cache)} ({est.context:,} tokens, {est.request.kv_cache})"]
    parts.append(f"buffers {gb(m.compute_buffer)}")
    if m.overhead > 0.05 * GB:
        parts.append(f"runtime overhead {gb(m.overhead)}")
    needed = f"needs {gb(m.total)} ({', '.join(parts)})"
    where = _hardware_label(est)
    biggest = max((("weights", m.weights), ("KV cache", m.kv_cache), ("compute buffer", m.compute_buffer)), key=lambda x: x[1])
    if est.fit == "wont_run":
        if est.reasons:
            return " ".join(est.reasons)
        total_avail = m.available + (m.ram_available if est.request.system.gpus and not est.request.system.unified else 0)
        return (
            f"{est.request.model.name} at {est.quant.name} {needed}, but {where} plus RAM offer about "
            f"{gb(total_avail)} usable. The largest term is the {biggest[0]} ({gb(biggest[1])})."
        )
    if est.fit in FITS_ON_GPU:
        free = m.available - m.gpu_used
        text = f"Fits entirely on {where}: {needed} of {gb(m.available)} usable, {gb(free)} to spare."
        if est.fit == "tight":
            text += " That margin is thin: a desktop session, a longer chat or another app can push it out of memory."
        return text
    if est.fit == "offload":
        return (
            f"It {needed}, more than the {gb(m.available)} usable on {where}. "
            f"{est.gpu_layers} of {est.total_layers} layers fit on the GPU; the rest run from system RAM, whose "
            f"bandwidth sets the speed. The largest term is the {biggest[0]} ({gb(biggest[1])})."
        )
    ram_note = " (assumed RAM: pass your RAM size)" if est.request.system.ram_assumed else ""
    if est.request.system.gpus:
        return f"Not even one layer fits in the {gb(m.available)} usable on {where}, so it runs from system RAM{ram_note}: it {needed}."
    return f"It runs from system RAM{ram_note}: it {needed} of {gb(m.ram_available)} usable."


def suggestions(est: Estimate) -> list[str]:
    """What to change, most useful first. Each suggestion is itself estimated."""
    req = est.request
    if est.fit == "wont_run" and est.deciding_term == "runtime":
        return _other_runtime(est)
    if est.fit not in FITS_ON_GPU and req.system.gpus:
        return _make_it_fit(est)
    if est.fit in FITS_ON_GPU:
        return _use_the_room(est)
    if est.fit == "cpu_only" and not req.system.gpus:
        return _cpu_quality(est)
    return []


def _other_runtime(est: Estimate) -> list[str]:
    """The runtime cannot load this format or drive this hardware: the first one that can."""
    req = est.request
    for runtime in ("llama.cpp", "mlx-lm"):
        if runtime == req.runtime:
            continue
        try:
            alt = estimate(req.model_copy(update={"runtime": runtime, "quant": "Q4_K_M" if runtime == "llama.cpp" else "MLX 4bit"}))
        except EstimateInputError:
            continue
        if alt.fit != "wont_run":
            return [f"Use {alt.runtime.name} instead ({alt.quant.name}: {alt.fit.replace('_', ' ')})."]
    return []


def _make_it_fit(est: Estimate) -> list[str]:
    """Offload or won't run on a GPU machine: a smaller quant, a quantized KV cache, a shorter context, experts in
    RAM, or the -ngl value for the split."""
    req = est.request
    out: list[str] = []
    best = best_quant(req) if est.quant.is_gguf else None
    if best is not None and best.quant.name != est.quant.name:
        out.append(f"Use {best.quant.name} ({gb(best.memory.weights)} of weights): fits fully on the GPU at {best.context:,} tokens.")
    if est.memory.kv_cache > 0.15 * est.memory.total and req.kv_cache == "f16" and est.quant.is_gguf:
        q8 = estimate(req.model_copy(update={"kv_cache": "q8_0"}))
        if q8.fit in FITS_ON_GPU:
            out.append("Quantize the KV cache to q8_0 (llama.cpp: -ctk q8_0 -ctv q8_0 -fa on): then it fits fully on the GPU.")
    longest = max_context(req)
    if longest and longest < est.context:
        out.append(f"Lower the context to {longest:,} tokens or less to keep everything on the GPU.")
    if req.model.arch.moe and not req.cpu_moe:
        moe = estimate(req.model_copy(update={"cpu_moe": True}))
        if moe.fit != "wont_run" and moe.decode_tps and (est.decode_tps is None or moe.decode_tps > est.decode_tps):
            out.append(
                f"Keep the experts of {moe.expert_layers_in_ram} layers in RAM and everything else on the GPU "
                f"(llama.cpp --n-cpu-moe {moe.expert_layers_in_ram}): about {moe.decode_tps:.0f} tok/s."
            )
    if est.fit == "offload" and est.quant.is_gguf:
        out.append(f"In llama.cpp use -ngl {est.gpu_layers} (Ollama: num_gpu {est.gpu_layers}) so the rest stays in RAM.")
    return out


def _use_the_room(est: Estimate) -> list[str]:
    """Fits on the GPU: how much longer the context may be, and a better quant that also fits."""
    out: list[str] = []
    longest = max_context(est.request)
    if longest and longest > est.context:
        out.append(f"Context can go up to about {longest:,} tokens before it spills out of GPU memory.")
    better = _better_quant(est)
    if better:
        out.append(better)
    return out


def _cpu_quality(est: Estimate) -> list[str]:
    best = best_quant(est.request, accept={"cpu_only"})
    if best is not None and best.quant.name != est.quant.name:
        return [f"Higher quality also fits in RAM ({best.quant.name}), at a cost: on a CPU, tok/s falls in proportion to the file size."]
    return []


def _better_quant(est: Estimate) -> str | None:
    if not est.quant.is_gguf or est.quant.name not in COMMON_GGUF:
        return None
    index = COMMON_GGUF.index(est.quant.name)
    if index == 0:
        return None
    best = best_quant(est.request, COMMON_GGUF[:index])
    if best is None:
        return None
    return f"There is room for a higher-quality quant: {best.quant.name} also fits ({best.fit.replace('_', ' ')})."


def advise(est: Estimate) -> Advice:
    return Advice(explain(est), suggestions(est))
