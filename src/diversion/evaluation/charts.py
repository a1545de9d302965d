"""Server-rendered SVG charts for the evaluation report (no JavaScript). Each sits beside a
table with the same numbers, so the SVG is an image with a text alternative."""

from __future__ import annotations

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

WIDTH, HEIGHT = 640, 280
LEFT, RIGHT, TOP, BOTTOM = 64, 24, 16, 48
INK = "#0b0c0c"
COLOURS = {"treatment": "#1d70b8", "control": "#d4351c", "comparison": "#d4351c"}
DASHES = {"treatment": "", "control": ' stroke-dasharray="8 4"', "comparison":
          ' stroke-dasharray="8 4"'}


def _svg(title: str, body: list[str], height: int = HEIGHT) -> SafeString:
    head = (f'<svg class="evaluation-chart" viewBox="0 0 {WIDTH} {height}" role="img" '
            f'aria-label="{escape(title)}. The table beside it gives the same figures." '
            f'xmlns="http://www.w3.org/2000/svg" focusable="false">')
    return mark_safe(head + "".join(body) + "</svg>")  # noqa: S308 (texts are escaped)


def _text(x: float, y: float, text: str, anchor: str = "middle") -> str:
    return (f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}" font-size="12" '
            f'fill="{INK}">{escape(text)}</text>')


def _line(x1, y1, x2, y2, extra: str = "") -> str:
    return (f'<line x1="{x1:.1f}" y1="{y1:.1f}" x2="{x2:.1f}" y2="{y2:.1f}" stroke="{INK}" '
            f'stroke-width="1"{extra}/>')


def km_chart(title: str, curves: dict, window: int) -> SafeString:
    """Step curves of the share not yet reoffending, one per group, from 0 to the window."""
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    low = min([min((s for _, s in c["points"]), default=1.0) for c in curves.values()] + [1.0])
    floor = max(0.0, int(low * 10) / 10 - 0.1) if low > 0.1 else 0.0

    def x(day):
        return LEFT + plot_w * min(day, window) / window

    def y(s):
        return TOP + plot_h * (1 - (s - floor) / (1 - floor))

    body = [_line(LEFT, TOP + plot_h, LEFT + plot_w, TOP + plot_h), _line(LEFT, TOP, LEFT,
                                                                           TOP + plot_h)]
    for tick in (floor, (1 + floor) / 2, 1.0):
        body.append(_text(LEFT - 6, y(tick) + 4, f"{tick:.0%}", "end"))
    for day in range(0, window + 1, 60 if window > 200 else 30):
        body.append(_text(x(day), TOP + plot_h + 16, str(day)))
    body.append(_text(LEFT + plot_w / 2, HEIGHT - 8, "Days since the index date"))
    for index, (label, curve) in enumerate(curves.items()):
        path, previous = [], 1.0
        for day, surv in curve["points"]:
            if day > window:
                break
            path.append(f"{x(day):.1f},{y(previous):.1f} {x(day):.1f},{y(surv):.1f}")
            previous = surv
        path.append(f"{x(window):.1f},{y(previous):.1f}")
        colour = COLOURS.get(label, INK)
        body.append(f'<polyline fill="none" stroke="{colour}" stroke-width="2.5"'
                    f'{DASHES.get(label, "")} points="{" ".join(path)}"/>')
        body.append(f'<text x="{LEFT + plot_w - 4}" y="{TOP + plot_h - 12 - 16 * index}" '
                    f'text-anchor="end" font-size="12" fill="{colour}">{escape(label)}</text>')
    return _svg(title, body)


def forest_plot(title: str, rows: list[dict], axis: str = "Difference in reoffending "
                "(treated minus control)", points: bool = True) -> SafeString:
    """Each row: label, estimate and CI (a risk difference, drawn in percentage points)."""
    values = [v for r in rows for v in (r["low"], r["high"], r["estimate"]) if v is not None]
    span = max([abs(v) for v in values] + [0.05])
    plot_w = WIDTH - 220 - RIGHT
    height = TOP + 28 * len(rows) + BOTTOM

    def x(v):
        return 220 + plot_w * (v + span) / (2 * span)

    body = [_line(x(0), TOP, x(0), height - BOTTOM, ' stroke-dasharray="4 3"'),
            _text(x(-span), height - BOTTOM + 16, _tick(-span, points)),
            _text(x(0), height - BOTTOM + 16, "0"),
            _text(x(span), height - BOTTOM + 16, _tick(span, points)),
            _text(x(0), height - 8, axis)]
    for i, row in enumerate(rows):
        cy = TOP + 28 * i + 14
        body.append(_text(210, cy + 4, row["label"], "end"))
        if row["estimate"] is None:
            body.append(_text(x(0) + 40, cy + 4, "not estimable"))
            continue
        if row["low"] is not None and row["high"] is not None:
            body.append(f'<line x1="{x(row["low"]):.1f}" y1="{cy}" x2="{x(row["high"]):.1f}" '
                        f'y2="{cy}" stroke="{COLOURS["treatment"]}" stroke-width="2"/>')
        body.append(f'<rect x="{x(row["estimate"]) - 5:.1f}" y="{cy - 5}" width="10" '
                    f'height="10" fill="{COLOURS["treatment"]}"/>')
    return _svg(title, body, height)


def balance_chart(title: str, rows: list[dict]) -> SafeString:
    """Standardised mean differences as dots, with the ±0.1 balance band."""
    if not rows:
        return mark_safe("")
    return forest_plot(title, [{"label": r["name"], "estimate": r["smd"], "low": None,
                                "high": None} for r in rows],
                       axis="Standardised mean difference (treated minus control)",
                       points=False)


def _tick(value: float, points: bool) -> str:
    return f"{value * 100:+.0f} pts" if points else f"{value:+.2f}"
