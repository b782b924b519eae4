"""What a chart shows, as plain picklable data, and the palette it is drawn in. Nothing here imports the drawing
library, discord or the catalog: the render worker process unpickles these and stays light.

The palette is an opaque dark card with light text, framed by a mid-grey border that stands out from both of
Discord's themes (dark #313338 and light #FFFFFF); tests check the contrast ratios numerically."""

from __future__ import annotations

from dataclasses import dataclass, field

WIDTH_PX = 800
HEIGHT_PX = 360
DPI = 100
MIN_FONT_PX = 18  # Discord shows embed images at about half size: 18 px stays >= 9 px on screen

# Discord's message backgrounds the card must stand out from (dark and light themes).
DISCORD_DARK = "#313338"
DISCORD_LIGHT = "#FFFFFF"

PALETTE = {
    "card": "#1B1E24",
    "border": "#8C919A",
    "text": "#F2F3F5",
    "muted": "#B9BEC7",
    "grid": "#3A3F48",
    "track": "#2C3038",
    "weights": "#5AA9F0",
    "kv": "#F2A93B",
    "other": "#C29CF0",
    "speed": "#5FD28F",
    "offload": "#F08A4B",
    "cpu": "#F08A4B",  # CPU-only points: like offload, named differently
    "wont_run": "#FF6B6B",
    "ram": "#F2F3F5",  # hatching over the part that sits in system RAM
    "params": "#5AA9F0",
    "active": "#F2A93B",
    "context": "#C29CF0",
}
# Everything drawn on the card that carries meaning (text, series, markers) and must read against it.
TEXT_KEYS = ("text", "muted")
SERIES_KEYS = ("weights", "kv", "other", "speed", "offload", "cpu", "wont_run", "params", "active", "context")
LABELS = {
    "weights": "weights",
    "kv": "KV cache",
    "other": "buffers + overhead",
    "params": "total parameters",
    "active": "active per token",
    "context": "trained context",
}


@dataclass(frozen=True)
class Segment:
    kind: str  # a PALETTE / LABELS key
    value: float


@dataclass(frozen=True)
class Row:
    """One horizontal bar: stacked segments, optionally against a capacity (drawn as a track with a marker),
    with a low-high band (whisker) and the text printed after it."""

    label: str
    segments: tuple[Segment, ...]
    capacity: float | None = None
    in_ram: float = 0.0  # the bar's last part that sits in system RAM (hatched)
    band: tuple[float, float] | None = None
    value_text: str = ""
    colour: str | None = None  # PALETTE key overriding the segments' own (e.g. offload speed)


@dataclass(frozen=True)
class BarsPanel:
    title: str
    rows: tuple[Row, ...]
    legend: tuple[tuple[str, str], ...] = ()  # (PALETTE key, text) under the bars
    capacity_label: str = ""  # how the capacity marker is explained in the legend ("usable")


@dataclass(frozen=True)
class CurvePoint:
    context: int
    tps: float | None
    low: float | None
    high: float | None
    fit: str


@dataclass(frozen=True)
class CurvePanel:
    title: str
    points: tuple[CurvePoint, ...]
    asked: int | None = None  # the context the question was about (marked)
    asked_label: str = ""  # printed beside the mark, e.g. "8k: 46.3 tok/s"


@dataclass(frozen=True)
class ChartSpec:
    title: str
    panels: tuple[BarsPanel | CurvePanel, ...]
    widths: tuple[float, ...] = field(default=())  # share of the width per panel (default: equal)
    width_px: int = WIDTH_PX
    height_px: int = HEIGHT_PX


def relative_luminance(hex_colour: str) -> float:
    """WCAG 2.x relative luminance of an sRGB colour such as "#1B1E24"."""
    value = hex_colour.lstrip("#")
    channels = [int(value[i : i + 2], 16) / 255 for i in (0, 2, 4)]
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast_ratio(a: str, b: str) -> float:
    """WCAG contrast ratio between two colours (1 to 21)."""
    la, lb = sorted((relative_luminance(a), relative_luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def k_tokens(context: int) -> str:
    """8192 -> "8k", 40960 -> "40k", 1536 -> "1.5k", 500 -> "500"."""
    if context < 1024:
        return str(context)
    k = context / 1024
    return f"{k:.0f}k" if abs(k - round(k)) < 0.05 else f"{k:.1f}k"
