"""Analysts start runs on the task queue and fetch the engine's result; commissioners read the
dashboard under the same disclosure control as the page."""

from __future__ import annotations

from datetime import date

import pytest
from django.utils import timezone

from diversion.accounts.roles import Role
from diversion.audit.models import ProcessingLog
from diversion.commissioning import figures, selectors
from diversion.evaluation.models import EvaluationRun
from tests.api.helpers import PROBLEM, as_role
from tests.commissioning.helpers import make_cases, oversee, refresh

RUNS = "/api/v1/analysis/runs/"
DASHBOARD = "/api/v1/commissioning/dashboard/"


def _run_body(**changes) -> dict:
    body = {"title": "CARA trial, 2025", "programme": "cara", "design": "trial",
            "index_from": "2025-01-01", "index_to": "2025-12-31",
            "index_basis": "randomisation", "window_days": 365, "basis": "recorded",
            "scope": "any", "who_counts": "referred"}
    body.update(changes)
    return body


def test_analyst_starts_a_run_on_the_queue_and_fetches_the_result(
        cast, run_worker, django_capture_on_commit_callbacks):
    analyst = as_role(cast, Role.ANALYST)
    with django_capture_on_commit_callbacks(execute=True):
        started = analyst.post(RUNS, _run_body())
    assert started.status_code == 202, started.content
    run_id = started.json()["id"]
    assert started.json()["status"] == "queued"
    run_worker()
    run = EvaluationRun.objects.get(pk=run_id)
    assert run.status != "queued"
    fetched = analyst.get(f"{RUNS}{run_id}/").json()
    assert fetched["status"] == run.status and fetched["result"] == run.result
    # A finished run's result comes back exactly as the engine stored it.
    EvaluationRun.objects.filter(pk=run_id).update(status="done", result={
        "estimates": [{"window": 365, "difference": -0.15, "ci": [-0.22, -0.08]}]})
    assert analyst.get(f"{RUNS}{run_id}/").json()["result"] == {
        "estimates": [{"window": 365, "difference": -0.15, "ci": [-0.22, -0.08]}]}
    assert ProcessingLog.objects.filter(operation="disclosure", object_id=str(run_id),
                                        actor__is_api_client=True).exists()
    listed = analyst.get(RUNS).json()
    assert [r["id"] for r in listed["results"]] == [run_id]
    assert "result" not in listed["results"][0]


def test_run_definition_refused_with_the_forms_reasons(cast):
    analyst = as_role(cast, Role.ANALYST)
    response = analyst.post(RUNS, _run_body(index_to="2024-01-01", index_basis="referral"))
    assert response.status_code == 400 and response["Content-Type"] == PROBLEM
    fields = {e["field"] for e in response.json()["errors"]}
    assert {"index_to", "index_basis"} <= fields
    response = analyst.post(RUNS, _run_body(window_days=7, design="guess"))
    assert {e["field"] for e in response.json()["errors"]} == {"window_days", "design"}
    response = analyst.post(RUNS, _run_body(programme="nope"))
    assert [e["field"] for e in response.json()["errors"]] == ["programme"]
    assert not EvaluationRun.objects.exists()


def test_another_forces_runs_are_404(cast):
    from tests.factories import make_user

    mine = as_role(cast, Role.ANALYST)
    run_id = mine.post(RUNS, _run_body()).json()["id"]
    outsider_admin = cast.outsider_admin
    other_analyst = make_user("other_analyst", Role.ANALYST, cast.outsider_org)
    assert other_analyst.organisation == outsider_admin.organisation
    theirs = as_role(cast, Role.ANALYST, admin=outsider_admin)
    assert theirs.get(f"{RUNS}{run_id}/").status_code == 404
    assert theirs.get(RUNS).json()["count"] == 0


def test_dashboard_is_the_pages_figures_under_disclosure_control(cast):
    oversee(cast)
    force = cast.orgs["force"]
    on = figures.quarter_start(timezone.localdate())
    make_cases(cast, force, 12, status="recorded", on=on)
    make_cases(cast, force, 2, status="completed", sex="F", on=on)  # small: withheld
    make_cases(cast, force, 6, status="completed", on=on)
    refresh()
    commissioner = as_role(cast, Role.COMMISSIONER)
    response = commissioner.get(DASHBOARD)
    assert response.status_code == 200, response.content
    board = response.json()
    commissioner_user = cast.users[Role.COMMISSIONER]
    this = figures.quarter_start(timezone.localdate())
    start = figures.quarters(date(this.year - 1, this.month, 1), this)[1]
    expected = selectors.dashboard(commissioner_user, selectors.Filters(
        start=start, end=figures.quarter_end(this)))
    assert [t["key"] for t in board["tables"]] == [t.key for t in expected.tables]
    for ours, theirs in zip(board["tables"], expected.tables, strict=True):
        assert ours["rows"] == [{"label": str(label), "values": [str(v) for v in values]}
                                for label, values in theirs.rows]
    assert any(t["any_suppressed"] for t in board["tables"])
    assert "counts" not in str(board.keys())
    assert ProcessingLog.objects.filter(actor__is_api_client=True,
                                        actor__role=Role.COMMISSIONER).exists()
    bad = commissioner.get(DASHBOARD, from_quarter="2026-02-30", to_quarter="x")
    assert bad.status_code == 400
    assert {e["field"] for e in bad.json()["errors"]} >= {"from_quarter", "to_quarter"}


@pytest.mark.parametrize("role", [Role.DECISION_MAKER, Role.FACILITATOR, Role.ANALYST])
def test_only_commissioners_read_the_dashboard(cast, role):
    assert as_role(cast, role).get(DASHBOARD).status_code == 403


@pytest.mark.parametrize("role", [Role.DECISION_MAKER, Role.FACILITATOR, Role.COMMISSIONER])
def test_only_analysts_use_runs(cast, role):
    api = as_role(cast, role)
    assert api.get(RUNS).status_code == 403 and api.post(RUNS, _run_body()).status_code == 403
