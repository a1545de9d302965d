"""The access policy, in one place: who may use which view, see which objects and read which fields.

Deny by default:
- every view declares a `Rule` with the `@rule(...)` decorator (or `access_rule` on a class);
  `AccessPolicyMiddleware` refuses any view that has none, and a test walks the URL resolver;
- every read goes through `visible(user, Model)`, which scopes the queryset to what the user's
  role and organisation may see; a model with no scope here is visible to nobody;
- field-level rules say which roles may read a sensitive field; `can_read_field` answers.

Rules name models by label ("cases.Person") so this module imports no app above accounts.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TypeVar

from django.core.exceptions import ObjectDoesNotExist
from django.db.models import Model, Q, QuerySet
from django.dispatch import Signal
from django.http import Http404

from diversion.accounts.roles import Role

ALL_ROLES = frozenset(Role.values)
POLICE = frozenset({Role.DECISION_MAKER})
PROVIDER = frozenset({Role.FACILITATOR, Role.PROVIDER_MANAGER})

M = TypeVar("M", bound=Model)


@dataclass(frozen=True)
class Rule:
    """Who may use a view."""

    name: str
    description: str
    roles: frozenset[str] = field(default_factory=frozenset)
    public: bool = False
    # Reachable between the password and the authenticator code (the second-step pages only).
    before_second_step: bool = False

    def allows(self, user) -> bool:
        if self.public:
            return True
        if not getattr(user, "is_authenticated", False) or not user.is_active:
            return False
        return user.role in self.roles and user.organisation_id is not None


PUBLIC = Rule("public", "Anyone, signed in or not (sign-in page, health check).", public=True)
# The empty role lets a user whose role was removed reach home, which tells them so.
SIGNED_IN = Rule("signed_in", "Any signed-in user.", roles=ALL_ROLES | {""})
POLICE_WORK = Rule("police_work", "OOCR decision makers in a police force.", roles=POLICE)
PROVIDER_WORK = Rule("provider_work", "Facilitators and provider managers.", roles=PROVIDER)
VICTIM_WORK = Rule("victim_work", "Victim workers in a victim service.",
                   roles=frozenset({Role.VICTIM_WORKER}))
ANALYSIS = Rule("analysis", "Analysts and evaluators.", roles=frozenset({Role.ANALYST}))
COMMISSIONING = Rule("commissioning", "Commissioners in a PCC office.",
                     roles=frozenset({Role.COMMISSIONER}))
USER_ADMIN = Rule("user_admin", "Administrators, for their own organisation only.",
                  roles=frozenset({Role.ADMINISTRATOR}))
AUDIT = Rule("audit", "Auditors reading the processing log (DPA 2018 s.62(4) purposes).",
             roles=frozenset({Role.AUDITOR}))

SECOND_STEP = Rule("second_step",
                   "A signed-in user who has yet to enter an authenticator code (or set one up).",
                   roles=ALL_ROLES | {""}, before_second_step=True)

RULES: tuple[Rule, ...] = (
    PUBLIC, SIGNED_IN, SECOND_STEP, POLICE_WORK, PROVIDER_WORK, VICTIM_WORK, ANALYSIS,
    COMMISSIONING, USER_ADMIN, AUDIT,
)

# --- Offence to caution (issue 3): programme definitions page for administrators.
PROGRAMME_ADMIN = Rule("programme_admin",
                       "Administrators reading the loaded programme definitions.",
                       roles=frozenset({Role.ADMINISTRATOR}))
RULES = RULES + (PROGRAMME_ADMIN,)
# --- end offence to caution

# Each role's home page (URL name), where it lands after sign-in.
ROLE_HOMES: dict[str, str] = {
    Role.DECISION_MAKER: "cases:home",
    Role.FACILITATOR: "delivery:home",
    Role.PROVIDER_MANAGER: "delivery:home",
    Role.VICTIM_WORKER: "victims:home",
    Role.ANALYST: "evaluation:home",
    Role.COMMISSIONER: "commissioning:home",
    Role.ADMINISTRATOR: "administration:user_list",
    Role.AUDITOR: "audit:log",
}


def rule(declared: Rule) -> Callable:
    """Declare who may use a view (function or class)."""

    def decorate(view):
        view.access_rule = declared
        return view

    return decorate


def rule_for(view_func) -> Rule | None:
    """The rule a resolved view declared, or None (which the middleware refuses)."""
    found = getattr(view_func, "access_rule", None)
    if found is None:
        view_class = getattr(view_func, "view_class", None)
        found = getattr(view_class, "access_rule", None)
    return found if isinstance(found, Rule) else None


# ---------------------------------------------------------------------------------------------
# Object level: which rows of each model a user may see. Keyed by model label; a model with no
# entry is visible to nobody. Each function returns a Q over that model.

def _same_org(user) -> Q:
    """The user's own organisation."""
    return Q(organisation_id=user.organisation_id)


