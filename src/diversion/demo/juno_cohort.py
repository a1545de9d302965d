"""A demo JUNO cohort for the provider case page and the commissioner's dashboard.

28 synthetic women referred to Harbour Trust for Solent: 16 in the last nine months (one-to-one
support sessions, the JUNO file's `one_to_ones`; SWEMWBS at the start and, for 11, the end;
completions), so the dashboard's default period shows the SWEMWBS change, and 12 who completed
well over a year ago, 5 of whom have a later offence, for JUNO's single-group figure ("not
reoffended within 12 months of completing"), all above the disclosure threshold. Writes go
through the delivery services where they exist; cases, people and referrals are made directly,
as the test builders do.
Idempotent: nothing is added if the cohort exists.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from django.db import transaction
from django.utils import timezone

from diversion.accounts.models import Organisation, User
from diversion.cases import pnc
from diversion.cases.lifecycle import Status
from diversion.cases.models import Case, CaseEvent, Offence, Person
from diversion.cases.services import transition
from diversion.delivery.services import record_contact, record_one_to_one, record_questionnaire
from diversion.disposals.models import Disposal, Referral

PREFIX = "DEMO-JUNO-"
RECENT = 16  # referred in the last nine months
SIZE = RECENT + 12  # and 12 referred 16 months to 2 years ago
ITEMS = ["optimistic", "useful", "relaxed", "problems", "thinking", "close", "own_mind"]
# Start answers, and the end answers' rise per item: +1 on every item is a meaningful change
# (raw +7, about 4 to 6 metric points); 0 is no change; some have no end score yet.
START = [2, 2, 3, 2, 3]
RISE = [1, 0, 0, 1, 0, 1, 1, 0]
FACTS = dict(admission=True, on_bail=False, court_order=False, community_sentence=False,
             violence_disposal_within_2_years=False, interpreter_needed=False,
             appropriate_adult_needed=False)


def build_juno_cohort(today: date) -> int:
    """Create the cohort once. Returns how many cases were made."""
    force = Organisation.objects.filter(code="solent").first()
    provider = Organisation.objects.filter(code="harbour-trust").first()
    officer = User.objects.filter(username="sgt.okafor").first()
    facilitator = User.objects.filter(username="facilitator.hughes").first()
    if not all((force, provider, officer, facilitator)):
        return 0
    if Case.objects.filter(reference__startswith=PREFIX).exists():
        return 0
    with transaction.atomic():
        for i in range(SIZE):
            _one(i, today, force, provider, officer, facilitator)
    return SIZE


def _one(i, today, force, provider, officer, facilitator) -> None:
    recent = i < RECENT
    referred_on = today - timedelta(days=20 + 15 * i if recent else 500 + 30 * (i - RECENT))
    caution = referred_on - timedelta(days=1)
    person = Person.objects.create(
        force=force, force_reference=f"{PREFIX}P{i:03d}", given_name="Demo",
        family_name=f"Juno{i:03d}", sex="F", date_of_birth=date(1980 + i % 15, 6, 9),
        pnc_id=pnc.make(2017, 800_000 + i))
    offence_day = caution - timedelta(days=10)
    offence = Offence.objects.create(
        force=force, person=person, crime_reference=f"{PREFIX}CR{i:03d}",
        offence_code_id="49", offence_date=offence_day, recorded_date=offence_day,
        domestic_abuse=False)
    case = Case.objects.create(
        reference=f"{PREFIX}{i:03d}", force=force, person=person, offence=offence,
        programme_code="juno", status=Status.REFERRED, created_by=officer,
        dash_risk="standard", created_at=timezone.make_aware(
            datetime.combine(offence_day + timedelta(days=1), time(9))), **FACTS)
    Disposal.objects.create(
        case=case, regime="cja2003_conditional", disposal_date=caution,
        authorising_officer="Sgt G Okafor 4471", authorising_rank="sergeant",
        deadline=caution + timedelta(weeks=16), signed_document=True,
        time_limit_basis="s127", time_limit_explanation="MCA 1980 s.127: 6 months",
        recorded_by=officer)
    Referral.objects.create(
        case=case, programme_code="juno", programme_version=1, provider=provider,
        referred_by=officer, referred_at=timezone.make_aware(datetime.combine(referred_on,
                                                                              time(10))),
        first_contact_due=caution + timedelta(days=14))
    record_contact(facilitator, case, made_on=caution + timedelta(days=3), method="phone",
                   outcome="contacted")
    case.refresh_from_db()
    start = START[i % len(START)]
    record_questionnaire(facilitator, case, "swemwbs_pre", dict.fromkeys(ITEMS, start))
    for n, outcome in enumerate(("held", "did_not_attend" if i % 4 == 0 else "held", "held")):
        held_on = min(caution + timedelta(days=7 + 7 * n), today)
        record_one_to_one(facilitator, case, held_on=held_on, minutes=60, outcome=outcome,
                          note="Demo: coping strategies and next steps", today=today)
    if recent and i < 3:
        return  # just started: in progress, no end score yet
    if recent and i % 7 == 5:
        return  # in progress for longer: still no end score (counted, not dropped)
    record_questionnaire(facilitator, case, "swemwbs_post",
                         dict.fromkeys(ITEMS, start + RISE[i % len(RISE)]))
    case.refresh_from_db()
    transition(facilitator, case, Status.COMPLETED, expected_version=case.version,
               title="Programme completed (demo data)")
    completed_on = min(caution + timedelta(days=70), today)
    CaseEvent.objects.filter(case=case, to_status=Status.COMPLETED).update(
        occurred_at=timezone.make_aware(datetime.combine(completed_on, time(16))))
    if not recent and i % 2 == 1 and i < SIZE - 2:  # 5 of the 12 reoffend
        later = completed_on + timedelta(days=100 + 10 * i)
        Offence.objects.create(
            force=force, person=person, crime_reference=f"{PREFIX}CR{i:03d}-2",
            offence_code_id="49", offence_date=later, recorded_date=later,
            domestic_abuse=False)
