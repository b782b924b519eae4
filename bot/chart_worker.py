"""What runs inside the chart worker process. Kept apart from bot/charts.py so that the worker imports only this,
the specs and Pillow (never discord or the catalog): the pool pickles these functions by name."""

from __future__ import annotations

from bot.chart_specs import BarsPanel, ChartSpec, CurvePanel, CurvePoint, Row, Segment

WARM_UP = ChartSpec(
    title="warm-up",
    panels=(
        BarsPanel("Memory", (Row("a", (Segment("weights", 1.0), Segment("kv", 0.5)), capacity=2.0, in_ram=0.2, band=(1.0, 1.6)),)),
        CurvePanel("Speed", (CurvePoint(2048, 10.0, 8.0, 12.0, "runs_well"), CurvePoint(4096, None, None, None, "wont_run")), 2048, "2k"),
    ),
)


def draw_chart(spec: ChartSpec) -> bytes:
    from bot.chart_draw import render

    return render(spec)


def warm_up() -> None:
    """Pool initializer: import Pillow, load the fonts and run every drawing path once."""
    draw_chart(WARM_UP)


def ready() -> bool:
    return True
