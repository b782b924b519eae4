"""Estimate service: resolve names against the catalog, run the estimator, attach evidence, and
produce the stable JSON contract shared by `runlocalai estimate`, `ask` and the bot."""

from __future__ import annotations

import dataclasses
import json
import threading
from collections import OrderedDict
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from answers.defaults import DEFAULT_CONTEXT, DEFAULT_GEN_TOKENS, DEFAULT_KV_CACHE, DEFAULT_PROMPT_TOKENS, DEFAULT_RUNTIME
from answers.evidence import MeasuredRow, SpeedEvidence, find_measurements, ladder, proof_of_running, row_offload, test_tokens
from answers.evidence import Setup as EvidenceSetup
from answers.knowledge_base import KnowledgeBase
from answers.lookup import resolve_hardware, resolve_model
from answers.user_errors import InputError
from answers.values import check_amount, check_context, parse_quant_text
from estimator.advice import Advice, advise, gb
from estimator.architecture import ModelArch
from estimator.estimate import Estimate, EstimateInputError, EstimateRequest, Fit, ModelSpec, estimate
from estimator.hardware import Device, System
from estimator.quants import UnknownQuantError, parse_quant
from estimator.runtimes import OLLAMA_CONTEXT_STEPS, RUNTIME_FOR_FORMAT, UnknownRuntimeError, get_runtime, ollama_default_context
from estimator.serving import serving_capacity
from estimator.units import GB
from knowledge.devices import DEFAULT_RAM_BANDWIDTH_GBS, DEFAULT_RAM_GIB, model_spec, system_from_hardware
from knowledge.schema import Model

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
    runtime: str | None = None  # None: llama.cpp, or the engine that loads the named format (FP8 -> vLLM, ...)
    kv_cache: str = DEFAULT_KV_CACHE
    flash_attention: bool | None = None
    gpu_layers: int | None = None
    cpu_moe: bool = False
    wired_limit_gb: float | None = None
    vision: bool = False
    n_cpu_moe: int | None = None
    desktop_reserve_gb: float | None = None  # None: 0.5 GiB on the first display card; 0 for a headless card
    gpu_memory_utilization: float | None = None
    concurrency: int = 1
    # A model resolved elsewhere, e.g. answers.hub.HubModel.spec (pass quant=HubModel.default_quant with it).
    model_spec: ModelSpec | None = None


@dataclass(frozen=True)
class Assumptions:
    """What the answer assumed because the question did not say, each with its reason."""

    quant_source: str  # user | gguf_file | native | ollama_default | mlx_default | runtime_default
    runtime_source: str  # user | format | default
    context_source: str  # user | runtime_default
    notes: tuple[str, ...] = ()


@dataclass
class EstimateResult:
    estimate: Estimate
    advice: Advice
    model_ref: dict[str, str]
    hardware_refs: list[dict[str, str]]
    evidence: str  # "measured" when a same-setup row of this model and quant exists, else "estimated" (unchanged)
    measured: list[MeasuredRow]
    assumptions: Assumptions = field(default_factory=lambda: Assumptions("user", "user", "user"))
    speed_evidence: dict[str, SpeedEvidence] = field(default_factory=dict)  # decode / prefill: ladder rung and basis
    raw: Estimate | None = None  # the estimator's own answer before measurements reconciled it

    @property
    def evidence_level(self) -> str:
        """The ladder rung of the decode speed: measured, measured-near, community, extrapolated or estimated."""
        speed = self.speed_evidence.get("decode")
        return speed.level if speed else ("measured" if self.evidence == "measured" else "estimated")

    @property
    def evidence_label(self) -> str:
        """How renderers name the speed's evidence: the ladder rung, and for "community" which kind it is (a
        measured model of the same shape, or a member's approved submission), since the word alone reads as the
        latter."""
        label = self.evidence_level.replace("-", " ")
        speed = self.speed_evidence.get("decode")
        if self.evidence_level == "community" and speed is not None and speed.basis is not None:
            kind = "member submission" if speed.basis.match == "community" else "same-shape model measured"
            return f"{label}: {kind}"
        return label

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
    """The machine of a query: custom numbers (--vram-gb ...) or catalog entries, with the host RAM."""
    _check_system_numbers(q)
    custom = q.vram_gb is not None or q.bandwidth_gbs is not None
    if custom and q.hardware:
        raise InputError("Give either --hardware or custom --vram-gb/--bandwidth-gbs, not both.")
    try:
        system, refs = _custom_system(q) if custom else _catalog_system(kb, q)
        if q.desktop_reserve_gb is not None:
            system = System.model_validate({**system.model_dump(), "desktop_reserve_gib": q.desktop_reserve_gb})
        return system, refs
    except ValidationError as exc:
        raise InputError(f"Invalid hardware combination: {exc.errors()[0]['msg']}") from exc