def _own_organisation(user) -> Q:
    """Everyone: their own organisation only."""
    return Q(pk=user.organisation_id)


def _users(user) -> Q:
    """Administrators: their organisation's users. Everyone else: themselves."""
    if user.role == Role.ADMINISTRATOR:
        return _same_org(user)
    return Q(pk=user.pk)


def _processing_log(user) -> Q:
    """Auditors: their own organisation's rows. Nobody else."""
    return _same_org(user) if user.role == Role.AUDITOR else Q(pk__in=[])


def _force_records(user) -> Q:
    """Police decision makers and the force's own analysts: their force's records."""
    if user.role in POLICE or (
        user.role == Role.ANALYST and user.organisation.kind == "police_force"
    ):
        return Q(force_id=user.organisation_id)
    return Q(pk__in=[])


def _victim_service_records(user) -> Q:
    """Victim workers: their own victim service's victims. Nobody else (sealed)."""
    if user.role == Role.VICTIM_WORKER:
        return Q(victim_service_id=user.organisation_id)
    return Q(pk__in=[])


def _victim_case_records(user) -> Q:
    """Victim workers: links and consultations of their own service's victims."""
    if user.role == Role.VICTIM_WORKER:
        return Q(victim__victim_service_id=user.organisation_id)
    return Q(pk__in=[])


SCOPES: dict[str, Callable[..., Q]] = {
    "accounts.User": _users,
    "accounts.Organisation": _own_organisation,
    "audit.ProcessingLog": _processing_log,
    "audit.SecurityEvent": _processing_log,
    "audit.IntegrityCheck": _processing_log,
    "cases.Person": _force_records,
    "cases.Offence": _force_records,
    "cases.Case": _force_records,
    # Victims are sealed: only the victim service's own workers see them.
    "victims.Victim": _victim_service_records,
    "victims.CaseVictim": _victim_case_records,
    "victims.Consultation": _victim_case_records,
}


# --- Offence to caution (issue 3): programmes, eligibility, trials, disposals and referrals.
def _everyone(user) -> Q:
    """Reference data with no personal data in it (programme definitions)."""
    return Q()


def _programme_providers(user) -> Q:
    """Which provider a force refers a programme to: that force and that provider."""
    return Q(force_id=user.organisation_id) | Q(provider_id=user.organisation_id)


def _case_records(user) -> Q:
    """Records hanging off a case: police in the case's force only."""
    if user.role in POLICE:
        return Q(case__force_id=user.organisation_id)
    return Q(pk__in=[])


def _referrals(user) -> Q:
    """Referrals: the referring force's police, and the provider referred to."""
    if user.role in POLICE:
        return Q(case__force_id=user.organisation_id)
    if user.role in PROVIDER:
        return Q(provider_id=user.organisation_id)
    return Q(pk__in=[])


SCOPES.update({
    "programmes.ProgrammeVersion": _everyone,
    "programmes.ProgrammeProvider": _programme_providers,
    "cases.EligibilityDecision": _case_records,
    "cases.CaseEvent": _case_records,
    "disposals.Disposal": _case_records,
    "disposals.VictimViewDecision": _case_records,
    "disposals.Referral": _referrals,
    "trials.TrialAllocation": _case_records,
})
# --- end offence to caution


