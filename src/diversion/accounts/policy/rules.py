"""Who may use which view: each view declares one of these rules with `@rule(...)`, and
`AccessPolicyMiddleware` refuses a view that declares none (deny by default)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from diversion.accounts.roles import Role

ALL_ROLES = frozenset(Role.values)
POLICE = frozenset({Role.DECISION_MAKER})
PROVIDER = frozenset({Role.FACILITATOR, Role.PROVIDER_MANAGER})
VICTIM_WORKERS = frozenset({Role.VICTIM_WORKER})
COMMISSIONER = frozenset({Role.COMMISSIONER})


@dataclass(frozen=True)
class Rule:
    """Who may use a view."""

    name: str
    description: str
    roles: frozenset[str] = field(default_factory=frozenset)
    public: bool = False
    # Reachable between the password and the authenticator code (the second-step pages only).
    before_second_step: bool = False
    # An API view: only an API client's token admits (no session, no second step), and API
    # clients' accounts are admitted by no other view.
    token: bool = False

    def allows(self, user) -> bool:
        if self.public:
            return True
        if not getattr(user, "is_authenticated", False) or not user.is_active:
            return False
        if self.token != bool(getattr(user, "is_api_client", False)):
            return False
        return user.role in self.roles and user.organisation_id is not None


PUBLIC = Rule("public", "Anyone, signed in or not (sign-in page, health check).", public=True)
# The empty role lets a user whose role was removed reach home, which tells them so.
SIGNED_IN = Rule("signed_in", "Any signed-in user.", roles=ALL_ROLES | {""})
SECOND_STEP = Rule("second_step",
                   "A signed-in user who has yet to enter an authenticator code (or set one up).",
                   roles=ALL_ROLES | {""}, before_second_step=True)
POLICE_WORK = Rule("police_work", "OOCR decision makers in a police force.", roles=POLICE)
PROVIDER_WORK = Rule("provider_work", "Facilitators and provider managers.", roles=PROVIDER)
VICTIM_WORK = Rule("victim_work", "Victim workers in a victim service.", roles=VICTIM_WORKERS)
ANALYSIS = Rule("analysis", "Analysts and evaluators.", roles=frozenset({Role.ANALYST}))
COMMISSIONING = Rule("commissioning", "Commissioners in a PCC office.", roles=COMMISSIONER)
REGIONAL = Rule("regional", "Commissioners, and analysts of a PCC office or research partner: "
                "forces' aggregates shared under a data-sharing agreement (the scopes decide "
                "which forces).", roles=COMMISSIONER | {Role.ANALYST})
USER_ADMIN = Rule("user_admin", "Administrators, for their own organisation only.",
                  roles=frozenset({Role.ADMINISTRATOR}))
AUDIT = Rule("audit", "Auditors reading the processing log (DPA 2018 s.62(4) purposes).",
             roles=frozenset({Role.AUDITOR}))
PROGRAMME_ADMIN = Rule("programme_admin",
                       "Administrators reading the loaded programme definitions; a police "
                       "force's administrators also set which provider delivers each programme "
                       "for the force (the view refuses other organisations').",
                       roles=frozenset({Role.ADMINISTRATOR}))
RETENTION = Rule("retention",
                 "Administrators reviewing their organisation's records past their retention "
                 "date (delete or keep).", roles=frozenset({Role.ADMINISTRATOR}))
SUBJECT_ACCESS = Rule("subject_access",
                      "Administrators and auditors handling their own organisation's "
                      "subject-access requests.",
                      roles=frozenset({Role.ADMINISTRATOR, Role.AUDITOR}))
PUBLIC_STATISTICS = Rule("public_statistics",
                         "Anyone: published statistics releases (aggregates only).", public=True)

# The API (/api/v1/): called with an API client's token only.
API_REFERENCE = Rule("api_reference", "Anyone: the API's OpenAPI document and reference page "
                     "(no data).", public=True)
API_POLICE = Rule("api_police", "API clients of a police force with the decision maker role.",
                  roles=POLICE, token=True)
API_PROVIDER = Rule("api_provider", "API clients of a provider (facilitator or provider "
                    "manager role).", roles=PROVIDER, token=True)
API_ANALYSIS = Rule("api_analysis", "API clients with the analyst role.",
                    roles=frozenset({Role.ANALYST}), token=True)
API_COMMISSIONING = Rule("api_commissioning", "API clients of a PCC office with the "
                         "commissioner role.", roles=COMMISSIONER, token=True)

RULES: tuple[Rule, ...] = (
    PUBLIC, SIGNED_IN, SECOND_STEP, POLICE_WORK, PROVIDER_WORK, VICTIM_WORK, ANALYSIS,
    COMMISSIONING, REGIONAL, USER_ADMIN, AUDIT, PROGRAMME_ADMIN, RETENTION, SUBJECT_ACCESS,
    PUBLIC_STATISTICS,
    API_REFERENCE, API_POLICE, API_PROVIDER, API_ANALYSIS, API_COMMISSIONING,
)

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
