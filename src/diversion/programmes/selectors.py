"""Reads of programme versions and of which provider a force refers each programme to (reference
data, not personal data: no processing-log row)."""

from __future__ import annotations

from datetime import date

from django.db.models import Q, QuerySet

from diversion.accounts.models import Organisation, User
from diversion.accounts.policy import visible
from diversion.programmes.models import ProgrammeProvider, ProgrammeVersion


def programme_versions(actor) -> list[ProgrammeVersion]:
    return list(visible(actor, ProgrammeVersion).order_by("code", "version"))


def provider_for(actor: User, programme_code: str, *, on: date) -> Organisation | None:
    """The provider the actor's force refers the programme to on the day `on`, or None."""
    link = (visible(actor, ProgrammeProvider).select_related("provider")
            .filter(force_id=actor.organisation_id, programme_code=programme_code,
                    valid_from__lte=on)
            .filter(Q(valid_to__isnull=True) | Q(valid_to__gte=on))
            .order_by("-valid_from").first())
    return link.provider if link else None


def force_settings(actor: User) -> list[ProgrammeProvider]:
    """Every provider setting of the actor's force, history included, by programme then newest
    first."""
    return list(visible(actor, ProgrammeProvider).filter(force_id=actor.organisation_id)
                .select_related("provider", "recorded_by")
                .order_by("programme_code", "-valid_from"))


def area_providers(actor: User) -> QuerySet[Organisation]:
    """The providers a force's administrator may choose: those the policy shows them (the
    providers in the force's area, accounts.policy.scopes._area_providers)."""
    return visible(actor, Organisation).filter(kind="provider").order_by("name")
