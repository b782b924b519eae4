"""Fit the speed constants on data/calibration and report their accuracy.

    python -m calibration.fit            # print the fit and its accuracy
    python -m calibration.fit --write    # also regenerate estimator/calibration/constants.py

Steps:
1. Quant cost factors from the Llama-3.1-8B per-quant table (one unnamed device, same build): decode cost
   per byte and prefill throughput of each K/I-quant storage type relative to Q8_0.
2. Backend/family constants from the LLaMA-2-7B scoreboards (Q4_0/Q8_0/F16 on ~80 devices): robust
   least squares on relative error, backend and family terms shrunk toward a global value (ridge), so a
   backend or family with few rows borrows strength from the rest.
3. Accuracy: in-sample, and leave-one-hardware-family-out (refit without the family, predict it with its
   family term at 1), beside the naive baselines (file size / bandwidth; spec TFLOPS / 2 x params).
"""

from __future__ import annotations

import argparse
import dataclasses
import math
import re
from dataclasses import dataclass, replace
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from calibration.data import HardwareSpec, SpeedRow, nominal_bpw, size_rows, speed_rows
from estimator.architecture import ModelArch
from estimator.calibration.model import ATTENTION_TRAFFIC_EFF, CEILING_SHARPNESS, SpeedConstants, combined_compute
from estimator.quants import parse_quant
from estimator.weights import WeightsBreakdown, compute_weights
from knowledge.loader import load_catalog
from knowledge.schema import Hardware
from knowledge.search import NameIndex, ResolveError, resolve

CONSTANTS_PATH = Path(__file__).resolve().parents[1] / "estimator" / "calibration" / "constants.py"
PROMPT = 512
SIMPLE_TYPES = {"Q4_0": "Q4_0", "Q8_0": "Q8_0", "F16": "F16", "BF16": "F16", "F32": "F16"}


@lru_cache(maxsize=1)
def calibration_models() -> dict[str, tuple[ModelArch, float]]:
    """Architectures of the two calibration models (facts from the catalog's config.json entries)."""
    catalog = load_catalog().catalog  # only these two entries are needed; other problems don't matter here
    out = {}
    for key, model_id in (("llama-2-7b", "llama-2-7b"), ("llama-3.1-8b", "llama-3.1-8b-instruct")):
        model = catalog.model(model_id)
        assert model is not None, f"catalog lacks {model_id}"
        out[key] = (model.architecture, model.params_b)
    return out


_UNSPECIFIED = re.compile(r"\((?:form factor|variant) unspecified\)|\(one GPU\)")
_APPLE = re.compile(r"Apple (M\d(?: Pro| Max| Ultra)?) \((\d+)-core GPU\)")


@lru_cache(maxsize=1)
def catalog_specs() -> dict[str, HardwareSpec]:
    """Specs of the calibration devices as the catalog records them (the same figures the estimator uses at
    run time), keyed by the CSV's hardware name; devices the catalog lacks keep the CSV's figures."""
    catalog = load_catalog().catalog
    names = NameIndex(catalog)
    by_chip: dict[str, Hardware] = {}
    for entry in catalog.hardware:
        if entry.chip:
            by_chip.setdefault(entry.chip, entry)
    out: dict[str, HardwareSpec] = {}
    for name in {r.hardware for r in speed_rows()}:
        query = _UNSPECIFIED.sub("", name).strip()
        apple = _APPLE.match(query)
        hw: Hardware | None
        if apple:
            hw = by_chip.get(f"apple-{apple.group(1).lower().replace(' ', '-')}-{apple.group(2)}c")
        elif "Strix Halo" in query:
            hw = by_chip.get("ryzen-ai-max-395")
        else:
            try:
                hw = catalog.hardware_by_id(resolve(names, query, "hardware").id)
            except ResolveError:
                hw = None
        if hw is None:
            continue
        out[name] = HardwareSpec(
            name=name,
            family=hw.family,
            memory_gb=hw.memory_gb,
            bandwidth_gbs=hw.bandwidth_gbs,
            fp16_tflops=hw.fp16_tflops,
            fp32_tflops=hw.fp32_tflops,
            confidence=hw.spec_confidence,
        )
    return out


