"""Estimate service: resolve names against the catalog, run the estimator, attach evidence, and
produce the stable JSON contract shared by `runlocalai estimate`, `ask` and the bot."""

from __future__ import annotations

import json
import math
import threading
from collections import OrderedDict
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from answers.defaults import DEFAULT_GEN_TOKENS, DEFAULT_KV_CACHE, DEFAULT_PROMPT_TOKENS, DEFAULT_RUNTIME
from answers.knowledge_base import KnowledgeBase
from answers.lookup import resolve_hardware, resolve_model
from answers.user_errors import InputError
from answers.values import check_amount, check_context, parse_quant_text
from estimator.advice import Advice, advise
from estimator.architecture import ModelArch
from estimator.estimate import Estimate, EstimateInputError, EstimateRequest, ModelSpec, estimate
from estimator.hardware import Device, System
from estimator.quants import UnknownQuantError
from estimator.runtimes import LLAMA_CPP_FAMILY, UnknownRuntimeError, get_runtime
from estimator.units import GB
from knowledge.devices import DEFAULT_RAM_BANDWIDTH_GBS, DEFAULT_RAM_GIB, model_spec, system_from_hardware
from knowledge.schema import Benchmark, Model

MAX_GPUS = 16


@dataclass
class EstimateQuery:
    model: str | None = None
    model_config: Path | dict[str, Any] | None = None
    gguf_path: Path | None = None
    hardware: list[str] = field(default_factory=list)
    gpus: int | None = None
    vram_gb: float | None = None
    bandwidth_gbs: float | None = None
    fp16_tflops: float | None = None
    unified_memory: bool = False
    ram_gb: float | None = None
    ram_bandwidth_gbs: float | None = None
    quant: str | None = None
    context: int | None = None
    prompt_tokens: int = DEFAULT_PROMPT_TOKENS
    gen_tokens: int = DEFAULT_GEN_TOKENS
    runtime: str = DEFAULT_RUNTIME
    kv_cache: str = DEFAULT_KV_CACHE
    flash_attention: bool | None = None
    gpu_layers: int | None = None
    cpu_moe: bool = False
    wired_limit_gb: float | None = None
    vision: bool = False
    # A model resolved elsewhere, e.g. answers.hub.HubModel.spec (pass quant=HubModel.default_quant with it).
    model_spec: ModelSpec | None = None


@dataclass
class EstimateResult:
    estimate: Estimate
    advice: Advice
    model_ref: dict[str, str]
    hardware_refs: list[dict[str, str]]
    evidence: str
    measured: list[MeasuredRow]

    def to_json(self) -> dict[str, Any]:
        return contract_json(self)


# ------------------------------------------------------------------------------------------------
# Resolution
# ------------------------------------------------------------------------------------------------
def _model_from_config(source: Path | dict[str, Any]) -> ModelSpec:
    try:
        if isinstance(source, dict):
            config, label = source, "config.json"
        else:
            config, label = json.loads(Path(source).read_text(encoding="utf-8")), Path(source).name
        arch = ModelArch.from_hf_config(config)
    except FileNotFoundError as exc:
        raise InputError(f"No such file: {source}") from exc
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise InputError(f"{source} is not a JSON file: {exc}") from exc
    except (KeyError, TypeError, ValueError, ValidationError) as exc:
        raise InputError(f"{source} does not look like a Hugging Face config.json (missing or invalid: {exc}).") from exc
    name = str(config.get("_name_or_path") or config.get("model_type") or label)
    return ModelSpec(id=f"config:{name}", name=name, arch=arch, params_b=None)


def _model_from_gguf(path: Path) -> tuple[ModelSpec, str]:
    from estimator.gguf_file import GGUFReadError, read_gguf

    try:
        model = read_gguf(path)
    except GGUFReadError as exc:
        raise InputError(str(exc)) from exc
    spec = ModelSpec(
        id=f"gguf:{Path(path).name}", name=model.name, arch=model.arch, params_b=model.weights.params / 1e9, weights=model.weights
    )
    return spec, model.quant_label


def _custom_device(q: EstimateQuery) -> Device:
    missing = [flag for flag, value in (("--vram-gb", q.vram_gb), ("--bandwidth-gbs", q.bandwidth_gbs)) if value is None]
    if missing:
        raise InputError(f"Custom hardware needs {' and '.join(missing)} (and ideally --fp16-tflops).")
    try:
        return Device(
            id="custom",
            name=f"Custom {'unified' if q.unified_memory else 'GPU'} {q.vram_gb:g} GB",
            kind="unified" if q.unified_memory else "gpu",
            family="apple" if q.unified_memory else "generic",
            memory_gib=q.vram_gb,
            bandwidth_gbs=q.bandwidth_gbs,
            fp16_tflops=q.fp16_tflops,
            fp32_tflops=(q.fp16_tflops / 2) if q.fp16_tflops else None,
            backend="metal" if q.unified_memory else "cuda",
        )
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
        raise InputError(f"Impossible hardware numbers ({problems}). VRAM is in GB (e.g. 24), bandwidth in GB/s (e.g. 936).") from exc


