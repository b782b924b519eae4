"""What runs inside the chart worker process. Kept apart from bot/charts.py so that the worker imports only this,
the specs and Pillow (never discord or the catalog): the pool pickles these functions by name."""

from __future__ import annotations

import os
import threading
import time

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


PARENT_CHECK_S = 1.0


def _exit_with_parent(parent: int) -> None:
    """A worker whose bot died (even by kill -9) exits instead of waiting forever for work: it holds both ends
    of the pool's pipes, so it would never see end-of-file."""
    while True:
        time.sleep(PARENT_CHECK_S)
        if os.getppid() != parent:
            os._exit(0)


def warm_up() -> None:
    """Pool initializer: watch the parent, import Pillow, load the fonts and run every drawing path once."""
    threading.Thread(target=_exit_with_parent, args=(os.getppid(),), name="exit-with-parent", daemon=True).start()
    draw_chart(WARM_UP)


def ready() -> bool:
    return True
