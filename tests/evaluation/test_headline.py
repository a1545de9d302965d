"""Which run reaches the commissioner and the public: an analyst proposes a finished run as the
programme's headline, a second analyst approves it; only approved runs are used, the latest
approved wins, and a release names its run."""

from __future__ import annotations

from datetime import date

import pytest
from django.test import Client
from django.urls import reverse

from diversion.accounts.roles import Role
from diversion.audit.models import ProcessingLog
from diversion.commissioning import services as commissioning
from diversion.commissioning.models import ReoffendingSummary
from diversion.evaluation.models import HeadlineSignOff
from diversion.evaluation.services import SignOffRefused, approve_headline, propose_headline
from tests.commissioning.helpers import oversee
from tests.commissioning.test_reoffending import (
    EMPTY_365,
    board,
    make_run,
    outcome,
    second_analyst,
    section,
)

pytestmark = pytest.mark.django_db


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _figure(cast, label="Reoffended within 12 months: treatment group"):
    return next((f.shown for f in section(board(cast)).figures if f.label == label), None)


def _real_run(cast):
    from diversion.demo.evaluation import build_historical_trial
    from diversion.evaluation.services import run_evaluation

    build_historical_trial(cast.orgs["force"], cast.users[Role.DECISION_MAKER], 300,
                           treated_risk=0.10, control_risk=0.45, seed=3)
    run = run_evaluation(make_run(cast, status="queued", outcomes=[]).pk)
    assert run.status == "done", run.message
    return run


def test_propose_then_a_second_analyst_approves_through_the_page(cast):
    oversee(cast)
    run = _real_run(cast)
    first, second = cast.users[Role.ANALYST], second_analyst(cast)
    url = reverse("evaluation:run_headline", args=[run.pk])
    page = _client(first).get(reverse("evaluation:run_detail", args=[run.pk])).content.decode()
    assert "This run has not been proposed" in page and "Propose as the headline" in page
    assert _figure(cast) is None  # a finished run alone reaches nobody

    refused = _client(first).post(url, {"reason": "  "})
    assert refused.status_code == 400
    assert "Say why this run should be the headline" in refused.content.decode()
    assert _client(first).post(url, {"reason": "Full cohort, 12 months"}).status_code == 302
    assert _figure(cast) is None  # proposed is not enough

    own = _client(first).get(reverse("evaluation:run_detail", args=[run.pk])).content.decode()
    assert "A second analyst must approve it" in own and "Approve as the headline" not in own
    self_approval = _client(first).post(url, {"action": "approve"})
    assert self_approval.status_code == 400
    assert "you proposed it" in self_approval.content.decode()
    assert not HeadlineSignOff.objects.get(run=run).approved

    other = _client(second).get(reverse("evaluation:run_detail", args=[run.pk])).content.decode()
    assert "Approve as the headline" in other
    before = ProcessingLog.objects.filter(operation="disclosure").count()
    assert _client(second).post(url, {"action": "approve"}).status_code == 302
    sign_off = HeadlineSignOff.objects.get(run=run)
    assert sign_off.approved_by == second and sign_off.proposed_by == first
    assert ProcessingLog.objects.filter(operation="disclosure").count() == before + 1
    treated = next(o for o in run.result["outcomes"]
                   if o["window_days"] == 365 and o["scope"] == "any")["prevalence"]
    assert _figure(cast) == f"{100 * treated['risk_treated']:.1f}%"
    done = _client(first).get(reverse("evaluation:run_detail", args=[run.pk])).content.decode()
    assert "Signed off as the CARA headline" in done
    again = _client(second).post(url, {"action": "approve"})
    assert again.status_code == 400 and "already approved" in again.content.decode()


def test_a_later_test_run_does_not_replace_the_headline_but_a_later_approval_does(cast):
    oversee(cast)
    make_run(cast, days_ago=10)  # signed off: 20.0% treated at 12 months
    test_run = make_run(cast, days_ago=0, signed=False, outcomes=[EMPTY_365])
    assert _figure(cast) == "20.0%"  # the analyst's test run changes nothing
    newer = make_run(cast, days_ago=0, signed=False,
                     outcomes=[outcome(365, "any", (100, 30), (100, 40), (-0.2, 0.0),
                                       verdict="inconclusive")])
    propose_headline(cast.users[Role.ANALYST], newer, reason="More follow-up")
    approve_headline(second_analyst(cast), newer)
    assert _figure(cast) == "30.0%"
    assert not ReoffendingSummary.objects.filter(run=test_run).exists()


def test_only_finished_runs_can_be_proposed_and_nobody_approves_their_own(cast):
    for status in ("queued", "running", "failed", "too_small"):
        run = make_run(cast, status=status)
        with pytest.raises(SignOffRefused, match="finished run"):
            propose_headline(cast.users[Role.ANALYST], run, reason="r")
    run = make_run(cast, signed=False)
    with pytest.raises(SignOffRefused, match="not been proposed"):
        approve_headline(second_analyst(cast), run)
    propose_headline(cast.users[Role.ANALYST], run, reason="r")
    with pytest.raises(SignOffRefused, match="already been proposed"):
        propose_headline(second_analyst(cast), run, reason="r")
    with pytest.raises(SignOffRefused, match="you proposed it"):
        approve_headline(cast.users[Role.ANALYST], run)


def test_the_database_refuses_a_self_approval(cast):
    from django.db import IntegrityError, transaction

    run = make_run(cast, signed=False)
    analyst = cast.users[Role.ANALYST]
    with pytest.raises(IntegrityError), transaction.atomic():
        HeadlineSignOff.objects.create(run=run, proposed_by=analyst, reason="r",
                                       approved_by=analyst, approved_at=run.finished_at)


def test_other_roles_and_forces_cannot_sign_off(cast, client):
    run = make_run(cast, signed=False)
    url = reverse("evaluation:run_headline", args=[run.pk])
    for role in (Role.COMMISSIONER, Role.DECISION_MAKER, Role.AUDITOR):
        client.force_login(cast.users[role])
        assert client.post(url, {"reason": "r"}).status_code == 403
    from tests.factories import make_user

    outsider = make_user("outsider_analyst", Role.ANALYST, cast.outsider_org)
    assert _client(outsider).post(url, {"reason": "r"}).status_code == 404
    assert not HeadlineSignOff.objects.exists()


def test_the_release_names_the_signed_off_run(cast):
    oversee(cast)
    run = make_run(cast)
    user = cast.users[Role.COMMISSIONER]
    release = commissioning.prepare_release(actor=user, quarter=date(2026, 4, 1))
    cara = next(s for s in release.snapshot["reoffending"] if "CARA" in s["heading"])
    named = dict(cara["about"])["Evaluation run"]
    assert named.startswith(f"Run {run.pk}, \u201chand-built\u201d")
    assert "signed off as the headline by two analysts" in named
