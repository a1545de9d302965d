"""The commissioner in a real browser: JUNO's single-group figure (not reoffended within 12
months of completing, with its denominator, labelled as no comparison) and the SWEMWBS
wellbeing change on the dashboard; a period that ends before it starts is refused."""

from __future__ import annotations

import pytest

from diversion.accounts.roles import Role
from diversion.delivery.services import record_questionnaire
from tests.browser.axe import serious_violations
from tests.browser.navigating import follow
from tests.browser.signing_in import sign_in
from tests.commissioning.helpers import oversee, refresh
from tests.commissioning.test_juno_outcomes import ITEMS, _completed
from tests.delivery.helpers import referred_case

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _row(page, label: str):
    return page.locator("tr", has=page.locator("th", has_text=label)).first


def test_commissioner_reads_junos_single_group_figure_and_wellbeing_change(cast, page,
                                                                             settings):
    settings.DISCLOSURE_THRESHOLD = 2
    oversee(cast)
    for after in (30, 200, 365):  # reoffended within 12 months of completing
        _completed(cast, 400, reoffend_after=after)
    _completed(cast, 400, reoffend_after=366)  # after the window: not reoffending
    _completed(cast, 500)
    _completed(cast, 370)
    _completed(cast, 100, reoffend_after=10)  # under 12 months of follow-up: not counted
    facilitator = cast.users[Role.FACILITATOR]
    for end in (3, 4, 2, 2, None, None):  # start all 2s (15.32); two have no end score yet
        case = referred_case(cast, programme="juno")
        record_questionnaire(facilitator, case, "swemwbs_pre", dict.fromkeys(ITEMS, 2))
        if end is not None:
            record_questionnaire(facilitator, case, "swemwbs_post", dict.fromkeys(ITEMS, end))
    refresh()

    sign_in(page, cast.users[Role.COMMISSIONER].username)
    assert page.locator("h1").inner_text() == "Performance and outcomes"
    main = page.locator("main")

    # Wellbeing: (3.93 + 9.71 + 0 + 0) / 4 = +3.41 points; the two with no end score are out.
    swemwbs = _row(page, "JUNO: Change in SWEMWBS score, mean from start to end").inner_text()
    assert "+3.41 points (95% CI " in swemwbs
    assert "(4)" in swemwbs and "no end score (2) are not in the mean" in swemwbs
    improved = _row(page, "JUNO: improved by a meaningful amount (3 points or more)")
    assert "50.0%" in improved.inner_text()
    assert "No end score yet" in main.inner_text()

    # Reoffending: JUNO has no signed-off comparison, so the single-group figure, labelled so.
    juno = page.locator("h3", has_text="JUNO").first
    about = juno.locator("xpath=following-sibling::dl[1]").inner_text()
    assert "Not a comparison" in about and "no effect can be inferred" in about
    assert "365 days" in about and "(6)" in about  # 6 with a full 12 months after completing
    single = _row(page, "Not reoffended within 12 months of completing (JUNO, single group)")
    assert "50.0%" in single.inner_text()  # 3 of the 6 did not reoffend
    caption = juno.locator("xpath=following-sibling::table[1]/caption").inner_text()
    assert caption == "JUNO: single-group figure (not a comparison)"
    assert serious_violations(page) == []

    # A period that ends before it starts is refused with the error summary.
    quarters = sorted(page.get_by_label("From the quarter").locator("option").evaluate_all(
        "options => options.map(o => o.value)"))  # each quarter's first day, ISO
    page.get_by_label("From the quarter").select_option(quarters[-1])
    page.get_by_label("To the quarter").select_option(quarters[0])
    follow(page, "button", "Show figures")
    summary = page.locator(".govuk-error-summary")
    assert "The period ends before it starts" in summary.inner_text()
    assert page.locator("h3", has_text="JUNO").count() == 0  # no figures for a bad period
    assert serious_violations(page) == []
    summary.get_by_role("link").first.click()
    assert page.evaluate("document.activeElement.id") == "id_to_quarter"
