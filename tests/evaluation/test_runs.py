"""Evaluation runs: the definition form, a run through the worker, the report, downloads and
access. The data is hand-built: a randomised cohort with a known effect direction."""

from __future__ import annotations

import pytest
from django.urls import reverse

from diversion.accounts.roles import Role
from diversion.audit.models import ProcessingLog
from diversion.demo.evaluation import build_historical_trial
from diversion.evaluation.cohort import build_inputs
from diversion.evaluation.models import EvaluationRun
from diversion.evaluation.services import run_evaluation
from tests.dates import with_date_inputs
from tests.factories import make_user

FORM = {"title": "CARA 2024", "programme_code": "cara", "design": "trial",
        "index_from": "2024-01-01", "index_to": "2024-12-31", "index_basis": "randomisation",
        "window_days": "365", "basis": "recorded", "scope": "any", "who_counts": "referred"}
DATES = ("index_from", "index_to")


@pytest.fixture
def analyst_client(client, cast):
    client.force_login(cast.users[Role.ANALYST])
    return client


@pytest.fixture
def trial(cast):
    force = cast.orgs["force"]
    build_historical_trial(force, cast.users[Role.DECISION_MAKER], 300, treated_risk=0.10,
                           control_risk=0.45, seed=3)
    return force


def _define(client, **changes) -> EvaluationRun:
    response = client.post(reverse("evaluation:run_new"),
                           with_date_inputs({**FORM, **changes}, *DATES))
    assert response.status_code == 302, response.content.decode()[:2000]
    return EvaluationRun.objects.latest("id")


