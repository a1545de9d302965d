"""Analysts in a real browser: the trial manager's allocation log (pseudonymised rows, the
sequence check, the CSV) and a trial run's CONSORT flow; matched runs defined with their
caliper, ratio and covariates, one too poorly matched for a verdict, and the headline signed
off by two analysts reaching the commissioner's dashboard. Axe on every new page."""

from __future__ import annotations

import csv
import io
from datetime import date
from pathlib import Path

import pytest

from diversion.accounts.roles import Role
from diversion.audit.models import ProcessingLog
from diversion.core.pseudonyms import person_pseudonym
from diversion.demo.evaluation import build_historical_trial
from diversion.evaluation.models import EvaluationRun, HeadlineSignOff
from diversion.trials.models import TrialAllocation
from tests.browser.axe import serious_violations
from tests.browser.dates import fill_date
from tests.browser.navigating import follow
from tests.browser.signing_in import sign_in
from tests.cases.helpers import make_case
from tests.commissioning.helpers import oversee
from tests.commissioning.test_reoffending import second_analyst
from tests.evaluation.test_runs import _refer_workshop_arm, poorly_overlapping_groups

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _axe(page) -> None:
    assert serious_violations(page) == []


def _define(page, title: str, *, design: str, index_basis: str) -> None:
    """Fill in the run form's common answers: CARA, 2024, 12 months, recorded, any offence."""
    page.get_by_label("Name of this evaluation").fill(title)
    page.get_by_label("Programme", exact=True).select_option("cara")
    page.get_by_label(design).check()
    fill_date(page, "index_from", date(2024, 1, 1))
    fill_date(page, "index_to", date(2024, 12, 31))
    page.get_by_label(index_basis).check()
    page.get_by_label("365 days (12 months)").check()
    page.get_by_label("Recorded (arrests or complaints naming the person)").check()
    page.get_by_label("Any offence", exact=True).check()
    page.get_by_label("Everyone referred (or randomised)").check()


def _finish(page, run_worker) -> EvaluationRun:
    assert "Queued" in page.locator("main").inner_text()
    run_worker()
    page.reload()
    page.wait_for_load_state("load")
    run = EvaluationRun.objects.latest("id")
    assert run.status == "done", run.message
    return run


def test_trial_manager_reads_the_allocation_log_downloads_it_and_sees_the_consort_flow(
        cast, page, run_worker):
    force = cast.orgs["force"]
    build_historical_trial(force, cast.users[Role.DECISION_MAKER], 80, treated_risk=0.1,
                           control_risk=0.45, seed=5)
    _refer_workshop_arm(cast, force)  # the workshop arm was referred (and completed)
    for status in ("ineligible", "ineligible", "recorded"):  # assessed in 2024, not randomised
        case = make_case(cast, status=status)
        type(case).objects.filter(pk=case.pk).update(
            created_at=case.created_at.replace(year=2024, month=6, day=1))
    newest = TrialAllocation.objects.order_by("-allocated_at", "-id").first()

    sign_in(page, cast.users[Role.ANALYST].username)
    follow(page, "link", "Trials")
    assert page.locator("h1").inner_text() == "Trials"
    _axe(page)
    follow(page, "link", "CARA", exact=False)
    assert page.locator("h1").inner_text() == "Allocation log"
    check = page.locator("table").first.inner_text()
    assert "As sequenced" in check and "Check failed" not in check
    assert "workshop 40" in check and "control 40" in check
    allocations = page.locator("table").nth(1)
    assert "1 to 50 of 80" in allocations.locator("caption").inner_text()
    main = page.locator("main").inner_text()
    assert person_pseudonym(newest.case.person_id) in main  # people by pseudonym only
    assert "Historical" not in main and newest.case.reference not in main
    _axe(page)

    with page.expect_download() as info:
        page.get_by_role("link", name="Download the log as CSV").click()
    assert info.value.suggested_filename.endswith(".csv")
    rows = list(csv.reader(io.StringIO(Path(info.value.path()).read_text(encoding="utf-8-sig"))))
    assert rows[0][0] == "Sequence number" and len(rows) == 81
    assert {r[5] for r in rows[1:]} == {"workshop", "control"}
    assert not any("Historical" in cell for row in rows for cell in row)
    assert ProcessingLog.objects.filter(operation="disclosure",
                                        justification__contains="downloaded as CSV").exists()

    # The trial's run: a matched-only answer (referral date) is refused, then put right.
    follow(page, "link", "Home")
    follow(page, "link", "Define an evaluation run")
    _define(page, "CARA trial 2024", design="The programme's randomised trial",
            index_basis="Referral date")
    follow(page, "button", "Run the evaluation")
    summary = page.locator(".govuk-error-summary")
    assert "In a trial the control arm is never referred" in summary.inner_text()
    _axe(page)
    page.get_by_label("Randomisation date").check()
    follow(page, "button", "Run the evaluation")
    _finish(page, run_worker)

    diagram = page.locator("#table-consort svg")
    assert diagram.get_attribute("aria-label").startswith("CONSORT flow diagram of the trial")
    assert diagram.is_visible()
    boxes = diagram.text_content()  # an SVG: its <text> boxes
    for stage in ("Assessed for eligibility", "Excluded", "Not eligible: 2",
                  "Awaiting a decision: 1", "Randomised in the period", "Allocated to workshop",
                  "Allocated to control", "Follow-up at 365 days", "Analysed"):
        assert stage in boxes, stage
    assert "CONSORT flow (trial)" in page.locator("#table-consort caption").inner_text()
    _axe(page)


