"""Demo OOCR cases at every stage of the lifecycle, for the Solent force (idempotent).

Each case goes through the same services the pages use, so its timeline, decisions,
allocations, disposals, referrals and processing-log rows are what a real case would have.
Victim consultations are created as the victim service would record them.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from django.db import transaction
from django.utils import timezone

from diversion.accounts.models import Organisation, User
from diversion.cases import pnc, services
from diversion.cases.lifecycle import Status
from diversion.cases.models import Case, Offence, Person
from diversion.delivery.compliance import DecisionRefused, decide_breach
from diversion.demo.victims import consult_demo_case
from diversion.disposals import services as caution_step
from diversion.disposals.models import ClosureReason
from diversion.programmes.models import ProgrammeProvider
from diversion.programmes.services import sync_versions

PREFIX = "DEMO-OOCR-"
# force code, programme code, provider code
COMMISSIONS = [("solent", "cara", "harbour-trust"), ("solent", "juno", "harbour-trust"),
               ("downshire", "cara", "northgate"), ("downshire", "juno", "northgate")]
ADMINS = {"solent": "admin.brennan", "downshire": "admin.downshire"}

# (target status, or "closed_after_breach", programme, given, family, sex, offence code, dash
# risk). Later stages use
# JUNO (no trial) so they are certain; CARA cases past randomisation land on "referred" or,
# in the control arm, stay "cautioned" without a programme condition.
STAGES = [
    (Status.RECORDED, "cara", "Liam", "Archer", "M", "105A", "standard"),
    (Status.INELIGIBLE, "cara", "Connor", "Baines", "M", "105A", "high"),
    (Status.ELIGIBLE, "cara", "Jamie", "Cole", "M", "58A", "standard"),
    (Status.CONSULTED, "cara", "Ryan", "Dunmore", "M", "8L", "medium"),
    (Status.RANDOMISED, "cara", "Aaron", "Ellery", "M", "105A", "standard"),
    (Status.REFERRED, "cara", "Tom", "Garside", "M", "105A", "standard"),
    (Status.REFERRED, "cara", "Kyle", "Ingram", "M", "9A", "medium"),
    (Status.REFERRED, "cara", "Scott", "Marsh", "M", "8L", "standard"),
    (Status.CAUTIONED, "juno", "Chloe", "Farrant", "F", "49", "standard"),
    (Status.REFERRED, "juno", "Megan", "Holt", "F", "46", "standard"),
    (Status.IN_PROGRESS, "juno", "Kelly", "Nash", "F", "49", "standard"),
    (Status.COMPLETED, "juno", "Dana", "Jessop", "F", "58D", "standard"),
    (Status.BREACHED, "juno", "Leah", "Kemp", "F", "46", "standard"),
    (Status.DECIDED, "juno", "Amy", "Lowther", "F", "49", "standard"),
    (Status.CLOSED, "juno", "Sara", "Pike", "F", "9A", "standard"),
    # Breached, no further action decided, then closed for that reason (not a completion).
    ("closed_after_breach", "juno", "Gemma", "Rowe", "F", "49", "standard"),
]
# Closed cases' recorded reasons (disposals.Closure), by target.
CLOSED_FOR = {Status.CLOSED: ClosureReason.PROGRAMME_COMPLETED,
              "closed_after_breach": ClosureReason.NO_FURTHER_ACTION_AFTER_BREACH}
FACTS = dict(admission=True, on_bail=False, court_order=False, community_sentence=False,
             violence_disposal_within_2_years=False, interpreter_needed=False,
             appropriate_adult_needed=False)


def build_demo_cases(today: date | None = None) -> int:
    """Create the demo cases if they are not there yet. Returns how many were created."""
    sync_versions()
    today = today or timezone.localdate()
    orgs = {o.code: o for o in Organisation.objects.all()}
    for force_code, programme, provider in COMMISSIONS:
        if force_code in orgs and provider in orgs:
            # As the force's administrator would set it on the Programmes page: open-ended,
            # from three financial years back (before every demo caution).
            ProgrammeProvider.objects.get_or_create(
                force=orgs[force_code], programme_code=programme,
                defaults={"provider": orgs[provider], "valid_from": date(today.year - 3, 4, 1),
                          "recorded_by": User.objects.filter(
                              username=ADMINS[force_code]).first()})
    force = orgs.get("solent")
    officer = User.objects.filter(username="sgt.okafor").first()
    victim_worker = User.objects.filter(username="idva.morgan").first()
    service = orgs.get("solent-victim-care")
    if not (force and officer and victim_worker and service):
        return 0
    if Case.objects.filter(force=force, reference__startswith=PREFIX).exists():
        return 0
    made = 0
    for index, (target, programme, given, family, sex, code, risk) in enumerate(STAGES, 1):
        with transaction.atomic():
            _build_one(index, target, programme, given, family, sex, code, risk, force,
                       officer, victim_worker, service, today)
        made += 1
    return made


def _build_one(index, target, programme, given, family, sex, code, risk, force, officer,
               victim_worker, service, today) -> None:
    person = (Person.objects.filter(force=force, sex=sex, cases__isnull=True,
                                    date_of_birth__lte=today - timedelta(days=365 * 20))
              .order_by("id").first())
    if person is None:  # a very small demo force: add someone rather than fail
        person = Person.objects.create(
            force=force, force_reference=f"{PREFIX}P{index:03d}", given_name=given,
            family_name=family, sex=sex, date_of_birth=date(1980 + index, 1, 3),
            pnc_id=pnc.make(2015, 800_000 + index))
    offence_date = today - timedelta(days=30 + 7 * index)
    offence = Offence.objects.create(
        force=force, person=person, crime_reference=f"{PREFIX}CR{index:03d}",
        offence_code_id=code, offence_date=offence_date, recorded_date=offence_date,
        domestic_abuse=True, relationship="current_partner" if sex == "M" else "family_member")
    case = Case.objects.create(
        reference=f"{PREFIX}{index:03d}", force=force, person=person, offence=offence,
        programme_code=programme, created_by=officer, dash_risk=risk,
        victim_statement_date=offence_date + timedelta(days=2), **FACTS,
        # Recorded the day after the offence, so later dates (follow-ups) fall after it.
        created_at=timezone.make_aware(datetime.combine(offence_date + timedelta(days=1),
                                                        time(10))))
    services.add_event(case, officer, "Offence recorded", str(offence.offence_code_id),
                       to_status=Status.RECORDED)
    if target == Status.RECORDED:
        return
    services.decide_eligibility(officer, case, expected_version=case.version)
    if target in (Status.INELIGIBLE, Status.ELIGIBLE):
        return
    consult_demo_case(case, index=index, relationship=(
        "current_partner" if sex == "M" else "family_member"))
    caution_step.confirm_consultation(actor=officer, case=case, expected_version=case.version,
                                      person_consents=True)
    if target == Status.CONSULTED:
        return
    trial, _definition = caution_step.trial_for(case)
    allocation = None
    if trial is not None:
        allocation = caution_step.randomise(actor=officer, case=case,
                                            expected_version=case.version)
    if target == Status.RANDOMISED:
        return
    programme_condition = target != Status.CAUTIONED and (
        allocation is None or (trial is not None and allocation.arm == trial.programme_arm))
    caution_date = offence_date + timedelta(days=14)
    caution_step.caution(
        actor=officer, case=case, expected_version=case.version,
        regime="cja2003_conditional", disposal_date=caution_date,
        authorising_officer="Sgt G Okafor 4471", authorising_rank="sergeant",
        programme_condition=programme_condition,
        reparative_condition="" if programme_condition else "Write a letter of apology",
        restrictive_condition="", unpaid_work_hours=0,
        deadline=caution_date + timedelta(weeks=16), signed_document=True)
    case.refresh_from_db()
    if case.status != Status.REFERRED:
        return  # control arm or no programme condition: cautioned only
    # Straight through the lifecycle, so every later stage has a case to show.
    steps = {
        Status.IN_PROGRESS: [Status.IN_PROGRESS],
        Status.COMPLETED: [Status.IN_PROGRESS, Status.COMPLETED],
        Status.BREACHED: [Status.IN_PROGRESS, Status.BREACHED],
        Status.DECIDED: [Status.IN_PROGRESS, Status.BREACHED],
        Status.CLOSED: [Status.IN_PROGRESS, Status.COMPLETED],
        "closed_after_breach": [Status.IN_PROGRESS, Status.BREACHED],
    }.get(target, [])
    for step in steps:
        services.transition(None, case, step, expected_version=case.version,
                            title=f"{Status(step).label} (demo data)")
    if target in (Status.DECIDED, "closed_after_breach"):
        # A decision through the police's own service: the decided case waits to be closed as
        # prosecuted (or, if prosecution is out of time, with no further action).
        choices = ["prosecute", "nfa"] if target == Status.DECIDED else ["nfa"]
        for choice in choices:
            try:
                decide_breach(officer, case, choice=choice, rationale="Demo breach decision",
                              expected_version=case.version, today=today)
            except DecisionRefused:
                continue
            break
    if target in CLOSED_FOR:
        case.refresh_from_db()
        caution_step.close_case(actor=officer, case=case, expected_version=case.version,
                                reason=CLOSED_FOR[target], detail="Demo data")