def _check_system_numbers(q: EstimateQuery) -> None:
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


def _custom_system(q: EstimateQuery) -> tuple[System, list[dict[str, str]]]:
    device = _custom_device(q)
    unified = device.kind == "unified"
    system = System(
        gpus=[device] * (q.gpus or 1) if not unified else [device],
        ram_gib=q.ram_gb if q.ram_gb is not None else (device.memory_gib if unified else DEFAULT_RAM_GIB),
        ram_bandwidth_gbs=q.ram_bandwidth_gbs or (device.bandwidth_gbs if unified else DEFAULT_RAM_BANDWIDTH_GBS),
        ram_assumed=q.ram_gb is None and not unified,
        wired_limit_gib=q.wired_limit_gb,
    )
    return system, [{"id": device.id, "name": device.name}] * len(system.gpus)


def _catalog_system(kb: KnowledgeBase, q: EstimateQuery) -> tuple[System, list[dict[str, str]]]:
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
    return system, [{"id": e.id, "name": e.name} for e in entries]


NATIVE_FORMATS = {"mxfp4": "MXFP4", "fp8": "FP8", "fbgemm_fp8": "FP8", "compressed-tensors": "FP8", "awq": "AWQ", "gptq": "GPTQ"}


def native_quant(entry: Model | None, spec: ModelSpec) -> str | None:
    """The format the official weights ship in: the catalog's native_quant, or config.json's quantization_config."""
    if entry is not None and entry.native_quant:
        return entry.native_quant
    return NATIVE_FORMATS.get(spec.arch.quantization or "")


def default_quant(runtime: str, entry: Model | None = None, spec: ModelSpec | None = None) -> tuple[str, str, str]:
    """(quant, source, sentence) when the question names no quant: the model's native format where the runtime loads
    it (gpt-oss: MXFP4; FP8 releases under vLLM/SGLang), Ollama's default tag, the usual MLX conversion, else the
    runtime's common choice."""
    rt = get_runtime(runtime)
    native = native_quant(entry, spec) if spec is not None else None
    name = entry.name if entry is not None else (spec.name if spec is not None else "this model")
    if rt.id == "ollama" and entry is not None and entry.ollama_quant:
        tag = entry.ollama_tags[0] if entry.ollama_tags else entry.id
        return entry.ollama_quant, "ollama_default", f"{entry.ollama_quant}: the quant of Ollama's default tag {tag}"
    if rt.engine == "llama.cpp":
        if native == "MXFP4" or (spec is not None and spec.arch.native_expert_type == "MXFP4"):
            return "MXFP4", "native", f"MXFP4: {name} is released with MXFP4 experts and its GGUF keeps them"
        return "Q4_K_M", "runtime_default", "Q4_K_M: the quant most GGUF users pick (no quant named)"
    if rt.engine == "mlx":
        quant = entry.mlx_quant if entry is not None and entry.mlx_quant else "MLX 4bit"
        return quant, "mlx_default", f"{quant}: the usual mlx-community conversion (no quant named)"
    if rt.engine == "vllm":
        if native in {"FP8", "MXFP4", "AWQ", "GPTQ"}:
            return native, "native", f"{native}: the format {name} is released in, which {rt.name} loads as is"
        return "BF16", "runtime_default", f"BF16: the unquantized release, what {rt.name} serves by default (no quant named)"
    if rt.engine == "exllama":
        quant = "EXL3 4.0bpw" if rt.id == "exllamav3" else "EXL2 4.65bpw"
        return quant, "runtime_default", f"{quant}: a common {rt.name} conversion (no quant named)"
    if native in {"FP8", "MXFP4"}:
        return native, "native", f"{native}: the format {name} is released in"
    return "BF16", "runtime_default", "BF16: the unquantized release (no quant named)"


