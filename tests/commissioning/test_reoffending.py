"""Reoffending and benefit–cost on the commissioner's dashboard, from evaluation runs.

Most runs here are hand-built (a done EvaluationRun with a result written out by hand), so each
figure's arithmetic is checked against numbers worked out in the test; one test goes through
the real engine to check the whole path.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from diversion.accounts import policy
from diversion.accounts.models import Organisation
from diversion.accounts.roles import OrganisationKind, Role
from diversion.audit.models import ProcessingLog
from diversion.commissioning import selectors, services
from diversion.commissioning.models import CommissionedForce, ReoffendingSummary
from diversion.evaluation.models import EvaluationRun, HeadlineSignOff
from tests.commissioning.helpers import make_contract, other_office, oversee, refresh
from tests.factories import make_user

pytestmark = pytest.mark.django_db

Q2 = {"from_quarter": "2026-04-01", "to_quarter": "2026-04-01"}
MINUS = "\u2212"


def outcome(window: int, scope: str, treated: tuple[int, int], control: tuple[int, int],
            ci: tuple[float, float], rr_ci=(0.2, 0.6), verdict="significant reduction") -> dict:
    """An engine outcome as to_dict() writes it: (people, reoffended) per group."""
    rt, rc = treated[1] / treated[0], control[1] / control[0]
    return {"window_days": window, "scope": scope,
            "treated": {"people": treated[0], "reoffended": treated[1]},
            "control": {"people": control[0], "reoffended": control[1]},
            "prevalence": {"risk_treated": rt, "risk_control": rc, "risk_difference": rt - rc,
                           "risk_difference_ci": list(ci), "relative_reduction": 1 - rt / rc,
                           "relative_reduction_ci": list(rr_ci)},
            "verdict": verdict}


STANDARD = [
    outcome(182, "any", (200, 30), (200, 50), (-0.18, -0.02)),
    outcome(182, "da", (200, 20), (200, 36), (-0.14, -0.02)),
    outcome(365, "any", (200, 40), (200, 70), (-0.23, -0.07), rr_ci=(0.2214, 0.5893)),
    outcome(365, "da", (200, 20), (200, 50), (-0.22, -0.08)),
]


# What the engine gives for a window nobody has full follow-up for yet.
EMPTY_365 = {"window_days": 365, "scope": "any", "treated": {"people": 0, "reoffended": 0},
             "control": {"people": 0, "reoffended": 0},
             "prevalence": {"risk_treated": None, "risk_control": None, "risk_difference": None,
                            "risk_difference_ci": None, "relative_reduction": None,
                            "relative_reduction_ci": None},
             "verdict": "inconclusive"}


def second_analyst(cast):
    from diversion.accounts.models import User

    found = User.objects.filter(username="analyst2").first()
    return found or make_user("analyst2", Role.ANALYST, cast.users[Role.ANALYST].organisation)


def sign_off(cast, run: EvaluationRun, when=None) -> None:
    """Proposed by the cast's analyst and approved by a second one, as the pages do."""
    HeadlineSignOff.objects.create(run=run, proposed_by=cast.users[Role.ANALYST],
                                   reason="the full cohort", approved_by=second_analyst(cast),
                                   approved_at=when or run.finished_at or timezone.now())


def make_run(cast, force=None, *, outcomes=STANDARD, status="done", days_ago=1,
             programme="cara", design="trial", scope="any", window=365,
             signed: bool = True) -> EvaluationRun:
    finished = timezone.now() - timedelta(days=days_ago)
    run = EvaluationRun.objects.create(
        force=force or cast.orgs["force"], title="hand-built", programme_code=programme,
        design=design, index_from=date(2024, 1, 1), index_to=date(2024, 12, 31),
        index_basis="randomisation", window_days=window, basis="recorded", scope=scope,
        status=status, cohort_size=400, created_by=cast.users[Role.ANALYST],
        finished_at=finished,
        result={"definitions": {"denominator": "people with full follow-up",
                                "data_end": "2026-06-30"}, "outcomes": outcomes})
    if signed and status == "done":
        sign_off(cast, run)
    return run


def board(cast, programme="CARA", **extra):
    f = selectors.Filters(start=date(2026, 4, 1), end=date(2026, 6, 30), programme=programme,
                          **extra)
    return selectors.dashboard(cast.users[Role.COMMISSIONER], f)


