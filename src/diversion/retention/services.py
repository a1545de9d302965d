"""Retention reviews, erasure and subject-access requests: every change here writes the
processing log in the same transaction."""

from __future__ import annotations

from datetime import date, timedelta

from django.db import transaction
from django.utils import timezone

from diversion.accounts.models import Organisation
from diversion.audit.models import Operation
from diversion.audit.services import record
from diversion.cases.models import Person
from diversion.retention import erasure
from diversion.retention.models import (
    KeepReason,
    RetentionReview,
    ReviewStatus,
    SubjectAccessRequest,
    SubjectType,
)
from diversion.retention.schedule import BY_KEY
from diversion.retention.subject_access import compile_export
from diversion.victims.models import Victim


class RetentionRefused(Exception):
    """The action was refused; the message says why."""


# --- the sweep --------------------------------------------------------------------------------

def run_sweep(today: date | None = None) -> dict[str, int]:
    """List every record past its retention date for review, and delete expired working rows
    of imports. Returns how many reviews were opened and rows deleted."""
    today = today or timezone.localdate()
    opened = 0
    for organisation in Organisation.objects.filter(kind__in=("police_force", "victim_service")):
        with transaction.atomic():
            pending = set(RetentionReview.objects.filter(
                organisation=organisation, status=ReviewStatus.PENDING).values_list(
                "object_type", "object_id"))
            # A kept record comes back once its "keep until" date has passed.
            held = set(RetentionReview.objects.filter(
                organisation=organisation, status=ReviewStatus.KEPT,
                keep_until__gte=today).values_list("object_type", "object_id"))
            for due in erasure.due_for(organisation, today):
                key = (due.object_type, str(due.object_id))
                if key in pending or key in held:
                    continue
                RetentionReview.objects.create(
                    organisation=organisation, record_type=due.record_type,
                    object_type=due.object_type, object_id=str(due.object_id),
                    summary=due.summary, due_on=due.due_on)
                opened += 1
    with transaction.atomic():
        counts = erasure.delete_expired_working_rows(today)
        if counts:
            record(actor=None, operation=Operation.ERASURE,
                   justification="Retention schedule: import staging and rejected rows past "
                                 "their retention period deleted automatically. Rows erased: "
                                 + _counts_text(counts))
    return {"reviews_opened": opened, "rows_deleted": sum(counts.values())}


def _counts_text(counts) -> str:
    return ", ".join(f"{label} {n}" for label, n in sorted(counts.items()))


# --- reviews ----------------------------------------------------------------------------------

def erase(*, actor, review: RetentionReview, explanation: str) -> RetentionReview:
    """Delete the reviewed record and all that hangs off it, or refuse with a reason."""
    if review.status != ReviewStatus.PENDING:
        raise RetentionRefused("This review has already been decided")
    rule = BY_KEY[review.record_type]
    with transaction.atomic():
        locked = RetentionReview.objects.select_for_update().get(pk=review.pk)
        if locked.status != ReviewStatus.PENDING:
            raise RetentionRefused("This review has already been decided")
        try:
            if review.object_type == "cases.Person":
                target = Person.objects.filter(pk=review.object_id,
                                               force_id=review.organisation_id).first()
                if target is None:
                    raise RetentionRefused("The record no longer exists")
                erased = erasure.erase_person(target)
            elif review.object_type == "victims.Victim":
                victim = Victim.objects.filter(pk=review.object_id,
                                               victim_service_id=review.organisation_id).first()
                if victim is None:
                    raise RetentionRefused("The record no longer exists")
                erased = erasure.erase_victim(victim)
            else:
                raise RetentionRefused("This kind of record cannot be erased here")
        except erasure.ErasureRefused as exc:
            raise RetentionRefused(str(exc)) from None
        locked.status = ReviewStatus.DELETED
        locked.decided_by = actor
        locked.decided_at = timezone.now()
        locked.explanation = explanation.strip()
        locked.counts = dict(sorted(erased.counts.items()))
        locked.save()
        record(actor=actor, operation=Operation.ERASURE, obj=locked,
               subjects=erased.subjects,
               justification=(
                   f"Retention schedule '{rule.key}' ({rule.period} after {rule.trigger}; "
                   f"due {review.due_on:%d %B %Y}): erased on review. Reason: "
                   f"{explanation.strip() or 'past its retention date'}. Rows erased: "
                   f"{_counts_text(erased.counts)}. Earlier log rows naming "
                   f"{review.object_type}:{review.object_id} stay as written."))
    return locked


