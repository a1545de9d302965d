"""The demo's historical trial: a newcomer's first report shows the injected effect."""

from __future__ import annotations

from io import StringIO

from django.core.management import call_command

from diversion.cases.models import Person
from diversion.evaluation.models import EvaluationRun


def test_demo_run_recovers_the_injected_effect(db):
    call_command("demo_data", people=10, stdout=StringIO())
    call_command("demo_data", people=10, stdout=StringIO())  # idempotent
    run = EvaluationRun.objects.get()
    assert run.status == "done", run.message
    assert run.cohort_size >= 300
    primary = next(o for o in run.result["outcomes"]
                   if o["window_days"] == 365 and o["scope"] == "any")
    assert primary["treated"]["prevalence"] < primary["control"]["prevalence"]
    assert primary["verdict"] == "significant reduction"


def test_the_historical_cara_cohort_is_men_only(db):
    # CARA is for men (JUNO is the programme for women): the demo cohort must not include women.
    call_command("demo_data", people=10, stdout=StringIO())
    cohort = Person.objects.filter(force_reference__startswith="HIST-")
    assert cohort.count() >= 300
    assert set(cohort.values_list("sex", flat=True)) == {"M"}
