"""Which rows of each model a user may see, by app and model. A model with no entry in
SCOPES is visible to nobody; each scope returns a Q over its model, and its docstring's first
line is what docs/access-policy.md says of it.

Who sees what, in short: police see their force's records; providers see the cases referred
to them (attendance and completion are shared with the police; notes, questionnaires,
assessments and contact attempts are not); victims' records are sealed to their own victim
service; analysts of a force see its records pseudonymised (field rules) and its runs;
commissioners see their own office's contracts and releases, and case counts only as
aggregates for the forces their office oversees; a force's aggregates also reach a PCC office
or research partner (its commissioners and analysts) while the force's data-sharing agreement
with it is in force (`_agreed_forces`, the one place that decides it); auditors see their
organisation's logs.
"""

from __future__ import annotations

from collections.abc import Callable

from django.apps import apps
from django.db.models import Q, QuerySet

from diversion.accounts.policy.rules import COMMISSIONER, POLICE, PROVIDER
from diversion.accounts.roles import Role

NOBODY = Q(pk__in=[])


def _is_force_analyst(user) -> bool:
    return user.role == Role.ANALYST and user.organisation.kind == "police_force"


def _is_receiving_analyst(user) -> bool:
    """An analyst of a PCC office or a research partner (a regional or national view)."""
    return user.role == Role.ANALYST and user.organisation.kind in RECEIVER_KINDS


RECEIVER_KINDS = ("commissioner", "research_partner")


def _agreed_forces(user) -> QuerySet:
    """The forces whose data-sharing agreement with the user's organisation is in force today
    (started, not ended, not withdrawn): their ids, as a subquery. A withdrawal stops every
    read that goes through it at once."""
    agreement = apps.get_model("administration", "DataSharingAgreement")
    return agreement.objects.filter(receiver_id=user.organisation_id).live().values("force_id")


# --- accounts ---------------------------------------------------------------------------------

def _users(user) -> Q:
    """Administrators: their organisation's users (API clients' accounts are managed as API
    clients, not here). Everyone else: themselves."""
    if user.role == Role.ADMINISTRATOR:
        return Q(organisation_id=user.organisation_id, is_api_client=False)
    return Q(pk=user.pk)


def _organisations(user) -> Q:
    """Everyone: their own organisation; commissioners also the names of providers and of the
    forces their office oversees (to choose in contracts and filters); commissioners and
    receiving analysts the forces sharing with them under an agreement in force; a police
    force's administrators the PCC offices and research partners (an agreement's receiver),
    and the providers in the force's area (holding a contract with a PCC office that oversees
    the force: those it may refer a programme to)."""
    found = Q(pk=user.organisation_id)
    if user.role in COMMISSIONER:
        found |= Q(kind="provider") | Q(
            commissioned_by__commissioner_office_id=user.organisation_id)
    if user.role in COMMISSIONER or _is_receiving_analyst(user):
        found |= Q(pk__in=_agreed_forces(user))
    if user.role == Role.ADMINISTRATOR and user.organisation.kind == "police_force":
        found |= Q(kind__in=RECEIVER_KINDS) | Q(pk__in=_area_providers(user.organisation_id))
    return found


def _area_providers(force_id) -> QuerySet:
    """The providers in a force's area: those holding a contract (any programme, any dates)
    with a PCC office that oversees the force. Their ids, as a subquery."""
    contract = apps.get_model("commissioning", "Contract")
    return (contract.objects.filter(provider__kind="provider",
                                    commissioner_office__overseen_forces__force_id=force_id)
            .values("provider_id"))


def _organisation_admins(user) -> Q:
    """Administrators: their organisation's API clients. Nobody else."""
    if user.role == Role.ADMINISTRATOR:
        return Q(organisation_id=user.organisation_id)
    return NOBODY


# --- administration ---------------------------------------------------------------------------

def _sharing_agreements(user) -> Q:
    """Administrators: agreements their organisation gave (a force) or received, history
    included; commissioners and receiving analysts: those their organisation received."""
    if user.role == Role.ADMINISTRATOR:
        return Q(force_id=user.organisation_id) | Q(receiver_id=user.organisation_id)
    if user.role in COMMISSIONER or _is_receiving_analyst(user):
        return Q(receiver_id=user.organisation_id)
    return NOBODY


# --- audit ------------------------------------------------------------------------------------

