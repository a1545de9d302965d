"""Demo data for evaluation runs: a historical randomised CARA cohort (men only, as CARA is for
men) with a known, injected effect (12-month reoffending about 20% in the workshop arm against
35% in the control arm) and one finished run, so a newcomer's first report shows the engine
recovering the effect.

Bulk ORM writes (demo data only); idempotent: built once per force, the run made once.
"""

from __future__ import annotations

import datetime as dt
import random

from django.db import transaction
from django.utils import timezone

from diversion.accounts.models import Organisation, User
from diversion.accounts.roles import Role
from diversion.audit.models import Operation
from diversion.audit.services import record
from diversion.cases.models import Case, Offence, Person
from diversion.disposals.models import Closure, ClosureReason
from diversion.evaluation.models import Design, EvaluationRun, IndexBasis
from diversion.evaluation.services import approve_headline, propose_headline, run_evaluation
from diversion.trials.models import TrialAllocation, TrialBlock

TRIAL, PROGRAMME, STRATUM = "cara-trial-1", "cara", "historical-demo"
DEMO_TITLE = "CARA historical trial (demo, injected effect)"
CODES = ["105A", "8N", "105A", "8N"]


def build_historical_trial(force: Organisation, actor: User, people: int, *,
                           treated_risk: float = 0.20, control_risk: float = 0.35,
                           seed: int = 7, start: dt.date = dt.date(2024, 1, 8),
                           prefix: str = "HIST") -> int:
    """Randomise `people` synthetic cases 1:1 (workshop/control) over a year from `start`, and
    draw each person's reoffending in the 365 days after so each arm has the given risk."""
    rng = random.Random(seed)
    stratum = f"{STRATUM}-{prefix}"
    if TrialBlock.objects.filter(trial_code=TRIAL, stratum=stratum).exists():
        return 0
    with transaction.atomic():
        persons = Person.objects.bulk_create([
            Person(force=force, force_reference=f"{prefix}-{i:05d}", given_name="Demo",
                   family_name=f"Historical{i}", sex="M",  # CARA is for men
                   date_of_birth=dt.date(1970 + rng.randrange(30), 1 + rng.randrange(12), 1))
            for i in range(people)])
        index_dates = [start + dt.timedelta(days=rng.randrange(365)) for _ in range(people)]
        index_offences = Offence.objects.bulk_create([
            Offence(force=force, person=p, crime_reference=f"{prefix}/IDX/{i:05d}",
                    offence_code_id="105A", offence_date=d - dt.timedelta(days=10),
                    recorded_date=d - dt.timedelta(days=9), domestic_abuse=True,
                    relationship="current_partner", outcome_type="conditional_caution",
                    outcome_date=d)
            for i, (p, d) in enumerate(zip(persons, index_dates, strict=True))])
        blocks = TrialBlock.objects.bulk_create([
            TrialBlock(trial_code=TRIAL, stratum=stratum, index=b,
                       arms=rng.sample(["workshop", "control"], 2))
            for b in range((people + 1) // 2)])
        arms = [blocks[i // 2].arms[i % 2] for i in range(people)]
        cases = Case.objects.bulk_create([
            Case(reference=f"{prefix}-{force.code}-{i:05d}", force=force, person=p, offence=o,
                 programme_code=PROGRAMME, created_by=actor,
                 created_at=timezone.make_aware(dt.datetime.combine(o.recorded_date,
                                                                    dt.time(10))),
                 status="completed" if arm == "workshop" else "closed")
            for i, (p, o, arm) in enumerate(zip(persons, index_offences, arms, strict=True))])
        # The control arm was cautioned with no programme condition and closed for that reason.
        Closure.objects.bulk_create([
            Closure(case=c, reason=ClosureReason.NO_PROGRAMME_CONDITION, closed_by=actor,
                    closed_at=c.created_at + dt.timedelta(days=30))
            for c in cases if c.status == "closed"])
        TrialAllocation.objects.bulk_create([
            TrialAllocation(trial_code=TRIAL, programme_code=PROGRAMME, programme_version=1,
                            case=c, stratum=stratum, block=blocks[i // 2], position=i % 2,
                            arm=arm, allocated_by=actor,
                            allocated_at=timezone.make_aware(
                                dt.datetime.combine(d, dt.time(12))))
            for i, (c, arm, d) in enumerate(zip(cases, arms, index_dates, strict=True))])
        later = []
        for i, (p, arm, d) in enumerate(zip(persons, arms, index_dates, strict=True)):
            if rng.random() >= (treated_risk if arm == "workshop" else control_risk):
                continue
            when = d + dt.timedelta(days=1 + rng.randrange(364))
            later.append(Offence(force=force, person=p, crime_reference=f"{prefix}/RE/{i:05d}",
                                 offence_code_id=rng.choice(CODES), offence_date=when,
                                 recorded_date=when + dt.timedelta(days=2),
                                 domestic_abuse=rng.random() < 0.7,
                                 relationship="current_partner", outcome_type="charge",
                                 outcome_date=when + dt.timedelta(days=20)))
        Offence.objects.bulk_create(later)
        record(actor=None, operation=Operation.COLLECTION, obj=force,
               justification=f"Synthetic historical trial cohort for {force.name}: {people} "
                             f"people, {len(later)} later offences (demo data)")
    return people


def load_demo_evaluation() -> None:
    """The historical cohort for Solent, and one finished run on it."""
    force = Organisation.objects.filter(code="solent").first()
    analyst = User.objects.filter(organisation=force, role=Role.ANALYST).order_by("pk").first()
    officer = User.objects.filter(organisation=force, role=Role.DECISION_MAKER).first()
    if force is None or analyst is None or officer is None:
        return
    build_historical_trial(force, officer, 400)
    if EvaluationRun.objects.filter(force=force, title=DEMO_TITLE).exists():
        return
    run = EvaluationRun.objects.create(
        force=force, created_by=analyst, title=DEMO_TITLE, programme_code=PROGRAMME,
        design=Design.TRIAL, index_from=dt.date(2024, 1, 1), index_to=dt.date(2024, 12, 31),
        index_basis=IndexBasis.RANDOMISATION, window_days=365, basis="recorded", scope="any")
    run_evaluation(run.pk)
    run.refresh_from_db()
    second = (User.objects.filter(organisation=force, role=Role.ANALYST)
              .exclude(pk=analyst.pk).order_by("pk").first())
    if run.status == EvaluationRun.Status.DONE and second is not None:
        propose_headline(analyst, run, reason="The full historical trial cohort with 12 "
                                              "months' follow-up (demo data)")
        approve_headline(second, run)
