"""Stage 2 of the calibration: the terms the LLaMA-2-7B scoreboards cannot identify, fitted on the ``fit`` side of
data/measurements/split.yaml (never on ``check`` files).

Stage 1 (``calibration.fit``) fixes the per-backend bandwidth and compute efficiencies, per-layer costs, quant factors,
family factors and the issue-rate ceiling on data/calibration. Stage 2 keeps those and fits, on measured catalog rows:

- mixture of experts: extra microseconds per MoE layer per token (global, with per-backend deviations), the cost of a
  routed-expert byte (mu), and n_half of the expert batch efficiency g(n) in prompt processing (global + per backend);
- attention FLOP efficiency in prompt processing (long prompts and depth; global + per backend);
- serving engines: vLLM/SGLang and Transformers bandwidth and compute efficiency, per-layer and per-step costs, the
  tensor-parallel all-reduce, and their own cost of AWQ / GPTQ bytes.

Residuals are log(predicted / measured) with a soft-L1 loss; each source file weighs like sqrt(its rows) so one big table
cannot decide a shared term; per-backend deviations are shrunk toward the global value. Bands shown to users are the
10th-90th percentiles of predicted/measured of the fit rows of their category (never narrower than stage 1's band).

Not fitted here: the CPU's share of RAM bandwidth. The fit files' offload rows come from a two-socket NUMA server and
from hosts whose RAM is not stated, so they cannot tell the CPU's efficiency from its bandwidth; stage 1's value stays.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from calibration.benchmarks import CALIBRATION_MODELS, Case, cases
from estimator.architecture import ModelArch
from estimator.calibration.model import SpeedConstants
from estimator.estimate import band_category, estimate, place_for, speed_inputs
from estimator.loads import SpeedInputs, speeds
from estimator.request import validate
from estimator.runtimes import get_runtime
from estimator.weights import compute_weights

MOE_BACKENDS = ("cuda", "rocm", "vulkan", "metal")
SERVING_ENGINES = ("vllm", "transformers")
BAND_MIN_ROWS = 8


@dataclass(frozen=True)
class Param:
    """One fitted number: ``get``/``set`` address it inside SpeedConstants; fitted in log space around ``init``;
    ``prior`` is the ridge weight pulling its log toward ``init`` (0 = free)."""

    name: str
    init: float
    prior: float
    set: Callable[[SpeedConstants, float], SpeedConstants]


def _dict_setter(field: str, key: str) -> Callable[[SpeedConstants, float], SpeedConstants]:
    def set_(c: SpeedConstants, value: float) -> SpeedConstants:
        table = dict(getattr(c, field))
        table[key] = value
        changes: dict[str, Any] = {field: table}
        return replace(c, **changes)

    return set_


def _scalar_setter(field: str) -> Callable[[SpeedConstants, float], SpeedConstants]:
    def set_(c: SpeedConstants, value: float) -> SpeedConstants:
        changes: dict[str, Any] = {field: value}
        return replace(c, **changes)

    return set_


def _scaled_setter(field: str, key: str, base: str) -> Callable[[SpeedConstants, float], SpeedConstants]:
    """A per-backend entry stored as the global value (``base``) times this deviation."""

    def set_(c: SpeedConstants, value: float) -> SpeedConstants:
        table = dict(getattr(c, field))
        table[key] = value * getattr(c, base)
        changes: dict[str, Any] = {field: table}
        return replace(c, **changes)

    return set_


def parameters(ridge: float = 1.0) -> list[Param]:
    params = [
        Param("moe_layer_us_default", 40.0, 0.0, _scalar_setter("moe_layer_us_default")),
        Param("moe_expert_cost", 1.0, 2.0, _scalar_setter("moe_expert_cost")),
        Param("moe_prefill_half_default", 16.0, 0.0, _scalar_setter("moe_prefill_half_default")),
        Param("attention_prefill_eff_default", 1.0, 0.5, _scalar_setter("attention_prefill_eff_default")),
        Param("allreduce_us", 15.0, 0.5, _scalar_setter("allreduce_us")),
    ]
    for backend in MOE_BACKENDS:  # deviations from the global value, applied after it (order matters)
        params.append(Param(f"moe_layer_us[{backend}]", 1.0, ridge, _scaled_setter("moe_layer_us", backend, "moe_layer_us_default")))
        params.append(
            Param(f"moe_prefill_half[{backend}]", 1.0, ridge, _scaled_setter("moe_prefill_half", backend, "moe_prefill_half_default"))
        )
        params.append(
            Param(
                f"attention_prefill_eff[{backend}]",
                1.0,
                ridge,
                _scaled_setter("attention_prefill_eff", backend, "attention_prefill_eff_default"),
            )
        )
    for engine in SERVING_ENGINES:
        params += [
            Param(f"runtime_decode_eff[{engine}]", 1.0, 0.3, _dict_setter("runtime_decode_eff", engine)),
            Param(f"runtime_layer_us[{engine}]", 20.0, 0.3, _dict_setter("runtime_layer_us", engine)),
            Param(f"runtime_step_ms[{engine}]", 1.0, 0.3, _dict_setter("runtime_step_ms", engine)),
            Param(f"runtime_prefill_eff[{engine}]", 1.0, 0.3, _dict_setter("runtime_prefill_eff", engine)),
            Param(f"attention_prefill_eff[{engine}]", 1.0, 0.3, _dict_setter("attention_prefill_eff", engine)),
        ]
    # Quantized-weight kernels: vLLM's Marlin kernels stream 4- and 8-bit weights at close to the bandwidth of 16-bit
    # ones (their design goal), so the prior is a cost of 1 held firmly (otherwise the cost factor and the per-step
    # overhead trade off freely on one GPU's rows); Transformers' AWQ/GPTQ kernels get a loose prior.
    for engine, prior in (("vllm", 2.0), ("transformers", 0.3)):
        for storage in ("INT4_G128", "INT8_G128"):
            key = f"{engine}:{storage}"
            params.append(Param(f"runtime_quant_cost[{key}]", 1.0, prior, _dict_setter("runtime_quant_cost", key)))
    return params


@dataclass(frozen=True)
class Prepared:
    case: Case
    inputs: SpeedInputs
    weight: float


def prepare(rows: Sequence[Case]) -> list[Prepared]:
    """Speed inputs of every case the estimator runs (placement does not depend on speed constants)."""
    out: list[tuple[Case, SpeedInputs]] = []
    for case in rows:
        req = case.request
        try:
            est = estimate(req)
        except ValueError:
            continue
        if est.decode_tps is None:
            continue
        setup = validate(req)
        w = req.model.weights or compute_weights(req.model.arch, setup.quant, req.model.params_b)
        out.append((case, speed_inputs(req, setup, w, place_for(req, setup, w))))
    per_file = Counter((c.bench.file, c.kind) for c, _ in out)
    return [Prepared(c, i, 1 / math.sqrt(per_file[(c.bench.file, c.kind)])) for c, i in out]


def predict(p: Prepared, constants: SpeedConstants) -> float:
    """What the row measured, as the estimator predicts it with ``constants`` (tok/s; aggregate when concurrent)."""
    decode, prefill = speeds(p.inputs, constants)
    case = p.case
    c = p.inputs.concurrency
    if case.kind == "decode":
        return decode * c
    if case.kind == "prefill":
        return prefill
    seconds = case.prompt / prefill + case.gen / decode
    tokens = case.gen if case.kind == "request" else case.prompt + case.gen
    return c * tokens / seconds


def fit_rows(sides: Sequence[str] = ("fit",)) -> list[Prepared]:
    """Fit-side rows used for stage 2: not the stage-1 scoreboard models, not engines the estimator does not model, and
    not hybrid linear-attention models (Qwen3-Next, Granite 4-H: their recurrent-layer kernels are slow in a way the
    model has no term for, and would distort the mixture-of-experts terms; they stay in the benchmark report)."""
    selected, _ = cases(tuple(sides))  # type: ignore[arg-type]
    usable = [
        c
        for c in selected
        if c.bench.row.model not in CALIBRATION_MODELS and c.bench.row.runtime != "ktransformers" and not _hybrid(c.request.model.arch)
    ]
    return prepare(usable)


def _hybrid(arch: ModelArch) -> bool:
    return arch.kv_layers is not None and arch.kv_layers < arch.layers


def apply(base: SpeedConstants, params: list[Param], x: np.ndarray) -> SpeedConstants:
    constants = base
    for param, value in zip(params, x, strict=True):
        constants = param.set(constants, float(math.exp(value)))
    return constants


def fit(base: SpeedConstants, rows: list[Prepared], params: list[Param] | None = None) -> tuple[SpeedConstants, np.ndarray]:
    from scipy.optimize import least_squares

    params = params or parameters()
    x0 = np.array([math.log(p.init) for p in params])
    measured = np.array([p.case.measured for p in rows])
    weights = np.array([p.weight for p in rows])
    priors = np.array([p.prior for p in params])

    def residuals(x: np.ndarray) -> np.ndarray:
        constants = apply(base, params, x)
        pred = np.array([predict(p, constants) for p in rows])
        return np.r_[weights * np.log(pred / measured), priors * (x - x0)]

    result = least_squares(residuals, x0, loss="soft_l1", f_scale=0.2, x_scale=1.0, max_nfev=400)
    return apply(base, params, result.x), result.x


def band_key(p: Prepared | Case) -> str:
    case = p.case if isinstance(p, Prepared) else p
    return band_category(get_runtime(case.request.runtime).engine, "moe" in case.categories, "offload" in case.categories)


def in_sample(constants: SpeedConstants, rows: list[Prepared]) -> np.ndarray:
    return np.array([predict(p, constants) / p.case.measured for p in rows])


def leave_one_file_out(base: SpeedConstants, rows: list[Prepared]) -> np.ndarray:
    """Predicted/measured for every row from a fit that never saw the row's source file."""
    ratios = np.zeros(len(rows))
    for file in sorted({p.case.bench.file for p in rows}):
        held = np.array([p.case.bench.file == file for p in rows])
        constants, _ = fit(base, [p for p, h in zip(rows, held, strict=True) if not h])
        for i in np.flatnonzero(held):
            ratios[i] = predict(rows[i], constants) / rows[i].case.measured
    return ratios


def bands(rows: list[Prepared], ratios: np.ndarray, base: dict[str, tuple[float, float]]) -> dict[str, tuple[float, float]]:
    """(10th, 90th) percentile of predicted/measured per "kind:category" with enough rows; the stage-1 bands stay for
    plain dense llama.cpp speeds (the scoreboards measure those)."""
    out = dict(base)
    groups: dict[str, list[float]] = {}
    for p, r in zip(rows, ratios, strict=True):
        kind = "decode" if p.case.kind in {"decode", "request"} else "prefill"  # a request row is mostly generation
        groups.setdefault(f"{kind}:{band_key(p)}", []).append(float(r))
    for key, values in sorted(groups.items()):
        if len(values) < BAND_MIN_ROWS or key.endswith(":dense"):
            continue
        lo, hi = np.quantile(values, [0.1, 0.9])
        base_lo, base_hi = base[key.split(":")[0]]
        out[key] = (round(float(min(lo, base_lo)), 3), round(float(max(hi, base_hi)), 3))
    return out
