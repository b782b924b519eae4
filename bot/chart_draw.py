"""Drawing: a ``ChartSpec`` in, PNG bytes out, with Pillow. Shapes and text are drawn at twice the size and
reduced, which anti-aliases lines, circles and the band as well as the text. Text is DejaVu Sans (Debian's
fonts-dejavu-core; deploy/Dockerfile installs it), else Pillow's built-in font.

Pillow was chosen over matplotlib by measurement (bench/charts.py; DESIGN.md has the figures): the same chart
with the same font renders several times faster, and the worker process starts in a fraction of the time.
In the bot this module runs only in the render worker process (bot/charts.py); benchmarks and tests call it
directly. Layout is in output pixels from the top-left corner."""

from __future__ import annotations

import io
import itertools
import math
import unicodedata
from functools import lru_cache

from PIL import Image, ImageDraw, ImageFont

from bot.chart_specs import MIN_FONT_PX, PALETTE, BarsPanel, ChartSpec, CurvePanel, Row, k_tokens

SCALE = 2  # supersampling factor
TITLE_PX = 24
HEADING_PX = 21
TEXT_PX = MIN_FONT_PX
PAD_PX = 18
SWATCH_PX = 14
FONT_FILES = {False: "DejaVuSans.ttf", True: "DejaVuSans-Bold.ttf"}
PNG_COMPRESS_LEVEL = 3  # a quarter less CPU than zlib's default 6, ~2% larger files


@lru_cache(maxsize=32)
def font(px: float, bold: bool = False) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    """DejaVu Sans at ``px`` output pixels (drawn at SCALE times that); Pillow's own font if DejaVu is absent."""
    size = round(px * SCALE)
    try:
        return ImageFont.truetype(FONT_FILES[bold], size)  # Pillow searches the system's font directories
    except OSError:
        return ImageFont.load_default(size)


def has_dejavu() -> bool:
    loaded = font(TEXT_PX)
    return isinstance(loaded, ImageFont.FreeTypeFont) and "DejaVu" in (loaded.getname()[0] or "")


def clean(text: str) -> str:
    """One line of printable text: control, format and separator characters (newlines, tabs, bidi marks, line and
    paragraph separators) become spaces."""
    return "".join(" " if unicodedata.category(c)[0] in "CZ" and c != " " else c for c in text)


def _layable(text: str, bold: bool) -> str:
    """``text`` as the font can lay it out: cleaned, or as ASCII if the shaper still refuses it."""
    text = clean(text)
    try:
        font(TEXT_PX, bold).getlength(text)
    except (RuntimeError, ValueError):
        return text.encode("ascii", "replace").decode("ascii")
    return text


def text_width(text: str, px: float, bold: bool = False) -> float:
    return font(px, bold).getlength(_layable(text, bold)) / SCALE


def fit_text(text: str, px: float, width: float, bold: bool = False) -> str:
    """``text`` cut with an ellipsis so that it fits ``width`` pixels."""
    text = _layable(text, bold)
    if text_width(text, px, bold) <= width:
        return text
    while text and text_width(text + "…", px, bold) > width:
        text = text[:-1]
    return text.rstrip() + "…"


def _rgb(key: str, alpha: int | None = None) -> tuple[int, ...]:
    value = PALETTE[key].lstrip("#")
    rgb = tuple(int(value[i : i + 2], 16) for i in (0, 2, 4))
    return rgb if alpha is None else (*rgb, alpha)


