"""Correcting a saved attendance mark: the case follows the new mark, with a reason, logged."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from diversion.accounts.models import Organisation, OrganisationKind, User
from diversion.accounts.roles import Role
from diversion.audit.models import ProcessingLog
from diversion.cases.models import CaseEvent
from diversion.delivery.booking import book
from diversion.delivery.compliance import decide_breach
from diversion.delivery.models import Attendance, AttendanceCorrection, Booking
from diversion.delivery.services import DeliveryRefused, correct_attendance, record_register
from tests.delivery.helpers import booked_cara, held, make_event, referred_case
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db


@pytest.fixture
def marked(cast):
    """Part A held and marked did-not-attend by mistake: the case is breached, part B released."""
    facilitator, case, a, _b, ba, bb = booked_cara(cast)
    held(a)
    record_register(facilitator, a, {ba.pk: ("did_not_attend", "")})
    case.refresh_from_db()
    assert case.status == "breached"
    return facilitator, case, a, ba, bb


def test_a_missed_mark_corrected_before_police_decide_withdraws_the_breach(marked):
    facilitator, case, _a, ba, bb = marked
    attendance = Attendance.objects.get(booking=ba)
    correct_attendance(facilitator, attendance, outcome="attended", reason="",
                       why="Marked the wrong person: he signed the register")
    case.refresh_from_db()
    attendance.refresh_from_db()
    assert case.status == "in_progress" and attendance.outcome == "attended"
    event = CaseEvent.objects.filter(case=case).latest("id")
    assert event.from_status == "breached" and event.to_status == "in_progress"
    assert "Breach withdrawn" in event.title and "wrong person" in event.detail
    correction = AttendanceCorrection.objects.get()
    assert (correction.previous_outcome, correction.outcome) == ("did_not_attend", "attended")
    assert ProcessingLog.objects.filter(operation="alteration",
                                        justification__contains="Attendance corrected").exists()
    # Part B's place was released by the breach: it must be booked again.
    assert Booking.objects.get(pk=bb.pk).cancelled


def test_after_a_police_decision_the_mark_cannot_be_changed_here(marked, cast):
    facilitator, case, _a, ba, _bb = marked
    decide_breach(cast.users[Role.DECISION_MAKER], case, choice="rebook",
                  rationale="Give one more chance", new_deadline=timezone.localdate()
                  + timedelta(days=60), expected_version=case.version)
    with pytest.raises(DeliveryRefused, match="Police have already decided"):
        correct_attendance(facilitator, Attendance.objects.get(booking=ba), outcome="attended",
                           reason="", why="Mistake")
    assert Attendance.objects.get(booking=ba).outcome == "did_not_attend"
    assert not AttendanceCorrection.objects.exists()


def test_attended_corrected_to_missed_is_a_breach(cast):
    facilitator, case, a, _b, ba, bb = booked_cara(cast)
    held(a)
    record_register(facilitator, a, {ba.pk: ("attended", "")})
    correct_attendance(facilitator, Attendance.objects.get(booking=ba), outcome="late",
                       reason="", why="He arrived 40 minutes late and was turned away")
    case.refresh_from_db()
    assert case.status == "breached"
    assert Booking.objects.get(pk=bb.pk).cancelled
    assert "mark corrected" in CaseEvent.objects.filter(case=case).latest("id").title


def test_late_and_did_not_attend_swap_only_the_words(marked):
    facilitator, case, _a, ba, _bb = marked
    version = case.version
    correct_attendance(facilitator, Attendance.objects.get(booking=ba), outcome="late",
                       reason="", why="He came, late")
    case.refresh_from_db()
    assert case.status == "breached" and case.version == version
    assert Attendance.objects.get(booking=ba).outcome == "late"


@pytest.mark.parametrize("outcome, reason, why, message", [
    ("attended", "", "  ", "Say why"),
    ("excused", "", "Mistake", "Give the reason the absence was excused"),
    ("did_not_attend", "", "Same again", "already the mark saved"),
    ("nonsense", "", "Mistake", "Choose the correct attendance"),
])
def test_bad_corrections_are_refused_and_change_nothing(marked, outcome, reason, why, message):
    facilitator, case, _a, ba, _bb = marked
    with pytest.raises(DeliveryRefused, match=message):
        correct_attendance(facilitator, Attendance.objects.get(booking=ba), outcome=outcome,
                           reason=reason, why=why)
    case.refresh_from_db()
    assert case.status == "breached" and not AttendanceCorrection.objects.exists()


def test_the_page_corrects_a_mark_and_shows_errors(marked, client):
    facilitator, case, a, ba, _bb = marked
    client.force_login(facilitator)
    register = client.get(reverse("delivery:register", args=[a.pk])).content.decode()
    url = reverse("delivery:correct_attendance", args=[a.pk, ba.pk])
    assert url in register
    page = client.post(url, {"outcome": "excused"})
    text = page.content.decode()
    assert page.status_code == 400 and "There is a problem" in text
    assert "Give the reason the absence was excused" in text
    assert "Say why the mark is being corrected" in text
    done = client.post(url, {"outcome": "excused", "reason": "In hospital (letter seen)",
                             "why": "The hospital letter arrived after the register"})
    assert done.status_code == 302
    case.refresh_from_db()
    assert case.status == "in_progress"
    history = client.get(url).content.decode()
    assert "Earlier corrections" in history and "hospital letter" in history


def test_another_provider_cannot_correct(marked, client, cast):
    _facilitator, _case, a, ba, _bb = marked
    client.force_login(cast.users[Role.DECISION_MAKER])
    url = reverse("delivery:correct_attendance", args=[a.pk, ba.pk])
    assert client.get(url).status_code == 403
    other = Organisation.objects.create(name="Other Provider", kind=OrganisationKind.PROVIDER)
    outsider = User.objects.create_user("other.facilitator", password=PASSWORD,
                                        role=Role.FACILITATOR, organisation=other)
    client.force_login(outsider)
    assert client.get(url).status_code == 404
    assert client.post(url, {"outcome": "attended", "why": "x"}).status_code == 404
    assert Attendance.objects.get(booking=ba).outcome == "did_not_attend"


def test_an_unmarked_booking_has_no_correction_page(cast, client):
    facilitator = cast.users[Role.FACILITATOR]
    case = referred_case(cast)
    a = make_event(cast, days=7)
    ba = book(facilitator, case, a.pk)
    client.force_login(facilitator)
    assert client.get(reverse("delivery:correct_attendance",
                              args=[a.pk, ba.pk])).status_code == 404