# --- Provider delivery (issue 4): workshops, attendance, notes, compliance.
# Providers see their own organisation's referred cases only. Police see attendance and
# completion (Booking, Attendance, BreachDecision, Reminder), never notes, questionnaire
# answers, assessments, goals, onward referrals, contact attempts or the events themselves.
def _provider_case_records(user) -> Q:
    """Provider-only records of a case: the provider the case is referred to. Police: none."""
    if user.role in PROVIDER:
        return Q(case__referral__provider_id=user.organisation_id)
    return Q(pk__in=[])


def _shared_case_records(user) -> Q:
    """Attendance and completion: the case's provider and the referring force's police."""
    if user.role in PROVIDER:
        return Q(case__referral__provider_id=user.organisation_id)
    if user.role in POLICE:
        return Q(case__force_id=user.organisation_id)
    return Q(pk__in=[])


def _attendance(user) -> Q:
    if user.role in PROVIDER:
        return Q(booking__case__referral__provider_id=user.organisation_id)
    if user.role in POLICE:
        return Q(booking__case__force_id=user.organisation_id)
    return Q(pk__in=[])


def _workshop_events(user) -> Q:
    """Events and their venues: the provider running them only."""
    if user.role in PROVIDER:
        return Q(provider_id=user.organisation_id)
    return Q(pk__in=[])


def _case_events_with_provider(user) -> Q:
    """The timeline: police in the case's force, and the provider the case is referred to
    (it carries statuses and attendance only; notes are CaseNote rows, provider-only)."""
    if user.role in PROVIDER:
        return Q(case__referral__provider_id=user.organisation_id)
    return _case_records(user)


SCOPES.update({
    "cases.CaseEvent": _case_events_with_provider,
    "delivery.ContactAttempt": _provider_case_records,
    "delivery.WorkshopEvent": _workshop_events,
    "delivery.Booking": _shared_case_records,
    "delivery.Attendance": _attendance,
    "delivery.QuestionnaireResponse": _provider_case_records,
    "delivery.CaseNote": _provider_case_records,
    "delivery.NeedsAssessment": _provider_case_records,
    "delivery.Goal": _provider_case_records,
    "delivery.OnwardReferral": _provider_case_records,
    "delivery.BreachDecision": _shared_case_records,
    "delivery.Reminder": _shared_case_records,
})
# --- end provider delivery


def visible(user, model: type[M]) -> QuerySet[M]:
    """The one queryset of `model` that `user` may see. Views never use Model.objects."""
    # `_default_manager` is `objects` for every model here; the stubs only type it generically.
    if not getattr(user, "is_authenticated", False) or not user.is_active or not user.role:
        return model._default_manager.none()
    scope = SCOPES.get(model._meta.label)
    if scope is None:
        return model._default_manager.none()
    return model._default_manager.filter(scope(user))


access_denied = Signal()  # sent with request, reason, status; the audit app records it


def get_visible_or_404(request, model: type[M], **lookup) -> M:
    """Fetch one object the user may see; anything else is a logged 404 (no existence leak)."""
    try:
        return visible(request.user, model).get(**lookup)
    # The queryset's `get` raises only `model.DoesNotExist`, which the stubs cannot see on type[M].
    except (ObjectDoesNotExist, ValueError, TypeError):
        access_denied.send(
            sender=model, request=request, status=404,
            reason=f"{model._meta.label} not visible or not found: {sorted(lookup)}",
        )
        raise Http404 from None


# ---------------------------------------------------------------------------------------------
# Field level: sensitive fields and the roles that may read them. A field not listed is readable
# by whoever may see the object. Analysts and commissioners see pseudonymised data only.

IDENTIFYING_PERSON_FIELDS = ("given_name", "family_name", "date_of_birth", "pnc_id",
                             "force_reference", "postcode_district")

FIELD_READERS: dict[tuple[str, str], frozenset[str]] = {
    **{("cases.Person", name): POLICE | PROVIDER for name in IDENTIFYING_PERSON_FIELDS},
    ("accounts.User", "email"): frozenset({Role.ADMINISTRATOR}),
}


# --- Provider delivery (issue 4): workshop content never reaches police, even via a shared row.
FIELD_READERS.update({
    ("delivery.Attendance", "reason"): PROVIDER,
    ("delivery.Booking", "event"): PROVIDER,
    ("delivery.BreachDecision", "rationale"): POLICE,
})
# --- end provider delivery