class _Canvas:
    """An image addressed in output pixels from the top-left corner, drawn at SCALE times the size."""

    def __init__(self, width: int, height: int):
        self.w, self.h = width, height
        self.image = Image.new("RGB", (width * SCALE, height * SCALE), _rgb("card"))
        self.draw = ImageDraw.Draw(self.image, "RGBA")
        self.rect(0, 0, width, height, outline="border", outline_px=3)

    @staticmethod
    def _s(*values: float) -> list[float]:
        return [v * SCALE for v in values]

    def rect(
        self, x: float, y: float, w: float, h: float, colour: str | None = None, outline: str | None = None, outline_px: float = 0
    ) -> None:
        if w <= 0 or h <= 0:
            return
        self.draw.rectangle(
            self._s(x, y, x + w, y + h),
            fill=_rgb(colour) if colour else None,
            outline=_rgb(outline) if outline else None,
            width=round(outline_px * SCALE),
        )

    def hatch(self, x: float, y: float, w: float, h: float, colour: str, step_px: float = 7, line_px: float = 1.5) -> None:
        """Diagonal lines over a rectangle (the part of a memory bar that sits in system RAM)."""
        if w <= 0 or h <= 0:
            return
        size = (max(1, round(w * SCALE)), max(1, round(h * SCALE)))
        mask = Image.new("L", size, 0)
        pen = ImageDraw.Draw(mask)
        step, width = step_px * SCALE, max(1, round(line_px * SCALE))
        k = float(-size[1])
        while k < size[0]:
            pen.line([(k, size[1]), (k + size[1], 0)], fill=255, width=width)
            k += step
        self.image.paste(_rgb(colour), (round(x * SCALE), round(y * SCALE)), mask)

    def line(self, points: list[tuple[float, float]], colour: str, width_px: float = 2, dash_px: float = 0, halo: bool = False) -> None:
        """A polyline; ``halo`` first draws it wider in the card's colour, so that a light mark drawn over a bar
        keeps its contrast against the bar as well as against the card."""
        if halo:
            self.line(points, "card", width_px + 3)
        scaled = [(px * SCALE, py * SCALE) for px, py in points]
        width = max(1, round(width_px * SCALE))
        if not dash_px:
            self.draw.line(scaled, fill=_rgb(colour), width=width, joint="curve")
            return
        (x0, y0), (x1, y1) = scaled[0], scaled[-1]
        length = math.hypot(x1 - x0, y1 - y0)
        dash = dash_px * SCALE
        t = 0.0
        while t < length:
            a, b = t / length, min(t + dash, length) / length
            self.draw.line(
                [(x0 + (x1 - x0) * a, y0 + (y1 - y0) * a), (x0 + (x1 - x0) * b, y0 + (y1 - y0) * b)], fill=_rgb(colour), width=width
            )
            t += 2 * dash

    def circle(self, x: float, y: float, diameter_px: float, colour: str) -> None:
        r = diameter_px / 2
        self.draw.ellipse(self._s(x - r, y - r, x + r, y + r), fill=_rgb(colour), outline=_rgb("card"), width=SCALE)

    def cross(self, x: float, y: float, size_px: float, colour: str) -> None:
        r = size_px / 2
        for a, b in (((x - r, y - r), (x + r, y + r)), ((x - r, y + r), (x + r, y - r))):
            self.line([a, b], colour, size_px / 4)

    def polygon(self, points: list[tuple[float, float]], colour: str, alpha: int) -> None:
        self.draw.polygon([(px * SCALE, py * SCALE) for px, py in points], fill=_rgb(colour, alpha))

    def text(self, x: float, y: float, s: str, px: float = TEXT_PX, colour: str = "text", bold: bool = False, anchor: str = "la") -> None:
        """``anchor``: Pillow's two letters, horizontal (l, m, r) then vertical (a: top of the letters, m, s)."""
        self.draw.text((x * SCALE, y * SCALE), _layable(s, bold), fill=_rgb(colour), font=font(px, bold), anchor=anchor)

    def swatch(self, x: float, y: float, key: str) -> None:
        """A legend key for text whose top is at ``y``."""
        top = y + (TEXT_PX - SWATCH_PX) / 2 + 1
        mid = top + SWATCH_PX / 2
        if key == "capacity":
            self.line([(x + SWATCH_PX / 2, top - 2), (x + SWATCH_PX / 2, top + SWATCH_PX + 2)], "text", 3)
        elif key == "ram":
            self.rect(x, top, SWATCH_PX, SWATCH_PX, "weights")
            self.hatch(x, top, SWATCH_PX, SWATCH_PX, "card")
        elif key == "wont_run":
            self.cross(x + SWATCH_PX / 2, mid, SWATCH_PX - 2, key)
        elif key in {"speed", "offload", "cpu"}:  # the curve's point markers
            self.circle(x + SWATCH_PX / 2, mid, SWATCH_PX, key)
        else:
            self.rect(x, top, SWATCH_PX, SWATCH_PX, key)

    def png(self) -> bytes:
        buffer = io.BytesIO()
        self.image.reduce(SCALE).save(buffer, format="PNG", compress_level=PNG_COMPRESS_LEVEL)
        return buffer.getvalue()


def render(spec: ChartSpec) -> bytes:
    """The chart as a PNG of exactly ``spec.width_px`` x ``spec.height_px``."""
    canvas = _Canvas(spec.width_px, spec.height_px)
    room = spec.width_px - 2 * PAD_PX
    title_px = next((px for px in (TITLE_PX, TITLE_PX - 2, HEADING_PX) if text_width(spec.title, px, True) <= room), HEADING_PX)
    canvas.text(PAD_PX, PAD_PX, fit_text(spec.title, title_px, room, True), px=title_px, bold=True)
    top = PAD_PX + TITLE_PX + 18
    widths = spec.widths or tuple(1 / len(spec.panels) for _ in spec.panels)
    inner = spec.width_px - PAD_PX * (len(spec.panels) + 1)
    panel_widths = [inner * share for share in widths]
    # bar panels side by side keep their rows level: all leave room for the longest legend
    legend_room = max(
        (len(_legend_lines(p.legend, w)) for p, w in zip(spec.panels, panel_widths, strict=True) if isinstance(p, BarsPanel)), default=0
    )
    x = float(PAD_PX)
    for panel, w in zip(spec.panels, panel_widths, strict=True):
        box = (x, float(top), w, spec.height_px - top - PAD_PX)
        if isinstance(panel, BarsPanel):
            _bars(canvas, panel, *box, legend_room=legend_room)
        else:
            _curve(canvas, panel, *box)
        x += w + PAD_PX
    return canvas.png()