def choose_runtime(q: EstimateQuery) -> tuple[str, str, str | None]:
    """(runtime, source, sentence): the user's, else the engine that loads the named format, else llama.cpp."""
    if q.runtime:
        return q.runtime, "user", None
    if q.quant:
        fmt = parse_quant(parse_quant_text(q.quant)).format
        runtime = RUNTIME_FOR_FORMAT.get(fmt)
        if runtime:
            return runtime, "format", f"{get_runtime(runtime).name}: llama.cpp does not load {fmt.upper()} weights"
    return DEFAULT_RUNTIME, "default", None


def runtime_default_context(runtime: str, spec: ModelSpec, system: System) -> tuple[int, str | None, str]:
    """The context the runtime allocates when the question names none, why, and the source ("runtime_default" when
    the runtime's own default decides, else "default")."""
    rt = get_runtime(runtime)
    arch = spec.arch
    if rt.id == "ollama":
        vram = sum(d.memory_gib for d in system.gpus if d.kind == "gpu") or (system.gpus[0].memory_gib if system.gpus else 0.0)
        ctx = ollama_default_context(vram, arch.max_context)
        return ctx, f"{ctx:,} tokens: Ollama's default num_ctx for {vram:g} GiB of VRAM (capped at the model's context)", "runtime_default"
    if rt.engine in {"vllm", "exllama"}:
        why = f"{arch.max_context:,} tokens: {rt.name} allocates the model's full context unless told (max_model_len)"
        return arch.max_context, why, "runtime_default"
    if 0 < arch.max_context < DEFAULT_CONTEXT:
        why = f"{arch.max_context:,} tokens: the model's trained context, shorter than the usual {DEFAULT_CONTEXT:,}"
        return arch.max_context, why, "default"
    return DEFAULT_CONTEXT, None, "default"


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
    key = (kb.catalog.fingerprint, id(kb), kb.community_version, repr(q))
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


def _resolve_model(kb: KnowledgeBase, q: EstimateQuery) -> tuple[ModelSpec, Model | None, dict[str, str], str | None]:
    """(spec, catalog entry or None, reference, the GGUF file's own quant)."""
    if sum(x is not None for x in (q.model, q.model_config, q.gguf_path, q.model_spec)) != 1:
        raise InputError("Name a model (--model), or give a config.json (--model-config) or a GGUF file (--gguf): exactly one.")
    if q.gguf_path is not None:
        spec, file_quant = _model_from_gguf(q.gguf_path)
        return spec, None, {"id": spec.id, "name": spec.name}, file_quant
    if q.model_config is not None:
        spec = _model_from_config(q.model_config)
        return spec, None, {"id": spec.id, "name": spec.name}, None
    if q.model_spec is not None:
        return q.model_spec, None, {"id": q.model_spec.id, "name": q.model_spec.name}, None
    entry = resolve_model(kb, q.model or "")
    return model_spec(entry), entry, {"id": entry.id, "name": entry.name}, None


def resolve_model_spec(kb: KnowledgeBase, q: EstimateQuery) -> tuple[ModelSpec, dict[str, str]]:
    """The model of a query (catalog name, config.json or GGUF file) and its reference, for other estimates."""
    spec, _, ref, _ = _resolve_model(kb, q)
    return spec, ref