def keep(*, actor, review: RetentionReview, reason: str, keep_until: date,
         explanation: str) -> RetentionReview:
    """Record why a record past its retention date is kept (it comes back after keep_until,
    so the date is required and in the future: without one the next sweep would list it
    again at once)."""
    KeepReason(reason)
    if keep_until <= timezone.localdate():
        raise RetentionRefused("The date to review it again must be in the future")
    with transaction.atomic():
        locked = RetentionReview.objects.select_for_update().get(pk=review.pk)
        if locked.status != ReviewStatus.PENDING:
            raise RetentionRefused("This review has already been decided")
        locked.status = ReviewStatus.KEPT
        locked.keep_reason = reason
        locked.keep_until = keep_until
        locked.explanation = explanation.strip()
        locked.decided_by = actor
        locked.decided_at = timezone.now()
        locked.save()
        record(actor=actor, operation=Operation.ALTERATION, obj=locked,
               subjects=[(review.object_type, review.object_id)],
               justification=f"Kept past its retention date: {locked.get_keep_reason_display()}"
                             f" until {keep_until:%d %B %Y}. {explanation.strip()}")
    return locked


# --- subject-access requests ------------------------------------------------------------------

def due_date(received_on: date) -> date:
    """One calendar month after receipt (the same day next month, or the month's last day)."""
    year, month = received_on.year + received_on.month // 12, received_on.month % 12 + 1
    for day in (received_on.day, 30, 29, 28):
        try:
            return date(year, month, day)
        except ValueError:
            continue
    return received_on + timedelta(days=28)


def find_subject(*, organisation: Organisation, subject_type: str, reference: str):
    """The person (by force reference or PNC ID) or victim (by record number) in the
    organisation, or None. Another organisation's records are never found."""
    reference = reference.strip()
    if subject_type == SubjectType.PERSON and organisation.kind == "police_force":
        people = Person.objects.filter(force=organisation)
        return (people.filter(force_reference__iexact=reference).first()
                or people.filter(pnc_id__iexact=reference).first() if reference else None)
    if subject_type == SubjectType.VICTIM and organisation.kind == "victim_service":
        number = reference.upper().removeprefix("VICTIM").strip()
        if number.isdigit():
            return Victim.objects.filter(victim_service=organisation, pk=int(number)).first()
    return None


def record_request(*, actor, subject_type: str, reference: str, received_on: date,
                   identity_checked: str) -> SubjectAccessRequest:
    subject = find_subject(organisation=actor.organisation, subject_type=subject_type,
                           reference=reference)
    if subject is None:
        raise RetentionRefused("No record in your organisation matches that reference")
    label = (subject.force_reference if isinstance(subject, Person) else f"Victim {subject.pk}")
    with transaction.atomic():
        request = SubjectAccessRequest.objects.create(
            organisation=actor.organisation, subject_type=subject_type, subject_id=subject.pk,
            subject_reference=label, received_on=received_on, due_on=due_date(received_on),
            identity_checked=identity_checked.strip(), recorded_by=actor)
        record(actor=actor, operation=Operation.COLLECTION, obj=request, subjects=[subject],
               justification=f"Subject-access request received {received_on:%d %B %Y}, due "
                             f"{request.due_on:%d %B %Y} (DPA 2018 s.45 / UK GDPR Art. 15)")
    return request


def _subject_ref(request: SubjectAccessRequest) -> tuple[str, int]:
    label = "cases.Person" if request.subject_type == SubjectType.PERSON else "victims.Victim"
    return (label, request.subject_id)


def list_requests(*, actor, requests) -> list[SubjectAccessRequest]:
    """The requests page names each subject by reference: a consultation of those subjects."""
    found = list(requests)
    if found:
        with transaction.atomic():
            record(actor=actor, operation=Operation.CONSULTATION,
                   subjects=[_subject_ref(r) for r in found],
                   justification="Subject-access requests listed")
    return found


def read_request(*, actor, request: SubjectAccessRequest) -> None:
    with transaction.atomic():
        record(actor=actor, operation=Operation.CONSULTATION, obj=request,
               subjects=[_subject_ref(request)],
               justification="Subject-access request opened")


def export(*, actor, request: SubjectAccessRequest, fmt: str) -> dict:
    """Compile the export and log it: a consultation for the page, a disclosure (to the data
    subject) for the download, which also marks the request answered."""
    with transaction.atomic():
        try:
            body = compile_export(request)
        except (Person.DoesNotExist, Victim.DoesNotExist):
            raise RetentionRefused("The record has been erased since the request was made; "
                                   "tell the requester no data is held") from None
        if fmt == "html":  # the page, for the administrator to review
            record(actor=actor, operation=Operation.CONSULTATION, obj=request,
                   subjects=[_subject_ref(request)],
                   justification="Subject-access export compiled for review before disclosure")
        else:
            record(actor=actor, operation=Operation.DISCLOSURE, obj=request,
                   subjects=[_subject_ref(request)],
                   recipient=f"The data subject ({request.subject_reference})",
                   justification="Subject-access export disclosed to the data subject "
                                 "(DPA 2018 s.45 / UK GDPR Art. 15); information about others "
                                 "withheld (DPA 2018 s.45(4) / UK GDPR Art. 15(4))")
            if request.status != SubjectAccessRequest.Status.ANSWERED:
                SubjectAccessRequest.objects.filter(pk=request.pk).update(
                    status=SubjectAccessRequest.Status.ANSWERED, answered_at=timezone.now())
    return body