def with_catalog_spec(row: SpeedRow) -> SpeedRow:
    spec = catalog_specs().get(row.hardware)
    return replace(row, spec=spec) if spec is not None else row


def weights_for(row_model: str, quant: str) -> WeightsBreakdown:
    arch, params_b = calibration_models()[row_model]
    return compute_weights(arch, parse_quant(quant), params_b)


def prefill_flops_per_token(arch: ModelArch, w: WeightsBreakdown, prompt: int) -> float:
    """Linear layers (2 x active weights) plus attention scores/values averaged over the prompt."""
    attention = 2 * 2 * arch.layers * arch.heads * arch.head_dim * prompt / 2
    return 2 * w.active_params + attention


# ------------------------------------------------------------------------------------------------
# Step 1: quant factors from the per-quant table
# ------------------------------------------------------------------------------------------------
def quant_factors() -> tuple[dict[str, float], dict[str, float]]:
    """(decode cost per byte, prefill throughput) of each storage type relative to Q8_0."""
    rows = [r for r in speed_rows() if r.backend == "unspecified" and r.model == "llama-3.1-8b"]
    tg = {r.quant: r.tokens_per_s for r in rows if r.test == "tg128"}
    pp = {r.quant: r.tokens_per_s for r in rows if r.test == "pp512"}
    read = {q: weights_for("llama-3.1-8b", q).read_type_bytes for q in tg}
    fixed = {"F16", "Q8_0", "F32", "BF16"}
    # decode: t = a * sum(bytes_t * k_t) + t0 with k = 1 for F16/Q8_0 fixes a and t0
    b16, b8 = sum(read["F16"].values()), sum(read["Q8_0"].values())
    a = (1 / tg["F16"] - 1 / tg["Q8_0"]) / (b16 - b8)
    t0 = 1 / tg["Q8_0"] - a * b8
    types = sorted({t for d in read.values() for t in d} - fixed)
    design, target = [], []
    for q in tg:
        if q in {"F16", "Q8_0"}:
            continue
        d = read[q]
        design.append([d.get(t, 0.0) for t in types])
        target.append((1 / tg[q] - t0) / a - sum(v for t, v in d.items() if t in fixed))
    k, *_ = np.linalg.lstsq(np.array(design), np.array(target), rcond=None)
    decode = {t: round(float(max(v, 0.8)), 3) for t, v in zip(types, k, strict=True)}
    # prefill: throughput ~ byte-weighted mix of type factors (Q8_0 = 1)
    ptypes = sorted({t for d in read.values() for t in d} - {"Q8_0", "F32"})
    design, target = [], []
    for q in pp:
        d = {t: v for t, v in read[q].items() if t != "F32"}
        total = sum(d.values())
        design.append([d.get(t, 0.0) / total for t in ptypes])
        target.append(pp[q] / pp["Q8_0"] - d.get("Q8_0", 0.0) / total)
    qv, *_ = np.linalg.lstsq(np.array(design), np.array(target), rcond=None)
    prefill = {t: round(float(min(max(v, 0.3), 2.0)), 3) for t, v in zip(ptypes, qv, strict=True)}
    return decode, prefill


# ------------------------------------------------------------------------------------------------
# Step 2: hardware fits
# ------------------------------------------------------------------------------------------------
@dataclass
class Design:
    rows: list[SpeedRow]
    backends: list[str]
    families: list[str]
    b: np.ndarray  # backend index
    f: np.ndarray  # family index
    y: np.ndarray  # measured seconds (per token for tg, per prompt for pp)
    bw: np.ndarray  # bytes/s
    layers: np.ndarray
    fp32: np.ndarray  # FP32 TFLOPS for the issue-rate ceiling (0: none, e.g. CPU rows)