def test_run_end_to_end_recovers_the_effect(analyst_client, trial, run_worker, cast,
                                            django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        run = _define(analyst_client)
    assert run.status == "queued"
    run_worker()
    run.refresh_from_db()
    assert run.status == "done", run.message
    assert run.flow["randomised"] == 300
    assert run.cohort_size == 300 - run.flow["outside_period"] > 250
    assert len(run.fingerprint) == 64
    primary = next(o for o in run.result["outcomes"]
                   if o["window_days"] == 365 and o["scope"] == "any")
    assert primary["prevalence"]["risk_difference"] < 0
    assert primary["verdict"] == "significant reduction"
    log = ProcessingLog.objects.filter(operation="combination").latest("id")
    assert f"Evaluation run {run.pk}" in log.justification
    assert len(log.subjects) == run.cohort_size

    page = analyst_client.get(reverse("evaluation:run_detail", args=[run.pk]))
    body = page.content.decode()
    assert page.status_code == 200
    assert "reoffending was lower in the treated group" in body
    assert "<svg" in body and "Kaplan" in body and "At risk, treatment" in body
    assert "Harm table version" in body
    assert "Historical" not in body and "HIST-" not in body  # no names or references
    for pseudonym in build_inputs(run).cohort["person_id"].to_pylist()[:20]:
        assert pseudonym not in body


def test_fingerprint_and_results_are_reproducible(analyst_client, trial):
    first = run_evaluation(_define(analyst_client).pk)
    second = run_evaluation(_define(analyst_client).pk)
    assert first.fingerprint == second.fingerprint
    assert first.result["outcomes"] == second.result["outcomes"]


def test_downloads_write_disclosure_rows(analyst_client, trial):
    run = run_evaluation(_define(analyst_client).pk)
    before = ProcessingLog.objects.filter(operation="disclosure").count()
    html = analyst_client.get(reverse("evaluation:run_report_html", args=[run.pk]))
    text = html.content.decode()
    assert html.status_code == 200 and "attachment" in html["Content-Disposition"]
    assert "<style>" in text and "<svg" in text
    assert "src=" not in text and "href=\"http" not in text and "url(" not in text
    csv = analyst_client.get(reverse("evaluation:run_table_csv", args=[run.pk, "outcomes_365"]))
    assert csv.status_code == 200
    assert csv.content.decode().splitlines()[0].startswith("Offences counted,Group")
    assert analyst_client.get(reverse("evaluation:run_table_csv",
                                      args=[run.pk, "nonsense"])).status_code == 404
    assert ProcessingLog.objects.filter(operation="disclosure").count() == before + 2


def test_small_cohort_reports_no_numbers(analyst_client, cast, run_worker,
                                         django_capture_on_commit_callbacks):
    build_historical_trial(cast.orgs["force"], cast.users[Role.DECISION_MAKER], 40, seed=1)
    with django_capture_on_commit_callbacks(execute=True):
        run = _define(analyst_client)
    run_worker()
    run.refresh_from_db()
    assert run.status == "too_small"
    assert "at least 60" in run.message and run.result is None
    body = analyst_client.get(reverse("evaluation:run_detail", args=[run.pk])).content.decode()
    assert "at least 60" in body and "Reoffending rate" not in body


def test_empty_period_is_too_small_not_a_crash(analyst_client, trial):
    run = run_evaluation(_define(analyst_client, index_from="2020-01-01",
                                 index_to="2020-02-01").pk)
    assert run.status == "too_small"
    assert run.flow["outside_period"] == 300 and run.cohort_size == 0


@pytest.mark.parametrize(("changes", "field", "message"), [
    ({"index_from": "2024-12-31", "index_to": "2024-01-01"}, "index_to", "same as or after"),
    ({"index_from": "not a date"}, "index_from", "The index dates from must be a real date"),
    ({"programme_code": "juno"}, "design", "no randomised trial"),
    ({"index_basis": "referral"}, "index_basis", "control arm is never referred"),
    ({"design": "matched"}, "index_basis", "no randomisation date"),
    ({"title": ""}, "title", "required"),
    ({"who_counts": "completed"}, "who_counts", "intention to treat"),
    ({"caliper_sd": "0"}, "caliper_sd", "at least 0.01"),
    ({"caliper_sd": "-0.2"}, "caliper_sd", "at least 0.01"),
    ({"caliper_sd": "5"}, "caliper_sd", "1 or less"),
    ({"caliper_sd": "wide"}, "caliper_sd", "must be a number"),
    ({"match_ratio": "9"}, "match_ratio", "Select a valid choice"),
    ({"covariates": ["age", "shoe_size"]}, "covariates", "Select a valid choice"),
])
def test_form_errors_name_the_field(analyst_client, changes, field, message):
    response = analyst_client.post(reverse("evaluation:run_new"),
                                  with_date_inputs({**FORM, **changes}, *DATES))
    body = response.content.decode()
    assert response.status_code == 200
    assert "govuk-error-summary" in body and f'href="#id_{field}"' in body
    assert message in body
    assert not EvaluationRun.objects.exists()


@pytest.mark.parametrize("role", [r for r in Role.values if r != Role.ANALYST])
def test_other_roles_are_refused(client, cast, role):
    client.force_login(cast.users[role])
    assert client.get(reverse("evaluation:run_new")).status_code == 403


def test_another_forces_run_is_404(analyst_client, trial, client, cast):
    run = run_evaluation(_define(analyst_client).pk)
    other = make_user("other_analyst", Role.ANALYST, cast.outsider_org)
    client.force_login(other)
    for name, args in (("run_detail", [run.pk]), ("run_report_html", [run.pk]),
                       ("run_table_csv", [run.pk, "effects"])):
        assert client.get(reverse(f"evaluation:{name}", args=args)).status_code == 404
    assert "CARA 2024" not in client.get(reverse("evaluation:home")).content.decode()


def _refer_workshop_arm(cast, force):
    from diversion.disposals.models import Referral
    from diversion.trials.models import TrialAllocation

    allocations = TrialAllocation.objects.filter(case__force=force, arm="workshop")
    Referral.objects.bulk_create([
        Referral(case_id=a.case_id, programme_code="cara", programme_version=1,
                 provider=cast.orgs["provider"], referred_by=cast.users[Role.DECISION_MAKER],
                 referred_at=a.allocated_at, first_contact_due=a.allocated_at.date())
        for a in allocations])
    return allocations


@pytest.mark.parametrize("basis", ["referral", "caution"])
def test_matched_comparison_recovers_the_effect(analyst_client, trial, cast, basis):
    _refer_workshop_arm(cast, trial)
    run = run_evaluation(_define(analyst_client, design="matched", index_basis=basis).pk)
    assert run.status == "done", run.message
    assert run.flow["referred"] == 150 and run.flow["comparison_pool"] == 150
    assert run.result["matching"]["treated_matched"] > 100
    primary = next(o for o in run.result["outcomes"]
                   if o["window_days"] == 365 and o["scope"] == "any")
    assert primary["verdict"] == "significant reduction"
    body = analyst_client.get(reverse("evaluation:run_detail", args=[run.pk])).content.decode()
    assert "Matching flow" in body and "Balance after matching" in body


def test_the_analyst_chooses_covariates_ratio_and_caliper(analyst_client, trial, cast):
    _refer_workshop_arm(cast, trial)
    page = analyst_client.get(reverse("evaluation:run_new")).content.decode()
    assert "Matched comparison: balance the groups on" in page and 'value="0.2"' in page
    run = run_evaluation(_define(analyst_client, design="matched", index_basis="caution",
                                 covariates=["age", "prior_offences"], match_ratio="2",
                                 caliper_sd="0.1").pk)
    assert run.status == "done", run.message
    assert (run.covariates, run.match_ratio, run.caliper_sd) == (["age", "prior_offences"], 2,
                                                                 0.1)
    assert run.result["matching"]["ratio"] == 2
    assert run.result["matching"]["caliper_sd"] == 0.1
    # prior_offences does not vary in this cohort, so only age is balanced on
    assert run.result["balance"]["names"] == ["age"]


def test_who_counts_sets_the_treated_denominator(analyst_client, trial, cast):
    from diversion.cases.models import Case

    allocations = _refer_workshop_arm(cast, trial)
    started = [a.case_id for a in allocations[:40]]
    Case.objects.filter(pk__in=started).update(status="in_progress")
    run = run_evaluation(_define(analyst_client, design="matched", index_basis="referral",
                                 who_counts="completed").pk)
    assert run.flow["not_counted"] == 40
    run = run_evaluation(_define(analyst_client, design="matched", index_basis="referral",
                                 who_counts="started").pk)
    assert run.flow["not_counted"] == 0


def test_engine_refusal_is_a_clear_failure(analyst_client, trial, monkeypatch):
    import reoffending

    def refuse(*args, **kwargs):
        raise reoffending.InputError("cohort", "index_date", "index dates after the data end")

    monkeypatch.setattr(reoffending, "evaluate", refuse)
    run = run_evaluation(_define(analyst_client).pk)
    assert run.status == "failed"
    assert "refused the inputs" in run.message and "index_date" in run.message
    body = analyst_client.get(reverse("evaluation:run_detail", args=[run.pk])).content.decode()
    assert "The run failed" in body and "index_date" in body
    assert ProcessingLog.objects.filter(operation="combination").exists()


def _survival_rows(body: str, slug: str) -> str:
    start = body.index(f'id="table-{slug}"')
    return body[start:body.index("</section>", start)]


def test_report_shows_the_engines_curves_and_balance(analyst_client, trial):
    run = run_evaluation(_define(analyst_client).pk)
    assert run.status == "done", run.message
    # what the engine carries is what the app stores: nothing computed beside it
    assert "cohort_balance" not in run.result and "curves" not in run.result
    primary = next(o for o in run.result["outcomes"]
                   if o["window_days"] == 365 and o["scope"] == "any")
    curves = primary["curves"]
    assert curves["days"][:3] == [0, 30, 60] and not curves["weighted"]
    everyone = primary["treated"]["people"] + primary["follow_up_incomplete"]["treated"]
    assert curves["treated"]["at_risk"][0] == everyone
    # the arms are described on the covariates that vary (here all men, every index offence
    # domestic abuse, no prior offences: only age)
    assert run.result["balance"]["names"] == ["age"]
    assert run.result["balance"]["smd_after"] is None
    for page in (analyst_client.get(reverse("evaluation:run_detail", args=[run.pk])),
                 analyst_client.get(reverse("evaluation:run_report_html", args=[run.pk]))):
        body = page.content.decode()
        table = _survival_rows(body, "survival_365")
        for day, treated, control in zip(curves["days"], curves["treated"]["at_risk"],
                                         curves["control"]["at_risk"], strict=True):
            assert (f'<th scope="row" class="govuk-table__header">{day}</th>'
                    f'<td class="govuk-table__cell">{treated}</td>') in table
            assert f'<td class="govuk-table__cell">{control}</td>' in table
        balance = _survival_rows(body, "balance")
        smd = run.result["balance"]["smd_before"][0]
        assert f"{smd:,.3f}" in balance and "<svg" in balance
        assert "run the evaluation again" not in body
    csv = analyst_client.get(reverse("evaluation:run_table_csv", args=[run.pk, "survival_182"]))
    assert csv.content.decode().splitlines()[0].startswith('Day,"At risk, treatment"')


def test_matched_report_draws_the_weighted_matched_sample(analyst_client, trial, cast):
    _refer_workshop_arm(cast, trial)
    run = run_evaluation(_define(analyst_client, design="matched", index_basis="caution").pk)
    primary = next(o for o in run.result["outcomes"]
                   if o["window_days"] == 182 and o["scope"] == "any")
    assert primary["curves"]["weighted"] and primary["curves"]["control"]["label"] == "comparison"
    assert run.result["balance"]["smd_after"] is not None
    body = analyst_client.get(reverse("evaluation:run_detail", args=[run.pk])).content.decode()
    assert "matched sample, weighted" in body and "Balance after matching" in body


def test_an_old_stored_result_still_renders_and_asks_for_a_re_run(analyst_client, trial):
    run = run_evaluation(_define(analyst_client).pk)
    old = dict(run.result)
    # as stored before the engine carried curves and balance (the app added its own)
    old["outcomes"] = [{k: v for k, v in o.items() if k != "curves"} for o in old["outcomes"]]
    old["balance"] = None
    old["curves"] = {"365": {"treatment": {"points": [[0, 1.0]], "at_risk": [[0, 5]]}}}
    old["cohort_balance"] = [{"name": "age", "treated": 1.0, "control": 1.0, "smd": 0.0}]
    EvaluationRun.objects.filter(pk=run.pk).update(result=old)
    for name in ("run_detail", "run_report_html"):
        page = analyst_client.get(reverse(f"evaluation:{name}", args=[run.pk]))
        body = page.content.decode()
        assert page.status_code == 200
        assert "run the evaluation again to see them" in body
        assert "reoffending was lower in the treated group" in body
        assert 'id="table-survival_365"' not in body and 'id="table-balance"' not in body
        assert 'id="table-effects"' in body


def test_the_trial_report_draws_the_consort_flow_with_eligibility(analyst_client, trial, cast):
    """Assessed (randomised in the period, or recorded in it and never randomised), excluded
    by reason, allocated with
    what each arm received, follow-up and analysed, as a diagram beside the table."""
    from tests.cases.helpers import make_case

    for status in ("ineligible", "ineligible", "recorded", "eligible"):
        case = make_case(cast, status=status)
        type(case).objects.filter(pk=case.pk).update(
            created_at=case.created_at.replace(year=2024, month=6, day=1))
    make_case(cast, status="ineligible")  # recorded now: outside the 2024 period
    _refer_workshop_arm(cast, trial)  # the workshop arm was referred, and completed
    run = run_evaluation(_define(analyst_client).pk)
    assert run.status == "done", run.message
    flow = run.flow
    assert flow["not_eligible"] == 2 and flow["awaiting_eligibility_decision"] == 1
    assert flow["eligible_not_randomised"] == 1
    randomised_in_period = sum(run.result["consort"]["randomised"].values())
    assert flow["assessed_for_eligibility"] == flow["randomised"] - flow["outside_period"] + 4
    body = analyst_client.get(reverse("evaluation:run_detail", args=[run.pk])).content.decode()
    section = _survival_rows(body, "consort")
    assert 'aria-label="CONSORT flow diagram of the trial.' in section
    assert "Assessed for eligibility" in section and "Not eligible: 2" in section
    assert f"n = {randomised_in_period:,}" in section
    assert "Allocated to workshop" in section and "Allocated to control" in section
    assert "Completed the programme" in section
    report = analyst_client.get(reverse("evaluation:run_report_html", args=[run.pk]))
    assert "CONSORT flow diagram" in report.content.decode()


def test_a_matched_run_has_no_consort_diagram(analyst_client, trial, cast):
    _refer_workshop_arm(cast, trial)
    run = run_evaluation(_define(analyst_client, design="matched",
                                 index_basis="referral").pk)
    body = analyst_client.get(reverse("evaluation:run_detail", args=[run.pk])).content.decode()
    assert "CONSORT flow diagram" not in body


def poorly_overlapping_groups(cast, people: int = 100) -> None:
    """A small historical trial whose workshop arm was referred and made 8 years younger than
    the control arm: on age, a narrow caliper matches only part of the treated group."""
    force = cast.orgs["force"]
    build_historical_trial(force, cast.users[Role.DECISION_MAKER], people, treated_risk=0.10,
                           control_risk=0.45, seed=5)
    for allocation in _refer_workshop_arm(cast, force).select_related("case__person"):
        person = allocation.case.person
        person.date_of_birth = person.date_of_birth.replace(year=person.date_of_birth.year + 8)
        person.save(update_fields=["date_of_birth"])


def test_a_matched_run_below_the_matching_rate_gives_no_verdict(analyst_client, cast, client):
    """The run form promises a verdict only when enough of the treated group match: below
    the rate the report shows the rate, says why there is no verdict, and the run cannot be
    proposed as the headline; a wider caliper matches them all and gives one."""
    poorly_overlapping_groups(cast)
    narrow = run_evaluation(_define(analyst_client, design="matched", index_basis="caution",
                                    covariates=["age"], caliper_sd="0.05").pk)
    assert narrow.status == "done", narrow.message
    matching = narrow.result["matching"]
    assert matching["treated_matched"] / matching["treated"] < 0.8
    rate = f"{100 * matching['treated_matched'] / matching['treated']:.1f}%"
    body = analyst_client.get(reverse("evaluation:run_detail", args=[narrow.pk])).content.decode()
    assert (f"No verdict: only {matching['treated_matched']} of the {matching['treated']} "
            f"people in the treated group ({rate}) found a match") in body
    assert "at least 80% must" in body
    assert rate in _survival_rows(body, "matching")
    effects = _survival_rows(body, "effects")
    assert "none: too few matched" in effects and "significant" not in effects
    assert "so it cannot be proposed as the headline" in body
    assert "Propose as the headline" not in body
    refused = analyst_client.post(reverse("evaluation:run_headline", args=[narrow.pk]),
                                  {"reason": "Matched on age"})
    assert refused.status_code == 400
    assert "A run that gives no verdict cannot be the headline" in refused.content.decode()
    from diversion.evaluation.models import HeadlineSignOff

    assert not HeadlineSignOff.objects.exists()

    wide = run_evaluation(_define(analyst_client, design="matched", index_basis="caution",
                                  covariates=["age"], caliper_sd="1").pk)
    assert wide.result["matching"]["treated_matched"] == wide.result["matching"]["treated"]
    body = analyst_client.get(reverse("evaluation:run_detail", args=[wide.pk])).content.decode()
    assert "No verdict" not in body and "100.0%" in _survival_rows(body, "matching")
    assert analyst_client.post(reverse("evaluation:run_headline", args=[wide.pk]),
                               {"reason": "Matched on age"}).status_code == 302


def test_the_matching_rate_threshold_is_a_setting(analyst_client, cast, settings):
    poorly_overlapping_groups(cast)
    settings.EVALUATION_MINIMUM_MATCH_RATE = 0.5
    run = run_evaluation(_define(analyst_client, design="matched", index_basis="caution",
                                 covariates=["age"], caliper_sd="0.05").pk)
    body = analyst_client.get(reverse("evaluation:run_detail", args=[run.pk])).content.decode()
    assert "No verdict" not in body and "Within 365 days, counting any offence" in body
    page = analyst_client.get(reverse("evaluation:run_new")).content.decode()
    assert "at least 50% of the treated group find a match" in page
