from __future__ import annotations

from urllib.parse import urlencode

from django import template

from diversion.core import charts

register = template.Library()


@register.simple_tag
def chart_for(table):
    """A bar chart of the table's first measure (a line chart over quarters)."""
    if not table.chart_points:
        return ""
    draw = charts.line_chart if table.key == "quarters" else charts.bar_chart
    return draw(table.title, table.chart_points)


@register.filter
def as_query(params: dict) -> str:
    return "?" + urlencode(params) if params else ""
