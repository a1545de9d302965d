"""Builders for the provider delivery tests (kept out of the shared factories)."""

from __future__ import annotations

from datetime import date, timedelta

from django.utils import timezone

from diversion.accounts.roles import Role
from diversion.cases.models import Case
from diversion.delivery.models import WorkshopEvent
from diversion.disposals.models import Disposal, Referral
from tests.cases.helpers import make_case
from tests.factories import make_person

_counter = iter(range(1, 10_000_000))


def referred_case(cast, *, programme: str = "cara", status: str = "in_progress",
                  sex: str | None = None, deadline: date | None = None,
                  prosecution_last_day: date | None | str = "default",
                  regime: str = "cja2003_conditional") -> Case:
    today = timezone.localdate()
    sex = sex or ("M" if programme == "cara" else "F")
    n = next(_counter)
    person = make_person(cast.orgs["force"], f"D{n}", sex=sex, given_name=f"Given{n}")
    case = make_case(cast, programme=programme, status=status, person=person)
    officer = cast.users[Role.DECISION_MAKER]
    Disposal.objects.create(
        case=case, regime=regime, disposal_date=today - timedelta(days=7),
        authorising_officer="Sgt A", authorising_rank="sergeant",
        deadline=deadline or today + timedelta(weeks=15),
        prosecution_last_day=(today + timedelta(days=200) if prosecution_last_day == "default"
                              else prosecution_last_day),
        time_limit_basis="s127", time_limit_explanation="MCA 1980 s.127: 6 months",
        recorded_by=officer)
    Referral.objects.create(case=case, programme_code=programme, programme_version=1,
                            provider=cast.orgs["provider"], referred_by=officer,
                            first_contact_due=today + timedelta(days=7))
    return case


def make_event(cast, *, session: str = "part_a", days: int = 7, sex: str = "M",
               capacity: int = 12, programme: str = "cara", provider=None) -> WorkshopEvent:
    facilitator = cast.users[Role.FACILITATOR]
    event = WorkshopEvent.objects.create(
        provider=provider or cast.orgs["provider"], programme_code=programme,
        session_id=session, starts_on=timezone.localdate() + timedelta(days=days),
        venue="Harbour Hall", sex=sex, capacity=capacity, created_by=facilitator)
    event.facilitators.set([facilitator])
    return event


def held(event: WorkshopEvent, days_ago: int = 0) -> WorkshopEvent:
    """Move a booked event into the past (it has now been held)."""
    WorkshopEvent.objects.filter(pk=event.pk).update(
        starts_on=timezone.localdate() - timedelta(days=days_ago))
    event.refresh_from_db()
    return event


def booked_cara(cast):
    """A referred CARA case booked onto part A (a week away) and part B (five weeks)."""
    from diversion.delivery.booking import book

    facilitator = cast.users[Role.FACILITATOR]
    case = referred_case(cast)
    a = make_event(cast, days=7)
    b = make_event(cast, session="part_b", days=35)
    ba, bb = book(facilitator, case, a.pk), book(facilitator, case, b.pk)
    return facilitator, case, a, b, ba, bb
