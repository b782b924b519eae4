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


def estimate_text(result: EstimateResult) -> str:
    est = result.estimate
    hw = ", ".join(h["name"] for h in result.hardware_refs) or "CPU + RAM"
    lines = [
        f"{result.model_ref['name']} · {est.quant.name} · {est.context:,} ctx on {hw} ({est.runtime.name})",
        f"{FIT_LABEL[est.fit]}: {result.advice.explanation}",
    ]
    if est.decode_tps is not None and est.prefill_tps is not None and est.decode_band and est.prefill_band:
        lines.append(
            f"Speed ({result.evidence}): ~{fmt_tps(est.decode_tps)} tok/s generating "
            f"({fmt_tps(est.decode_band[0])}-{fmt_tps(est.decode_band[1])}), "
            f"~{fmt_tps(est.prefill_tps)} tok/s reading a {est.request.prompt_tokens}-token prompt "
            f"({fmt_tps(est.prefill_band[0])}-{fmt_tps(est.prefill_band[1])})"
        )
    for row in result.measured[:4]:
        lines.append(
            f"Measured ({row['match']}): {row['test']} {fmt_tps(row['tokens_per_s'])} tok/s, {row['quant']}, "
            f"{row['runtime']}{' ' + row['backend'] if row['backend'] else ''} - {row['source']}"
        )
    for warning in est.warnings:
        lines.append(f"Note: {warning}")
    if result.advice.suggestions:
        lines.append("What to change:")
        lines.extend(f"- {s}" for s in result.advice.suggestions)
    return "\n".join(lines)