def can_read_field(user, model: type[Model], field_name: str) -> bool:
    readers = FIELD_READERS.get((model._meta.label, field_name))
    return readers is None or user.role in readers


def readable_fields(user, model: type[Model], names: Iterable[str]) -> list[str]:
    return [name for name in names if can_read_field(user, model, name)]


# ---------------------------------------------------------------------------------------------
# Victims (issue 5): the sealed victim records, partnerships, and what police may see of them.

VICTIM_WORKERS = frozenset({Role.VICTIM_WORKER})


def _victim_service_alerts(user) -> Q:
    """Victim workers: their own service's alerts. Police: alerts on their force's cases
    (the date only; details are a field police cannot read)."""
    if user.role == Role.VICTIM_WORKER:
        return Q(victim__victim_service_id=user.organisation_id)
    if user.role in POLICE:
        return Q(case__force_id=user.organisation_id)
    return Q(pk__in=[])


def _own_partnerships(user) -> Q:
    """Victim workers: the forces their own service serves."""
    if user.role == Role.VICTIM_WORKER:
        return Q(victim_service_id=user.organisation_id)
    return Q(pk__in=[])


_force_case_scope = SCOPES["cases.Case"]


def _cases_with_victim_services(user) -> Q:
    """As the cases scope above, plus victim workers: cases of the forces their service serves."""
    if user.role == Role.VICTIM_WORKER:
        return Q(force__victim_services__victim_service_id=user.organisation_id)
    return _force_case_scope(user)


SCOPES.update({
    "cases.Case": _cases_with_victim_services,
    "victims.ServedForce": _own_partnerships,
    "victims.ContactLogEntry": _victim_case_records,
    "victims.FollowUp": _victim_case_records,
    "victims.InformationEvent": _victim_case_records,
    "victims.Disclosure": _victim_case_records,
    "victims.SafeguardingAlert": _victim_service_alerts,
})

VICTIM_CONTACT_FIELDS = ("address", "postcode", "phone", "email", "safe_times", "safe_words",
                         "perpetrator_knows_address", "refuge_status")
FIELD_READERS.update({
    **{("victims.Victim", name): VICTIM_WORKERS for name in VICTIM_CONTACT_FIELDS},
    ("victims.Victim", "given_name"): VICTIM_WORKERS,
    ("victims.Victim", "family_name"): VICTIM_WORKERS,
    ("victims.SafeguardingAlert", "details"): VICTIM_WORKERS,
})

# records (issue 7): police crime-record imports and identity linkage. Analysts of a police
# force work on their own force's extracts; crime records' identifying fields stay with the
# police (analysts see them pseudonymised, docs/decisions/0002-linkage-review-pseudonymised.md).

def _force_analysts(user) -> Q:
    """Analysts in a police force: their own force's imports, sources and linkage runs."""
    if user.role == Role.ANALYST and user.organisation.kind == "police_force":
        return Q(force_id=user.organisation_id)
    return Q(pk__in=[])


def _batch_of_force_analysts(user) -> Q:
    """Rejection reports: whoever may see the import."""
    if user.role == Role.ANALYST and user.organisation.kind == "police_force":
        return Q(batch__force_id=user.organisation_id)
    return Q(pk__in=[])


SCOPES.update({
    "records.RecordSource": _force_analysts,
    "records.ImportBatch": _force_analysts,
    "records.RejectedRow": _batch_of_force_analysts,
    "records.CrimeRecord": _force_records,
    "records.CrimeRecordVersion": _force_records,
    "records.LinkageRun": _force_analysts,
    "records.PersonLink": _force_analysts,
    "records.LinkCandidate": _force_analysts,
})

RECORD_IDENTIFYING_FIELDS = ("given_name", "family_name", "date_of_birth", "pnc_id",
                             "force_person_ref", "postcode_district")
FIELD_READERS.update({
    **{("records.CrimeRecord", name): POLICE for name in RECORD_IDENTIFYING_FIELDS},
    **{("records.CrimeRecordVersion", name): POLICE for name in RECORD_IDENTIFYING_FIELDS},
})