def _design(rows: list[SpeedRow]) -> Design:
    backends = sorted({r.backend for r in rows})
    families = sorted({r.spec.family for r in rows if r.spec})
    return Design(
        rows=rows,
        backends=backends,
        families=families,
        b=np.array([backends.index(r.backend) for r in rows]),
        f=np.array([families.index(r.spec.family) for r in rows if r.spec]),
        y=np.array([(PROMPT if r.test.startswith("pp") else 1) / r.tokens_per_s for r in rows]),
        bw=np.array([r.spec.bandwidth_gbs * 1e9 for r in rows if r.spec]),
        layers=np.array([calibration_models()[r.model][0].layers for r in rows], dtype=float),
        fp32=np.array([(r.spec.fp32_tflops or 0.0) if r.spec and r.backend != "cpu" else 0.0 for r in rows]),
    )


def _usable(row: SpeedRow, test: str) -> bool:
    if row.spec is None or row.test != test or row.backend == "unspecified":
        return False
    if "BLAS" in row.backend_raw:  # M5 neural-accelerator build: a different kernel path, kept out
        return False
    return not (test == "pp512" and (row.backend == "cpu" or not (row.spec.fp16_tflops or row.spec.fp32_tflops)))


def _decode_bytes(rows: list[SpeedRow], k8: float, k16: float, kq: dict[str, float]) -> np.ndarray:
    out = np.zeros(len(rows))
    for i, r in enumerate(rows):
        for t, v in weights_for(r.model, r.quant).read_type_bytes.items():
            simple = SIMPLE_TYPES.get(t)
            if simple == "Q4_0":
                cost = 1.0
            elif simple == "Q8_0":
                cost = k8
            elif simple == "F16":
                cost = k16
            else:
                cost = kq.get(t, 1.0) * k8
            out[i] += v * cost
    return out


def inverse_bandwidth(bandwidth: np.ndarray, ceiling: np.ndarray) -> np.ndarray:
    """1 / B_eff: the soft minimum of the calibrated bandwidth and the issue-rate ceiling (CPU rows: no ceiling)."""
    with np.errstate(divide="ignore"):
        cap = np.where(ceiling > 0, 1 / np.where(ceiling > 0, ceiling, 1.0), 0.0)
    m = CEILING_SHARPNESS
    return np.asarray(((1 / bandwidth) ** m + cap**m) ** (1 / m))