def figure(items, label):
    return next(f for f in items if f.label == label)


def section(b, programme="CARA"):
    return next(s for s in b.reoffending if s.programme == programme)


def test_no_run_is_an_honest_empty_state(cast, client):
    oversee(cast)
    b = board(cast, programme="")
    for prog in ("CARA", "JUNO"):
        empty = (f"No evaluation run for {prog} in Test Force has been signed off as the "
                 "headline yet: an analyst proposes a finished run and a second analyst "
                 "approves it.")
        assert section(b, prog).empty == empty
        assert figure(b.money, f"Benefit–cost estimate ({prog})").shown == empty
    assert section(b, "CARA").figures == [] and section(b, "CARA").tables == []
    # JUNO's file declares a single-group headline: shown, with nobody in it yet
    juno = section(b, "JUNO")
    assert [f.shown for f in juno.figures] == [
        "No one has completed with a full follow-up window yet"]
    assert [t.key for t in juno.tables] == ["single_group_juno"]
    client.force_login(cast.users[Role.COMMISSIONER])
    page = client.get(reverse("commissioning:dashboard"), Q2).content.decode()
    assert "No evaluation run for CARA in Test Force has been signed off" in page


def test_a_run_still_queued_failed_or_too_small_is_not_used(cast):
    oversee(cast)
    for status in ("queued", "running", "failed", "too_small"):
        make_run(cast, status=status)
    assert ReoffendingSummary.objects.count() == 0
    assert section(board(cast)).empty.startswith("No evaluation run for CARA")


def test_rates_difference_and_relative_reduction_at_6_and_12_months(cast):
    oversee(cast)
    make_run(cast, outcomes=[outcome(365, "any", (200, 10), (200, 20), (-0.1, 0.0))],
             days_ago=30)  # older: not the one shown
    run = make_run(cast, days_ago=2)
    make_run(cast, status="failed", days_ago=0)  # newer but not completed
    s = section(board(cast))
    f = {x.label: x for x in s.figures}
    assert f["Reoffended within 6 months: treatment group"].value == pytest.approx(15.0)
    assert f["Reoffended within 6 months: control group"].value == pytest.approx(25.0)
    assert f["Reoffended within 12 months: treatment group"].value == pytest.approx(20.0)
    assert f["Reoffended within 12 months: control group"].value == pytest.approx(35.0)
    treated12 = f["Reoffended within 12 months: treatment group"]
    assert "within 365 days" in treated12.numerator and "any offence" in treated12.numerator
    assert "police-recorded" in treated12.numerator
    assert treated12.denominator == ("people in the treatment group with a full 12 months of "
                                     "follow-up (200)")
    diff = f[f"Difference within 12 months (treatment {MINUS} control)"]
    assert diff.shown == f"{MINUS}15.0 percentage points (95% CI {MINUS}23.0 to {MINUS}7.0)"
    assert "Verdict: significant reduction" in diff.explanation
    assert f["Relative reduction within 12 months"].shown == "42.9% (95% CI 22.1 to 58.9%)"
    assert f[f"Difference within 6 months (treatment {MINUS} control)"].shown.startswith(
        f"{MINUS}10.0 percentage points")
    about = dict(s.about)
    assert about["Design"] == "The programme's randomised trial"
    assert about["Cohort"] == "400 people"
    assert about["Index date"] == "Randomisation date, from 1 January 2024 to 31 December 2024"
    assert about["Denominator of each rate"] == "People with full follow-up"
    finished = (timezone.now() - timedelta(days=2)).strftime("%-d %B %Y")
    assert about["Evaluation run"] == (
        f"Run {run.pk}, \u201chand-built\u201d, Test Force: completed {finished}, signed off as "
        f"the headline by two analysts on {finished}")
    assert s.verdict.startswith("Within 365 days, counting any offence on a recorded basis, "
                                "reoffending was lower in the treated group")
    table = board(cast).table("reoffending_cara_365")
    assert dict(table.rows) == {"Treatment group": [40, 160, 200],
                                "Control group": [70, 130, 200]}
    assert table.total[1] == [110, 290, 400]