# --- commissioning (issue 8): contracts, aggregates and published statistics -----------------
# Commissioners see their own office's contracts, costs and releases, and case counts only as
# precomputed aggregates for the forces their office oversees: never a case or a person.
COMMISSIONER = frozenset({Role.COMMISSIONER})
PUBLIC_STATISTICS = Rule("public_statistics",
                         "Anyone: published statistics releases (aggregates only).", public=True)
RULES = (*RULES, PUBLIC_STATISTICS)


def _commissioner_office(user) -> Q:
    """Commissioners: their own office's contracts, unit costs and releases. Nobody else."""
    if user.role in COMMISSIONER:
        return Q(commissioner_office_id=user.organisation_id)
    return Q(pk__in=[])


def _overseen_aggregates(user) -> Q:
    """Commissioners: aggregate counts for the forces their office oversees. Nobody else."""
    if user.role in COMMISSIONER:
        return Q(force__commissioned_by__commissioner_office_id=user.organisation_id)
    return Q(pk__in=[])


_organisation_scope_before_commissioning = SCOPES["accounts.Organisation"]


def _organisations(user) -> Q:
    """Everyone: their own organisation; commissioners also the names of providers and of the
    forces their office oversees (to choose in contracts and filters)."""
    found = _organisation_scope_before_commissioning(user)
    if user.role in COMMISSIONER:
        found |= Q(kind="provider") | Q(
            commissioned_by__commissioner_office_id=user.organisation_id)
    return found


SCOPES.update({
    "accounts.Organisation": _organisations,
    "commissioning.Contract": _commissioner_office,
    "commissioning.UnitCostVersion": _commissioner_office,
    "commissioning.StatisticsRelease": _commissioner_office,
    "commissioning.CommissionedForce": _commissioner_office,
    "commissioning.DashboardAggregate": _overseen_aggregates,
})
# commissioning (issue 8, second part): delivery and outcome measures, aggregate counts only.
SCOPES["commissioning.OutcomeAggregate"] = _overseen_aggregates
# commissioning (issue 8, reoffending): evaluation runs' headline results, aggregates only;
# commissioners see them for the forces their office oversees, never the runs themselves.
SCOPES["commissioning.ReoffendingSummary"] = _overseen_aggregates

# Rows anyone may read without signing in. Only frozen, published aggregates belong here.
PUBLIC_SCOPES: dict[str, Q] = {
    "commissioning.StatisticsRelease": Q(status="published"),
}


def public_visible(model: type[M]) -> QuerySet[M]:
    """What the public may see of `model`: nothing unless PUBLIC_SCOPES says otherwise."""
    condition = PUBLIC_SCOPES.get(model._meta.label)
    manager = model._default_manager  # `objects` for every model here (see `visible`)
    return manager.none() if condition is None else manager.filter(condition)

# --- evaluation runs (issue 7, later part): analysts of a police force see their force's runs,
# and, to build a run's pseudonymised cohort, their force's trial allocations, referrals and
# disposals (none of which carries an identifying field).
def _with_force_analysts(before: Callable[..., Q]) -> Callable[..., Q]:
    def scope(user) -> Q:
        if user.role == Role.ANALYST and user.organisation.kind == "police_force":
            return Q(case__force_id=user.organisation_id)
        return before(user)

    scope.__doc__ = f"{before.__doc__} Plus analysts in the case's police force."
    return scope


def _run_records(user) -> Q:
    """Records hanging off an evaluation run: the analysts who may see the run."""
    if user.role == Role.ANALYST and user.organisation.kind == "police_force":
        return Q(run__force_id=user.organisation_id)
    return Q(pk__in=[])


SCOPES.update({
    "evaluation.EvaluationRun": _force_analysts,
    "evaluation.HeadlineSignOff": _run_records,
    "trials.TrialAllocation": _with_force_analysts(SCOPES["trials.TrialAllocation"]),
    "disposals.Referral": _with_force_analysts(SCOPES["disposals.Referral"]),
    "disposals.Disposal": _with_force_analysts(SCOPES["disposals.Disposal"]),
})
# --- end evaluation runs
