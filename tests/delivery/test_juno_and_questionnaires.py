"""JUNO: needs assessment, sessions, SWEMWBS at start and end (published scoring), completion."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from diversion.accounts.roles import Role
from diversion.delivery.booking import book
from diversion.delivery.models import QuestionnaireResponse, WorkshopEvent
from diversion.delivery.services import (
    DeliveryRefused,
    complete,
    completion_gaps,
    record_one_to_one,
    record_questionnaire,
    record_register,
    score,
)
from diversion.programmes import registry
from tests.delivery.helpers import make_event, referred_case

pytestmark = pytest.mark.django_db

SWEMWBS_ITEMS = ["optimistic", "useful", "relaxed", "problems", "thinking", "close", "own_mind"]


@pytest.mark.parametrize("answers, raw, metric", [
    ([1] * 7, 7, "7.00"), ([5] * 7, 35, "35.00"), ([3] * 7, 21, "19.25"),
    ([4, 4, 3, 3, 4, 2, 3], 23, "20.73"), ([2] * 7, 14, "15.32")])
def test_swemwbs_published_conversion(answers, raw, metric):
    swemwbs = registry.get("juno", 1).questionnaire("swemwbs_pre")
    assert score(swemwbs, dict(zip(SWEMWBS_ITEMS, answers, strict=True))) == (raw, Decimal(metric))


def test_unanswered_or_out_of_range_refused():
    swemwbs = registry.get("juno", 1).questionnaire("swemwbs_pre")
    with pytest.raises(DeliveryRefused, match="Answer every question"):
        score(swemwbs, {"optimistic": 3})
    with pytest.raises(DeliveryRefused):
        score(swemwbs, dict.fromkeys(SWEMWBS_ITEMS, 6))


def test_cara_post_questionnaire_asks_about_partner_and_children(cast, client):
    case = referred_case(cast)
    client.force_login(cast.users[Role.FACILITATOR])
    url = reverse("delivery:questionnaire", args=[case.pk, "cara_post"])
    page = client.get(url).content.decode()
    assert "changed my attitude to my partner" in page and "attitude to my children" in page
    bad = client.post(url, {"abuse_harms_children": "4"})
    assert bad.status_code == 400 and "Answer question 2" in bad.content.decode()
    client.post(url, {"abuse_harms_children": "4", "own_responsibility": "5",
                      "ask_for_help": "4", "changed_attitude_partner": "5",
                      "changed_attitude_children": "4"})
    response = QuestionnaireResponse.objects.get(case=case)
    assert response.raw_score == 22 and response.answers["changed_attitude_children"] == 4
    with pytest.raises(DeliveryRefused, match="already been recorded"):
        record_questionnaire(cast.users[Role.FACILITATOR], case, "cara_post",
                             response.answers)


def test_juno_journey_to_completion(cast, client):
    facilitator = cast.users[Role.FACILITATOR]
    case = referred_case(cast, programme="juno")
    client.force_login(facilitator)
    needs = {f"need_{d}": "some" for d in ["trauma", "domestic_abuse", "mental_health",
                                           "substance_use", "housing", "finance", "children"]}
    client.post(reverse("delivery:assessment", args=[case.pk]), {**needs, "summary": "x"})
    record_questionnaire(facilitator, case, "swemwbs_pre", dict.fromkeys(SWEMWBS_ITEMS, 2))
    client.post(reverse("delivery:goal", args=[case.pk]), {"goal": "Find stable housing"})
    with pytest.raises(DeliveryRefused, match="not attended"):
        complete(facilitator, case)
    for days, session in ((2, "needs_assessment"), (9, "group_1"), (16, "group_2")):
        event = make_event(cast, programme="juno", session=session, days=days, sex="F")
        booking = book(facilitator, case, event.pk)
        WorkshopEvent.objects.filter(pk=event.pk).update(starts_on=timezone.localdate())
        event.refresh_from_db()
        record_register(facilitator, event, {booking.pk: ("attended", "")})
    assert completion_gaps(case) == [
        "Short Warwick-Edinburgh Mental Wellbeing Scale (end) not recorded",
        "2 one-to-one support sessions must be held (0 so far)"]
    for days_ago in (2, 1):
        record_one_to_one(facilitator, case, held_on=timezone.localdate()
                          - timedelta(days=days_ago), minutes=60, outcome="held", note="")
    record_questionnaire(facilitator, case, "swemwbs_post", dict.fromkeys(SWEMWBS_ITEMS, 4))
    client.post(reverse("delivery:complete", args=[case.pk]))
    case.refresh_from_db()
    assert case.status == "completed"
    client.force_login(cast.users[Role.DECISION_MAKER])
    page = client.get(reverse("delivery:progress", args=[case.pk])).content.decode()
    assert "Completed" in page and "Find stable housing" not in page


def test_definition_without_conversion_rows_is_refused():
    from pydantic import ValidationError

    from diversion.programmes.schema import Questionnaire

    with pytest.raises(ValidationError, match="conversion table lacks"):
        Questionnaire(id="q", name="Q", when="start", scoring="conversion",
                      items=[{"id": "a", "text": "A"}],
                      options=[{"value": 1, "label": "x"}, {"value": 2, "label": "y"}],
                      conversion={1: 1.0})


def test_first_contact_target_comes_from_the_programme_data():
    assert registry.get("cara", 1).first_contact_days == 14
    assert timedelta(days=registry.get("juno", 1).first_contact_days).days == 14