def test_benefit_cost_from_da_offences_avoided_with_its_interval(cast):
    oversee(cast)
    make_contract(cast)  # CARA £125,000 a year: £31,164.38 in Apr–Jun 2026
    make_run(cast)
    b = board(cast)
    benefit = section(b).benefit
    # 12 months, DA: 200 treated × (25% − 10%) = 30; CI of the difference −22..−8 points.
    assert benefit.avoided.estimate == Decimal("30.00")
    assert (benefit.avoided.low, benefit.avoided.high) == (Decimal("16.00"), Decimal("44.00"))
    assert benefit.benefit.estimate == Decimal("1020450.00")  # 30 × £34,015
    assert (benefit.benefit.low, benefit.benefit.high) == (Decimal("544240.00"),
                                                           Decimal("1496660.00"))
    assert benefit.cost == Decimal("31164.38")
    assert benefit.ratio.estimate == Decimal("32.74")  # 1,020,450 / 31,164.38
    assert (benefit.ratio.low, benefit.ratio.high) == (Decimal("17.46"), Decimal("48.02"))
    avoided = figure(b.money, "Offences avoided (CARA, estimate)")
    assert avoided.shown == "30.0 (95% CI 16.0 to 44.0)"
    assert "200 people in the run's treatment group" in avoided.explanation
    assert "domestic-abuse offences within 365 days" in avoided.explanation
    assert figure(b.money, "Social cost avoided (CARA)").shown == (
        "£1,020,450.00 (95% CI £544,240.00 to £1,496,660.00)")
    ratio = figure(b.money, "Benefit–cost estimate (CARA)")
    assert ratio.shown == "32.74 (95% CI 17.46 to 48.02)"
    assert "£34,015.00 per victim of domestic abuse (2016/17 prices)" in ratio.numerator
    assert ratio.denominator.startswith("contract cost for CARA in the period (£31,164.38)")


def test_an_effect_that_is_not_significant_gives_an_uncertain_interval(cast):
    oversee(cast)
    make_contract(cast)
    make_run(cast, outcomes=[outcome(365, "da", (200, 36), (200, 40), (-0.09, 0.05),
                                     verdict="inconclusive")], scope="da")
    b = board(cast)
    assert not section(b).benefit.avoided.significant
    avoided = figure(b.money, "Offences avoided (CARA, estimate)").shown
    assert avoided == (f"Uncertain: {MINUS}10.0 to 18.0 (95% CI); the evaluation found no "
                       "significant effect")
    money = figure(b.money, "Social cost avoided (CARA)").shown
    assert money.startswith(f"Uncertain: {MINUS}£340,150.00 to £612,270.00")
    ratio = figure(b.money, "Benefit–cost estimate (CARA)").shown
    assert ratio.startswith("Uncertain: ") and MINUS in ratio
    assert "4.0" not in avoided  # no single confident number (the point estimate is 4)
    assert section(b).verdict.endswith("(the 95% confidence interval of the difference "
                                       "includes zero).")


def test_a_run_without_da_figures_values_its_own_scope_and_says_so(cast):
    oversee(cast)
    make_contract(cast)
    make_run(cast, outcomes=[o for o in STANDARD if o["scope"] == "any"])
    avoided = figure(board(cast).money, "Offences avoided (CARA, estimate)")
    assert avoided.shown.startswith("30.0 (95% CI 14.0 to 46.0)")  # 200 × (35% − 20%)
    assert "any offence within 365 days (this run has no domestic-abuse figures)" in \
        avoided.explanation


def test_no_contract_leaves_the_ratio_out_but_shows_the_benefit(cast):
    oversee(cast)
    make_run(cast)
    b = board(cast)
    assert figure(b.money, "Benefit–cost estimate (CARA)").shown == (
        "No CARA contract in the period, so no cost to compare")
    assert figure(b.money, "Social cost avoided (CARA)").shown.startswith("£1,020,450.00")


def test_missing_windows_are_said_plainly(cast):
    oversee(cast)
    make_run(cast, outcomes=[outcome(90, "any", (200, 20), (200, 40), (-0.15, -0.05)),
                             EMPTY_365], window=90)
    for f in section(board(cast)).figures:
        assert f.value is None
    shown = [f.shown for f in section(board(cast)).figures]
    assert shown == ["This run holds no 6 months figures (182 days)",
                     "No one in this run has a full 12 months of follow-up yet, so it holds no "
                     "figures for it"]
    assert figure(board(cast).money, "Benefit–cost estimate (CARA)").shown == (
        "The latest evaluation run has no effect with a confidence interval to value")


