"""Finding records past their retention date, and erasing them.

These functions are the retention job's own reads: they run for an organisation (the sweep,
on the task queue) or for a review an administrator fetched with `policy.get_visible_or_404`,
and every query is bounded by that organisation (a force's people, a victim service's
victims). An erasure deletes the record and everything that hangs off it in one transaction
and writes one `erasure` row to the processing log; earlier log rows about it stay as they
are (decision 0006), still naming it by type and id, and the erasure row names the same
type and id so a reader of those rows can find what became of it.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.db.models import Exists, Max, Model, OuterRef, QuerySet, Subquery
from django.utils import timezone

from diversion.cases.lifecycle import Status
from diversion.cases.models import (
    Case,
    CaseEvent,
    EligibilityDecision,
    Offence,
    Person,
    PersonContact,
)
from diversion.delivery import models as delivery
from diversion.disposals.models import Closure, Disposal, Referral, VictimViewDecision
from diversion.records.models import LinkCandidate, PersonLink
from diversion.retention.models import SubjectAccessRequest, SubjectType
from diversion.retention.schedule import BY_KEY
from diversion.trials.models import TrialAllocation
from diversion.victims import models as victims

# A case in one of these statuses needs nothing more: it may be erased once past retention.
FINISHED = frozenset({Status.CLOSED, Status.INELIGIBLE})


class ErasureRefused(Exception):
    """The record cannot be erased yet; the message says why."""


@dataclass
class Due:
    """One record past its retention date."""

    record_type: str
    object_type: str
    object_id: int
    due_on: date
    summary: str


@dataclass
class Erased:
    subjects: list[tuple[str, int]] = field(default_factory=list)
    counts: Counter[str] = field(default_factory=Counter)

    def delete(self, queryset: QuerySet) -> None:
        _total, by_model = queryset.delete()
        for label, count in by_model.items():
            if count:
                self.counts[label] += count


# --- finding ----------------------------------------------------------------------------------

def _latest(queryset: QuerySet, field_name: str) -> Subquery:
    return Subquery(queryset.order_by(f"-{field_name}").values(field_name)[:1])


def due_people(organisation, today: date) -> list[Due]:
    """People with no live case whose clock (last case activity, or with no case their last
    offence) started more than the period ago. One query, then a few per person found."""
    rule = BY_KEY["person"]
    person = OuterRef("pk")
    people = Person.objects.filter(force=organisation).annotate(
        live=Exists(Case.objects.filter(person=person).exclude(status__in=FINISHED)),
        last_event=_latest(CaseEvent.objects.filter(case__person=person), "occurred_at"),
        last_case=_latest(Case.objects.filter(person=person), "created_at"),
        last_offence=_latest(Offence.objects.filter(person=person), "recorded_date"),
    ).filter(live=False).values("pk", "created_at", "last_event", "last_case", "last_offence")
    found = []
    for row in people:
        moments = [m for m in (row["last_event"], row["last_case"]) if m is not None]
        if moments:
            trigger = timezone.localtime(max(moments)).date()
        else:
            trigger = row["last_offence"] or timezone.localtime(row["created_at"]).date()
        if rule.due_on(trigger) > today:
            continue
        cases = Case.objects.filter(person_id=row["pk"]).count()
        offences = Offence.objects.filter(person_id=row["pk"]).count()
        found.append(Due("person", "cases.Person", row["pk"], rule.due_on(trigger),
                         f"Person {row['pk']}: {offences} offence{'s' if offences != 1 else ''}"
                         f", {cases} case{'s' if cases != 1 else ''}; last activity "
                         f"{trigger:%d %B %Y}"))
    return found


def due_victims(organisation, today: date) -> list[Due]:
    rule = BY_KEY["victim"]
    found = []
    people = victims.Victim.objects.filter(victim_service=organisation).annotate(
        last_contact=Max("contacts__contacted_on")).only("pk", "created_at")
    for victim in people:
        trigger = victim.last_contact or timezone.localtime(victim.created_at).date()
        if rule.due_on(trigger) > today:
            continue
        found.append(Due("victim", "victims.Victim", victim.pk, rule.due_on(trigger),
                         f"Victim {victim.pk}: last contact {trigger:%d %B %Y}"))
    return found


def due_for(organisation, today: date) -> list[Due]:
    if organisation.kind == "police_force":
        return due_people(organisation, today)
    if organisation.kind == "victim_service":
        return due_victims(organisation, today)
    return []


# --- erasing ----------------------------------------------------------------------------------

def _open_request(organisation, subject_type: str, subject_id: int) -> bool:
    return SubjectAccessRequest.objects.filter(
        organisation=organisation, subject_type=subject_type, subject_id=subject_id,
        status=SubjectAccessRequest.Status.OPEN).exists()


def erase_person(person: Person) -> Erased:
    """Delete a person, their offences and cases, and every record on those cases.

    Refused (ErasureRefused, nothing deleted) while a case is live, is in a randomised trial,
    or the victim service still holds records on it, or a subject-access request is open.
    """
    cases = list(Case.objects.filter(person=person).order_by("pk"))
    for case in cases:
        if case.status not in FINISHED:
            raise ErasureRefused(f"Case {case.reference} is still live "
                                 f"({case.get_status_display().lower()})")
    if TrialAllocation.objects.filter(case__in=cases).exists():
        raise ErasureRefused("A case is in a randomised trial: its allocation stays in the "
                             "trial's append-only allocation log until the trial is archived")
    victim_models: tuple[type[Model], ...] = (
        victims.CaseVictim, victims.Consultation, victims.FollowUp, victims.InformationEvent,
        victims.SafeguardingAlert)
    if any(model._default_manager.filter(case__in=cases).exists() for model in victim_models):
        raise ErasureRefused("The victim service still holds records on a case: it reviews "
                             "them first")
    if _open_request(person.force, SubjectType.PERSON, person.pk):
        raise ErasureRefused("A subject-access request from this person is still open")

    erased = Erased()
    erased.subjects = [("cases.Person", person.pk)] + [("cases.Case", c.pk) for c in cases]
    erased.delete(delivery.AttendanceCorrection.objects.filter(
        attendance__booking__case__in=cases))
    erased.delete(delivery.Attendance.objects.filter(booking__case__in=cases))
    for model in (delivery.Booking, delivery.ContactAttempt, delivery.QuestionnaireResponse,
                  delivery.CaseNote, delivery.NeedsAssessment, delivery.Goal,
                  delivery.OnwardReferral, delivery.BreachDecision, delivery.Reminder,
                  VictimViewDecision, Closure, Referral, Disposal, EligibilityDecision,
                  CaseEvent):
        erased.delete(model._default_manager.filter(case__in=cases))
    erased.delete(Case.objects.filter(pk__in=[c.pk for c in cases]))
    erased.delete(PersonLink.objects.filter(person=person))
    erased.delete(LinkCandidate.objects.filter(person=person))
    erased.delete(Offence.objects.filter(person=person))
    erased.delete(PersonContact.objects.filter(person=person))
    erased.delete(Person.objects.filter(pk=person.pk))
    return erased


def erase_victim(victim: victims.Victim) -> Erased:
    """Delete a victim, their encrypted contact details (columns of the same row) and every
    record the victim service holds about them. Refused while a linked case is live, a
    safeguarding alert is not lifted, or a subject-access request is open."""
    live = Case.objects.filter(victim_links__victim=victim).exclude(status__in=FINISHED)
    if live.exists():
        raise ErasureRefused(f"Linked case {live.first()} is still live")
    if victims.SafeguardingAlert.objects.filter(victim=victim, lifted_at__isnull=True).exists():
        raise ErasureRefused("A safeguarding alert for this victim has not been lifted")
    if _open_request(victim.victim_service, SubjectType.VICTIM, victim.pk):
        raise ErasureRefused("A subject-access request from this victim is still open")
    erased = Erased(subjects=[("victims.Victim", victim.pk)])
    for model in (victims.Disclosure, victims.InformationEvent, victims.FollowUp,
                  victims.SafeguardingAlert, victims.ContactLogEntry, victims.Consultation,
                  victims.CaseVictim):
        erased.delete(model._default_manager.filter(victim=victim))
    erased.delete(victims.Victim.objects.filter(pk=victim.pk))
    return erased


def delete_expired_working_rows(today: date) -> Counter[str]:
    """Staging and rejected rows of imports past their (short) retention: no review."""
    from diversion.records.models import RejectedRow, StagedRecord

    counts: Counter[str] = Counter()
    for key, model, lookup in (("staged_record", StagedRecord, "batch__created_at__date__lt"),
                               ("rejected_row", RejectedRow, "batch__created_at__date__lt")):
        cutoff = today - timedelta(days=BY_KEY[key].days)
        _total, by_model = model._default_manager.filter(**{lookup: cutoff}).delete()
        counts.update({label: n for label, n in by_model.items() if n})
    return counts