def _processing_log(user) -> Q:
    """Auditors: their own organisation's rows. Nobody else."""
    if user.role == Role.AUDITOR:
        return Q(organisation_id=user.organisation_id)
    return NOBODY


# --- notifications ----------------------------------------------------------------------------

def _own_notifications(user) -> Q:
    """Everyone: the emails sent to themselves (kinds and states). Nobody else's."""
    return Q(recipient_id=user.pk)


def _own_choices(user) -> Q:
    """Everyone: their own email choices. Nobody else's."""
    return Q(user_id=user.pk)


# --- programmes -------------------------------------------------------------------------------

def _everyone(user) -> Q:
    """Reference data with no personal data in it (programme definitions)."""
    return Q()


def _programme_providers(user) -> Q:
    """Which provider a force refers a programme to: that force and that provider."""
    return Q(force_id=user.organisation_id) | Q(provider_id=user.organisation_id)


# --- cases ------------------------------------------------------------------------------------

def _force_records(user) -> Q:
    """Police decision makers and the force's own analysts: their force's records; analysts of
    a PCC office or research partner: those of the forces sharing with them (pooled runs)."""
    if user.role in POLICE or _is_force_analyst(user):
        return Q(force_id=user.organisation_id)
    if _is_receiving_analyst(user):
        return Q(force_id__in=_agreed_forces(user))
    return NOBODY


def _cases(user) -> Q:
    """Police and the force's analysts: their force's cases; victim workers: cases of the
    forces their service serves."""
    if user.role == Role.VICTIM_WORKER:
        return Q(force__victim_services__victim_service_id=user.organisation_id)
    return _force_records(user)


def _case_records(user) -> Q:
    """Records hanging off a case: police in the case's force only."""
    if user.role in POLICE:
        return Q(case__force_id=user.organisation_id)
    return NOBODY


def _case_records_with_analysts(user) -> Q:
    """Records hanging off a case: police and analysts in the case's force (no identifying
    field; analysts need them to build a run's pseudonymised cohort)."""
    if user.role in POLICE or _is_force_analyst(user):
        return Q(case__force_id=user.organisation_id)
    if _is_receiving_analyst(user):
        return Q(case__force_id__in=_agreed_forces(user))
    return NOBODY


def _case_events(user) -> Q:
    """The timeline: police in the case's force, and the provider the case is referred to
    (it carries statuses and attendance only; notes are CaseNote rows, provider-only)."""
    if user.role in PROVIDER:
        return Q(case__referral__provider_id=user.organisation_id)
    return _case_records(user)


# The case statuses in which the provider may reach the person: from the referral to the end
# of delivery (a breach goes back to the police; a re-booking brings the case back here).
PROVIDER_CONTACT_STATUSES = ("referred", "in_progress")


def _person_contacts(user) -> Q:
    """Police of the person's force; their case's provider only while referred or in progress.
    The cautioned person's contact details: the provider a case of theirs is referred to sees
    them from the referral to the end of delivery. Nobody else (analysts, commissioners and
    victim workers never)."""
    if user.role in POLICE:
        return Q(person__force_id=user.organisation_id)
    if user.role in PROVIDER:
        # a subquery, not a join: a person with two open cases is still one row
        open_cases = apps.get_model("cases", "Case").objects.filter(
            referral__provider_id=user.organisation_id, status__in=PROVIDER_CONTACT_STATUSES)
        return Q(person_id__in=open_cases.values("person_id"))
    return NOBODY


# --- victims (sealed: only the victim service's own workers) ---------------------------------

def _victim_service_records(user) -> Q:
    """Victim workers: their own victim service's victims. Nobody else (sealed)."""
    if user.role == Role.VICTIM_WORKER:
        return Q(victim_service_id=user.organisation_id)
    return NOBODY


def _victim_case_records(user) -> Q:
    """Victim workers: links and consultations of their own service's victims."""
    if user.role == Role.VICTIM_WORKER:
        return Q(victim__victim_service_id=user.organisation_id)
    return NOBODY


def _own_partnerships(user) -> Q:
    """Victim workers: the forces their own service serves."""
    if user.role == Role.VICTIM_WORKER:
        return Q(victim_service_id=user.organisation_id)
    return NOBODY


def _safeguarding_alerts(user) -> Q:
    """Victim workers: their own service's alerts. Police: alerts on their force's cases
    (the date only; details are a field police cannot read)."""
    if user.role == Role.VICTIM_WORKER:
        return Q(victim__victim_service_id=user.organisation_id)
    if user.role in POLICE:
        return Q(case__force_id=user.organisation_id)
    return NOBODY


