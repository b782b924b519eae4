"""What an estimate is asked for (model, hardware, quant, context, runtime options) and its validated form."""

from __future__ import annotations

from dataclasses import dataclass

from pydantic import BaseModel, ConfigDict, Field

from estimator.architecture import ModelArch
from estimator.hardware import System
from estimator.kv_cache import KV_BYTES
from estimator.quants import Quant, parse_quant
from estimator.runtimes import Runtime, get_runtime
from estimator.weights import WeightsBreakdown

MAX_CONTEXT = 10 * 1024 * 1024  # the longest context any runtime allocates today is ~10M tokens
MAX_TOKENS = 1_000_000
QUANTIZED_KV = frozenset({"q8_0", "q4_0", "q5_0", "q4_1", "q5_1"})


class EstimateInputError(ValueError):
    """A request that cannot be estimated; the message is meant for the user."""


class ModelSpec(BaseModel):
    """The model to estimate: catalog entry, a config.json, or a GGUF file (then ``weights`` are its exact tensors)."""

    model_config = ConfigDict(frozen=True, arbitrary_types_allowed=True, defer_build=True)

    id: str
    name: str
    arch: ModelArch
    params_b: float | None = None
    weights: WeightsBreakdown | None = None


class EstimateRequest(BaseModel):
    model_config = ConfigDict(frozen=True, arbitrary_types_allowed=True, defer_build=True)

    model: ModelSpec
    system: System
    quant: str = "Q4_K_M"
    context: int | None = Field(None, description="allocated context; default prompt + gen")
    prompt_tokens: int = 512
    gen_tokens: int = 128
    runtime: str = "llama.cpp"
    kv_cache: str = "f16"
    flash_attention: bool | None = None  # None: the runtime's default
    gpu_layers: int | None = None  # llama.cpp -ngl; None: as many as fit
    cpu_moe: bool = False  # keep routed experts in RAM where the GPU lacks room (--n-cpu-moe chosen for you)
    n_cpu_moe: int | None = Field(None, ge=0, description="llama.cpp --n-cpu-moe N: routed experts of the first N layers in RAM")
    depth: int = Field(0, ge=0, le=MAX_CONTEXT, description="tokens already in the KV cache before the prompt (llama-bench -d)")
    concurrency: int = Field(1, ge=1, le=4096, description="sequences decoded together (serving); speeds are per sequence")
    gpu_memory_utilization: float | None = Field(
        None, gt=0, le=1, description="vLLM/SGLang: share of each GPU the engine takes; None = the engine's default"
    )
    vision: bool = False  # load the vision encoder/projector (mmproj, F16) to accept images
    ubatch: int = 512


@dataclass(frozen=True)
class Setup:
    """The request after validation: parsed quant and runtime, the context actually allocated, flash attention."""

    quant: Quant
    runtime: Runtime
    context: int
    flash: bool


def validate(req: EstimateRequest) -> Setup:
    quant = parse_quant(req.quant)
    runtime = get_runtime(req.runtime)
    if req.kv_cache not in KV_BYTES:
        raise EstimateInputError(f"Unknown KV cache type {req.kv_cache!r}: use f16, q8_0 or q4_0.")
    for name, value in (("prompt tokens", req.prompt_tokens), ("generated tokens", req.gen_tokens)):
        if not 0 <= value <= MAX_TOKENS:
            raise EstimateInputError(f"{name.capitalize()} must be between 0 and {MAX_TOKENS:,}; got {value:,}.")
    context = req.context if req.context is not None else max(1, req.depth + req.prompt_tokens + req.gen_tokens)
    if not 1 <= context <= MAX_CONTEXT:
        raise EstimateInputError(
            f"Context must be between 1 and {MAX_CONTEXT:,} tokens; got {context:,}. Typical values: 4096, 8192, 32768, 131072."
        )
    if req.gpu_layers is not None and req.gpu_layers < 0:
        raise EstimateInputError("GPU layers cannot be negative.")
    if not 1 <= req.ubatch <= 65536:
        raise EstimateInputError("Micro-batch size must be between 1 and 65536.")
    flash = runtime.flash_attention_default if req.flash_attention is None else req.flash_attention
    if req.kv_cache in QUANTIZED_KV and runtime.engine == "llama.cpp" and not flash:
        flash = True  # llama.cpp needs flash attention for a quantized V cache; it turns it on
    return Setup(quant, runtime, context, flash)


def format_problem(quant: Quant, runtime: Runtime) -> str | None:
    fmt = "gguf" if quant.is_gguf else quant.format
    if fmt in runtime.formats:
        return None
    return f"{runtime.name} does not load {quant.name} ({fmt.upper()}) models; it loads {', '.join(sorted(runtime.formats))}."


def backend_problem(system: System, runtime: Runtime) -> str | None:
    backends = {d.backend for d in system.gpus} or {"cpu"}
    missing = backends - runtime.backends
    if not missing:
        return None
    return f"{runtime.name} has no {'/'.join(sorted(missing)).upper()} backend for this hardware."
