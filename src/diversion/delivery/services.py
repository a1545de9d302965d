"""Provider writes: contact, events, the attendance register, questionnaires, notes, JUNO
assessment, goals, onward referrals and completion. Each writes its processing-log row in the
same transaction; status changes go through cases.services.transition()."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from diversion.audit.models import Operation
from diversion.audit.services import record
from diversion.cases.lifecycle import Status
from diversion.cases.models import Case
from diversion.cases.services import transition
from diversion.delivery import notices
from diversion.delivery.booking import (
    current_round,
    definition_for,
    round_bookings,
    sessions_attended,
)
from diversion.delivery.models import (
    MISSED,
    Attendance,
    AttendanceCorrection,
    AttendanceOutcome,
    Booking,
    CaseNote,
    ContactAttempt,
    ContactOutcome,
    Goal,
    NeedsAssessment,
    OneToOneOutcome,
    OneToOneSession,
    OnwardReferral,
    QuestionnaireResponse,
    WorkshopEvent,
)
from diversion.programmes.schema import Questionnaire


class DeliveryRefused(Exception):
    """The action is not allowed now; the message says why."""


def record_contact(actor, case: Case, *, made_on: date, method: str,
                   outcome: str) -> ContactAttempt:
    """Record a contact attempt; the first successful contact puts the case in progress."""
    if made_on > timezone.localdate():
        raise DeliveryRefused("The date of the contact attempt cannot be in the future")
    with transaction.atomic():
        attempt = ContactAttempt.objects.create(case=case, made_on=made_on, method=method,
                                                outcome=outcome, recorded_by=actor)
        record(actor=actor, operation=Operation.COLLECTION, obj=attempt, subjects=[case.person],
               justification="Contact attempt with the person referred")
        if outcome == ContactOutcome.CONTACTED and case.status == Status.REFERRED:
            transition(actor, case, Status.IN_PROGRESS, expected_version=case.version,
                       title="Provider made first contact")
            notices.started(actor, case)
    return attempt


def create_event(actor, *, programme_code: str, session_id: str, starts_on: date, venue: str,
                 sex: str, capacity: int, facilitators) -> WorkshopEvent:
    with transaction.atomic():
        event = WorkshopEvent.objects.create(
            provider_id=actor.organisation_id, programme_code=programme_code,
            session_id=session_id, starts_on=starts_on, venue=venue, sex=sex,
            capacity=capacity, created_by=actor)
        event.facilitators.set(facilitators)
    return event


def record_register(actor, event: WorkshopEvent, marks: dict[int, tuple[str, str]], *,
                    today: date | None = None) -> int:
    """Mark attendance for an event: {booking id: (outcome, reason)}. Idempotent: a mark
    already recorded is left as it is, so a re-submitted register changes nothing.

    A missed part (late or did not attend) is non-compliance: the case goes back to police
    and the round's other bookings are cancelled (a re-booking repeats every part).
    Returns how many marks were new.
    """
    today = today or timezone.localdate()
    if event.starts_on > today:
        raise DeliveryRefused("Attendance cannot be marked for an event in the future")
    new = 0
    with transaction.atomic():
        bookings = {b.pk: b for b in Booking.objects.select_for_update()
                    .filter(event=event, cancelled=False).select_related("case__person")}
        for booking_id, (outcome, reason) in marks.items():
            booking = bookings.get(booking_id)
            if booking is None:
                raise DeliveryRefused("That person is not booked onto this event")
            if outcome == AttendanceOutcome.EXCUSED and not reason.strip():
                raise DeliveryRefused("Give the reason the absence was excused")
            if Attendance.objects.filter(booking=booking).exists():
                continue
            Attendance.objects.create(booking=booking, outcome=outcome, reason=reason.strip(),
                                      recorded_by=actor)
            new += 1
            case = Case.objects.select_for_update().get(pk=booking.case_id)
            record(actor=actor, operation=Operation.COLLECTION, obj=booking,
                   subjects=[case.person], justification=f"Attendance: {outcome}")
            if outcome in MISSED and case.status == Status.IN_PROGRESS:
                Booking.objects.filter(case=case, round=booking.round, cancelled=False,
                                       attendance__isnull=True).update(cancelled=True)
                label = AttendanceOutcome(outcome).label.split(":")[0].lower()
                transition(actor, case, Status.BREACHED, expected_version=case.version,
                           title=f"Non-compliance: {label} at {event.session_id} "
                                 f"on {event.starts_on:%-d %B %Y}",
                           detail="Returned to police for a decision")
                notices.missed_session(actor, case, held_on=event.starts_on)
            elif outcome == AttendanceOutcome.EXCUSED:
                # An excused absence is not a breach; later places in the round would break
                # the gap rule, so they are released and booked again.
                later = Booking.objects.filter(case=case, round=booking.round, cancelled=False,
                                               attendance__isnull=True,
                                               event__starts_on__gt=event.starts_on)
                later.update(cancelled=True)
    return new


def correct_attendance(actor, attendance: Attendance, *, outcome: str, reason: str, why: str,
                       ) -> AttendanceCorrection:
    """Change a saved mark, with the reason for the change. The case follows the new mark:
    - missed -> attended or excused withdraws the breach it caused, while police have not yet
      decided on it (the case goes back to in progress; the later places released by the
      breach must be booked again);
    - attended or excused -> missed is a breach, as a new missed mark is;
    - attended <-> excused only while the programme is being delivered (an excused absence
      releases the round's later places, as when first marked);
    - late <-> did not attend changes only the words.
    Refused, with the reason, when the case has moved on (police decided, or completed)."""
    reason, why = reason.strip(), why.strip()
    if outcome not in AttendanceOutcome.values:
        raise DeliveryRefused("Choose the correct attendance")
    if not why:
        raise DeliveryRefused("Say why the mark is being corrected")
    if outcome == AttendanceOutcome.EXCUSED and not reason:
        raise DeliveryRefused("Give the reason the absence was excused")
    with transaction.atomic():
        attendance = Attendance.objects.select_for_update().select_related(
            "booking__event").get(pk=attendance.pk)
        booking, event = attendance.booking, attendance.booking.event
        case = Case.objects.select_for_update().select_related("person").get(
            pk=booking.case_id)
        before = attendance.outcome
        if outcome == before and reason == attendance.reason:
            raise DeliveryRefused("That is already the mark saved")
        was_missed, now_missed = before in MISSED, outcome in MISSED
        on = f"{event.session_id} on {event.starts_on:%-d %B %Y}"
        label = AttendanceOutcome(outcome).label.split(":")[0].lower()
        if was_missed and not now_missed:
            if case.status != Status.BREACHED or booking.round != current_round(case):
                raise DeliveryRefused(
                    "Police have already decided on this breach, so the mark cannot be "
                    "changed here. Tell the case's OOCR decision maker about the mistake")
            transition(actor, case, Status.IN_PROGRESS, expected_version=case.version,
                       title=f"Breach withdrawn: attendance at {on} corrected to {label}",
                       detail=f"Corrected by the provider: {why}")
        elif now_missed and not was_missed:
            if case.status != Status.IN_PROGRESS:
                raise DeliveryRefused(
                    f"The case is {case.get_status_display().lower()}, so the mark cannot be "
                    "changed to a missed session here. Tell the case's OOCR decision maker")
            Booking.objects.filter(case=case, round=booking.round, cancelled=False,
                                   attendance__isnull=True).update(cancelled=True)
            transition(actor, case, Status.BREACHED, expected_version=case.version,
                       title=f"Non-compliance: {label} at {on} (mark corrected)",
                       detail=f"Returned to police for a decision. Correction: {why}")
            notices.missed_session(actor, case, held_on=event.starts_on)
        elif not was_missed and not now_missed and case.status != Status.IN_PROGRESS:
            raise DeliveryRefused(
                f"The case is {case.get_status_display().lower()}, so this mark can no "
                "longer be changed")
        if outcome == AttendanceOutcome.EXCUSED:
            # As when first marked excused: the round's later places are released.
            Booking.objects.filter(case=case, round=booking.round, cancelled=False,
                                   attendance__isnull=True,
                                   event__starts_on__gt=event.starts_on).update(cancelled=True)
        correction = AttendanceCorrection.objects.create(
            attendance=attendance, previous_outcome=before, previous_reason=attendance.reason,
            outcome=outcome, why=why, corrected_by=actor)
        attendance.outcome, attendance.reason = outcome, reason
        attendance.save(update_fields=["outcome", "reason"])
        record(actor=actor, operation=Operation.ALTERATION, obj=booking, subjects=[case.person],
               justification=f"Attendance corrected from {before} to {outcome}: {why}")
    return correction


def score(questionnaire: Questionnaire, answers: dict[str, int]) -> tuple[int, Decimal]:
    """Raw total and score: the sum, or the published conversion of the raw total."""
    allowed = {option.value for option in questionnaire.options}
    missing = [item.id for item in questionnaire.items if answers.get(item.id) not in allowed]
    if missing:
        raise DeliveryRefused(f"Answer every question ({len(missing)} not answered)")
    raw = sum(answers[item.id] for item in questionnaire.items)
    if questionnaire.scoring == "conversion":
        return raw, Decimal(str(questionnaire.conversion[raw])).quantize(Decimal("0.01"))
    return raw, Decimal(raw)


def record_questionnaire(actor, case: Case, questionnaire_id: str,
                         answers: dict[str, int]) -> QuestionnaireResponse:
    definition = definition_for(case)
    questionnaire = definition.questionnaire(questionnaire_id)
    if questionnaire is None:
        raise DeliveryRefused("That questionnaire is not part of this programme")
    raw, scored = score(questionnaire, answers)
    with transaction.atomic():
        if QuestionnaireResponse.objects.filter(case=case,
                                                questionnaire_id=questionnaire_id).exists():
            raise DeliveryRefused(f"{questionnaire.name} has already been recorded")
        response = QuestionnaireResponse.objects.create(
            case=case, questionnaire_id=questionnaire_id, programme_code=definition.code,
            programme_version=definition.version, answers=answers, raw_score=raw, score=scored,
            recorded_by=actor)
        record(actor=actor, operation=Operation.COLLECTION, obj=response,
               subjects=[case.person], justification=f"{questionnaire.name} recorded")
    return response


def add_note(actor, case: Case, text: str) -> CaseNote:
    with transaction.atomic():
        note = CaseNote.objects.create(case=case, text=text.strip(), author=actor)
        record(actor=actor, operation=Operation.COLLECTION, obj=note, subjects=[case.person],
               justification="Provider case note")
    return note


def record_assessment(actor, case: Case, *, needs: dict[str, str],
                      summary: str) -> NeedsAssessment:
    with transaction.atomic():
        assessment, _ = NeedsAssessment.objects.update_or_create(
            case=case, defaults={"needs": needs, "summary": summary.strip(),
                                 "assessed_by": actor, "assessed_at": timezone.now()})
        record(actor=actor, operation=Operation.COLLECTION, obj=assessment,
               subjects=[case.person], justification="Needs assessment")
    return assessment


def add_goal(actor, case: Case, text: str) -> Goal:
    with transaction.atomic():
        goal = Goal.objects.create(case=case, text=text.strip(), set_by=actor)
        record(actor=actor, operation=Operation.COLLECTION, obj=goal, subjects=[case.person],
               justification="Goal set with the person")
    return goal


def add_onward_referral(actor, case: Case, *, service: str, reason: str,
                        made_on: date) -> OnwardReferral:
    with transaction.atomic():
        onward = OnwardReferral.objects.create(case=case, service=service.strip(),
                                               reason=reason.strip(), made_on=made_on,
                                               made_by=actor)
        record(actor=actor, operation=Operation.DISCLOSURE, obj=onward, subjects=[case.person],
               recipient=onward.service, justification=f"Onward referral: {onward.reason}")
    return onward


def record_one_to_one(actor, case: Case, *, held_on: date, minutes: int, outcome: str,
                      note: str, today: date | None = None) -> OneToOneSession:
    """Record a one-to-one session the programme file declares (`one_to_ones`).

    Only while the programme is delivered (in progress), dated between the caution and today,
    no longer than the file's `max_minutes` (a session not held records no length). A did-not-
    attend is non-compliance only when the file says so (`missed_is_breach`): the case then
    goes back to police, as for a missed booked session."""
    definition = definition_for(case)
    spec = definition.one_to_ones
    if spec is None:
        raise DeliveryRefused(f"{definition.name} has no one-to-one sessions")
    if outcome not in OneToOneOutcome.values:
        raise DeliveryRefused("Choose whether the session was held")
    today = today or timezone.localdate()
    if held_on > today:
        raise DeliveryRefused("The date of the session cannot be in the future")
    caution = getattr(getattr(case, "disposal", None), "disposal_date", None)
    if caution is not None and held_on < caution:
        raise DeliveryRefused(f"The date of the session cannot be before the caution "
                              f"({caution:%-d %B %Y})")
    held = outcome == OneToOneOutcome.HELD
    if held and not 1 <= minutes <= spec.max_minutes:
        raise DeliveryRefused(f"A session lasts from 1 to {spec.max_minutes} minutes")
    with transaction.atomic():
        case = Case.objects.select_for_update().select_related("person").get(pk=case.pk)
        if case.status != Status.IN_PROGRESS:
            raise DeliveryRefused(f"The case is {case.get_status_display().lower()}: "
                                  "one-to-one sessions are recorded while it is in progress")
        session = OneToOneSession.objects.create(
            case=case, held_on=held_on, minutes=minutes if held else 0, outcome=outcome,
            note=note.strip(), recorded_by=actor)
        record(actor=actor, operation=Operation.COLLECTION, obj=session,
               subjects=[case.person], justification=f"{spec.name}: {outcome}")
        if outcome == OneToOneOutcome.DID_NOT_ATTEND and spec.missed_is_breach:
            Booking.objects.filter(case=case, round=current_round(case), cancelled=False,
                                   attendance__isnull=True).update(cancelled=True)
            transition(actor, case, Status.BREACHED, expected_version=case.version,
                       title=f"Non-compliance: did not attend {spec.name.lower()} on "
                             f"{held_on:%-d %B %Y}",
                       detail="Returned to police for a decision")
            notices.missed_session(actor, case, held_on=held_on)
    return session


def one_to_ones_held(case: Case) -> int:
    return OneToOneSession.objects.filter(case=case, outcome=OneToOneOutcome.HELD).count()


def completion_gaps(case: Case) -> list[str]:
    """What is still missing before the case can complete (empty: all conditions met)."""
    definition = definition_for(case)
    attended = sessions_attended(case)
    gaps = [f"{s.name} not attended" for s in definition.sessions if s.id not in attended]
    done = set(QuestionnaireResponse.objects.filter(case=case)
               .values_list("questionnaire_id", flat=True))
    gaps += [f"{q.name} not recorded" for q in definition.questionnaires
             if q.required_for_completion and q.id not in done]
    if definition.assessment_domains and not NeedsAssessment.objects.filter(case=case).exists():
        gaps.append("Needs assessment not recorded")
    spec = definition.one_to_ones
    if spec is not None and spec.counts_towards_completion:
        held = one_to_ones_held(case)
        if held < spec.required_held:
            gaps.append(f"{spec.required_held} {spec.name.lower()}s must be held "
                        f"({held} so far)")
    return gaps


def complete(actor, case: Case) -> Case:
    """All conditions met: the case completes, and police see it."""
    if case.status != Status.IN_PROGRESS:
        raise DeliveryRefused("Only a case in progress can be completed")
    gaps = completion_gaps(case)
    if gaps:
        raise DeliveryRefused("The case cannot complete yet: " + "; ".join(gaps))
    with transaction.atomic():
        transition(actor, case, Status.COMPLETED, expected_version=case.version,
                   title="Programme completed",
                   detail=f"All sessions attended (round {current_round(case)})")
        record(actor=actor, operation=Operation.DISCLOSURE, obj=case, subjects=[case.person],
               recipient=case.force.name,
               justification="Completion shared with the referring police force")
        notices.completed(actor, case)
    return case


__all__ = ["DeliveryRefused", "add_goal", "add_note", "add_onward_referral", "complete",
           "completion_gaps", "create_event", "one_to_ones_held", "record_assessment",
           "record_contact", "record_one_to_one", "record_questionnaire", "record_register",
           "round_bookings", "score"]
