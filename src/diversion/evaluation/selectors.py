"""Reads of the evaluation app, through the access policy."""

from __future__ import annotations

from django.db.models import QuerySet

from diversion.accounts import policy
from diversion.evaluation.models import EvaluationRun


def runs_for(user) -> QuerySet[EvaluationRun]:
    return policy.visible(user, EvaluationRun).select_related("created_by")
