"""Solvers over the estimate: the longest context that fits, the best quant that fits."""

from __future__ import annotations

from estimator.estimate import MAX_CONTEXT, Estimate, EstimateRequest, estimate
from estimator.quants import COMMON_GGUF

FITS_ON_GPU = {"runs_well", "tight"}
STEP = 256


def _fits(req: EstimateRequest, accept: set[str]) -> Estimate | None:
    est = estimate(req)
    return est if est.fit in accept else None


def max_context(req: EstimateRequest, accept: set[str] | None = None) -> int | None:
    """Longest context (a multiple of 256, up to the model's trained context) with the given tiers."""
    accept = accept or (FITS_ON_GPU if req.system.gpus else {"cpu_only"})
    ceiling = min(req.model.arch.max_context, MAX_CONTEXT)
    if _fits(req.model_copy(update={"context": min(STEP, ceiling)}), accept) is None:
        return None
    if _fits(req.model_copy(update={"context": ceiling}), accept) is not None:
        return ceiling
    lo, hi = STEP, ceiling  # lo fits, hi does not
    while hi - lo > STEP:
        mid = (lo + hi) // 2 // STEP * STEP
        mid = max(mid, lo + STEP)
        if _fits(req.model_copy(update={"context": mid}), accept) is not None:
            lo = mid
        else:
            hi = mid
    return lo


def best_quant(req: EstimateRequest, candidates: tuple[str, ...] = COMMON_GGUF, accept: set[str] | None = None) -> Estimate | None:
    """Highest-quality quant (candidates are ordered best first) whose estimate lands in ``accept``."""
    accept = accept or FITS_ON_GPU
    for quant in candidates:
        est = _fits(req.model_copy(update={"quant": quant}), accept)
        if est is not None:
            return est
    return None
