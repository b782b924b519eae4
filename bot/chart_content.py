"""What /willitrun's and /compare's charts say: specs for the drawing worker, alt text for screen readers and the
same numbers as embed text, all from the answers layer's results (nothing is computed here beyond formatting)."""

from __future__ import annotations

from answers.estimates import EstimateResult
from answers.render import FIT_LABEL, fmt_tps, hardware_label
from answers.side_by_side import SideBySide
from answers.speed_curve import Point
from bot.chart_specs import BarsPanel, ChartSpec, CurvePanel, CurvePoint, Row, Segment, k_tokens
from estimator.units import GB

ALT_TEXT_MAX = 1024  # Discord's limit for an attachment's description

ON_GPU = {"runs_well", "tight"}


def _lower_first(text: str) -> str:
    """ "Runs well" -> "runs well", but "CPU only" stays."""
    return text if text[1:2].isupper() else text[:1].lower() + text[1:]


def _gb(value: float) -> str:
    return f"{value:.1f}"


def _clip(text: str, limit: int = ALT_TEXT_MAX) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _band(low: float | None, high: float | None) -> str:
    return f" ({fmt_tps(low)}-{fmt_tps(high)})" if low is not None and high is not None else ""


# ------------------------------------------------------------------------------------------------
# /willitrun
# ------------------------------------------------------------------------------------------------
def memory_place(result: EstimateResult, short: bool = False) -> str:
    """Where the usable memory is: the GPU(s), unified memory, or RAM when CPU only."""
    system = result.estimate.request.system
    if not system.gpus:
        return "RAM" if short else "RAM (CPU only)"
    if any(g.kind == "unified" for g in system.gpus):
        return "unified" if short else "unified memory"
    return "GPU" if len(system.gpus) == 1 else f"{len(system.gpus)} GPUs"


def split_over_ram(result: EstimateResult) -> bool:
    """Whether the estimate places part of the model in system RAM (offload; not when it does not run at all)."""
    est = result.estimate
    return est.fit in {"offload", "cpu_only"} and bool(est.request.system.gpus) and est.memory.ram_used > 0


def estimate_spec(result: EstimateResult, points: list[Point]) -> ChartSpec:
    est, m = result.estimate, result.estimate.memory
    usable = m.available / GB
    weights, kv, other = m.weights / GB, m.kv_cache / GB, (m.compute_buffer + m.overhead) / GB
    in_ram = m.ram_used / GB if split_over_ram(result) else 0.0
    legend: list[tuple[str, str]] = [
        ("weights", f"weights {_gb(weights)} GB"),
        ("kv", f"KV cache {_gb(kv)} GB"),
        ("other", f"buffers + overhead {_gb(other)} GB"),
        ("capacity", f"usable {_gb(usable)} GB"),
    ]
    if in_ram > 0.05:
        legend.append(("ram", f"in system RAM {_gb(in_ram)} GB"))
    memory = BarsPanel(
        title=f"Memory ({memory_place(result, short=True)})",
        rows=(
            Row(
                label=f"needs {_gb(m.total / GB)} GB",
                segments=(Segment("weights", weights), Segment("kv", kv), Segment("other", other)),
                capacity=usable,
                in_ram=in_ram,
                value_text=f"of {_gb(usable)} GB",
            ),
        ),
        legend=tuple(legend),
    )
    panels: tuple[BarsPanel | CurvePanel, ...] = (memory,)
    widths: tuple[float, ...] = (1.0,)
    if points:
        asked = next((p for p in points if p.context == est.context), None)
        curve = CurvePanel(
            title="Generating as the context fills, tok/s",
            points=tuple(CurvePoint(p.context, p.decode_tps, p.low, p.high, p.fit) for p in points),
            asked=asked.context if asked else None,
            asked_label=f"{k_tokens(asked.context)}: {_point_value(asked)}" if asked else "",
        )
        panels, widths = (memory, curve), (0.4, 0.6)
    title = f"{result.model_ref['name']} {est.quant.name} on {_short(hardware_label(result.hardware_refs))}"
    return ChartSpec(title=_clip(title, 70), panels=panels, widths=widths)