def test_small_counts_are_withheld_with_secondary_suppression(cast):
    oversee(cast)
    make_contract(cast)
    make_run(cast, outcomes=[outcome(365, "any", (60, 3), (60, 12), (-0.27, -0.03)),
                             outcome(365, "da", (60, 2), (60, 9), (-0.21, -0.02))])
    b = board(cast)
    f = {x.label: x for x in section(b).figures}
    for label in ("Reoffended within 12 months: treatment group",
                  "Reoffended within 12 months: control group",
                  f"Difference within 12 months (treatment {MINUS} control)",
                  "Relative reduction within 12 months"):
        assert f[label].value is None and f[label].shown.startswith("Withheld"), label
    assert figure(b.money, "Benefit–cost estimate (CARA)").shown.startswith("Withheld")
    assert section(b).benefit is None
    table = b.table("reoffending_cara_365")
    # 3 reoffended is primary; 57, 12 and 48 go too, or a row or column total would give it.
    assert dict(table.rows) == {"Treatment group": ["[c]", "[c]", 60],
                                "Control group": ["[c]", "[c]", 60]}
    assert table.total[1] == [15, 105, 120]


def test_the_force_filter_chooses_that_forces_latest_run(cast):
    oversee(cast)
    second = Organisation.objects.create(name="Second Force", code="second",
                                         kind=OrganisationKind.POLICE_FORCE)
    CommissionedForce.objects.create(commissioner_office=cast.orgs["pcc"], force=second)
    make_run(cast, days_ago=5)
    make_run(cast, second, days_ago=1,
             outcomes=[outcome(365, "any", (100, 10), (100, 30), (-0.3, -0.1))])
    assert "Second Force" in dict(section(board(cast)).about)["Evaluation run"]
    home = section(board(cast, force=cast.orgs["force"]))
    assert "Test Force" in dict(home.about)["Evaluation run"]
    juno = section(board(cast, programme="JUNO", force=second), "JUNO")
    assert juno.empty.startswith("No evaluation run for JUNO in Second Force has been signed off")


def test_runs_of_forces_the_office_does_not_oversee_are_not_shown(cast):
    oversee(cast)
    make_run(cast, cast.outsider_org)
    assert section(board(cast)).empty.startswith("No evaluation run for CARA")
    other = other_office(cast)  # oversees the outsider force
    assert policy.visible(other, ReoffendingSummary).count() == 1
    for role in (Role.ANALYST, Role.DECISION_MAKER, Role.FACILITATOR, Role.AUDITOR):
        assert policy.visible(cast.users[role], ReoffendingSummary).count() == 0


def test_the_commissioner_cannot_reach_the_run_its_report_or_people(cast, client):
    oversee(cast)
    run = make_run(cast)
    user = cast.users[Role.COMMISSIONER]
    assert policy.visible(user, EvaluationRun).count() == 0
    client.force_login(user)
    for url in (reverse("evaluation:home"), reverse("evaluation:run_detail", args=[run.pk]),
                reverse("evaluation:run_report_html", args=[run.pk]),
                reverse("evaluation:run_table_csv", args=[run.pk, "effects"]),
                reverse("cases:home")):
        assert client.get(url).status_code == 403, url
    page = client.get(reverse("commissioning:dashboard"), {**Q2, "programme": "CARA"})
    html = page.content.decode()
    assert "Reoffended within 12 months: treatment group" in html
    assert "/evaluation/" not in html and "/cases/" not in html


def test_a_reoffending_table_downloads_as_a_logged_disclosure(cast, client):
    oversee(cast)
    make_run(cast)
    client.force_login(cast.users[Role.COMMISSIONER])
    url = reverse("commissioning:dashboard_export", args=["reoffending_cara_182", "csv"])
    before = ProcessingLog.objects.filter(operation="disclosure").count()
    response = client.get(url, Q2)
    assert response.status_code == 200
    body = response.content.decode()
    assert "Treatment group,30,170,200" in body and "Control group,50,150,200" in body
    assert ProcessingLog.objects.filter(operation="disclosure").count() == before + 1


