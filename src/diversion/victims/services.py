"""Writes to victims' records. Each writes its processing-log row in the same transaction."""

from __future__ import annotations

from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from diversion.audit.models import Operation
from diversion.audit.services import record
from diversion.notifications.models import Kind
from diversion.notifications.services import notify, users_with_role
from diversion.victims.models import (
    CONTACT_FIELDS,
    CaseVictim,
    Consultation,
    ContactLogEntry,
    Disclosure,
    FollowUp,
    InformationEvent,
    SafeguardingAlert,
    Victim,
)


def create_victim(actor, *, given_name: str, family_name: str) -> Victim:
    with transaction.atomic():
        victim = Victim.objects.create(victim_service_id=actor.organisation_id,
                                       given_name=given_name.strip(),
                                       family_name=family_name.strip())
        record(actor=actor, operation=Operation.COLLECTION, obj=victim, subjects=[victim],
               justification="Victim recorded by the victim service")
    return victim


def link_case(actor, victim: Victim, case, *, relationship: str) -> CaseVictim:
    """Link a victim to a case (one victim, many cases; one case, many victims)."""
    with transaction.atomic():
        link, created = CaseVictim.objects.get_or_create(
            case=case, victim=victim, defaults={"relationship": relationship})
        if not created and link.relationship != relationship:
            link.relationship = relationship
            link.save(update_fields=["relationship"])
        record(actor=actor, operation=Operation.COMBINATION, obj=link,
               subjects=[victim, case],
               justification="Victim linked to a police case and their relationship recorded")
    return link


def update_contact_details(actor, victim: Victim, details: dict) -> Victim:
    with transaction.atomic():
        for name in CONTACT_FIELDS:
            setattr(victim, name, details.get(name, "") or "")
        victim.save(update_fields=list(CONTACT_FIELDS))
        record(actor=actor, operation=Operation.ALTERATION, obj=victim, subjects=[victim],
               justification="Victim's safe contact details updated")
    return victim


def save_consultation(actor, *, victim: Victim, case, values: dict,
                      complete: bool) -> Consultation:
    """Save the open draft for this victim and case (or start one); complete it if asked.

    A completed consultation that raises risk alerts police, without details.
    """
    with transaction.atomic():
        consultation = (Consultation.objects.select_for_update()
                        .filter(victim=victim, case=case, is_draft=True).order_by("-id").first())
        created = consultation is None
        if consultation is None:
            consultation = Consultation(victim=victim, case=case, recorded_by=actor)
        for name, value in values.items():
            setattr(consultation, name, value)
        consultation.updated_at = timezone.now()
        if complete:
            consultation.is_draft = False
            consultation.completed_at = timezone.now()
        consultation.save()
        record(actor=actor, operation=Operation.COLLECTION if created else Operation.ALTERATION,
               obj=consultation, subjects=[victim],
               justification="Pre-caution victim consultation "
                             + ("completed" if complete else "saved as a draft"))
        if complete:
            record(actor=actor, operation=Operation.DISCLOSURE, obj=consultation,
                   subjects=[victim], recipient=f"{case.force.name}: OOCR decision makers",
                   justification="Consultation outcome and risk flag shared with police for "
                                 "the out-of-court decision")
            if consultation.risk_raised:
                _raise_alert(actor, victim=victim, case=case, urgent=False,
                             details="Risk raised at the pre-caution consultation")
    return consultation


def add_contact(actor, victim: Victim, *, contacted_on, method: str, outcome: str,
                notes: str) -> ContactLogEntry:
    with transaction.atomic():
        entry = ContactLogEntry.objects.create(victim=victim, contacted_on=contacted_on,
                                               method=method, outcome=outcome, notes=notes,
                                               recorded_by=actor)
        record(actor=actor, operation=Operation.COLLECTION, obj=entry, subjects=[victim],
               justification="Contact with the victim logged")
    return entry


def record_follow_up(actor, *, victim: Victim, case, point: str, contacted_on,
                     still_in_contact: str, change: str, own_words: str) -> FollowUp:
    """Record (or correct) the follow-up at one programme point."""
    with transaction.atomic():
        follow_up, created = FollowUp.objects.update_or_create(
            case=case, victim=victim, point=point,
            defaults={"contacted_on": contacted_on, "still_in_contact": still_in_contact,
                      "change": change, "own_words": own_words, "recorded_by": actor})
        record(actor=actor, operation=Operation.COLLECTION if created else Operation.ALTERATION,
               obj=follow_up, subjects=[victim],
               justification="Victim follow-up contact recorded")
    return follow_up


