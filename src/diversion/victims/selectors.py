"""Reads of victims' records. What leaves the victim service: an outcome, a risk flag, a date.

Every read of victims' personal data writes a processing-log row in the same transaction; if the
row cannot be written, `ProcessingLogError` propagates and nothing is returned.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date

from django.db import transaction
from django.db.models import Exists, OuterRef, Q
from django.http import QueryDict
from django.utils import timezone

from diversion.accounts.policy import visible
from diversion.audit.models import Operation
from diversion.audit.services import record
from diversion.cases.models import Case, Relationship
from diversion.core.paging import Listing, paginate
from diversion.victims.models import (
    CONTACT_FIELDS,
    CaseVictim,
    Consultation,
    ConsultationOutcome,
    ContactLogEntry,
    Disclosure,
    FollowUp,
    InformationEvent,
    RefugeStatus,
    SafeguardingAlert,
    Victim,
    YesNoUnknown,
)
from diversion.victims.schedules import follow_up_points


@dataclass(frozen=True)
class PoliceOutcome:
    """The only view of a consultation that leaves the victim service."""

    consulted: bool
    outcome: str  # a ConsultationOutcome value, "" when not yet consulted
    outcome_label: str
    risk_raised: bool

    @property
    def does_not_support(self) -> bool:
        """The victim does not support an out-of-court resolution (a supervisor must decide)."""
        return self.outcome == ConsultationOutcome.DOES_NOT_SUPPORT


NOT_CONSULTED = PoliceOutcome(consulted=False, outcome="", outcome_label="Not yet consulted",
                              risk_raised=False)
# An offence with no individual victim (e.g. possession of drugs) has nobody to consult: the
# consultation gate stands satisfied, and says why, unless a victim has been linked to the case.
NO_INDIVIDUAL_VICTIM = PoliceOutcome(
    consulted=True, outcome="no_individual_victim",
    outcome_label="No individual victim: no victim consultation is needed", risk_raised=False)


def police_outcome(case) -> PoliceOutcome:
    """The latest completed consultation's outcome for `case` (any victim raising risk counts)."""
    completed = list(Consultation.objects.filter(case=case, is_draft=False)
                     .order_by("-completed_at", "-id"))
    if not completed:
        if (case.offence.relationship == Relationship.NO_VICTIM
                and not case.offence.domestic_abuse
                and not CaseVictim.objects.filter(case=case).exists()):
            return NO_INDIVIDUAL_VICTIM
        return NOT_CONSULTED
    latest = completed[0]
    return PoliceOutcome(
        consulted=True,
        outcome=latest.outcome,
        outcome_label=latest.get_outcome_display(),
        risk_raised=any(c.risk_raised for c in completed),
    )


def bookings_paused(case) -> bool:
    """True while an urgent safeguarding alert on `case` has not been lifted (for delivery)."""
    return SafeguardingAlert.objects.filter(case=case, urgent=True,
                                            lifted_at__isnull=True).exists()


def police_case_outcome(actor, case) -> PoliceOutcome:
    """`police_outcome` for a police page about one case: the read is logged (the outcome and
    risk flag are personal data about the victim and the person who offended)."""
    with transaction.atomic():
        outcome = police_outcome(case)
        record(actor=actor, operation=Operation.CONSULTATION, obj=case,
               subjects=[case, ("cases.Person", case.person_id)],
               justification="Police reading the victim service's consultation outcome "
                             "for a case")
    return outcome


# --- Police: alerts as dates only -------------------------------------------------------------

@dataclass(frozen=True)
class PoliceAlert:
    """A safeguarding alert as police see it: which case, when, and whether bookings pause."""

    pk: int
    case_id: int
    case_reference: str
    raised_on: date
    bookings_paused: bool
    acknowledged: bool

    @property
    def summary(self) -> str:
        return f"Risk raised on {self.raised_on:%-d %B %Y}"


def police_alerts(actor, *, case=None) -> list[PoliceAlert]:
    """Alerts on the actor's force's cases, without details; the read is logged."""
    with transaction.atomic():
        queryset = visible(actor, SafeguardingAlert).select_related("case")
        if case is not None:
            queryset = queryset.filter(case=case)
        alerts = [
            PoliceAlert(pk=a.pk, case_id=a.case_id, case_reference=a.case.reference,
                        raised_on=timezone.localdate(a.raised_at),
                        bookings_paused=a.pauses_bookings,
                        acknowledged=a.acknowledged_at is not None)
            for a in queryset.order_by("-raised_at", "-id")
        ]
        if alerts:
            record(actor=actor, operation=Operation.CONSULTATION,
                   subjects=[("cases.Case", a.case_id) for a in alerts],
                   justification="Police reviewing safeguarding alerts on their cases")
    return alerts


