"""Server-rendered SVG charts (no JavaScript), for the evaluation report and the commissioning
dashboard. Each chart sits beside an accessible table with the same numbers, so the SVG is
marked as an image with a text alternative and nothing more.

One set of primitives (`svg`, `text`, `line`) draws every chart; the two families keep their
own geometry and class (`evaluation-chart`, `commissioning-chart`) so the pages look as
before."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

INK = "#0b0c0c"  # GOV.UK black for axes and text (contrast ≥ 4.5:1)
BLUE = "#1d70b8"  # GOV.UK blue
RED = "#d4351c"  # GOV.UK red
SERIES_COLOURS = {"treatment": BLUE, "control": RED, "comparison": RED}
SERIES_DASHES = {"treatment": "", "control": ' stroke-dasharray="8 4"',
                 "comparison": ' stroke-dasharray="8 4"'}


@dataclass(frozen=True)
class Layout:
    """A chart family's box: the viewBox and the margins around the plot area."""

    css_class: str
    width: int
    height: int
    left: int
    right: int
    top: int
    bottom: int

    @property
    def plot_width(self) -> int:
        return self.width - self.left - self.right

    @property
    def plot_height(self) -> int:
        return self.height - self.top - self.bottom


EVALUATION = Layout("evaluation-chart", 640, 280, left=64, right=24, top=16, bottom=48)
COMMISSIONING = Layout("commissioning-chart", 640, 260, left=56, right=16, top=16, bottom=56)


# --- primitives ---------------------------------------------------------------------------

def svg(layout: Layout, title: str, body: Sequence[str], height: int | None = None) -> SafeString:
    """The chart element: an image named by its title, pointing to the table beside it."""
    head = (f'<svg class="{layout.css_class}" viewBox="0 0 {layout.width} '
            f'{layout.height if height is None else height}" role="img" '
            f'aria-label="{escape(title)}. The table beside it gives the same figures." '
            f'xmlns="http://www.w3.org/2000/svg" focusable="false">')
    return mark_safe(head + "".join(body) + "</svg>")  # noqa: S308 (every text is escaped)


def text(x: float, y: float, label: str, anchor: str = "middle", *, size: int = 12,
         fill: str = INK) -> str:
    return (f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}" font-size="{size}" '
            f'fill="{fill}">{escape(label)}</text>')


def line(x1: float, y1: float, x2: float, y2: float, extra: str = "", *,
         stroke: str = INK, width: float = 1) -> str:
    return (f'<line x1="{x1:.1f}" y1="{y1:.1f}" x2="{x2:.1f}" y2="{y2:.1f}" stroke="{stroke}" '
            f'stroke-width="{width:g}"{extra}/>')


def axes(layout: Layout, height: int | None = None) -> list[str]:
    """The x axis along the bottom of the plot and the y axis up its left side."""
    bottom = (layout.height if height is None else height) - layout.bottom
    return [line(layout.left, bottom, layout.width - layout.right, bottom),
            line(layout.left, layout.top, layout.left, bottom)]


# --- commissioning dashboard: bars and lines over categories ------------------------------

def _scale_max(values: Sequence[float | None]) -> float:
    top = max([v for v in values if v is not None] or [0])
    if top <= 0:
        return 1.0
    # A round top for the axis: 1, 2 or 5 times a power of ten.
    magnitude = 10 ** (len(str(int(top))) - 1)
    for step in (1, 2, 5, 10):
        if top <= step * magnitude:
            return float(step * magnitude)
    return float(top)


def _category_frame(title: str, top: float, body: list[str],
                    labels: list[tuple[float, str]]) -> SafeString:
    box = COMMISSIONING
    parts = [*axes(box), text(box.left - 6, box.top + 4, f"{top:g}", "end"),
             text(box.left - 6, box.top + box.plot_height, "0", "end"), *body]
    parts += [text(x, box.height - box.bottom + 16, label, size=11) for x, label in labels]
    return svg(box, title, parts)


def bar_chart(title: str, points: Sequence[tuple[str, float | None]]) -> SafeString:
    """Vertical bars; a missing (e.g. suppressed) value draws no bar."""
    box = COMMISSIONING
    top = _scale_max([v for _, v in points])
    slot = box.plot_width / max(len(points), 1)
    body, labels = [], []
    for index, (label, value) in enumerate(points):
        x = box.left + index * slot
        labels.append((x + slot / 2, label))
        if value is None or value <= 0:
            continue
        h = box.plot_height * value / top
        body.append(f'<rect x="{x + slot * 0.15:.1f}" y="{box.top + box.plot_height - h:.1f}" '
                    f'width="{slot * 0.7:.1f}" height="{h:.1f}" fill="{BLUE}"/>')
    return _category_frame(title, top, body, labels)


