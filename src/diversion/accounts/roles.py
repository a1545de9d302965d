"""The roles and kinds of organisation. Rules about them live in the policy package."""

from django.db import models


class OrganisationKind(models.TextChoices):
    POLICE_FORCE = "police_force", "Police force"
    PROVIDER = "provider", "Intervention provider"
    VICTIM_SERVICE = "victim_service", "Victim service"
    COMMISSIONER = "commissioner", "Police and Crime Commissioner's office"
    RESEARCH_PARTNER = "research_partner", "Research partner"


class Role(models.TextChoices):
    DECISION_MAKER = "decision_maker", "OOCR decision maker"
    FACILITATOR = "facilitator", "Facilitator"
    PROVIDER_MANAGER = "provider_manager", "Provider manager"
    VICTIM_WORKER = "victim_worker", "Victim worker"
    ANALYST = "analyst", "Analyst"
    COMMISSIONER = "commissioner", "Commissioner"
    ADMINISTRATOR = "administrator", "Administrator"
    AUDITOR = "auditor", "Auditor"


# Which roles an organisation of each kind may give its users.
ROLES_BY_KIND: dict[str, tuple[str, ...]] = {
    OrganisationKind.POLICE_FORCE: (
        Role.DECISION_MAKER, Role.ANALYST, Role.ADMINISTRATOR, Role.AUDITOR,
    ),
    OrganisationKind.PROVIDER: (
        Role.FACILITATOR, Role.PROVIDER_MANAGER, Role.ADMINISTRATOR, Role.AUDITOR,
    ),
    OrganisationKind.VICTIM_SERVICE: (Role.VICTIM_WORKER, Role.ADMINISTRATOR, Role.AUDITOR),
    OrganisationKind.COMMISSIONER: (
        Role.COMMISSIONER, Role.ANALYST, Role.ADMINISTRATOR, Role.AUDITOR,
    ),
    OrganisationKind.RESEARCH_PARTNER: (Role.ANALYST, Role.ADMINISTRATOR, Role.AUDITOR),
}