def _point_value(p: Point) -> str:
    return "won't run" if p.decode_tps is None else f"{fmt_tps(p.decode_tps)} tok/s"


def curve_line(points: list[Point]) -> str:
    """ "2k 52.9 · 8k 46.3 · 64k 8.1 offload · 128k won't run" (tok/s when the context is full)."""
    parts = []
    for p in points:
        if p.decode_tps is None:
            parts.append(f"{k_tokens(p.context)} won't run")
        else:
            where = {"offload": " offload", "cpu_only": " CPU"}.get(p.fit, "")
            parts.append(f"{k_tokens(p.context)} {fmt_tps(p.decode_tps)}{where}")
    return " · ".join(parts)


def estimate_alt(result: EstimateResult, points: list[Point]) -> str:
    est, m = result.estimate, result.estimate.memory
    hw = hardware_label(result.hardware_refs)
    usable = m.available / GB
    text = (
        f"Chart: {result.model_ref['name']} {est.quant.name} on {hw}, {_lower_first(FIT_LABEL[est.fit])}. "
        f"Memory bar: needs {_gb(m.total / GB)} GB of {_gb(usable)} GB usable {memory_place(result)} "
        f"(weights {_gb(m.weights / GB)} GB, KV cache {_gb(m.kv_cache / GB)} GB, "
        f"buffers and overhead {_gb((m.compute_buffer + m.overhead) / GB)} GB)"
    )
    if split_over_ram(result):
        text += f", {_gb(m.gpu_used / GB)} GB on the {memory_place(result)} and {_gb(m.ram_used / GB)} GB in system RAM"
    elif est.fit == "wont_run" and est.request.system.gpus:
        text += f", more than the GPU memory and the {_gb(m.ram_available / GB)} GB of system RAM hold together"
    elif m.total <= m.available:
        text += f", {_gb((m.available - m.total) / GB)} GB free"
    text += "."
    if points:
        rows = []
        for p in points:
            mark = " (asked)" if p.context == est.context else ""
            if p.decode_tps is None:
                rows.append(f"{k_tokens(p.context)}{mark} won't run")
            else:
                where = {"offload": " with CPU offload", "cpu_only": " on the CPU"}.get(p.fit, "")
                rows.append(f"{k_tokens(p.context)}{mark} {fmt_tps(p.decode_tps)}{_band(p.low, p.high)}{where}")
        text += " Line: generation speed in tokens per second as the context fills, low to high band in brackets: " + "; ".join(rows) + "."
    return _clip(text)


# ------------------------------------------------------------------------------------------------
# /compare
# ------------------------------------------------------------------------------------------------
def _short(name: str) -> str:
    """ "GeForce RTX 3090" -> "RTX 3090" (the brand words add length, not meaning, on a small chart)."""
    return name.replace("GeForce ", "").replace("Radeon ", "")


def _speed_row(side, label: str) -> Row:
    if side.decode_tps is None:
        return Row(label=label, segments=(), value_text="won't run")
    band = (side.decode_low, side.decode_high) if side.decode_low is not None and side.decode_high is not None else None
    where = "" if side.fit in ON_GPU else " (offload)"
    return Row(
        label=label,
        segments=(Segment("speed", side.decode_tps),),
        band=band,
        value_text=f"~{fmt_tps(side.decode_tps)}{where}",
        colour=None if side.fit in ON_GPU else "offload",
    )


def _memory_row(side, label: str) -> Row:
    return Row(
        label=label,
        segments=(Segment("weights", side.weights_gb), Segment("kv", side.kv_cache_gb), Segment("other", side.other_gb)),
        capacity=side.usable_gb,
        in_ram=side.ram_gb,
        value_text=f"{_gb(side.needed_gb)} of {_gb(side.usable_gb)} GB",
    )


MEMORY_LEGEND = (("weights", "weights"), ("kv", "KV cache"), ("other", "buffers"), ("capacity", "usable"))


