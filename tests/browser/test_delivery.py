"""Provider delivery journeys in a real browser; every page checked with axe.

Events are created in the future (booking refuses past events) and then moved to today, as
if the days had passed, before the register is marked.
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.utils import timezone

from diversion.accounts.roles import Role
from diversion.delivery.models import WorkshopEvent
from tests.browser.axe import serious_violations
from tests.browser.navigating import follow
from tests.browser.signing_in import sign_in as _sign_in
from tests.delivery.helpers import make_event, referred_case

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _click(page, role: str, name: str) -> None:
    follow(page, role, name)


def _date(page, field: str, value: date) -> None:
    page.locator(f"#id_{field}").fill(str(value.day))
    page.locator(f"#id_{field}_month").fill(str(value.month))
    page.locator(f"#id_{field}_year").fill(str(value.year))


def _axe(page) -> None:
    assert serious_violations(page) == []


def _held_today(*events) -> None:
    WorkshopEvent.objects.filter(pk__in=[e.pk for e in events]).update(
        starts_on=timezone.localdate())


def _contact_and_book_cara(page, case, a, b) -> None:
    page.goto("/provider/")
    _axe(page)
    _click(page, "link", case.reference)
    _date(page, "made_on", timezone.localdate())
    page.locator("#id_method").check()
    page.locator("#id_outcome").check()
    _click(page, "button", "Record the contact attempt")
    assert page.locator("#case-status").inner_text() == "In progress"
    _axe(page)
    for session in ("Workshop Part A", "Workshop Part B"):
        _click(page, "link", f"Book {session}")
        _axe(page)
        page.locator("#id_event").check()  # only fitting events are offered
        _click(page, "button", "Book the place")
    _held_today(a, b)


def _mark(page, event, outcome_label: str) -> None:
    page.goto(f"/provider/events/{event.pk}/register/")
    page.get_by_label(outcome_label, exact=True).check()
    _axe(page)
    _click(page, "button", "Save the register")


def test_cara_contact_book_attend_complete_police_see_it(cast, page):
    case = referred_case(cast, status="referred")
    a, b = make_event(cast, days=7), make_event(cast, session="part_b", days=35)
    _sign_in(page, cast.users[Role.FACILITATOR].username)
    _contact_and_book_cara(page, case, a, b)
    _mark(page, a, "Attended")
    _mark(page, b, "Attended")
    page.goto(f"/provider/case/{case.pk}/")
    _click(page, "button", "Complete the programme")
    assert page.locator("#case-status").inner_text() == "Completed"
    _sign_in(page, cast.users[Role.DECISION_MAKER].username)
    page.goto(f"/provider/compliance/case/{case.pk}/")
    assert page.locator("#case-status").inner_text() == "Completed"
    assert "Harbour Hall" not in page.content()  # no workshop details for police
    _axe(page)


def test_cara_missed_part_b_goes_back_to_police_who_rebook(cast, page):
    case = referred_case(cast, status="referred")
    a, b = make_event(cast, days=7), make_event(cast, session="part_b", days=35)
    _sign_in(page, cast.users[Role.FACILITATOR].username)
    _contact_and_book_cara(page, case, a, b)
    _mark(page, a, "Attended")
    _mark(page, b, "Did not attend")
    _sign_in(page, cast.users[Role.DECISION_MAKER].username)
    _click(page, "link", "Compliance")
    _axe(page)
    _click(page, "link", f"{case.reference}: {case.person.given_name} {case.person.family_name}")
    _click(page, "button", "Record the decision")  # empty: the summary names the fields
    assert "Choose a decision" in page.locator(".govuk-error-summary").inner_text()
    _axe(page)
    page.get_by_label("Extend the deadline and re-book the programme").check()
    page.get_by_label("Rationale").fill("First breach; attended Part A")

    _date(page, "new_deadline", case.disposal.disposal_date + timedelta(weeks=20))
    _click(page, "button", "Record the decision")
    assert page.locator("#case-status").inner_text() == "In progress"
    _sign_in(page, cast.users[Role.FACILITATOR].username)
    make_event(cast, days=14)
    page.goto(f"/provider/case/{case.pk}/")
    _click(page, "link", "Book Workshop Part A")  # a re-booking repeats both parts
    page.locator("#id_event").check()
    _click(page, "button", "Book the place")
    assert "Book Workshop Part B" in page.content()


def test_juno_assessment_sessions_wellbeing_completion(cast, page):
    case = referred_case(cast, programme="juno")
    events = [make_event(cast, programme="juno", session=s, days=d, sex="F")
              for s, d in (("needs_assessment", 2), ("group_1", 9), ("group_2", 16))]
    _sign_in(page, cast.users[Role.FACILITATOR].username)
    page.goto(f"/provider/case/{case.pk}/")
    _click(page, "link", "Record the needs assessment")
    for field in page.locator("input[type=radio][value=some]").all():
        field.check()
    _axe(page)
    _click(page, "button", "Save the assessment")
    _click(page, "link", "Record the Short Warwick-Edinburgh Mental Wellbeing Scale (start)")
    for field in page.locator("input[type=radio][value='2']").all():
        field.check()
    _axe(page)
    _click(page, "button", "Save the answers")
    assert "score 15.32 (raw 14)" in page.content()
    page.get_by_label("Goal", exact=True).fill("Find stable housing")
    _click(page, "button", "Add the goal")
    for _ in events:
        _click(page, "link", "Book ")
        page.locator("#id_event").check()
        _click(page, "button", "Book the place")
    _held_today(*events)
    for event in events:
        _mark(page, event, "Attended")
    page.goto(f"/provider/case/{case.pk}/")
    _click(page, "link", "Record the Short Warwick-Edinburgh Mental Wellbeing Scale (end)")
    for field in page.locator("input[type=radio][value='4']").all():
        field.check()
    _click(page, "button", "Save the answers")
    assert "score 25.03 (raw 28)" in page.content()
    assert "15.32 to 25.03: change 9.71 points" in page.content()
    for held_on in (timezone.localdate() - timedelta(days=1), timezone.localdate()):
        _date(page, "one_to_one-held_on", held_on)
        page.get_by_label("Held", exact=True).check()
        page.locator("#id_one_to_one-minutes").fill("60")
        _click(page, "button", "Record the session")
    assert "2 held of 4 planned" in page.content()
    _axe(page)
    _click(page, "button", "Complete the programme")
    assert page.locator("#case-status").inner_text() == "Completed"


def test_a_mistaken_missed_mark_is_corrected_and_the_breach_withdrawn(cast, page):
    case = referred_case(cast, status="referred")
    a, b = make_event(cast, days=7), make_event(cast, session="part_b", days=35)
    _sign_in(page, cast.users[Role.FACILITATOR].username)
    _contact_and_book_cara(page, case, a, b)
    _mark(page, a, "Did not attend")
    page.goto(f"/provider/events/{a.pk}/register/")
    _click(page, "link", f"Correct the mark for {case.person.given_name} "
                         f"{case.person.family_name}")
    _axe(page)
    page.get_by_label("Attended", exact=True).check()
    page.get_by_label("Why is the mark being corrected?").fill("Ticked the wrong row")
    _click(page, "button", "Save the correction")
    assert "Attendance corrected" in page.content()
    page.goto(f"/provider/case/{case.pk}/")
    assert page.locator("#case-status").inner_text() == "In progress"