# --- Victim workers ---------------------------------------------------------------------------

def find_cases(actor, reference: str):
    """Cases visible to the actor whose case or crime reference matches exactly."""
    reference = reference.strip()
    if not reference:
        return Case.objects.none()
    return (visible(actor, Case)
            .filter(Q(reference__iexact=reference) | Q(offence__crime_reference__iexact=reference))
            .select_related("offence", "offence__offence_code", "force"))


def find_case(actor, reference: str):
    return find_cases(actor, reference).first()


@dataclass
class CaseMatch:
    case: object
    links: list[CaseVictim]
    outcome: PoliceOutcome


def case_matches(actor, reference: str) -> list[CaseMatch]:
    """Victim workers: cases of the forces they serve matching a reference, with the victims
    their own service has linked to each (another service's victims are never listed)."""
    with transaction.atomic():
        cases = list(find_cases(actor, reference)[:20])
        links = list(visible(actor, CaseVictim).filter(case__in=cases).select_related("victim"))
        if cases:
            record(actor=actor, operation=Operation.CONSULTATION, subjects=cases,
                   justification="Victim worker finding a case by its reference")
    return [CaseMatch(case=case, links=[link for link in links if link.case_id == case.pk],
                      outcome=police_outcome(case)) for case in cases]


@dataclass
class HomeQueue:
    victims: Listing
    awaiting_consultation: list[CaseVictim]
    draft_consultations: list[Consultation]
    open_alerts: list[SafeguardingAlert]
    figure: PositiveChangeFigure


def home_queue(actor, *, params: QueryDict | None = None,
               terms: Sequence[str] = ()) -> HomeQueue:
    """The victim worker's landing page: one page of the service's victims (narrowed by each
    search word, matched against names), consultations due and drafts, urgent alerts."""
    found = visible(actor, Victim)
    for term in terms:
        found = found.filter(Q(given_name__icontains=term) | Q(family_name__icontains=term))
    with transaction.atomic():
        victims = paginate(found.order_by("family_name", "given_name", "id"),
                           params if params is not None else QueryDict())
        completed = Consultation.objects.filter(case=OuterRef("case"), victim=OuterRef("victim"),
                                                is_draft=False)
        awaiting = list(visible(actor, CaseVictim).filter(~Exists(completed))
                        .select_related("victim", "case").order_by("case__created_at")[:50])
        drafts = list(visible(actor, Consultation).filter(is_draft=True)
                      .select_related("victim", "case").order_by("-updated_at")[:50])
        alerts = list(visible(actor, SafeguardingAlert)
                      .filter(urgent=True, lifted_at__isnull=True)
                      .select_related("victim", "case"))
        if victims.items:
            record(actor=actor, operation=Operation.CONSULTATION, subjects=victims.items,
                   justification="Victim worker's list of victims to contact"
                                 + (" (search)" if terms else ""))
        figure = positive_change_figure(victim_service_ids=[actor.organisation_id])
    return HomeQueue(victims=victims, awaiting_consultation=awaiting,
                     draft_consultations=drafts, open_alerts=alerts,
                     figure=figure)


@dataclass
class CaseSection:
    link: CaseVictim
    points: list[tuple[str, str, FollowUp | None]]
    consultations: list[Consultation]
    alerts: list[SafeguardingAlert]
    information: list[InformationEvent]


@dataclass
class VictimRecord:
    victim: Victim
    cases: list[CaseSection] = field(default_factory=list)
    contacts: list[ContactLogEntry] = field(default_factory=list)
    disclosures: list[Disclosure] = field(default_factory=list)