def line_chart(title: str, points: Sequence[tuple[str, float | None]]) -> SafeString:
    """A line through the values in order; a missing value breaks the line."""
    box = COMMISSIONING
    top = _scale_max([v for _, v in points])
    slot = box.plot_width / max(len(points), 1)
    body: list[str] = []
    labels: list[tuple[float, str]] = []
    run: list[str] = []

    def flush() -> None:
        if len(run) > 1:
            body.append(f'<polyline fill="none" stroke="{BLUE}" stroke-width="3" '
                        f'points="{" ".join(run)}"/>')
        run.clear()

    for index, (label, value) in enumerate(points):
        x = box.left + index * slot + slot / 2
        labels.append((x, label))
        if value is None:
            flush()
            continue
        y = box.top + box.plot_height - box.plot_height * value / top
        run.append(f"{x:.1f},{y:.1f}")
        body.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="4" fill="{BLUE}"/>')
    flush()
    return _category_frame(title, top, body, labels)


# --- evaluation report: survival curves and effects with intervals -------------------------

def km_chart(title: str, curves: Mapping[str, Mapping[str, Any]], window: int) -> SafeString:
    """Step curves of the share not yet reoffending, one per group, from 0 to the window."""
    box = EVALUATION
    plot_w, plot_h = box.plot_width, box.plot_height
    low = min([min((s for _, s in c["points"]), default=1.0) for c in curves.values()] + [1.0])
    floor = max(0.0, int(low * 10) / 10 - 0.1) if low > 0.1 else 0.0

    def x(day: float) -> float:
        return box.left + plot_w * min(day, window) / window

    def y(s: float) -> float:
        return box.top + plot_h * (1 - (s - floor) / (1 - floor))

    body = axes(box)
    for tick in (floor, (1 + floor) / 2, 1.0):
        body.append(text(box.left - 6, y(tick) + 4, f"{tick:.0%}", "end"))
    for day in range(0, window + 1, 60 if window > 200 else 30):
        body.append(text(x(day), box.top + plot_h + 16, str(day)))
    body.append(text(box.left + plot_w / 2, box.height - 8, "Days since the index date"))
    for index, (label, curve) in enumerate(curves.items()):
        path, previous = [], 1.0
        for day, surv in curve["points"]:
            if day > window:
                break
            path.append(f"{x(day):.1f},{y(previous):.1f} {x(day):.1f},{y(surv):.1f}")
            previous = surv
        path.append(f"{x(window):.1f},{y(previous):.1f}")
        colour = SERIES_COLOURS.get(label, INK)
        body.append(f'<polyline fill="none" stroke="{colour}" stroke-width="2.5"'
                    f'{SERIES_DASHES.get(label, "")} points="{" ".join(path)}"/>')
        body.append(text(box.left + plot_w - 4, box.top + plot_h - 12 - 16 * index, label,
                         "end", fill=colour))
    return svg(box, title, body)


def forest_plot(title: str, rows: Sequence[Mapping[str, Any]],
                axis: str = "Difference in reoffending (treated minus control)",
                points: bool = True) -> SafeString:
    """Each row: label, estimate and CI (a risk difference, drawn in percentage points)."""
    box = EVALUATION
    values = [v for r in rows for v in (r["low"], r["high"], r["estimate"]) if v is not None]
    span = max([abs(v) for v in values] + [0.05])
    plot_w = box.width - 220 - box.right
    height = box.top + 28 * len(rows) + box.bottom

    def x(v: float) -> float:
        return 220 + plot_w * (v + span) / (2 * span)

    body = [line(x(0), box.top, x(0), height - box.bottom, ' stroke-dasharray="4 3"'),
            text(x(-span), height - box.bottom + 16, _tick(-span, points)),
            text(x(0), height - box.bottom + 16, "0"),
            text(x(span), height - box.bottom + 16, _tick(span, points)),
            text(x(0), height - 8, axis)]
    for i, row in enumerate(rows):
        cy = box.top + 28 * i + 14
        body.append(text(210, cy + 4, row["label"], "end"))
        if row["estimate"] is None:
            body.append(text(x(0) + 40, cy + 4, "not estimable"))
            continue
        if row["low"] is not None and row["high"] is not None:
            body.append(line(x(row["low"]), cy, x(row["high"]), cy, stroke=BLUE, width=2))
        body.append(f'<rect x="{x(row["estimate"]) - 5:.1f}" y="{cy - 5}" width="10" '
                    f'height="10" fill="{BLUE}"/>')
    return svg(box, title, body, height)