def test_analyst_chooses_matching_settings_and_two_analysts_sign_off_the_headline(
        cast, page, run_worker):
    oversee(cast)
    poorly_overlapping_groups(cast)  # the workshop arm is 8 years younger than the control
    first, second = cast.users[Role.ANALYST], second_analyst(cast)

    sign_in(page, first.username)
    follow(page, "link", "Define an evaluation run")
    _define(page, "CARA matched, narrow", design="Matched comparison (eligible but not referred)",
            index_basis="Caution date")
    page.get_by_label("Age at the index date").check()
    page.get_by_label("Matched comparison: comparison people per treated person"
                      ).select_option(label="2 to 1")
    caliper = page.get_by_label("Matched comparison: caliper", exact=False)
    caliper.fill("wide")
    follow(page, "button", "Run the evaluation")
    summary = page.locator(".govuk-error-summary")
    assert "The caliper must be a number, for example 0.2" in summary.inner_text()
    _axe(page)
    assert page.get_by_label("Age at the index date").is_checked()  # the answers are kept
    caliper.fill("0.05")
    follow(page, "button", "Run the evaluation")
    narrow = _finish(page, run_worker)
    assert (narrow.covariates, narrow.match_ratio, narrow.caliper_sd) == (["age"], 2, 0.05)

    # Too few of the treated group matched: the rate, no verdict, and no headline.
    matching = narrow.result["matching"]
    matched, treated = matching["treated_matched"], matching["treated"]
    rate = f"{100 * matched / treated:.1f}%"
    assert matched / treated < 0.8
    verdict = page.locator(".govuk-inset-text", has_text="No verdict").inner_text()
    assert f"only {matched} of the {treated} people in the treated group ({rate})" in verdict
    flow = page.locator("#table-matching").inner_text()
    assert "Share of the treated group matched" in flow and rate in flow
    assert "none: too few matched" in page.locator("#table-effects").inner_text()
    assert "cannot be proposed as the headline" in page.locator("#headline-status").inner_text()
    assert page.get_by_role("button", name="Propose as the headline").count() == 0
    _axe(page)

    # A wider caliper matches everyone: a verdict, and it may be proposed.
    follow(page, "link", "Home")
    follow(page, "link", "Define an evaluation run")
    _define(page, "CARA matched, wide", design="Matched comparison (eligible but not referred)",
            index_basis="Caution date")
    page.get_by_label("Age at the index date").check()
    page.get_by_label("Matched comparison: caliper", exact=False).fill("1")
    follow(page, "button", "Run the evaluation")
    wide = _finish(page, run_worker)
    assert "No verdict" not in page.locator("main").inner_text()
    assert "Within 365 days, counting any offence" in page.locator("main").inner_text()
    assert "100.0%" in page.locator("#table-matching").inner_text()
    follow(page, "button", "Propose as the headline")  # no reason given
    assert "Say why this run should be the headline" in page.locator(
        ".govuk-error-summary").inner_text()
    _axe(page)
    page.get_by_label("Why this run should be the headline").fill(
        "Matched on age with every treated person matched")
    follow(page, "button", "Propose as the headline")
    assert "A second analyst must approve it" in page.locator("#headline-status").inner_text()
    assert page.get_by_role("button", name="Approve as the headline").count() == 0  # not own
    _axe(page)
    assert not HeadlineSignOff.objects.get(run=wide).approved

    # The second analyst approves it.
    sign_in(page, second.username)
    follow(page, "link", "CARA matched, wide")
    follow(page, "button", "Approve as the headline")
    status = page.locator("#headline-status").inner_text()
    assert status.startswith("Signed off as the CARA headline: proposed by")
    assert first.username in status or first.get_full_name() in status
    _axe(page)

    # The commissioner's dashboard names the signed-off run.
    sign_in(page, cast.users[Role.COMMISSIONER].username)
    assert page.locator("h1").inner_text() == "Performance and outcomes"
    cara = page.locator("h3", has_text="CARA").first
    named = cara.locator("xpath=following-sibling::dl[1]").inner_text()
    assert f"Run {wide.pk}, \u201cCARA matched, wide\u201d" in named
    assert "signed off as the headline by two analysts" in named
    assert f"Run {narrow.pk}," not in page.locator("main").inner_text()
    assert "Reoffended within 12 months: treatment group" in page.locator("main").inner_text()
    _axe(page)