def build_system(kb: KnowledgeBase, q: EstimateQuery) -> tuple[System, list[dict[str, str]]]:
    if q.gpus is not None and not 1 <= q.gpus <= MAX_GPUS:
        raise InputError(f"--gpus must be between 1 and {MAX_GPUS}.")
    for label, value in (
        ("VRAM", q.vram_gb),
        ("memory bandwidth", q.bandwidth_gbs),
        ("FP16 TFLOPS", q.fp16_tflops),
        ("RAM", q.ram_gb),
        ("RAM bandwidth", q.ram_bandwidth_gbs),
        ("Apple wired limit", q.wired_limit_gb),
    ):
        check_amount(label, value)
    custom = q.vram_gb is not None or q.bandwidth_gbs is not None
    if custom and q.hardware:
        raise InputError("Give either --hardware or custom --vram-gb/--bandwidth-gbs, not both.")
    try:
        if custom:
            device = _custom_device(q)
            count = q.gpus or 1
            system = System(
                gpus=[device] * count if device.kind == "gpu" else [device],
                ram_gib=q.ram_gb if q.ram_gb is not None else (device.memory_gib if device.kind == "unified" else DEFAULT_RAM_GIB),
                ram_bandwidth_gbs=q.ram_bandwidth_gbs or (device.bandwidth_gbs if device.kind == "unified" else DEFAULT_RAM_BANDWIDTH_GBS),
                ram_assumed=q.ram_gb is None and device.kind != "unified",
                wired_limit_gib=q.wired_limit_gb,
            )
            return system, [{"id": device.id, "name": device.name}] * len(system.gpus)
        entries = [resolve_hardware(kb, h) for h in q.hardware]
        if q.gpus is not None:
            if len(entries) != 1:
                raise InputError("--gpus N repeats one --hardware; name a single GPU with it.")
            if entries[0].device != "gpu" and q.gpus > 1:
                raise InputError(f"{entries[0].name} is not a discrete GPU; --gpus applies to GPUs only.")
            entries = entries * q.gpus
        if sum(1 for e in entries if e.device != "gpu") > 1 or (any(e.device == "unified" for e in entries) and len(entries) > 1):
            raise InputError("Combine discrete GPUs only: a Mac or a CPU platform stands alone.")
        system = system_from_hardware(entries, q.ram_gb, q.ram_bandwidth_gbs, q.wired_limit_gb)
    except ValidationError as exc:
        raise InputError(f"Invalid hardware combination: {exc.errors()[0]['msg']}") from exc
    return system, [{"id": e.id, "name": e.name} for e in entries]


def default_quant(runtime: str) -> str:
    engine = get_runtime(runtime).engine
    return {"mlx": "MLX 4bit", "vllm": "AWQ", "exllama": "EXL2 4.65bpw", "transformers": "BF16"}.get(engine, "Q4_K_M")


# ------------------------------------------------------------------------------------------------
# Evidence
# ------------------------------------------------------------------------------------------------
def _same_hardware(kb: KnowledgeBase, bench: Benchmark, hardware_ids: list[str]) -> bool:
    if bench.hardware in hardware_ids:
        return True
    chips = {h.chip for h in (kb.catalog.hardware_by_id(i) for i in hardware_ids) if h and h.chip}
    return bench.hardware in chips


def _near_model(a: Model | None, b: Model | None) -> bool:
    if a is None or b is None:
        return False
    x, y = a.architecture, b.architecture
    return (x.layers, x.hidden, x.kv_heads, x.moe is None) == (y.layers, y.hidden, y.kv_heads, y.moe is None) and abs(
        a.params_b - b.params_b
    ) / a.params_b < 0.1


MATCH_LABELS = ("same setup", "other quant", "similar model")


@dataclass(frozen=True)
class MeasuredRow:
    """A published measurement shown beside an estimate."""

    model: str
    hardware: str
    quant: str
    runtime: str
    backend: str | None
    test: str
    tokens_per_s: float
    match: str  # same setup | other quant | similar model
    source: str
    context: int | None = None
    model_name: str = ""

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def _test_tokens(test: str) -> tuple[int, int]:
    """(kind order, tokens): generation first, then prompt processing; 'pp512' -> (1, 512)."""
    head = test.split("+")[0]
    return (0 if head.startswith("tg") else 1), int(head[2:] or 0)