def _legend_lines(items: tuple[tuple[str, str], ...], w: float) -> list[list[tuple[str, str, float]]]:
    """Legend items placed left to right, wrapped at the panel's width: lines of (key, text, x offset)."""
    lines: list[list[tuple[str, str, float]]] = [[]]
    cx = 0.0
    for key, text in items:
        item_w = SWATCH_PX + 8 + text_width(text, TEXT_PX) + 20
        if cx > 0 and cx + item_w > w:
            lines.append([])
            cx = 0.0
        lines[-1].append((key, text, cx))
        cx += item_w
    return [line for line in lines if line]


LEGEND_LINE_PX = TEXT_PX + 10


def _legend(canvas: _Canvas, lines: list[list[tuple[str, str, float]]], x: float, y: float) -> None:
    for n, line in enumerate(lines):
        cy = y + n * LEGEND_LINE_PX
        for key, text, dx in line:
            canvas.swatch(x + dx, cy, key)
            canvas.text(x + dx + SWATCH_PX + 8, cy, text, colour="muted")


# ------------------------------------------------------------------------------------------------
# Horizontal stacked bars (memory, speeds, sizes)
# ------------------------------------------------------------------------------------------------
ROW_LABEL_PX = TEXT_PX + 9
ROW_GAP_PX = 14
BAR_MIN_PX, BAR_MAX_PX = 28, 40


def _row_end(row: Row) -> float:
    total = sum(s.value for s in row.segments)
    return max(total, row.capacity or 0.0, row.band[1] if row.band else 0.0)


def _bars(canvas: _Canvas, panel: BarsPanel, x: float, y: float, w: float, h: float, legend_room: int = 0) -> None:
    canvas.text(x, y, fit_text(panel.title, HEADING_PX, w, True), px=HEADING_PX, bold=True)
    y += HEADING_PX + 16
    legend = _legend_lines(panel.legend, w)
    room = h - (HEADING_PX + 16) - max(legend_room, len(legend)) * LEGEND_LINE_PX
    per_row = room / max(1, len(panel.rows))
    bar_px = max(BAR_MIN_PX, min(BAR_MAX_PX, per_row - ROW_LABEL_PX - ROW_GAP_PX - 6))
    row_px = max(ROW_LABEL_PX + bar_px + ROW_GAP_PX, min(per_row, ROW_LABEL_PX + bar_px + 3 * ROW_GAP_PX))
    end = max((_row_end(r) for r in panel.rows), default=0.0)
    scale = w * 0.99 / end if end > 1e-9 else 0.0  # nothing to show: empty bars
    for i, row in enumerate(panel.rows):
        top = y + i * row_px
        value_w = text_width(row.value_text, TEXT_PX, True) + 12 if row.value_text else 0
        canvas.text(x, top, fit_text(row.label, TEXT_PX, w - value_w), colour="muted")
        if row.value_text:
            canvas.text(x + w, top, row.value_text, bold=True, anchor="ra")
        bar_top = top + ROW_LABEL_PX
        if row.capacity:
            canvas.rect(x, bar_top, row.capacity * scale, bar_px, "track")
        left = 0.0
        for seg in row.segments:
            canvas.rect(x + left * scale, bar_top, seg.value * scale, bar_px, row.colour or seg.kind)
            left += seg.value
        if row.in_ram > 0:  # the part that does not fit: in system RAM
            start = max(0.0, left - row.in_ram)
            canvas.hatch(x + start * scale, bar_top, (left - start) * scale, bar_px, "card")
        if row.capacity:
            cx = x + row.capacity * scale
            canvas.line([(cx, bar_top - 5), (cx, bar_top + bar_px + 5)], "text", 3, halo=True)
        if row.band:
            mid = bar_top + bar_px / 2
            low, high = (x + v * scale for v in row.band)
            for whisker in ([(low, mid), (high, mid)], [(low, mid - 8), (low, mid + 8)], [(high, mid - 8), (high, mid + 8)]):
                canvas.line(whisker, "card", 5)
            for whisker in ([(low, mid), (high, mid)], [(low, mid - 8), (low, mid + 8)], [(high, mid - 8), (high, mid + 8)]):
                canvas.line(whisker, "text", 2)
    _legend(canvas, legend, x, y + len(panel.rows) * row_px)


