"""Commissioners: the dashboard's figures and tables, computed by the same selector as the
page and under the same disclosure control (a withheld count is withheld here too), with the
same processing-log row."""

from __future__ import annotations

from datetime import date

from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from diversion.accounts import policy
from diversion.api.forms_bridge import cleaned
from diversion.api.views.common import responses
from diversion.commissioning import figures, selectors, services
from diversion.commissioning.forms import FilterForm


class FigureSerializer(serializers.Serializer):
    label = serializers.CharField()
    value = serializers.CharField(allow_null=True, help_text="null when withheld or not "
                                                             "available (see `empty`)")
    shown = serializers.CharField(help_text="As the dashboard shows it")
    unit = serializers.CharField()
    numerator = serializers.CharField()
    denominator = serializers.CharField()
    empty = serializers.CharField()
    explanation = serializers.CharField()


class RowSerializer(serializers.Serializer):
    label = serializers.CharField()
    values = serializers.ListField(child=serializers.CharField(),
                                   help_text="Counts as text; a withheld cell as the page "
                                             "shows it")


class TableSerializer(serializers.Serializer):
    key = serializers.CharField()
    title = serializers.CharField()
    caption = serializers.CharField()
    row_header = serializers.CharField()
    columns = serializers.ListField(child=serializers.CharField())
    rows = RowSerializer(many=True)
    total = RowSerializer(allow_null=True)
    any_suppressed = serializers.BooleanField()


class DashboardSerializer(serializers.Serializer):
    from_quarter = serializers.DateField()
    to_quarter = serializers.DateField()
    computed_at = serializers.DateTimeField(allow_null=True)
    headline = FigureSerializer(many=True)
    money = FigureSerializer(many=True)
    outcomes = FigureSerializer(many=True)
    tables = TableSerializer(many=True)


def _figure(f: figures.Figure) -> dict:
    return {"label": f.label, "value": None if f.value is None else str(f.value),
            "shown": f.shown, "unit": f.unit, "numerator": f.numerator,
            "denominator": f.denominator, "empty": f.empty, "explanation": f.explanation}


def _row(row) -> dict:
    label, values = row
    return {"label": str(label), "values": [str(v) for v in values]}


QUARTER_HELP = "First day of a quarter (YYYY-MM-DD); both or neither (the last four quarters)"


@policy.rule(policy.API_COMMISSIONING)
class Dashboard(APIView):
    @extend_schema(
        operation_id="commissioning_dashboard", tags=["commissioning"],
        parameters=[OpenApiParameter("from_quarter", OpenApiTypes.DATE, description=QUARTER_HELP),
                    OpenApiParameter("to_quarter", OpenApiTypes.DATE, description=QUARTER_HELP),
                    OpenApiParameter("programme", OpenApiTypes.STR),
                    OpenApiParameter("force", OpenApiTypes.INT),
                    OpenApiParameter("provider", OpenApiTypes.INT)],
        responses=responses({200: DashboardSerializer}),
        summary="Performance and outcomes, under the dashboard's disclosure control")
    def get(self, request):
        today = timezone.localdate()
        if "from_quarter" in request.query_params or "to_quarter" in request.query_params:
            data = {k: v for k, v in request.query_params.items()
                    if k in ("from_quarter", "to_quarter", "programme", "force", "provider")}
        else:
            this = figures.quarter_start(today)
            start = figures.quarters(date(this.year - 1, this.month, 1), this)[1]
            data = {"from_quarter": start.isoformat(), "to_quarter": this.isoformat()}
            data.update({k: v for k, v in request.query_params.items()
                         if k in ("programme", "force", "provider")})
        form = FilterForm(data, user=request.user, today=today)
        cleaned(form)
        chosen = form.filters()
        board = selectors.dashboard(request.user, chosen)
        services.log_dashboard_view(actor=request.user, filters=chosen)
        services.request_refresh_if_stale(board.computed_at)
        return Response({
            "from_quarter": chosen.start, "to_quarter": figures.quarter_start(chosen.end),
            "computed_at": board.computed_at,
            "headline": [_figure(f) for f in board.headline if f is not None],
            "money": [_figure(f) for f in board.money if f is not None],
            "outcomes": [_figure(f) for f in board.outcomes if f is not None],
            "tables": [{"key": t.key, "title": t.title, "caption": t.caption,
                        "row_header": t.row_header, "columns": t.columns,
                        "rows": [_row(r) for r in t.rows],
                        "total": _row(t.total) if t.total else None,
                        "any_suppressed": t.any_suppressed} for t in board.tables],
        })
