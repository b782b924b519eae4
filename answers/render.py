"""Plain-text rendering shared by the command line and the `text` field of answers."""

from __future__ import annotations

from answers.estimates import EstimateResult

FIT_LABEL = {
    "runs_well": "Runs well",
    "tight": "Fits, but tight",
    "offload": "Runs with CPU offload (slow)",
    "cpu_only": "CPU only (slow)",
    "wont_run": "Won't run",
}


def fmt_tps(value: float | None) -> str:
    if value is None:
        return "-"
    if value >= 100:
        return f"{value:,.0f}"
    return f"{value:.1f}" if value >= 10 else f"{value:.2f}"


def hardware_label(refs: list[dict[str, str]]) -> str:
    """ "8× GeForce RTX 3090", "GeForce RTX 3090 + GeForce RTX 3060", or "CPU + RAM" when there is no accelerator."""
    if not refs:
        return "CPU + RAM"
    counts: dict[str, int] = {}
    for ref in refs:
        counts[ref["name"]] = counts.get(ref["name"], 0) + 1
    return " + ".join(f"{n}× {name}" if n > 1 else name for name, n in counts.items())


def measured_lines(result: EstimateResult, limit: int = 4) -> tuple[list[str], list[str]]:
    """The measured rows worth showing (already ordered most relevant first) and their sources, each once."""
    sources: list[str] = []
    lines = []
    per_kind = max(1, limit // 2)
    chosen = [r for r in result.measured if r.test.startswith("tg")][:per_kind]
    chosen += [r for r in result.measured if not r.test.startswith("tg")][: limit - len(chosen)]
    for row in chosen:
        if row.source not in sources:
            sources.append(row.source)
        number = sources.index(row.source) + 1
        backend = f" {row.backend}" if row.backend else ""
        context = f" at {row.context:,} ctx" if row.context else ""
        lines.append(
            f"{TEST_LABEL.get(row.test[:2], row.test)} {fmt_tps(row.tokens_per_s)} tok/s ({row.test}{context}, {row.quant}, "
            f"{row.runtime}{backend}; {row.match}{': ' + row.model_name if row.match == 'similar model' else ''}) [{number}]"
        )
    return lines, sources


TEST_LABEL = {"tg": "generating", "pp": "prompt"}


def assumed_line(result: EstimateResult, also: list[str] | tuple[str, ...] = ()) -> str | None:
    """One line with everything the answer assumed (what the estimator chose and what the question implied)."""
    notes = [*also, *(n.rstrip(".") for n in result.assumptions.notes)]
    return ("Assumed: " + "; ".join(notes) + ".") if notes else None


def estimate_text(result: EstimateResult, also_assumed: list[str] | tuple[str, ...] = ()) -> str:
    est = result.estimate
    where = hardware_label(result.hardware_refs)
    lines = [f"{result.model_ref['name']} · {est.quant.name} · {est.context:,} ctx on {where} ({est.runtime.name})"]
    assumed = assumed_line(result, also_assumed)
    if assumed:
        lines.append(assumed)
    lines.append(f"{FIT_LABEL[est.fit]}: {result.advice.explanation}")
    if est.decode_tps is not None and est.prefill_tps is not None and est.decode_band and est.prefill_band:
        lines.append(
            f"Speed ({result.evidence_label}): ~{fmt_tps(est.decode_tps)} tok/s generating "
            f"({fmt_tps(est.decode_band[0])}-{fmt_tps(est.decode_band[1])}), "
            f"~{fmt_tps(est.prefill_tps)} tok/s reading a {est.request.prompt_tokens}-token prompt "
            f"({fmt_tps(est.prefill_band[0])}-{fmt_tps(est.prefill_band[1])})"
        )
    rows, sources = measured_lines(result)
    lines.extend(f"Measured: {row}" for row in rows)
    for warning in est.warnings:
        lines.append(f"Note: {warning}")
    if result.advice.suggestions:
        lines.append("What to change:")
        lines.extend(f"- {s}" for s in result.advice.suggestions)
    lines.extend(f"[{i}] {source}" for i, source in enumerate(sources, 1))
    return "\n".join(lines)
