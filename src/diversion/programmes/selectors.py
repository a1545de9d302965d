"""Reads of programme versions (reference data, not personal data: no processing-log row)."""

from __future__ import annotations

from diversion.accounts.policy import visible
from diversion.programmes.models import ProgrammeProvider, ProgrammeVersion


def programme_versions(actor) -> list[ProgrammeVersion]:
    return list(visible(actor, ProgrammeVersion).order_by("code", "version"))


def provider_for(actor, programme_code: str):
    """The provider organisation the actor's force refers the programme to, or None."""
    link = (visible(actor, ProgrammeProvider).select_related("provider")
            .filter(force_id=actor.organisation_id, programme_code=programme_code).first())
    return link.provider if link else None