def balance_chart(title: str, rows: Sequence[Mapping[str, Any]]) -> SafeString:
    """Standardised mean differences as dots, with the ±0.1 balance band."""
    if not rows:
        return mark_safe("")
    return forest_plot(title, [{"label": r["name"], "estimate": r["smd"], "low": None,
                                "high": None} for r in rows],
                       axis="Standardised mean difference (treated minus control)",
                       points=False)


def _tick(value: float, points: bool) -> str:
    return f"{value * 100:+.0f} pts" if points else f"{value:+.2f}"


# --- flow diagrams (CONSORT) ----------------------------------------------------------------

FLOW = Layout("evaluation-chart flow-diagram", 640, 0, left=8, right=8, top=8, bottom=8)
_LINE = 16  # one line of text in a box
_GAP = 30  # between rows of boxes, for the arrows


@dataclass(frozen=True)
class FlowBox:
    """One box of a flow diagram: its first line is bold (the stage), the rest are counts."""

    lines: tuple[str, ...]


def _box(x: float, y: float, w: float, box: FlowBox) -> tuple[list[str], float]:
    h = 10 + _LINE * len(box.lines)
    parts = [f'<rect x="{x:.1f}" y="{y:.1f}" width="{w:.1f}" height="{h:.1f}" fill="#ffffff" '
             f'stroke="{INK}" stroke-width="1.5"/>']
    for i, label in enumerate(box.lines):
        weight = ' font-weight="bold"' if i == 0 else ""
        parts.append(f'<text x="{x + w / 2:.1f}" y="{y + 4 + _LINE * (i + 1) - 3:.1f}" '
                     f'text-anchor="middle" font-size="12" fill="{INK}"{weight}>'
                     f'{escape(label)}</text>')
    return parts, h


def _arrow(x1: float, y1: float, x2: float, y2: float) -> str:
    """A line with its head drawn as a triangle (no <marker>: a url() reference would make
    the self-contained report look as if it fetched something)."""
    if x1 == x2:  # down
        head = f"{x2 - 5:.1f},{y2 - 8:.1f} {x2 + 5:.1f},{y2 - 8:.1f} {x2:.1f},{y2:.1f}"
        end_y, end_x = y2 - 8, x2
    else:  # across, to the right
        head = f"{x2 - 8:.1f},{y2 - 5:.1f} {x2 - 8:.1f},{y2 + 5:.1f} {x2:.1f},{y2:.1f}"
        end_y, end_x = y2, x2 - 8
    return (line(x1, y1, end_x, end_y, width=1.5)
            + f'<polygon points="{head}" fill="{INK}"/>')


def flow_diagram(title: str, rows: Sequence[Sequence[FlowBox]],
                 aside: Mapping[int, FlowBox] | None = None) -> SafeString:
    """Rows of boxes joined by arrows, top to bottom (one box per column; a row with as many
    boxes as the next joins them column to column). `aside[i]` is a box to the right of the
    arrow leaving row i (those who left the flow there: the exclusions of a CONSORT diagram)."""
    box, aside = FLOW, aside or {}
    width = box.width - box.left - box.right
    parts: list[str] = []
    y = float(box.top)
    previous: list[tuple[float, float]] = []  # (centre x, bottom y) of the row above
    for index, row in enumerate(rows):
        n = max(len(row), 1)
        slot = width / n
        current = []
        row_height = 0.0
        extra = aside.get(index - 1)
        if extra is not None:  # leave room beside the incoming arrow for the aside box
            side_parts, side_h = _box(box.left + width * 0.58, y, width * 0.42, extra)
            parts += side_parts
            mid = y + side_h / 2
            parts.append(_arrow(box.left + width / 2, mid, box.left + width * 0.58, mid))
            y += side_h + 12
        for column, item in enumerate(row):
            w = slot * (0.62 if n == 1 else 0.9)
            x = box.left + column * slot + (slot - w) / 2
            item_parts, h = _box(x, y, w, item)
            parts += item_parts
            row_height = max(row_height, h)
            current.append((x + w / 2, y + h))
        for column, (cx, _bottom) in enumerate(current):
            if len(previous) == len(current):
                px, pb = previous[column]
            elif previous:
                px, pb = previous[0]
            else:
                continue
            if px == cx:
                parts.append(_arrow(px, pb, cx, y))
            else:  # branch: down, across, down
                knee = y - _GAP / 2
                parts.append(line(px, pb, px, knee, width=1.5))
                parts.append(line(px, knee, cx, knee, width=1.5))
                parts.append(_arrow(cx, knee, cx, y))
        previous = current  # each box's own bottom: arrows start where its box ends
        y += row_height + _GAP
    return svg(box, title, parts, height=int(y - _GAP + box.bottom))