# --- disposals --------------------------------------------------------------------------------

def _referrals(user) -> Q:
    """Referrals: the referring force's police and analysts, and the provider referred to;
    analysts receiving the force's data under an agreement in force."""
    if user.role in POLICE or _is_force_analyst(user):
        return Q(case__force_id=user.organisation_id)
    if _is_receiving_analyst(user):
        return Q(case__force_id__in=_agreed_forces(user))
    if user.role in PROVIDER:
        return Q(provider_id=user.organisation_id)
    return NOBODY


# --- delivery ---------------------------------------------------------------------------------

def _provider_case_records(user) -> Q:
    """Provider-only records of a case: the provider the case is referred to. Police: none."""
    if user.role in PROVIDER:
        return Q(case__referral__provider_id=user.organisation_id)
    return NOBODY


def _shared_case_records(user) -> Q:
    """Attendance and completion: the case's provider and the referring force's police."""
    if user.role in PROVIDER:
        return Q(case__referral__provider_id=user.organisation_id)
    if user.role in POLICE:
        return Q(case__force_id=user.organisation_id)
    return NOBODY


def _attendance(user) -> Q:
    """Attendance marks: the case's provider and the referring force's police."""
    if user.role in PROVIDER:
        return Q(booking__case__referral__provider_id=user.organisation_id)
    if user.role in POLICE:
        return Q(booking__case__force_id=user.organisation_id)
    return NOBODY


def _workshop_events(user) -> Q:
    """Events and their venues: the provider running them only."""
    if user.role in PROVIDER:
        return Q(provider_id=user.organisation_id)
    return NOBODY


# --- records and evaluation: the force's analysts ---------------------------------------------

def _force_analysts(user) -> Q:
    """Analysts in a police force: their own force's imports, sources and linkage runs."""
    if _is_force_analyst(user):
        return Q(force_id=user.organisation_id)
    return NOBODY


def _person_links(user) -> Q:
    """Links of crime records to people: the force's analysts; analysts receiving the force's
    data under an agreement in force (to count a pooled cohort's reoffending)."""
    if _is_force_analyst(user):
        return Q(force_id=user.organisation_id)
    if _is_receiving_analyst(user):
        return Q(force_id__in=_agreed_forces(user))
    return NOBODY


def _runs(user) -> Q:
    """Evaluation runs: analysts of the organisation the run belongs to (a force, or for a
    pooled run the PCC office or research partner)."""
    if _is_force_analyst(user) or _is_receiving_analyst(user):
        return Q(force_id=user.organisation_id)
    return NOBODY


def _batch_of_force_analysts(user) -> Q:
    """Rejection reports: whoever may see the import."""
    if _is_force_analyst(user):
        return Q(batch__force_id=user.organisation_id)
    return NOBODY


def _run_records(user) -> Q:
    """Records hanging off an evaluation run: the analysts who may see the run."""
    if _is_force_analyst(user) or _is_receiving_analyst(user):
        return Q(run__force_id=user.organisation_id)
    return NOBODY


# --- commissioning: never a case or a person --------------------------------------------------

def _commissioner_office(user) -> Q:
    """Commissioners: their own office's contracts, unit costs and releases. Nobody else."""
    if user.role in COMMISSIONER:
        return Q(commissioner_office_id=user.organisation_id)
    return NOBODY


def _overseen_aggregates(user) -> Q:
    """Commissioners: aggregate counts for the forces their office oversees and for the forces
    sharing with it under an agreement in force; analysts of a PCC office or research partner:
    those of the forces sharing with their organisation. Nobody else."""
    if user.role in COMMISSIONER:
        # subqueries, not joins: a force overseen by two offices is still counted once
        overseen = apps.get_model("commissioning", "CommissionedForce").objects.filter(
            commissioner_office_id=user.organisation_id).values("force_id")
        return Q(force_id__in=overseen) | Q(force_id__in=_agreed_forces(user))
    if _is_receiving_analyst(user):
        return Q(force_id__in=_agreed_forces(user))
    return NOBODY