def _relevance(rank: int, bench: Benchmark, prompt_tokens: int, gen_tokens: int, context: int | None) -> tuple:
    kind, tokens = _test_tokens(bench.test)
    wanted = gen_tokens if kind == 0 else prompt_tokens
    size_gap = abs(math.log2(max(tokens, 1) / max(wanted, 1)))
    depth_gap = abs(math.log2(max(bench.context or 1, 1) / max(context or 1, 1))) if bench.context and context else 0.0
    return (rank, kind, round(size_gap + 0.5 * depth_gap, 2), -bench.tokens_per_s)


def find_measurements(
    kb: KnowledgeBase,
    model_id: str,
    hardware_ids: list[str],
    quant: str,
    gpus: int,
    prompt_tokens: int = 512,
    gen_tokens: int = 128,
    context: int | None = None,
) -> tuple[str, list[MeasuredRow]]:
    """Measured rows for this model/hardware, most relevant first: the same setup before other quants and
    similar models, generation speed before prompt speed, the test sizes closest to the question first."""
    if not hardware_ids or len(set(hardware_ids)) != 1:
        return "estimated", []
    model = kb.catalog.model(model_id)
    rows: list[tuple[int, Benchmark]] = []
    for bench in kb.catalog.benchmarks:
        if bench.gpus != gpus or not _same_hardware(kb, bench, hardware_ids):
            continue
        if bench.model == model_id:
            rows.append((0 if bench.quant.upper() == quant.upper() else 1, bench))
        elif _near_model(model, kb.catalog.model(bench.model)) and bench.quant.upper() == quant.upper():
            rows.append((2, bench))
    rows.sort(key=lambda r: _relevance(r[0], r[1], prompt_tokens, gen_tokens, context))
    measured = [
        MeasuredRow(
            b.model,
            b.hardware,
            b.quant,
            b.runtime,
            b.backend,
            b.test,
            b.tokens_per_s,
            MATCH_LABELS[rank],
            b.source,
            b.context,
            kb.names.title("model", b.model),
        )
        for rank, b in rows[:8]
    ]
    evidence = "measured" if any(rank == 0 for rank, _ in rows) else "estimated"
    return evidence, measured


# ------------------------------------------------------------------------------------------------
# Run
# ------------------------------------------------------------------------------------------------
_CACHE_SIZE = 1024
_cache: OrderedDict[tuple, EstimateResult] = OrderedDict()
_cache_lock = threading.Lock()


def run_estimate(kb: KnowledgeBase, q: EstimateQuery) -> EstimateResult:
    """Estimate with advice and evidence. Results are cached per catalog version and query (popular questions
    repeat; an estimate with its advice takes tens of milliseconds)."""
    if q.model_config is not None or q.gguf_path is not None or q.model_spec is not None:
        return _run_estimate(kb, q)
    key = (kb.catalog.fingerprint, id(kb), repr(q))
    with _cache_lock:
        hit = _cache.get(key)
        if hit is not None:
            _cache.move_to_end(key)
            return hit
    result = _run_estimate(kb, q)
    with _cache_lock:
        _cache[key] = result
        while len(_cache) > _CACHE_SIZE:
            _cache.popitem(last=False)
    return result