# ------------------------------------------------------------------------------------------------
# Speed against context length
# ------------------------------------------------------------------------------------------------
def nice_top(value: float) -> float:
    """The smallest round number (1, 1.5, 2, 2.5, 3, 4, 5, 6, 8 times a power of ten) at or above ``value``."""
    if not value > 1e-9:  # zero, negligible or NaN: a unit scale
        return 1.0
    exponent = 10 ** math.floor(math.log10(value))
    for step in (1, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10):
        if step * exponent >= value * (1 - 1e-9):
            return step * exponent
    return 10 * exponent


def spaced_ticks(contexts: list[int], asked: int | None, px_per_doubling: float) -> list[int]:
    """Tick labels far enough apart to read: the asked context first, then the ends, then the rest."""
    min_gap = (text_width("128k", TEXT_PX) + 14) / px_per_doubling
    order = ([asked] if asked in contexts else []) + [contexts[-1], contexts[0]] + contexts[1:-1]
    kept: list[int] = []
    for c in order:
        if c not in kept and all(abs(math.log2(c) - math.log2(k)) >= min_gap for k in kept):
            kept.append(c)
    return sorted(kept)


def _kind(fit: str) -> str:
    """The marker (and legend entry) for a point's fit."""
    return {"runs_well": "speed", "tight": "speed", "cpu_only": "cpu"}.get(fit, "offload")


def _curve(canvas: _Canvas, panel: CurvePanel, x: float, y: float, w: float, h: float) -> None:
    canvas.text(x, y, fit_text(panel.title, HEADING_PX, w, True), px=HEADING_PX, bold=True)
    points = list(panel.points)
    if not points:
        return
    runs = [p for p in points if p.tps is not None]
    top = nice_top(max((p.high or p.tps or 0.0) for p in runs) * 1.1) if runs else 1.0
    labels = [f"{v:g}" for v in (0, top / 2, top)]
    left_px = max(text_width(s, TEXT_PX) for s in labels) + 14
    plot_x, plot_w = x + left_px, w - left_px - 10
    plot_top = y + HEADING_PX + 30
    plot_bottom = y + h - LEGEND_LINE_PX - (TEXT_PX + 12)
    logs = [math.log2(p.context) for p in points]
    lo, hi = min(logs) - 0.35, max(logs) + 0.35

    def px(context: float) -> float:
        return plot_x + (math.log2(context) - lo) / (hi - lo) * plot_w

    def py(value: float) -> float:
        return plot_bottom - value / top * (plot_bottom - plot_top)

    for value, label in zip((0, top / 2, top), labels, strict=True):  # grid and y labels (none if nothing runs)
        canvas.line([(plot_x, py(value)), (plot_x + plot_w, py(value))], "grid", 1)
        if runs:
            canvas.text(plot_x - 10, py(value), label, colour="muted", anchor="rm")
    for c in spaced_ticks([p.context for p in points], panel.asked, plot_w / (hi - lo)):
        canvas.text(px(c), plot_bottom + 8, k_tokens(c), colour="muted", anchor="ma")
    if panel.asked is not None:
        canvas.line([(px(panel.asked), plot_top - 8), (px(panel.asked), plot_bottom)], "muted", 2, dash_px=4)
    if runs:
        band = [(px(p.context), py(p.high if p.high is not None else p.tps or 0.0)) for p in runs]
        band += [(px(p.context), py(p.low if p.low is not None else p.tps or 0.0)) for p in reversed(runs)]
        canvas.polygon(band, "speed", 72)
        for a, b in itertools.pairwise(runs):  # each stretch in the colour of where it ends (GPU or offload)
            kind = _kind(b.fit)
            canvas.line([(px(a.context), py(a.tps or 0.0)), (px(b.context), py(b.tps or 0.0))], kind, 3)
    kinds = []
    for p in points:
        if p.tps is None:
            canvas.cross(px(p.context), py(0) - 9, 14, "wont_run")
            kinds.append("wont_run")
        else:
            kind = _kind(p.fit)
            canvas.circle(px(p.context), py(p.tps), 13, kind)
            kinds.append(kind)
    if panel.asked is not None and panel.asked_label:
        right = px(panel.asked) > plot_x + plot_w / 2
        canvas.text(px(panel.asked) + (-8 if right else 8), plot_top - 12, panel.asked_label, bold=True, anchor="ra" if right else "la")
    names = {"speed": "on GPU", "offload": "CPU offload", "cpu": "CPU only", "wont_run": "won't run"}
    legend = _legend_lines(tuple((k, names[k]) for k in names if k in kinds), w)
    _legend(canvas, legend[:1], plot_x, y + h - LEGEND_LINE_PX + 6)