def _referrer(case):
    """The police user who referred the case, if it has been referred (read at run time: the
    referral belongs to a higher app)."""
    referral = getattr(case, "referral", None)  # a missing one raises an AttributeError
    return referral.referred_by if referral is not None else None


def tell_victim_workers(actor, case, *, point: str, once_key: str = "") -> None:
    """A case reached a victim follow-up point: tell the victim workers of each victim service
    with a victim on the case. The email names the case reference and the point only."""
    services = (CaseVictim.objects.filter(case=case)
                .values_list("victim__victim_service_id", flat=True).distinct())
    workers = [user for service_id in services
               for user in users_with_role(organisation_id=service_id, roles=["victim_worker"])]
    if workers:
        notify(actor, recipients=workers, kind=Kind.VICTIM_FOLLOW_UP,
               subject=f"Victim follow-up due on case {case.reference}",
               body=(f"Case {case.reference} has reached a victim follow-up point: {point}.\n"
                     "Sign in to see the victims to contact."),
               link=reverse("victims:home"), about=("cases.Case", case.pk), once_key=once_key)


def _raise_alert(actor, *, victim: Victim, case, urgent: bool, details: str) -> SafeguardingAlert:
    alert = SafeguardingAlert.objects.create(case=case, victim=victim, raised_by=actor,
                                             urgent=urgent, details=details)
    recipient = f"{case.force.name}: OOCR decision makers"
    record(actor=actor, operation=Operation.DISCLOSURE, obj=alert, subjects=[victim],
           recipient=recipient,
           justification="Safeguarding duty: police told that a risk was raised (no details)")
    # Urgent kind: sent whatever the officer chose. Only that an alert exists and where to look.
    notify(actor, recipients=[case.created_by, _referrer(case)], kind=Kind.SAFEGUARDING_ALERT,
           subject=f"Safeguarding alert on case {case.reference}",
           body=(f"A victim service raised a safeguarding risk on case {case.reference}"
                 f"{' and paused its workshop bookings' if urgent else ''}."),
           link=reverse("victims:police_alerts"), about=("cases.Case", case.pk))
    return alert


def raise_alert(actor, *, victim: Victim, case, urgent: bool, details: str) -> SafeguardingAlert:
    with transaction.atomic():
        return _raise_alert(actor, victim=victim, case=case, urgent=urgent, details=details)


def lift_pause(actor, alert: SafeguardingAlert) -> SafeguardingAlert:
    with transaction.atomic():
        alert = SafeguardingAlert.objects.select_for_update().get(pk=alert.pk)
        if alert.lifted_at is None:
            alert.lifted_at = timezone.now()
            alert.lifted_by = actor
            alert.save(update_fields=["lifted_at", "lifted_by"])
            record(actor=actor, operation=Operation.ALTERATION, obj=alert,
                   subjects=[alert.victim],
                   justification="Urgent safeguarding pause on workshop bookings lifted")
    return alert


def acknowledge_alert(actor, alert: SafeguardingAlert) -> SafeguardingAlert:
    """A police decision maker confirms they have seen the alert."""
    with transaction.atomic():
        alert = SafeguardingAlert.objects.select_for_update().get(pk=alert.pk)
        if alert.acknowledged_at is None:
            alert.acknowledged_at = timezone.now()
            alert.acknowledged_by = actor
            alert.save(update_fields=["acknowledged_at", "acknowledged_by"])
            record(actor=actor, operation=Operation.ALTERATION, obj=alert,
                   subjects=[("cases.Case", alert.case_id)],
                   justification="Police acknowledged a safeguarding alert")
    return alert


def record_information(actor, *, victim: Victim, case, kind: str, told_on) -> InformationEvent:
    with transaction.atomic():
        event = InformationEvent.objects.create(victim=victim, case=case, kind=kind,
                                                told_on=told_on, recorded_by=actor)
        record(actor=actor, operation=Operation.COLLECTION, obj=event, subjects=[victim],
               justification="Victims' Code information event recorded")
    return event


def record_disclosure(actor, victim: Victim, *, recipient: str, recipient_organisation: str,
                      what: str, reason: str) -> Disclosure:
    with transaction.atomic():
        disclosure = Disclosure.objects.create(
            victim=victim, recipient=recipient, recipient_organisation=recipient_organisation,
            what=what, reason=reason, disclosed_by=actor)
        record(actor=actor, operation=Operation.DISCLOSURE, obj=disclosure, subjects=[victim],
               recipient=f"{recipient}, {recipient_organisation}",
               justification=f"Victim details disclosed: {reason}")
    return disclosure
