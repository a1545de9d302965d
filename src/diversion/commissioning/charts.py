"""Server-rendered SVG charts (no JavaScript). Each chart sits beside an accessible table with the
same numbers, so the SVG is marked as an image with a text alternative and nothing more."""

from __future__ import annotations

from collections.abc import Sequence

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

WIDTH, HEIGHT = 640, 260
LEFT, RIGHT, TOP, BOTTOM = 56, 16, 16, 56
BAR = "#1d70b8"  # GOV.UK blue; the axis and text use GOV.UK black (contrast ≥ 4.5:1)
INK = "#0b0c0c"


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


def _frame(title: str, top: float, body: list[str], labels: list[tuple[float, str]]) -> SafeString:
    plot_h = HEIGHT - TOP - BOTTOM
    parts = [
        f'<svg class="commissioning-chart" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
        f'aria-label="{escape(title)}. The table beside it gives the same figures." '
        f'xmlns="http://www.w3.org/2000/svg" focusable="false">',
        f'<line x1="{LEFT}" y1="{TOP + plot_h}" x2="{WIDTH - RIGHT}" y2="{TOP + plot_h}" '
        f'stroke="{INK}" stroke-width="1"/>',
        f'<line x1="{LEFT}" y1="{TOP}" x2="{LEFT}" y2="{TOP + plot_h}" stroke="{INK}" '
        f'stroke-width="1"/>',
        f'<text x="{LEFT - 6}" y="{TOP + 4}" text-anchor="end" font-size="12" fill="{INK}">'
        f'{top:g}</text>',
        f'<text x="{LEFT - 6}" y="{TOP + plot_h}" text-anchor="end" font-size="12" '
        f'fill="{INK}">0</text>',
    ]
    parts += body
    for x, label in labels:
        parts.append(f'<text x="{x:.1f}" y="{HEIGHT - BOTTOM + 16}" text-anchor="middle" '
                     f'font-size="11" fill="{INK}">{escape(label)}</text>')
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 (every text part above is escaped)


def bar_chart(title: str, points: Sequence[tuple[str, float | None]]) -> SafeString:
    """Vertical bars; a missing (e.g. suppressed) value draws no bar."""
    values = [v for _, v in points]
    top = _scale_max(values)
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    slot = plot_w / max(len(points), 1)
    body, labels = [], []
    for index, (label, value) in enumerate(points):
        x = LEFT + index * slot
        labels.append((x + slot / 2, label))
        if value is None or value <= 0:
            continue
        h = plot_h * value / top
        body.append(f'<rect x="{x + slot * 0.15:.1f}" y="{TOP + plot_h - h:.1f}" '
                    f'width="{slot * 0.7:.1f}" height="{h:.1f}" fill="{BAR}"/>')
    return _frame(title, top, body, labels)


def line_chart(title: str, points: Sequence[tuple[str, float | None]]) -> SafeString:
    """A line through the values in order; a missing value breaks the line."""
    values = [v for _, v in points]
    top = _scale_max(values)
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    slot = plot_w / max(len(points), 1)
    body, labels = [], []
    run: list[str] = []

    def flush():
        if len(run) > 1:
            body.append(f'<polyline fill="none" stroke="{BAR}" stroke-width="3" '
                        f'points="{" ".join(run)}"/>')
        run.clear()

    for index, (label, value) in enumerate(points):
        x = LEFT + index * slot + slot / 2
        labels.append((x, label))
        if value is None:
            flush()
            continue
        y = TOP + plot_h - plot_h * value / top
        run.append(f"{x:.1f},{y:.1f}")
        body.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="4" fill="{BAR}"/>')
    flush()
    return _frame(title, top, body, labels)