def test_the_statistics_release_carries_reoffending_under_disclosure_control(cast, client):
    oversee(cast)
    make_contract(cast)
    make_run(cast)
    user = cast.users[Role.COMMISSIONER]
    release = services.prepare_release(actor=user, quarter=date(2026, 4, 1))
    services.publish_release(actor=user, release=release)
    snap = release.snapshot
    cara = next(s for s in snap["reoffending"] if "CARA" in s["heading"])
    shown = {f["label"]: f["shown"] for f in cara["figures"]}
    assert shown["Reoffended within 12 months: treatment group"] == "20.0%"
    assert {t["key"] for t in snap["tables"]} >= {"reoffending_cara_182", "reoffending_cara_365"}
    assert any(f["label"] == "Benefit–cost estimate (CARA)" for f in snap["headline"])
    client.logout()
    page = client.get(reverse("statistics:release", args=[release.pk])).content.decode()
    assert "CARA: reoffending from the latest evaluation run" in page
    assert "20.0%" in page and "32.74 (95% CI 17.46 to 48.02)" in page


def test_a_run_that_stops_being_done_loses_its_summary(cast):
    oversee(cast)
    run = make_run(cast)
    assert ReoffendingSummary.objects.filter(run=run).exists()
    run.status = EvaluationRun.Status.FAILED
    run.save()
    assert not ReoffendingSummary.objects.filter(run=run).exists()


def test_the_recount_summarises_runs_finished_before_summaries_existed(cast):
    oversee(cast)
    run = make_run(cast, status="queued")
    EvaluationRun.objects.filter(pk=run.pk).update(status="done")  # no signal, as in old data
    HeadlineSignOff.objects.bulk_create([HeadlineSignOff(  # bulk: no signal either
        run=run, proposed_by=cast.users[Role.ANALYST], reason="r",
        approved_by=second_analyst(cast), approved_at=timezone.now())])
    assert not ReoffendingSummary.objects.exists()
    refresh()
    assert ReoffendingSummary.objects.get().run_id == run.pk
    refresh()  # idempotent
    assert ReoffendingSummary.objects.count() == 1


def test_a_real_run_reaches_the_dashboard(cast):
    from diversion.demo.evaluation import build_historical_trial
    from diversion.evaluation.services import run_evaluation

    oversee(cast)
    build_historical_trial(cast.orgs["force"], cast.users[Role.DECISION_MAKER], 300,
                           treated_risk=0.10, control_risk=0.45, seed=3)
    run = make_run(cast, status="queued", outcomes=[])
    run = run_evaluation(run.pk)
    assert run.status == "done", run.message
    assert section(board(cast)).figures == []  # done, but nobody has signed it off
    sign_off(cast, run)
    primary = next(o for o in run.result["outcomes"]
                   if o["window_days"] == 365 and o["scope"] == "any")
    f = {x.label: x for x in section(board(cast)).figures}
    assert f["Reoffended within 12 months: treatment group"].value == pytest.approx(
        100 * primary["prevalence"]["risk_treated"])
    assert f["Reoffended within 12 months: control group"].value == pytest.approx(
        100 * primary["prevalence"]["risk_control"])
    assert "significant reduction" in f[
        f"Difference within 12 months (treatment {MINUS} control)"].explanation


def test_a_matched_comparison_names_its_group_and_says_its_rates_are_weighted(cast):
    oversee(cast)
    make_run(cast, design="matched")
    s = section(board(cast))
    labels = [f.label for f in s.figures]
    assert "Reoffended within 12 months: comparison group" in labels
    assert f"Difference within 12 months (treatment {MINUS} comparison)" in labels
    about = dict(s.about)
    assert about["Design"] == "Matched comparison (eligible but not referred)"
    assert "its rates are weighted" in about["Comparison group"]
    assert dict(board(cast).table("reoffending_cara_365").rows)["Comparison group"] == [
        70, 130, 200]


def test_a_signed_off_juno_run_replaces_the_single_group_figure(cast):
    oversee(cast)
    make_run(cast, programme="juno", design="matched")
    juno = section(board(cast, programme="JUNO"), "JUNO")
    assert juno.heading == "JUNO: reoffending from the latest evaluation run"
    assert not any("single group" in f.label for f in juno.figures)
    assert "single_group_juno" not in [t.key for t in juno.tables]
