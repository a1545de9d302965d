"""Every booking rule, the booking page's offer, and the last place taken at once."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from diversion.accounts.roles import Role
from diversion.audit.models import ProcessingLog
from diversion.delivery.booking import BookingRefused, book, booking_problems
from diversion.delivery.models import Booking
from tests.delivery.helpers import make_event, referred_case

pytestmark = pytest.mark.django_db


@pytest.fixture
def facilitator(cast):
    return cast.users[Role.FACILITATOR]


def _refused(actor, case, event, words: str) -> None:
    with pytest.raises(BookingRefused) as refused:
        book(actor, case, event.pk)
    assert words in str(refused.value)
    assert not Booking.objects.filter(case=case, event=event).exists()


def test_part_a_then_part_b_four_to_five_weeks_later(cast, facilitator):
    case = referred_case(cast)
    a = make_event(cast, days=7)
    b = make_event(cast, session="part_b", days=7 + 28)
    before = ProcessingLog.objects.count()
    book(facilitator, case, a.pk)
    book(facilitator, case, b.pk)
    assert [x.session_id for x in Booking.objects.filter(case=case)] == ["part_a", "part_b"]
    assert ProcessingLog.objects.count() == before + 2


def test_beyond_capacity_refused(cast, facilitator):
    event = make_event(cast, capacity=1)
    book(facilitator, referred_case(cast), event.pk)
    _refused(facilitator, referred_case(cast), event, "full (1 places)")


def test_mixed_sex_refused(cast, facilitator):
    case = referred_case(cast, programme="juno")
    event = make_event(cast, programme="juno", session="needs_assessment", sex="M")
    _refused(facilitator, case, event, "single-sex")


def test_after_deadline_refused(cast, facilitator):
    case = referred_case(cast, deadline=timezone.localdate() + timedelta(days=5))
    _refused(facilitator, case, make_event(cast, days=6), "after the condition deadline")


def test_part_a_leaving_no_room_for_part_b_refused(cast, facilitator):
    case = referred_case(cast, deadline=timezone.localdate() + timedelta(days=20))
    _refused(facilitator, case, make_event(cast, days=7), "could not then be held")


@pytest.mark.parametrize("gap_days, words", [(27, "3 weeks 6 days"), (36, "5 weeks 1 days")])
def test_gap_outside_four_to_five_weeks_refused(cast, facilitator, gap_days, words):
    case = referred_case(cast)
    book(facilitator, case, make_event(cast, days=7).pk)
    b = make_event(cast, session="part_b", days=7 + gap_days)
    _refused(facilitator, case, b, "must be 4 to 5 weeks after Workshop Part A")
    _refused(facilitator, case, b, words)


def test_part_b_before_part_a_refused(cast, facilitator):
    case = referred_case(cast)
    _refused(facilitator, case, make_event(cast, session="part_b", days=35),
             "Book Workshop Part A next")


def test_past_event_refused(cast, facilitator):
    _refused(facilitator, referred_case(cast), make_event(cast, days=0), "already started")


def test_before_first_contact_refused(cast, facilitator):
    _refused(facilitator, referred_case(cast, status="referred"), make_event(cast),
             "Make first contact")


def test_paused_by_an_urgent_safeguarding_alert_until_lifted(cast, facilitator):
    from diversion.accounts.roles import Role
    from diversion.victims import services as victim_services

    case = referred_case(cast)
    event = make_event(cast)
    worker = cast.users[Role.VICTIM_WORKER]
    victim = victim_services.create_victim(worker, given_name="Ann", family_name="Example")
    alert = victim_services.raise_alert(worker, victim=victim, case=case, urgent=True,
                                        details="Threats since the caution")
    _refused(facilitator, case, event, "safeguarding")
    victim_services.lift_pause(worker, alert)
    case.refresh_from_db()
    book(facilitator, case, event.pk)


def test_another_providers_event_is_not_offered_or_bookable(cast, facilitator):
    from diversion.accounts.models import Organisation

    other = Organisation.objects.create(name="Other Provider", kind="provider", code="op")
    event = make_event(cast, provider=other)
    _refused(facilitator, referred_case(cast), event, "Choose an event from the list")


def test_booking_page_offers_only_events_that_fit(cast, facilitator, client):
    case = referred_case(cast, deadline=timezone.localdate() + timedelta(weeks=10))
    good = make_event(cast, days=7)
    full = make_event(cast, days=8, capacity=1)
    book(facilitator, referred_case(cast), full.pk)
    women = make_event(cast, days=9, sex="F")
    late = make_event(cast, days=60)
    part_b = make_event(cast, session="part_b", days=35)
    assert booking_problems(case, good) == []
    client.force_login(facilitator)
    page = client.get(reverse("delivery:book", args=[case.pk]))
    offered = [int(value) for value, _ in page.context["form"].fields["event"].choices]
    assert offered == [good.pk]
    assert not {full.pk, women.pk, late.pk, part_b.pk} & set(offered)
    refused = client.post(reverse("delivery:book", args=[case.pk]), {"event": str(women.pk)})
    assert refused.status_code == 400
    assert "Choose an event from the list" in refused.content.decode()
    client.post(reverse("delivery:book", args=[case.pk]), {"event": str(good.pk)})
    assert Booking.objects.filter(case=case, event=good).exists()


def test_police_cannot_use_the_booking_page(cast, client):
    case = referred_case(cast)
    client.force_login(cast.users[Role.DECISION_MAKER])
    assert client.get(reverse("delivery:book", args=[case.pk])).status_code == 403


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_facilitators_taking_the_last_place_exactly_one_succeeds(cast):
    event = make_event(cast, capacity=1)
    cases = [referred_case(cast), referred_case(cast)]
    from tests.factories import make_user

    second = make_user("second_facilitator", Role.FACILITATOR, cast.orgs["provider"])
    actors = [cast.users[Role.FACILITATOR], second]
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def attempt(actor, case):
        try:
            barrier.wait()
            book(actor, case, event.pk)
            outcomes.append("booked")
        except BookingRefused as refused:
            outcomes.append(str(refused))
        finally:
            connection.close()

    threads = [threading.Thread(target=attempt, args=pair)
               for pair in zip(actors, cases, strict=True)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert outcomes.count("booked") == 1
    assert any("full" in o for o in outcomes)
    assert Booking.objects.filter(event=event).count() == 1