def _run_summaries(user) -> Q:
    """Signed-off runs' summaries: a force's own runs as `_overseen_aggregates`; a pooled run's
    only to the commissioners and receiving analysts of the office or partner it belongs to
    (the regional view shows it only while every pooled force still shares with them)."""
    own = _overseen_aggregates(user) & Q(pooled=False)
    if user.role in COMMISSIONER or _is_receiving_analyst(user):
        return own | Q(pooled=True, force_id=user.organisation_id)
    return own


# --- retention: the organisation's own reviews and subject-access requests --------------------

def _retention_reviews(user) -> Q:
    """Administrators: their own organisation's retention reviews. Nobody else."""
    if user.role == Role.ADMINISTRATOR:
        return Q(organisation_id=user.organisation_id)
    return NOBODY


def _subject_access_requests(user) -> Q:
    """Administrators and auditors: their own organisation's subject-access requests."""
    if user.role in (Role.ADMINISTRATOR, Role.AUDITOR):
        return Q(organisation_id=user.organisation_id)
    return NOBODY


SCOPES: dict[str, Callable[..., Q]] = {
    "accounts.Organisation": _organisations,
    "accounts.User": _users,
    "administration.DataSharingAgreement": _sharing_agreements,
    "audit.IntegrityCheck": _processing_log,
    "audit.ProcessingLog": _processing_log,
    "audit.SecurityEvent": _processing_log,
    "notifications.Notification": _own_notifications,
    "notifications.OptOut": _own_choices,
    "programmes.ProgrammeProvider": _programme_providers,
    "programmes.ProgrammeVersion": _everyone,
    "cases.Case": _cases,
    "cases.CaseEvent": _case_events,
    "cases.EligibilityDecision": _case_records,
    "cases.Offence": _force_records,
    "cases.Person": _force_records,
    "cases.PersonContact": _person_contacts,
    "trials.TrialAllocation": _case_records_with_analysts,
    "victims.CaseVictim": _victim_case_records,
    "victims.Consultation": _victim_case_records,
    "victims.ContactLogEntry": _victim_case_records,
    "victims.Disclosure": _victim_case_records,
    "victims.FollowUp": _victim_case_records,
    "victims.InformationEvent": _victim_case_records,
    "victims.SafeguardingAlert": _safeguarding_alerts,
    "victims.ServedForce": _own_partnerships,
    "victims.Victim": _victim_service_records,
    "disposals.Closure": _case_records_with_analysts,
    "disposals.Disposal": _case_records_with_analysts,
    "disposals.Referral": _referrals,
    "disposals.VictimViewDecision": _case_records,
    "delivery.Attendance": _attendance,
    "delivery.Booking": _shared_case_records,
    "delivery.BreachDecision": _shared_case_records,
    "delivery.CaseNote": _provider_case_records,
    "delivery.ContactAttempt": _provider_case_records,
    "delivery.Goal": _provider_case_records,
    "delivery.NeedsAssessment": _provider_case_records,
    "delivery.OneToOneSession": _shared_case_records,
    "delivery.OnwardReferral": _provider_case_records,
    "delivery.QuestionnaireResponse": _provider_case_records,
    "delivery.Reminder": _shared_case_records,
    "delivery.WorkshopEvent": _workshop_events,
    "records.CrimeRecord": _force_records,
    "records.CrimeRecordVersion": _force_records,
    "records.ImportBatch": _force_analysts,
    "records.LinkCandidate": _force_analysts,
    "records.LinkageRun": _force_analysts,
    "records.PersonLink": _person_links,
    "records.RecordSource": _force_analysts,
    "records.RejectedRow": _batch_of_force_analysts,
    "evaluation.EvaluationRun": _runs,
    "evaluation.HeadlineSignOff": _run_records,
    "commissioning.CommissionedForce": _commissioner_office,
    "commissioning.Contract": _commissioner_office,
    "commissioning.DashboardAggregate": _overseen_aggregates,
    "commissioning.OutcomeAggregate": _overseen_aggregates,
    "commissioning.RecordedCrimeAggregate": _overseen_aggregates,
    "commissioning.ReoffendingSummary": _run_summaries,
    "commissioning.StatisticsRelease": _commissioner_office,
    "commissioning.UnitCostVersion": _commissioner_office,
    "api.ApiClient": _organisation_admins,
    "retention.RetentionReview": _retention_reviews,
    "retention.SubjectAccessRequest": _subject_access_requests,
}

# Rows anyone may read without signing in. Only frozen, published aggregates belong here.
PUBLIC_SCOPES: dict[str, Q] = {
    "commissioning.StatisticsRelease": Q(status="published"),
}