def compare_spec(figures: SideBySide) -> ChartSpec:
    a, b = figures.sides
    if figures.kind == "sizes":
        params = BarsPanel(
            title="Parameters, billions",
            rows=tuple(
                Row(
                    label=_short(s.name),
                    segments=(Segment("params", s.params_b or 0.0),),
                    value_text=f"{s.params_b:g}B" + (f" ({s.active_params_b:g}B active)" if s.active_params_b else ""),
                )
                for s in (a, b)
            ),
        )
        context = BarsPanel(
            title="Trained context, tokens",
            rows=tuple(
                Row(
                    label=_short(s.name), segments=(Segment("context", float(s.max_context or 0)),), value_text=k_tokens(s.max_context or 0)
                )
                for s in (a, b)
            ),
        )
        return ChartSpec(title=_clip(f"{a.name} vs {b.name}", 70), panels=(params, context))
    if figures.kind == "hardware":
        title = f"{_short(a.name)} vs {_short(b.name)}: {figures.model} {figures.quant}, {k_tokens(figures.context)}"
    else:
        title = f"{a.name} vs {b.name} on {_short(figures.hardware)}, {figures.quant}, {k_tokens(figures.context)}"
    legend = MEMORY_LEGEND + ((("ram", "in RAM"),) if a.ram_gb > 0.05 or b.ram_gb > 0.05 else ())
    memory = BarsPanel(title="Memory, GB", rows=tuple(_memory_row(s, _short(s.name)) for s in (a, b)), legend=legend)
    speed = BarsPanel(title="Generating, tok/s", rows=tuple(_speed_row(s, _short(s.name)) for s in (a, b)))
    return ChartSpec(title=_clip(title, 70), panels=(memory, speed), widths=(0.55, 0.45))


def compare_lines(figures: SideBySide) -> tuple[str, str]:
    """(field name, field value): every number the chart shows, for the embed."""
    if figures.kind == "sizes":
        lines = [
            f"{s.name}: {s.params_b:g}B parameters"
            + (f" ({s.active_params_b:g}B active)" if s.active_params_b else "")
            + f", trained context {s.max_context or 0:,} tokens"
            for s in figures.sides
        ]
        return "Sizes", "\n".join(lines)
    lines = []
    for s in figures.sides:
        speed = f"~{fmt_tps(s.decode_tps)} tok/s{_band(s.decode_low, s.decode_high)}" if s.decode_tps is not None else "won't run"
        fit = _lower_first(FIT_LABEL[s.fit]) if s.fit else ""
        lines.append(
            f"{s.name}: needs {_gb(s.needed_gb)} GB (weights {_gb(s.weights_gb)}, KV {_gb(s.kv_cache_gb)}, "
            f"buffers {_gb(s.other_gb)}) of {_gb(s.usable_gb)} GB usable"
            + (f", {_gb(s.ram_gb)} GB of it in system RAM" if s.ram_gb > 0.05 else "")
            + f"; {fit}, {speed}"
        )
    if figures.kind == "hardware":
        name = f"Running {figures.model} {figures.quant} at {figures.context:,} tokens"
    else:
        name = f"On a {figures.hardware} ({figures.quant}, {figures.context:,} tokens)"
    return name, "\n".join(lines)


def compare_alt(figures: SideBySide) -> str:
    a, b = figures.sides
    if figures.kind == "sizes":
        body = "; ".join(
            f"{s.name} {s.params_b:g} billion parameters"
            + (f" ({s.active_params_b:g} billion active)" if s.active_params_b else "")
            + f", trained context {s.max_context or 0:,} tokens"
            for s in (a, b)
        )
        return _clip(f"Chart comparing {a.name} and {b.name}: {body}.")
    _, lines = compare_lines(figures)
    subject = (
        f"Chart comparing {a.name} and {b.name} running {figures.model} {figures.quant} at {figures.context:,} tokens"
        if figures.kind == "hardware"
        else f"Chart comparing {a.name} and {b.name} on a {figures.hardware}, {figures.quant} at {figures.context:,} tokens"
    )
    return _clip(f"{subject}. Memory bars and generation speed bars with low-high bands: " + lines.replace("\n", ". ") + ".")