def fit_decode(
    design: Design, kq: dict[str, float], mask: np.ndarray, lam_b: float, lam_f: float, hold_family: int | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Returns (params, predicted seconds for all rows)."""
    from scipy.optimize import least_squares

    nb, nf = len(design.backends), len(design.families)
    cache: dict[tuple[float, float], np.ndarray] = {}

    def predict(p: np.ndarray) -> np.ndarray:
        key = (round(p[2], 6), round(p[3], 6))
        if key not in cache:
            cache[key] = _decode_bytes(design.rows, math.exp(p[2]), math.exp(p[3]), kq)
        fam = p[4 + 2 * nb : 4 + 2 * nb + nf].copy()
        if hold_family is not None:
            fam[hold_family] = 0.0
        eff = np.exp(p[0] + p[4 : 4 + nb][design.b] + fam[design.f])
        tau = np.exp(p[1] + p[4 + nb : 4 + 2 * nb][design.b]) * 1e-6
        return cache[key] * inverse_bandwidth(design.bw * eff, math.exp(p[-1]) * design.fp32 * 1e9) + design.layers * tau

    def residuals(p: np.ndarray) -> np.ndarray:
        rel = predict(p)[mask] / design.y[mask] - 1
        return np.r_[rel, lam_b * p[4 : 4 + 2 * nb], lam_f * p[4 + 2 * nb : 4 + 2 * nb + nf], 0.5 * p[2:4]]

    p0 = np.r_[math.log(0.8), math.log(40.0), 0.0, 0.0, np.zeros(2 * nb + nf), math.log(50.0)]
    result = least_squares(residuals, p0, loss="soft_l1", f_scale=0.2)
    return result.x, predict(result.x)


def _prefill_features(rows: list[SpeedRow]) -> tuple[np.ndarray, np.ndarray, np.ndarray, list[dict[str, float]]]:
    flops, wbytes, compute, mixes = [], [], [], []
    for r in rows:
        arch, _ = calibration_models()[r.model]
        w = weights_for(r.model, r.quant)
        flops.append(prefill_flops_per_token(arch, w, PROMPT) * PROMPT)
        wbytes.append(w.file_bytes - w.embd_bytes)
        assert r.spec is not None
        compute.append(combined_compute(r.spec.fp16_tflops, r.spec.fp32_tflops) * 1e12)
        mixes.append({t: v for t, v in w.type_bytes.items() if t != "F32"})
    return np.array(flops), np.array(wbytes), np.array(compute), mixes


def fit_prefill(
    design: Design, qp: dict[str, float], mask: np.ndarray, lam_b: float, lam_f: float, hold_family: int | None = None
) -> tuple[np.ndarray, np.ndarray]:
    from scipy.optimize import least_squares

    from estimator.loads import attention_traffic_per_layer

    nb, nf = len(design.backends), len(design.families)
    flops, wbytes, compute, mixes = _prefill_features(design.rows)
    # llama-bench scoreboards run with flash attention off (-fa 0): scores stream through memory
    traffic = np.array([attention_traffic_per_layer(calibration_models()[r.model][0], PROMPT, False) for r in design.rows])
    traffic_s = traffic * design.layers / (design.bw * ATTENTION_TRAFFIC_EFF)

    def mix_factor(q8: float, q16: float) -> np.ndarray:
        out = []
        for mix in mixes:
            total = sum(mix.values())
            acc = 0.0
            for t, v in mix.items():
                simple = SIMPLE_TYPES.get(t)
                factor = 1.0 if simple == "Q4_0" else q8 if simple == "Q8_0" else q16 if simple == "F16" else qp.get(t, 1.0) * q8
                acc += v * factor
            out.append(acc / total)
        return np.array(out)

    def predict(p: np.ndarray) -> np.ndarray:
        fam = p[4 + nb : 4 + nb + nf].copy()
        if hold_family is not None:
            fam[hold_family] = 0.0
        eff = np.exp(p[0] + p[4 : 4 + nb][design.b] + fam[design.f]) * mix_factor(math.exp(p[2]), math.exp(p[3]))
        return flops / (compute * eff) + design.layers * math.exp(p[1]) * 1e-6 + wbytes / design.bw + traffic_s

    def residuals(p: np.ndarray) -> np.ndarray:
        rel = predict(p)[mask] / design.y[mask] - 1
        return np.r_[rel, lam_b * p[4 : 4 + nb], lam_f * p[4 + nb :], 0.5 * p[2:4]]

    p0 = np.r_[math.log(0.5), math.log(300.0), 0.0, 0.0, np.zeros(nb + nf)]
    result = least_squares(residuals, p0, loss="soft_l1", f_scale=0.2)
    return result.x, predict(result.x)


# ------------------------------------------------------------------------------------------------
# Step 3: accuracy
# ------------------------------------------------------------------------------------------------
@dataclass
class Accuracy:
    n: int
    median_abs_pct: float
    within_25_pct: float

    @classmethod
    def of(cls, predicted: np.ndarray, measured: np.ndarray) -> Accuracy:
        err = np.abs(predicted / measured - 1)
        return cls(len(err), float(100 * np.median(err)), float(100 * np.mean(err < 0.25)))

    def __str__(self) -> str:
        return f"median |err| {self.median_abs_pct:5.1f}%   within ±25%: {self.within_25_pct:5.1f}%   (n={self.n})"


@dataclass
class FitResult:
    constants: SpeedConstants
    report: dict[str, Accuracy]
    lofo_ratios: dict[str, np.ndarray]
    per_family: dict[str, dict[str, float]]


def _lofo(design: Design, fitter, factors, lam_b: float, lam_f: float) -> np.ndarray:
    predicted = np.zeros(len(design.rows))
    for fam in range(len(design.families)):
        held = design.f == fam
        _, pred = fitter(design, factors, ~held, lam_b, lam_f, hold_family=fam)
        predicted[held] = pred[held]
    return predicted


def run_fit(lam_grid: tuple[float, ...] = (0.1, 0.3, 1.0)) -> FitResult:
    kq, qp = quant_factors()
    report: dict[str, Accuracy] = {}
    ratios: dict[str, np.ndarray] = {}
    per_family: dict[str, dict[str, float]] = {}
    fitted: dict[str, tuple[Design, np.ndarray]] = {}
    for kind, test, fitter, factors in (("decode", "tg128", fit_decode, kq), ("prefill", "pp512", fit_prefill, qp)):
        design = _design([r for r in map(with_catalog_spec, speed_rows()) if _usable(r, test)])
        everything = np.ones(len(design.rows), dtype=bool)
        best = None
        for lam in lam_grid:  # shrinkage chosen by out-of-family error, never by in-sample fit
            lofo_pred = _lofo(design, fitter, factors, lam, lam)
            score = float(np.median(np.abs(design.y / lofo_pred - 1)))
            if best is None or score < best[0]:
                best = (score, lam, lofo_pred)
        assert best is not None
        _, lam, lofo_pred = best
        params, pred = fitter(design, factors, everything, lam, lam)
        fitted[kind] = (design, params)
        # predicted/measured speed = measured seconds / predicted seconds
        report[f"{kind} in-sample"] = Accuracy.of(design.y / pred, np.ones_like(pred))
        report[f"{kind} leave-one-family-out"] = Accuracy.of(design.y / lofo_pred, np.ones_like(pred))
        report[f"{kind} naive baseline"] = Accuracy.of(_naive(design, kind), np.ones_like(pred))
        ratios[kind] = design.y / lofo_pred
        per_family[kind] = {
            fam: float(100 * np.median(np.abs(design.y[design.f == i] / lofo_pred[design.f == i] - 1)))
            for i, fam in enumerate(design.families)
        }
        per_family[kind]["lambda"] = lam
    report.update(_size_accuracy())
    constants = _constants(fitted, kq, qp, ratios, report)
    return FitResult(constants, report, ratios, per_family)


def _naive(design: Design, kind: str) -> np.ndarray:
    """Predicted/measured speed of the usual back-of-envelope rules."""
    out = []
    for r, y in zip(design.rows, design.y, strict=True):
        assert r.spec is not None
        if kind == "decode":
            speed = r.spec.bandwidth_gbs / r.file_gb
        else:
            params = calibration_models()[r.model][1]
            speed = (r.spec.fp16_tflops or r.spec.fp32_tflops or 1.0) * 1e12 / (2 * params * 1e9)
        out.append(speed * y / (PROMPT if kind == "prefill" else 1))
    return np.array(out)


def _size_accuracy() -> dict[str, Accuracy]:
    bpw = nominal_bpw()
    ours, naive, measured = [], [], []
    for row in size_rows():
        quant = parse_quant(row.quant)
        ours.append(weights_for("llama-3.1-8b", row.quant).file_bytes / 1e9)
        base = quant.ftype if quant.ftype in bpw else row.quant.split("_L")[0]
        naive.append(row.params_b * bpw.get(base, bpw.get(quant.ftype or "", 4.5)) / 8)
        measured.append(row.file_gb)
    m = np.array(measured)
    return {
        "file size (no fitted constants: in-sample = out-of-sample)": Accuracy.of(np.array(ours), m),
        "file size naive baseline (params x nominal bpw)": Accuracy.of(np.array(naive), m),
    }


def _constants(fitted, kq, qp, ratios, report) -> SpeedConstants:
    d_design, dp = fitted["decode"]
    p_design, pp = fitted["prefill"]
    nb = len(d_design.backends)
    k8, k16 = math.exp(dp[2]), math.exp(dp[3])
    decode_cost = {"Q4_0": 1.0, "Q8_0": round(k8, 3), "F16": round(k16, 3), "BF16": round(k16, 3), "F32": round(k16, 3)}
    decode_cost.update({t: round(v * k8, 3) for t, v in kq.items()})
    pnb = len(p_design.backends)
    q8, q16 = math.exp(pp[2]), math.exp(pp[3])
    prefill_q = {"Q4_0": 1.0, "Q8_0": round(q8, 3), "F16": round(q16, 3), "BF16": round(q16, 3)}
    prefill_q.update({t: round(v * q8, 3) for t, v in qp.items() if t not in {"F16", "BF16"}})

    def q(a: np.ndarray, lo: float, hi: float) -> tuple[float, float]:
        return round(float(np.quantile(a, lo)), 3), round(float(np.quantile(a, hi)), 3)

    return SpeedConstants(
        decode_eff={b: round(math.exp(dp[0] + dp[4 + i]), 4) for i, b in enumerate(d_design.backends)},
        decode_layer_us={b: round(math.exp(dp[1] + dp[4 + nb + i]), 2) for i, b in enumerate(d_design.backends)},
        decode_quant_cost=decode_cost,
        decode_family={f: round(math.exp(dp[4 + 2 * nb + i]), 4) for i, f in enumerate(d_design.families)},
        prefill_eff={b: round(math.exp(pp[0] + pp[4 + i]), 4) for i, b in enumerate(p_design.backends)},
        prefill_layer_us={b: round(math.exp(pp[1]), 2) for b in p_design.backends},
        prefill_quant=prefill_q,
        prefill_family={f: round(math.exp(pp[4 + pnb + i]), 4) for i, f in enumerate(p_design.families)},
        bands={"decode": q(ratios["decode"], 0.1, 0.9), "prefill": q(ratios["prefill"], 0.1, 0.9)},
        decode_eff_default=round(math.exp(dp[0]), 4),
        issue_ceiling_gbs_per_tflops=round(math.exp(dp[-1]), 2),
        decode_layer_us_default=round(math.exp(dp[1]), 2),
        prefill_eff_default=round(math.exp(pp[0]), 4),
        prefill_layer_us_default=round(math.exp(pp[1]), 2),
        metrics={
            "decode_in_sample_median_pct": round(report["decode in-sample"].median_abs_pct, 2),
            "decode_lofo_median_pct": round(report["decode leave-one-family-out"].median_abs_pct, 2),
            "prefill_in_sample_median_pct": round(report["prefill in-sample"].median_abs_pct, 2),
            "prefill_lofo_median_pct": round(report["prefill leave-one-family-out"].median_abs_pct, 2),
        },
    )


def _fmt_dict(d: dict) -> str:
    items = ",\n".join(f'        "{k}": {v!r}' for k, v in sorted(d.items()))
    return "{\n" + items + ",\n    }"


_COMMENTS = {
    "decode_eff": "backend -> share of peak memory bandwidth reached while generating",
    "decode_layer_us": "backend -> fixed cost per layer per generated token, microseconds",
    "decode_quant_cost": "storage type -> decode cost per byte relative to Q4_0",
    "decode_family": "hardware family -> decode efficiency multiplier",
    "prefill_eff": "backend -> share of C = sqrt(FP16 matrix x FP32) TFLOPS reached on a 512-token prompt",
    "prefill_layer_us": "backend -> fixed cost per layer per prompt, microseconds",
    "prefill_quant": "storage type -> prefill kernel throughput relative to Q4_0",
    "prefill_family": "hardware family -> prefill efficiency multiplier",
    "bands": "kind[:category] -> (10th, 90th) percentile of predicted/measured on rows not used for the terms",
    "metrics": "accuracy of this fit (median absolute % error)",
    "issue_ceiling_gbs_per_tflops": "stage 1: decode bandwidth ceiling per FP32 TFLOPS (llama.cpp kernels)",
    "moe_layer_us": "stage 2 (fit files): backend -> extra microseconds per MoE layer per generated token",
    "moe_prefill_half": "stage 2: backend -> n_half of the expert batch efficiency g(n) = n / (n + n_half)",
    "attention_prefill_eff": "stage 2: backend or serving engine -> attention FLOP efficiency relative to matrix FLOPs",
    "runtime_decode_eff": "stage 2: engine -> bandwidth efficiency multiplier relative to llama.cpp on the backend",
    "runtime_layer_us": "stage 2: engine -> microseconds per layer per decode step (replaces the backend's)",
    "runtime_step_ms": "stage 2: engine -> fixed milliseconds per decode step (scheduler, sampling)",
    "runtime_prefill_eff": "stage 2: engine -> compute efficiency multiplier relative to llama.cpp on the backend",
    "runtime_quant_cost": "stage 2: engine:storage type -> decode cost per byte of that engine's kernels",
}


def render_constants(c: SpeedConstants) -> str:
    """Python source of constants.py: one readable table per term, in the order SpeedConstants declares them."""
    lines = [
        '"""Fitted speed constants. GENERATED by `python -m calibration.fit --write`; do not edit.',
        "",
        "Stage 1: data/calibration/measured_speed.csv (llama.cpp llama-bench pp512/tg128, LLaMA-2-7B on ~80 devices;",
        "Llama-3.1-8B per-quant table) and hardware_specs.csv. Stage 2: the benchmark files on the fit side of",
        "data/measurements/split.yaml. See calibration/fit.py and calibration/measured_fit.py for the procedure and",
        'bench/estimator_accuracy.py for the accuracy figures (fit and check rows apart)."""',
        "",
        "from estimator.calibration.model import SpeedConstants",
        "",
        "CONSTANTS = SpeedConstants(",
    ]
    for f in dataclasses.fields(c):
        value = getattr(c, f.name)
        if f.name in _COMMENTS:
            lines.append(f"    # {_COMMENTS[f.name]}")
        if isinstance(value, dict):
            lines.append(f"    {f.name}={_fmt_dict(value)}," if value else f"    {f.name}={{}},")
        else:
            lines.append(f"    {f.name}={value!r},")
    lines.append(")")
    return "\n".join(lines) + "\n"