def victim_record(actor, victim: Victim) -> VictimRecord:
    """Everything about one victim except the contact details (those need a reason)."""
    with transaction.atomic():
        links = list(visible(actor, CaseVictim).filter(victim=victim)
                     .select_related("case", "case__offence", "case__offence__offence_code",
                                     "case__force"))
        follow_ups = list(visible(actor, FollowUp).filter(victim=victim))
        consultations = list(visible(actor, Consultation).filter(victim=victim)
                             .order_by("-id"))
        alerts = list(visible(actor, SafeguardingAlert).filter(victim=victim))
        information = list(visible(actor, InformationEvent).filter(victim=victim))
        sections = []
        for link in links:
            recorded = {f.point: f for f in follow_ups if f.case_id == link.case_id}
            sections.append(CaseSection(
                link=link,
                points=[(code, label, recorded.get(code))
                        for code, label, _ in follow_up_points(link.case.programme_code)],
                consultations=[c for c in consultations if c.case_id == link.case_id],
                alerts=[a for a in alerts if a.case_id == link.case_id],
                information=[i for i in information if i.case_id == link.case_id]))
        result = VictimRecord(
            victim=victim, cases=sections,
            contacts=list(visible(actor, ContactLogEntry).filter(victim=victim)),
            disclosures=list(visible(actor, Disclosure).filter(victim=victim)))
        record(actor=actor, operation=Operation.CONSULTATION, obj=victim, subjects=[victim],
               justification="Victim worker viewing the victim's record (no contact details)")
    return result


@dataclass(frozen=True)
class ContactDetails:
    values: dict[str, str]

    def display(self, name: str) -> str:
        value = self.values.get(name, "")
        if name == "perpetrator_knows_address" and value:
            return YesNoUnknown(value).label
        if name == "refuge_status" and value:
            return RefugeStatus(value).label
        return value


def contact_details(actor, victim: Victim, *, justification: str) -> ContactDetails:
    """Decrypt a victim's contact details. The stated reason goes into the log row; if that row
    cannot be written, ProcessingLogError propagates and nothing is returned."""
    with transaction.atomic():
        row = visible(actor, Victim).only("pk", *CONTACT_FIELDS).get(pk=victim.pk)
        values = {name: getattr(row, name) or "" for name in CONTACT_FIELDS}
        record(actor=actor, operation=Operation.CONSULTATION, obj=victim, subjects=[victim],
               justification=justification)
    return ContactDetails(values=values)


def victim_page_read(actor, victim: Victim, *, purpose: str, case=None) -> None:
    """Log a page that shows a victim (their name, and any draft on it) to a victim worker.
    If the row cannot be written, ProcessingLogError propagates and the page is not shown."""
    subjects: list = [victim] + ([case] if case is not None else [])
    with transaction.atomic():
        record(actor=actor, operation=Operation.CONSULTATION, obj=victim, subjects=subjects,
               justification=purpose)


def consultation_draft(actor, victim: Victim, case) -> Consultation | None:
    return (visible(actor, Consultation).filter(victim=victim, case=case, is_draft=True)
            .order_by("-id").first())


# --- Aggregate: "victims report a positive change", with small-cell suppression -------------

SUPPRESSION_THRESHOLD = 5


@dataclass(frozen=True)
class PositiveChangeFigure:
    """Victims whose latest follow-up reports a positive change, out of victims followed up.

    Counts of 1 to 4 in either cell (positive, or not positive) are suppressed, as is any
    denominator below 5, so no single victim's answer can be inferred.
    """

    positive: int | None
    followed_up: int | None
    suppressed: bool

    @property
    def percentage(self) -> int | None:
        if self.suppressed or self.positive is None or not self.followed_up:
            return None
        return round(100 * self.positive / self.followed_up)


def _suppress(count: int) -> bool:
    return 0 < count < SUPPRESSION_THRESHOLD


def positive_change_figure(*, victim_service_ids: list[int] | None = None,
                           force_ids: list[int] | None = None) -> PositiveChangeFigure:
    """Aggregate only: no row leaves this function, so it needs no access scope."""
    queryset = FollowUp.objects.all()
    if victim_service_ids is not None:
        queryset = queryset.filter(victim__victim_service_id__in=victim_service_ids)
    if force_ids is not None:
        queryset = queryset.filter(case__force_id__in=force_ids)
    latest: dict[int, str] = {}
    for victim_id, change in queryset.order_by("contacted_on", "id").values_list("victim_id",
                                                                                  "change"):
        latest[victim_id] = change
    followed_up = len(latest)
    positive = sum(1 for change in latest.values() if change == "positive")
    if (followed_up < SUPPRESSION_THRESHOLD or _suppress(positive)
            or _suppress(followed_up - positive)):
        return PositiveChangeFigure(positive=None, followed_up=None, suppressed=True)
    return PositiveChangeFigure(positive=positive, followed_up=followed_up, suppressed=False)
