"""The figures behind /compare's chart: two GPUs running a reference model, or two models on a reference GPU,
each from the same estimates the comparison's text is built on (``run_estimate``, cached)."""

from __future__ import annotations

from dataclasses import dataclass

from answers.advisors import DEFAULT_TARGET_MODEL
from answers.defaults import DEFAULT_CONTEXT
from answers.estimates import EstimateQuery, run_estimate
from answers.knowledge_base import KnowledgeBase
from answers.user_errors import InputError
from estimator.units import GB
from knowledge.schema import Hardware, Model

REFERENCE_GPU = "rtx-3090"  # 24 GB, the card local-model communities measure everything on


@dataclass(frozen=True)
class Side:
    """One side of the comparison. Memory in GB (10^9 bytes); speeds in tokens per second."""

    id: str
    name: str
    params_b: float | None = None
    active_params_b: float | None = None
    max_context: int | None = None
    fit: str | None = None
    weights_gb: float = 0.0
    kv_cache_gb: float = 0.0
    other_gb: float = 0.0  # compute buffers + runtime overhead
    usable_gb: float = 0.0  # the hardware's usable accelerator memory
    ram_gb: float = 0.0  # the part placed in system RAM when it does not fit (offload)
    decode_tps: float | None = None
    decode_low: float | None = None
    decode_high: float | None = None

    @property
    def needed_gb(self) -> float:
        return self.weights_gb + self.kv_cache_gb + self.other_gb


@dataclass(frozen=True)
class SideBySide:
    kind: str  # "hardware": two GPUs, one model | "models": two models, one GPU | "sizes": two models, no GPU
    sides: tuple[Side, Side]
    model: str = ""  # the model both GPUs run (kind "hardware")
    hardware: str = ""  # the GPU both models run on (kind "models")
    quant: str = ""  # the runtime's usual quant, as in /willitrun and /compare's text
    context: int = DEFAULT_CONTEXT


def _estimated(kb: KnowledgeBase, model: Model, hardware: Hardware, context: int, side_id: str, side_name: str) -> tuple[Side, str]:
    """One side from the same query the comparison's text runs (default quant and runtime), and its quant."""
    result = run_estimate(kb, EstimateQuery(model=model.id, hardware=[hardware.id], context=context))
    est, m = result.estimate, result.estimate.memory
    band = est.decode_band
    side = Side(
        id=side_id,
        name=side_name,
        params_b=model.params_b,
        active_params_b=model.active_params_b,
        max_context=model.architecture.max_context,
        fit=est.fit,
        weights_gb=m.weights / GB,
        kv_cache_gb=m.kv_cache / GB,
        other_gb=(m.compute_buffer + m.overhead) / GB,
        usable_gb=m.available / GB,
        ram_gb=m.ram_used / GB if est.fit not in {"runs_well", "tight"} and est.request.system.gpus else 0.0,
        decode_tps=None if est.decode_tps is None else float(est.decode_tps),
        decode_low=None if band is None else float(band[0]),
        decode_high=None if band is None else float(band[1]),
    )
    return side, est.quant.name


def _sizes(a: Model, b: Model) -> SideBySide:
    sides = tuple(
        Side(id=m.id, name=m.name, params_b=m.params_b, active_params_b=m.active_params_b, max_context=m.architecture.max_context)
        for m in (a, b)
    )
    return SideBySide("sizes", sides)  # type: ignore[arg-type]


def side_by_side(kb: KnowledgeBase, a: Model | Hardware, b: Model | Hardware, context: int | None = None) -> SideBySide:
    """Two GPUs: memory and generation speed for the reference model (Llama 3.1 8B, as the text says). Two models:
    memory needed and speed on the reference GPU, or their sizes when the catalog has no reference GPU. Quant and
    runtime are the defaults, as in the comparison's text."""
    context = context or DEFAULT_CONTEXT
    if isinstance(a, Hardware) and isinstance(b, Hardware):
        model = kb.catalog.model(DEFAULT_TARGET_MODEL)
        if model is None:
            raise InputError(f"The reference model {DEFAULT_TARGET_MODEL} is not in the catalog.")
        (side_a, quant), (side_b, _) = _estimated(kb, model, a, context, a.id, a.name), _estimated(kb, model, b, context, b.id, b.name)
        return SideBySide("hardware", (side_a, side_b), model=model.name, quant=quant, context=context)
    if not (isinstance(a, Model) and isinstance(b, Model)):
        raise InputError("Compare two models or two GPUs, not one of each.")
    gpu = kb.catalog.hardware_by_id(REFERENCE_GPU)
    if gpu is None:
        return _sizes(a, b)
    try:
        (side_a, quant), (side_b, _) = _estimated(kb, a, gpu, context, a.id, a.name), _estimated(kb, b, gpu, context, b.id, b.name)
    except InputError:
        return _sizes(a, b)
    return SideBySide("models", (side_a, side_b), hardware=gpu.name, quant=quant, context=context)