def run_all(progress: bool = False) -> tuple[FitResult, SpeedConstants, dict[str, float]]:
    """Stage 1 on data/calibration, then stage 2 on the fit files; stage-2 bands from the fit rows' residuals."""
    from calibration.measured_fit import bands, fit, fit_rows, in_sample, parameters

    stage1 = run_fit()
    rows = fit_rows()
    stage2, x = fit(stage1.constants, rows)
    if progress:
        print(f"stage 2: {len(rows)} fit rows")
    ratios = in_sample(stage2, rows)
    stage2 = dataclasses.replace(stage2, bands=bands(rows, ratios, stage1.constants.bands))
    values = {p.name: round(float(math.exp(v)), 4) for p, v in zip(parameters(), x, strict=True)}
    return stage1, _rounded(stage2), values


def _rounded(c: SpeedConstants) -> SpeedConstants:
    changes: dict[str, Any] = {}
    for f in dataclasses.fields(c):
        value = getattr(c, f.name)
        if f.name.startswith(("moe_", "attention_", "runtime_", "allreduce")) or f.name == "decode_eff":
            if isinstance(value, dict):
                changes[f.name] = {k: round(v, 4) for k, v in value.items()}
            elif isinstance(value, float):
                changes[f.name] = round(value, 4)
    return dataclasses.replace(c, **changes)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--write", action="store_true", help="regenerate estimator/calibration/constants.py")
    args = parser.parse_args()
    result, constants, values = run_all(progress=True)
    for name, acc in result.report.items():
        print(f"{name:62s} {acc}")
    for kind, fams in result.per_family.items():
        print(kind, "per held-out family median %:", {k: round(v, 1) for k, v in fams.items()})
    print("stage 2 values:", values)
    print("bands:", constants.bands)
    if args.write:
        CONSTANTS_PATH.write_text(render_constants(constants), encoding="utf-8")
        print(f"wrote {CONSTANTS_PATH}")


if __name__ == "__main__":
    main()
