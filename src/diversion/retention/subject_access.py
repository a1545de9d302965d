"""What a subject-access export holds (DPA 2018 s.45; UK GDPR Art. 15).

`compile_export` gathers, for one person of a force or one victim of a victim service, the
records the organisation holds about them and the processing-log rows that name them, as
plain data (sections of rows of label/value pairs) that the JSON download and the HTML page
both render. Like the retention job, it is bounded by the request's organisation (the request
itself was fetched with `policy.get_visible_or_404`), and the caller logs the disclosure.

An offender's export never carries a victim's name, contact details, views, or anything else
that would identify them: victim links, consultations, the supervisor's decision on the
victim's view, safeguarding alerts, the victim-statement date and DASH risk level, the
consultation step's
timeline detail, and log rows that also name a victim or were written by a victim service
are left out, and the export says that information about other people was withheld under
s.45(4)(e) (to protect the rights and freedoms of others) and s.45(4)(b) (to avoid
prejudicing the prevention, detection, investigation or prosecution of offences), without
saying what. A victim's export (UK GDPR) cites Art. 15(4) and DPA 2018 Sch. 2 para 16.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from django.db import models
from django.utils import timezone

from diversion.accounts.models import Organisation, User
from diversion.audit.models import ProcessingLog
from diversion.cases.models import (
    Case,
    CaseEvent,
    EligibilityDecision,
    Offence,
    Person,
    PersonContact,
)
from diversion.delivery import models as delivery
from diversion.disposals.models import Closure, Disposal, Referral
from diversion.records.models import PersonLink
from diversion.retention.models import SubjectAccessRequest, SubjectType
from diversion.trials.models import TrialAllocation
from diversion.victims import models as victims

WITHHELD_NOTICE = (
    "Some information has been withheld because it is about other people or its disclosure "
    "could put them at risk: Data Protection Act 2018 section 45(4)(e) (to protect the rights "
    "and freedoms of others) and, where it applies, section 45(4)(b) (to avoid prejudicing the "
    "prevention, detection, investigation or prosecution of criminal offences). This notice "
    "does not say what was withheld or whether any such information exists.")
# A victim service processes under UK GDPR: the third-party restriction is Art. 15(4).
VICTIM_WITHHELD_NOTICE = (
    "Information about other people has been withheld: UK GDPR Article 15(4) and Data "
    "Protection Act 2018 Schedule 2 paragraph 16 (information identifying someone else). "
    "This notice does not say what was withheld or whether any such information exists.")

# Fields never exported: concealment of the trial sequence, form keys, row versions.
_SKIP = {"submission_key", "version", "block", "position", "stratum", "comparisons"}
# Fields about a victim on a police record: withheld from the person's export.
# (The DASH level is the victim's risk assessment.)
_VICTIM_FIELDS_ON_POLICE_RECORDS = {("cases.Case", "victim_statement_date"),
                                    ("cases.Case", "dash_risk")}


def _value(obj: models.Model, field: models.Field) -> Any:
    if isinstance(field, models.ForeignKey):
        target = getattr(obj, field.name)
        if target is None:
            return None
        if isinstance(target, User):
            role = target.get_role_display() or "Staff member"
            return f"{role}, {target.organisation.name}" if target.organisation else role
        if isinstance(target, Organisation):
            return target.name
        return str(target)
    value = getattr(obj, field.attname)
    if field.choices and value not in (None, ""):
        return getattr(obj, f"get_{field.name}_display")()
    if isinstance(value, datetime):
        return timezone.localtime(value).strftime("%d %B %Y %H:%M")
    if isinstance(value, date):
        return value.strftime("%d %B %Y")
    if isinstance(value, bool):
        return "Yes" if value else "No"
    return value


def _row(obj: models.Model, *, withheld: set[str] = frozenset(),  # type: ignore[assignment]
         only: tuple[str, ...] = ()) -> dict[str, Any]:
    label = obj._meta.label
    row: dict[str, Any] = {}
    for field in obj._meta.concrete_fields:
        if field.name in _SKIP or field.name in withheld or (only and field.name not in only):
            continue
        if (label, field.name) in _VICTIM_FIELDS_ON_POLICE_RECORDS:
            continue
        if field.primary_key:
            row["Record number"] = obj.pk
            continue
        row[str(field.verbose_name).capitalize()] = _value(obj, field)
    return row


def _contact_row(contact: PersonContact) -> dict[str, Any]:
    row = _row(contact, withheld={"person"})
    row["Safe to contact by"] = ", ".join(contact.method_labels)
    return row


def _section(title: str, objects) -> dict[str, Any]:
    return {"title": title, "rows": [_row(obj) for obj in objects]}


def _log_rows(organisation: Organisation, subject: str, *, other_kind: str) -> list[dict]:
    """Log rows naming the subject. Rows that also name a subject of `other_kind` (victims,
    for a person) are left out, as are rows written by another organisation of the kind that
    holds such people; staff appear by role and organisation, not by name."""
    rows = []
    found = ProcessingLog.objects.filter(subject_index__contains=f" {subject} ").select_related(
        "actor", "organisation").order_by("id")
    for row in found:
        if f" {other_kind}." in row.subject_index:
            continue
        if (other_kind == "victims" and row.organisation is not None
                and row.organisation.kind == "victim_service"):
            continue
        if (other_kind == "cases" and row.organisation_id not in (None, organisation.pk)):
            continue
        if row.actor is not None:
            who = row.actor.get_role_display() or "Staff member"
        else:
            who = "Automatic task"
        rows.append({
            "When": timezone.localtime(row.occurred_at).strftime("%d %B %Y %H:%M"),
            "Operation": row.get_operation_display(),
            "By": who,
            "Organisation": row.organisation.name if row.organisation else "",
            "Why": row.justification,
            "Recipient": row.recipient,
        })
    return rows


def _person_export(request: SubjectAccessRequest) -> dict[str, Any]:
    person = Person.objects.get(pk=request.subject_id, force_id=request.organisation_id)
    cases = list(Case.objects.filter(person=person).order_by("pk"))
    events = []
    for event in CaseEvent.objects.filter(case__in=cases).order_by("occurred_at", "id"):
        row = _row(event)
        if event.to_status == "consulted" or "victim" in (event.title + event.detail).lower():
            row["Title"] = "Step recorded (details withheld: see the notice)"
            row["Detail"] = ""
        row["Case"] = event.case.reference
        events.append(row)
    bookings = delivery.Booking.objects.filter(case__in=cases).order_by("pk")
    links = PersonLink.objects.filter(person=person).select_related("record")
    sections = [
        {"title": "Your details", "rows": [_row(person)]},
        # the person's own contact details are theirs to see (never in anyone else's export)
        {"title": "Your contact details",
         "rows": [_contact_row(c) for c in PersonContact.objects.filter(person=person)]},
        _section("Offences", Offence.objects.filter(person=person).order_by("offence_date")),
        _section("Out-of-court cases", cases),
        _section("Eligibility decisions", EligibilityDecision.objects.filter(case__in=cases)),
        {"title": "Case timeline", "rows": events},
        _section("Cautions and conditions", Disposal.objects.filter(case__in=cases)),
        {"title": "Trial allocation", "rows": [
            _row(a, only=("trial_code", "programme_code", "arm", "allocated_at"))
            for a in TrialAllocation.objects.filter(case__in=cases)]},
        _section("Referrals to a provider", Referral.objects.filter(case__in=cases)),
        _section("Case closures", Closure.objects.filter(case__in=cases)),
        _section("Contact attempts by the provider",
                 delivery.ContactAttempt.objects.filter(case__in=cases)),
        _section("Session bookings", bookings),
        _section("Attendance", delivery.Attendance.objects.filter(booking__in=bookings)),
        _section("Attendance corrections", delivery.AttendanceCorrection.objects.filter(
            attendance__booking__in=bookings)),
        _section("Needs assessments", delivery.NeedsAssessment.objects.filter(case__in=cases)),
        _section("Goals", delivery.Goal.objects.filter(case__in=cases)),
        _section("Questionnaires", delivery.QuestionnaireResponse.objects.filter(
            case__in=cases)),
        _section("Case notes", delivery.CaseNote.objects.filter(case__in=cases)),
        _section("Onward referrals", delivery.OnwardReferral.objects.filter(case__in=cases)),
        _section("Breach decisions", delivery.BreachDecision.objects.filter(case__in=cases)),
        _section("Reminders", delivery.Reminder.objects.filter(case__in=cases)),
        {"title": "Police crime records linked to you",
         "rows": [_row(link.record) for link in links]},
        {"title": "Who read or changed your data (processing log)",
         "rows": _log_rows(request.organisation, f"cases.Person:{person.pk}",
                           other_kind="victims")},
    ]
    return {"withheld": WITHHELD_NOTICE, "sections": sections}


def _victim_export(request: SubjectAccessRequest) -> dict[str, Any]:
    victim = victims.Victim.objects.get(pk=request.subject_id,
                                        victim_service_id=request.organisation_id)
    links = victims.CaseVictim.objects.filter(victim=victim).select_related("case")
    sections = [
        {"title": "Your details", "rows": [_row(victim)]},
        {"title": "Cases you are linked to", "rows": [
            {"Case reference": link.case.reference,
             "Relationship": link.get_relationship_display()} for link in links]},
        _section("Consultations (your views)", victims.Consultation.objects.filter(
            victim=victim)),
        _section("Contact log", victims.ContactLogEntry.objects.filter(victim=victim)),
        _section("Follow-ups", victims.FollowUp.objects.filter(victim=victim)),
        _section("Information given to you", victims.InformationEvent.objects.filter(
            victim=victim)),
        _section("Disclosures about you", victims.Disclosure.objects.filter(victim=victim)),
        _section("Safeguarding alerts", victims.SafeguardingAlert.objects.filter(
            victim=victim)),
        {"title": "Who read or changed your data (processing log)",
         "rows": _log_rows(request.organisation, f"victims.Victim:{victim.pk}",
                           other_kind="cases")},
    ]
    return {"withheld": VICTIM_WITHHELD_NOTICE, "sections": sections}


def compile_export(request: SubjectAccessRequest) -> dict[str, Any]:
    """The export as plain data; sections with no rows are kept (they say "none held")."""
    body = (_person_export(request) if request.subject_type == SubjectType.PERSON
            else _victim_export(request))
    for section in body["sections"]:
        for row in section["rows"]:
            for key, value in list(row.items()):
                if value is None:
                    row[key] = ""
    return {
        "request": {
            "reference": f"SAR-{request.pk}",
            "organisation": request.organisation.name,
            "subject": request.subject_reference,
            "received_on": request.received_on.isoformat(),
            "due_on": request.due_on.isoformat(),
            "compiled_at": timezone.now().isoformat(timespec="seconds"),
        },
        **body,
    }