def _assume(
    q: EstimateQuery, spec: ModelSpec, entry: Model | None, system: System, file_quant: str | None
) -> tuple[EstimateQuery, Assumptions]:
    """Fill in runtime, quant and context the question left out, saying which and why."""
    notes: list[str] = []
    runtime, runtime_source, why = choose_runtime(q)
    if why:
        notes.append(f"Runtime {why}.")
    if q.quant:
        quant, quant_source = parse_quant_text(q.quant), "user"
    elif file_quant:
        quant, quant_source = file_quant, "gguf_file"
    else:
        quant, quant_source, sentence = default_quant(runtime, entry, spec)
        notes.append(f"Quant {sentence}.")
    context, context_source = q.context, "user"
    if context is None:
        context, why, context_source = runtime_default_context(runtime, spec, system)
        if why:
            notes.append(f"Context {why}.")
    return replace(q, runtime=runtime, quant=quant, context=context), Assumptions(
        quant_source, runtime_source, context_source, tuple(notes)
    )


def _request(q: EstimateQuery, spec: ModelSpec, system: System) -> EstimateRequest:
    assert q.quant is not None and q.runtime is not None
    return EstimateRequest(
        model=spec,
        system=system,
        quant=q.quant,
        context=q.context,
        prompt_tokens=q.prompt_tokens,
        gen_tokens=q.gen_tokens,
        runtime=q.runtime,
        kv_cache=q.kv_cache,
        flash_attention=q.flash_attention,
        gpu_layers=q.gpu_layers,
        cpu_moe=q.cpu_moe,
        n_cpu_moe=q.n_cpu_moe,
        vision=q.vision,
        concurrency=q.concurrency,
        gpu_memory_utilization=q.gpu_memory_utilization,
    )


def _estimate(q: EstimateQuery, spec: ModelSpec, system: System, assumptions: Assumptions) -> tuple[EstimateRequest, Estimate]:
    """The estimate; Ollama with its default context steps down (32768, then 4096) while it does not load, as Ollama does."""
    try:
        if q.context is not None:
            check_context(q.context)
        request = _request(q, spec, system)
        est = estimate(request)
        if q.runtime == "ollama" and assumptions.context_source == "runtime_default" and est.fit == "wont_run":
            for step in OLLAMA_CONTEXT_STEPS:
                if step < est.context:
                    request = request.model_copy(update={"context": step})
                    est = estimate(request)
                    if est.fit != "wont_run":
                        break
    except (UnknownQuantError, UnknownRuntimeError) as exc:
        raise InputError(str(exc), exc.suggestions) from exc
    except EstimateInputError as exc:
        raise InputError(str(exc)) from exc
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
        raise InputError(f"Impossible estimate options ({problems}).") from exc
    return request, est


def _run_estimate(kb: KnowledgeBase, q: EstimateQuery) -> EstimateResult:
    spec, entry, model_ref, file_quant = _resolve_model(kb, q)
    if not q.hardware and q.vram_gb is None and q.bandwidth_gbs is None and q.ram_gb is None:
        raise InputError("Name the hardware (--hardware), or give --vram-gb and --bandwidth-gbs, or --ram-gb for CPU only.")
    system, hardware_refs = build_system(kb, q)
    try:
        q, assumptions = _assume(q, spec, entry, system, file_quant)
    except (UnknownQuantError, UnknownRuntimeError) as exc:
        raise InputError(str(exc), exc.suggestions) from exc
    request, est = _estimate(q, spec, system, assumptions)
    ids = [h["id"] for h in hardware_refs if h["id"] != "custom"]
    gpus = len(system.gpus) or 1
    model_id = None if ":" in model_ref["id"] else model_ref["id"]
    evidence, measured = "estimated", list[MeasuredRow]()
    if model_id:
        evidence, measured = find_measurements(
            kb, model_id, ids, est.quant.name, gpus, request.prompt_tokens, request.gen_tokens, est.context, EvidenceSetup.of(request)
        )
    advice = advise(est)
    raw = est
    est, note = _reconcile_verdict(kb, est, model_id, ids, gpus)
    if note:
        advice = Advice(note, advice.suggestions)
    speeds = {kind: ladder(kb, est, model_id, ids, gpus, i) for i, kind in enumerate(("decode", "prefill"))}
    est = _shown_speeds(est, speeds)
    if est.fit not in {"runs_well", "tight"} and system.gpus and model_id:
        smaller = smaller_sibling(kb, model_id, request)
        if smaller:
            advice.suggestions.append(smaller)
    return EstimateResult(est, advice, model_ref, hardware_refs, evidence, measured, assumptions, speeds, raw)