def _run_estimate(kb: KnowledgeBase, q: EstimateQuery) -> EstimateResult:
    if sum(x is not None for x in (q.model, q.model_config, q.gguf_path, q.model_spec)) != 1:
        raise InputError("Name a model (--model), or give a config.json (--model-config) or a GGUF file (--gguf): exactly one.")
    if q.gguf_path is not None:
        spec, file_quant = _model_from_gguf(q.gguf_path)
        if q.quant is None:
            q = replace(q, quant=file_quant)
        model_ref = {"id": spec.id, "name": spec.name}
    elif q.model_config is not None:
        spec = _model_from_config(q.model_config)
        model_ref = {"id": spec.id, "name": spec.name}
    elif q.model_spec is not None:
        spec = q.model_spec
        model_ref = {"id": spec.id, "name": spec.name}
    else:
        entry = resolve_model(kb, q.model or "")
        spec = model_spec(entry)
        model_ref = {"id": entry.id, "name": entry.name}
    if not q.hardware and q.vram_gb is None and q.bandwidth_gbs is None and q.ram_gb is None:
        raise InputError("Name the hardware (--hardware), or give --vram-gb and --bandwidth-gbs, or --ram-gb for CPU only.")
    system, hardware_refs = build_system(kb, q)
    try:
        if q.context is not None:
            check_context(q.context)
        quant = parse_quant_text(q.quant) if q.quant else default_quant(q.runtime)
        request = EstimateRequest(
            model=spec,
            system=system,
            quant=quant,
            context=q.context,
            prompt_tokens=q.prompt_tokens,
            gen_tokens=q.gen_tokens,
            runtime=q.runtime,
            kv_cache=q.kv_cache,
            flash_attention=q.flash_attention,
            gpu_layers=q.gpu_layers,
            cpu_moe=q.cpu_moe,
            vision=q.vision,
        )
        est = estimate(request)
    except (UnknownQuantError, UnknownRuntimeError) as exc:
        raise InputError(str(exc), exc.suggestions) from exc
    except EstimateInputError as exc:
        raise InputError(str(exc)) from exc
    evidence, measured = "estimated", list[MeasuredRow]()
    if ":" not in model_ref["id"] and get_runtime(q.runtime).id in LLAMA_CPP_FAMILY:
        ids = [h["id"] for h in hardware_refs if h["id"] != "custom"]
        evidence, measured = find_measurements(
            kb, model_ref["id"], ids, est.quant.name, len(system.gpus) or 1, q.prompt_tokens, q.gen_tokens, est.context
        )
    advice = advise(est)
    if est.fit not in {"runs_well", "tight"} and system.gpus and ":" not in model_ref["id"]:
        smaller = smaller_sibling(kb, model_ref["id"], request)
        if smaller:
            advice.suggestions.append(smaller)
    return EstimateResult(est, advice, model_ref, hardware_refs, evidence, measured)


def smaller_sibling(kb: KnowledgeBase, model_id: str, request: EstimateRequest) -> str | None:
    """The largest smaller model of the same family that fits fully on the GPU(s)."""
    current = kb.catalog.model(model_id)
    if current is None:
        return None
    siblings = sorted(
        (m for m in kb.catalog.models if m.family == current.family and m.params_b < current.params_b and m.variant == current.variant),
        key=lambda m: -m.params_b,
    )
    for sibling in siblings:
        try:
            alt = estimate(request.model_copy(update={"model": model_spec(sibling)}))
        except EstimateInputError:
            continue
        if alt.fit in {"runs_well", "tight"} and alt.decode_tps:
            return f"A smaller model of the same family fits fully: {sibling.name} at {alt.quant.name}, about {alt.decode_tps:.0f} tok/s."
    return None


def _r(value: float | None, digits: int = 1) -> float | None:
    return None if value is None else round(value, digits)


def contract_json(result: EstimateResult) -> dict[str, Any]:
    """The stable JSON of `runlocalai estimate --json` (fields may be added, never renamed or dropped)."""
    est = result.estimate
    m = est.memory
    return {
        "model": result.model_ref,
        "hardware": result.hardware_refs,
        "quant": est.quant.name,
        "context": est.context,
        "memory": {
            "weights_gb": round(m.weights / GB, 2),
            "kv_cache_gb": round(m.kv_cache / GB, 2),
            "compute_buffer_gb": round(m.compute_buffer / GB, 2),
            "overhead_gb": round(m.overhead / GB, 2),
            "total_gb": round(m.total / GB, 2),
            "available_gb": round(m.available / GB, 2),
            "gpu_used_gb": round(m.gpu_used / GB, 2),
            "ram_used_gb": round(m.ram_used / GB, 2),
            "ram_available_gb": round(m.ram_available / GB, 2),
        },
        "fit": est.fit,
        "gpu_layers": est.gpu_layers,
        "total_layers": est.total_layers,
        "decode_tokens_per_s": _r(est.decode_tps),
        "prefill_tokens_per_s": _r(est.prefill_tps, 0),
        "evidence": result.evidence,
        "explanation": result.advice.explanation,
        "suggestions": result.advice.suggestions,
        # additions beyond the original contract
        "decode_band": [_r(v) for v in est.decode_band] if est.decode_band else None,
        "prefill_band": [_r(v, 0) for v in est.prefill_band] if est.prefill_band else None,
        "runtime": est.runtime.id,
        "kv_cache": est.request.kv_cache,
        "prompt_tokens": est.request.prompt_tokens,
        "gen_tokens": est.request.gen_tokens,
        "deciding_term": est.deciding_term,
        "tensor_parallel": est.tensor_parallel,
        "placement": [{**p, "used_gb": round(p["used_gb"], 2), "usable_gb": round(p["usable_gb"], 2)} for p in est.placement],
        "measured": [row.to_json() for row in result.measured],
        "warnings": est.warnings,
        "ram_assumed": est.request.system.ram_assumed,
    }
