"""Police compliance, the breach decision (time limit, regime maximum) and what police never see."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from diversion.accounts import policy
from diversion.accounts.roles import Role
from diversion.delivery.booking import book, current_round, next_session
from diversion.delivery.compliance import DecisionRefused, decide_breach
from diversion.delivery.models import (
    Attendance,
    BreachDecision,
    CaseNote,
    QuestionnaireResponse,
    WorkshopEvent,
)
from diversion.delivery.services import add_note, record_questionnaire, record_register
from tests.delivery.helpers import make_event, referred_case

pytestmark = pytest.mark.django_db


def _breached(cast, **extra):
    case = referred_case(cast, status="breached", **extra)
    return case


def test_prosecute_refused_when_time_limit_has_passed(cast):
    officer = cast.users[Role.DECISION_MAKER]
    case = _breached(cast, prosecution_last_day=timezone.localdate() - timedelta(days=1))
    with pytest.raises(DecisionRefused, match="time limit for prosecuting the original offence "
                                               "passed"):
        decide_breach(officer, case, choice="prosecute", rationale="Repeated non-attendance",
                      expected_version=case.version)
    case.refresh_from_db()
    assert case.status == "breached" and not BreachDecision.objects.exists()


def test_prosecute_refused_on_the_page_with_the_reason(cast, client):
    case = _breached(cast, prosecution_last_day=timezone.localdate() - timedelta(days=1))
    client.force_login(cast.users[Role.DECISION_MAKER])
    page = client.get(reverse("delivery:progress", args=[case.pk]))
    assert "Prosecution is not possible" in page.content.decode()
    posted = client.post(reverse("delivery:decide", args=[case.pk]), {
        "version": case.version, "choice": "prosecute", "rationale": "No engagement"})
    assert posted.status_code == 400
    assert "time limit for prosecuting" in posted.content.decode()
    assert "govuk-error-summary" in posted.content.decode()


def test_prosecute_allowed_within_the_time_limit(cast):
    case = _breached(cast)
    decide_breach(cast.users[Role.DECISION_MAKER], case, choice="prosecute",
                  rationale="No engagement", expected_version=case.version)
    case.refresh_from_db()
    assert case.status == "decided"


def test_community_caution_breach_is_not_prosecuted(cast):
    case = _breached(cast, regime="pcsc_community")
    with pytest.raises(DecisionRefused, match="financial penalty"):
        decide_breach(cast.users[Role.DECISION_MAKER], case, choice="prosecute",
                      rationale="x", expected_version=case.version)


def test_rebook_beyond_regime_maximum_refused(cast):
    case = _breached(cast)
    too_late = case.disposal.disposal_date + timedelta(weeks=20, days=1)
    with pytest.raises(DecisionRefused, match="regime maximum"):
        decide_breach(cast.users[Role.DECISION_MAKER], case, choice="rebook", rationale="x",
                      new_deadline=too_late, expected_version=case.version)


def test_rebook_repeats_both_parts(cast):
    facilitator = cast.users[Role.FACILITATOR]
    case = referred_case(cast)
    a = make_event(cast, days=7)
    booking = book(facilitator, case, a.pk)
    WorkshopEvent.objects.filter(pk=a.pk).update(starts_on=timezone.localdate())
    a.refresh_from_db()
    record_register(facilitator, a, {booking.pk: ("attended", "")})
    # Part B missed (no event needed: a non-attendance at Part B would land here)
    b = make_event(cast, session="part_b", days=28)
    booking_b = book(facilitator, case, b.pk)
    WorkshopEvent.objects.filter(pk=b.pk).update(starts_on=timezone.localdate())
    b.refresh_from_db()
    record_register(facilitator, b, {booking_b.pk: ("did_not_attend", "")})
    case.refresh_from_db()
    assert case.status == "breached"
    decide_breach(cast.users[Role.DECISION_MAKER], case, choice="rebook",
                  rationale="First breach; engaged at Part A",
                  new_deadline=case.disposal.disposal_date + timedelta(weeks=20),
                  expected_version=case.version)
    case.refresh_from_db()
    assert case.status == "in_progress" and current_round(case) == 2
    assert next_session(case).id == "part_a"


def test_compliance_page_lists_near_deadline_breached_and_time_limit(cast, client):
    today = timezone.localdate()
    near = referred_case(cast, deadline=today + timedelta(days=10))
    far = referred_case(cast, deadline=today + timedelta(days=60))
    breached = _breached(cast)
    limit = referred_case(cast, prosecution_last_day=today + timedelta(days=5))
    client.force_login(cast.users[Role.DECISION_MAKER])
    lists = client.get(reverse("delivery:compliance")).context["lists"]
    assert near in lists.near_deadline and far not in lists.near_deadline
    assert lists.non_compliant == [breached]
    assert limit in lists.time_limit_close
    client.force_login(cast.outsider_officer)
    other = client.get(reverse("delivery:compliance")).context["lists"]
    assert not (other.near_deadline or other.non_compliant or other.time_limit_close)


def test_police_never_see_notes_or_questionnaires(cast, client):
    case = referred_case(cast)
    facilitator, officer = cast.users[Role.FACILITATOR], cast.users[Role.DECISION_MAKER]
    make_event(cast)
    add_note(facilitator, case, "Disclosed worries about drinking")
    record_questionnaire(facilitator, case, "cara_pre",
                         {"abuse_harms_children": 4, "own_responsibility": 5, "ask_for_help": 3})
    for model in (CaseNote, QuestionnaireResponse, WorkshopEvent):
        assert not policy.visible(officer, model).exists()
        assert policy.visible(facilitator, model).exists()
    assert not policy.can_read_field(officer, Attendance, "reason")
    client.force_login(officer)
    page = client.get(reverse("delivery:progress", args=[case.pk])).content.decode()
    assert "drinking" not in page and "Harbour Hall" not in page
    assert client.get(reverse("delivery:case", args=[case.pk])).status_code == 403


def test_provider_page_shows_notes_on_the_timeline(cast, client):
    case = referred_case(cast)
    client.force_login(cast.users[Role.FACILITATOR])
    client.post(reverse("delivery:note", args=[case.pk]), {"text": "Phoned his GP"})
    page = client.get(reverse("delivery:case", args=[case.pk])).content.decode()
    assert "Phoned his GP" in page and "Provider only" in page
    empty = client.post(reverse("delivery:note", args=[case.pk]), {"text": ""})
    assert empty.status_code == 400 and "Enter the note" in empty.content.decode()