def _reconcile_verdict(kb: KnowledgeBase, est: Estimate, model_id: str | None, ids: list[str], gpus: int) -> tuple[Estimate, str | None]:
    """A measured row of this model and quant that ran on this hardware at this context or more overrules "won't run"."""
    if est.fit != "wont_run" or est.deciding_term == "runtime":
        return est, None
    row = proof_of_running(kb, model_id, ids, est.quant.name, gpus, est.context)
    if row is None:
        return est, None
    offloaded = row_offload(row, est.request.model.arch.layers)
    fit: Fit = "offload" if offloaded else "tight"
    _, tokens = test_tokens(row.test)
    note = (
        f"The memory estimate ({gb(est.memory.total)}) is above what this hardware offers, but a published measurement ran "
        f"{est.request.model.name} {row.quant} on it at {(row.context or 0) + tokens:,} tokens ({row.tokens_per_s:g} tok/s, "
        f"{row.test}, {row.runtime}): it fits, with little to spare."
    )
    reconciled = dataclasses.replace(est, fit=fit, deciding_term="measured", reasons=[note], warnings=[*est.warnings])
    if reconciled.decode_tps is None:
        kind, _ = test_tokens(row.test)
        if kind == 0:
            reconciled.decode_tps = row.tokens_per_s
            reconciled.decode_band = (row.tokens_per_s * 0.8, row.tokens_per_s * 1.2)
    return reconciled, note


def _shown_speeds(est: Estimate, speeds: dict[str, SpeedEvidence]) -> Estimate:
    """Speeds backed by a measurement (measured, measured-near, community) are shown as the measurement scaled to the
    question; the band moves with them. Extrapolated and estimated speeds stay the estimator's."""
    shown = dataclasses.replace(est, warnings=[*est.warnings])
    for kind in ("decode", "prefill"):
        ev = speeds.get(kind)
        if ev is None or ev.tokens_per_s is None or ev.estimated is None or ev.level in {"estimated", "extrapolated"}:
            continue
        factor = ev.tokens_per_s / ev.estimated
        band = est.decode_band if kind == "decode" else est.prefill_band
        if kind == "decode":
            shown.decode_tps = ev.tokens_per_s
            shown.decode_band = (band[0] * factor, band[1] * factor) if band else None
        else:
            shown.prefill_tps = ev.tokens_per_s
            shown.prefill_band = (band[0] * factor, band[1] * factor) if band else None
    return shown


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


def serving_json(est: Estimate) -> dict[str, Any] | None:
    """vLLM / SGLang: KV pool, sequences held at once and rates at that concurrency (or the one asked)."""
    capacity = serving_capacity(est, est.request.concurrency if est.request.concurrency > 1 else None)
    return capacity.to_json() if capacity else None


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
        "placement": [p.to_json() for p in est.placement],
        "measured": [row.to_json() for row in result.measured],
        "warnings": est.warnings,
        "ram_assumed": est.request.system.ram_assumed,
        # issue #14 additions
        "evidence_level": result.evidence_level,
        "speed_evidence": {kind: ev.to_json() for kind, ev in result.speed_evidence.items()},
        "estimated_decode_tokens_per_s": _r(result.raw.decode_tps) if result.raw else _r(est.decode_tps),
        "estimated_prefill_tokens_per_s": _r(result.raw.prefill_tps, 0) if result.raw else _r(est.prefill_tps, 0),
        "quant_source": result.assumptions.quant_source,
        "runtime_source": result.assumptions.runtime_source,
        "context_source": result.assumptions.context_source,
        "assumptions": list(result.assumptions.notes),
        "concurrency": est.request.concurrency,
        "serving": serving_json(est),
    }
