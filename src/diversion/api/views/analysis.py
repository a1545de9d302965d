"""Analysts: start an evaluation run on the task queue (the definition form's rules apply, as
on the page) and fetch its result as the engine wrote it. Runs hold pseudonymised cohorts and
aggregates only, as on the pages."""

from __future__ import annotations

from django.db import transaction
from django.db.models import F
from django.db.models.functions import Coalesce
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from diversion.accounts import policy
from diversion.api.forms_bridge import cleaned, form_data
from diversion.api.serializers import Strict
from diversion.api.views.common import (
    READ_PROBLEMS,
    UPDATED_SINCE,
    WRITE_PROBLEMS,
    logged_page,
    paginated,
    responses,
    updated_since,
)
from diversion.audit.models import Operation
from diversion.audit.services import record
from diversion.evaluation.forms import EvaluationDefinitionForm
from diversion.evaluation.models import COVARIATES, Design, EvaluationRun, IndexBasis, WhoCounts
from diversion.evaluation.selectors import runs_for
from diversion.evaluation.services import define_run


class RunInSerializer(Strict):
    title = serializers.CharField(max_length=120)
    programme = serializers.CharField(max_length=40)
    design = serializers.ChoiceField(choices=Design.choices)
    index_from = serializers.DateField()
    index_to = serializers.DateField()
    index_basis = serializers.ChoiceField(choices=IndexBasis.choices)
    window_days = serializers.ChoiceField(choices=[182, 365])
    basis = serializers.ChoiceField(choices=["recorded", "proven"])
    scope = serializers.ChoiceField(choices=["any", "da"])
    who_counts = serializers.ChoiceField(choices=WhoCounts.choices)
    covariates = serializers.ListField(child=serializers.ChoiceField(choices=list(COVARIATES)),
                                       required=False, default=list, max_length=len(COVARIATES))
    match_ratio = serializers.IntegerField(min_value=1, max_value=5, default=1)
    caliper_sd = serializers.FloatField(min_value=0.01, max_value=1.0, default=0.2)


class RunOutSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()
    programme = serializers.CharField(source="programme_code")
    design = serializers.CharField()
    index_from = serializers.DateField()
    index_to = serializers.DateField()
    status = serializers.CharField()
    message = serializers.CharField()
    cohort_size = serializers.IntegerField(allow_null=True)
    fingerprint = serializers.CharField(help_text="SHA-256 of the engine's inputs")
    created_at = serializers.DateTimeField()
    finished_at = serializers.DateTimeField(allow_null=True)


class RunDetailSerializer(RunOutSerializer):
    flow = serializers.JSONField(help_text="How the cohort was drawn")
    result = serializers.JSONField(allow_null=True, help_text="The engine's result, as it "
                                                              "wrote it (null until done)")


def _runs(user):
    return runs_for(user).annotate(updated_at=Coalesce(F("finished_at"), F("created_at")))


@policy.rule(policy.API_ANALYSIS)
class Runs(APIView):
    @extend_schema(operation_id="analysis_list_runs", tags=["analysis"],
                   parameters=[UPDATED_SINCE],
                   responses=responses({200: paginated(RunOutSerializer)}),
                   summary="The force's evaluation runs, least recently changed first")
    def get(self, request):
        runs = _runs(request.user)
        since = updated_since(request)
        if since is not None:
            runs = runs.filter(updated_at__gte=since)
        return logged_page(request, self, runs.order_by("updated_at", "id"),
                           serialize=lambda page: RunOutSerializer(page, many=True).data,
                           subjects=lambda run: [], justification="")

    @extend_schema(operation_id="analysis_start_run", tags=["analysis"],
                   request=RunInSerializer,
                   responses=responses({202: RunOutSerializer}, problems=WRITE_PROBLEMS),
                   summary="Define an evaluation run and queue it (poll it for the result)")
    def post(self, request):
        body = RunInSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = dict(body.validated_data)
        data["programme_code"] = data.pop("programme")
        form = EvaluationDefinitionForm(form_data(data, dates=("index_from", "index_to")))
        run = define_run(request.user, cleaned(form, {"programme_code": "programme"}))
        return Response(RunOutSerializer(run).data, status=202)


@policy.rule(policy.API_ANALYSIS)
class RunDetail(APIView):
    @extend_schema(operation_id="analysis_get_run", tags=["analysis"],
                   responses=responses({200: RunDetailSerializer}, problems=READ_PROBLEMS),
                   summary="One run: its status and, when done, the engine's result")
    def get(self, request, pk: int):
        run = policy.get_visible_or_404(request, EvaluationRun, pk=pk)
        with transaction.atomic():  # as the report's downloads: the result is disclosed
            record(actor=request.user, operation=Operation.DISCLOSURE, obj=run,
                   justification=f"API: evaluation run {run.pk} and its result "
                                 "(aggregates only)",
                   recipient=f"{request.user.username} (API client)")
        return Response(RunDetailSerializer(run).data)
