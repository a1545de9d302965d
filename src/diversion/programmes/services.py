"""Keep the stored programme versions in step with the definition files; record which provider
a force refers each programme to."""

from __future__ import annotations

import hashlib
import json
from datetime import date, timedelta

from django.core.exceptions import PermissionDenied
from django.db import transaction

from diversion.accounts.models import Organisation, User
from diversion.accounts.policy import visible
from diversion.accounts.roles import OrganisationKind
from diversion.audit.models import Operation
from diversion.audit.services import record
from diversion.programmes import registry
from diversion.programmes.models import ProgrammeProvider, ProgrammeVersion
from diversion.programmes.registry import DefinitionError
from diversion.programmes.schema import ProgrammeDefinition
from diversion.programmes.selectors import area_providers, force_settings


def _checksum(definition: ProgrammeDefinition) -> str:
    """The content's fingerprint, leaving out fields at their defaults: a new optional field in
    the schema leaves every stored version's fingerprint as it was, while any change a file
    actually makes (a rule, a session, a new section) still changes it."""
    data = definition.model_dump(mode="json", exclude_defaults=True)
    return hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest()


def _same_content(row: ProgrammeVersion, definition: ProgrammeDefinition) -> bool:
    if row.checksum == _checksum(definition):
        return True
    # A row stored before fingerprints left defaults out: compare what it stored, read with
    # today's schema, with the file (and store the new fingerprint so this is done once).
    try:
        stored = ProgrammeDefinition.model_validate(row.definition)
    except ValueError:
        return False
    if _checksum(stored) != _checksum(definition):
        return False
    row.checksum = _checksum(definition)
    row.save(update_fields=["checksum"])
    return True


def sync_versions() -> list[ProgrammeVersion]:
    """Store every definition not yet stored; refuse a stored version whose file has changed."""
    stored = []
    with transaction.atomic():
        for definition in registry.all_definitions():
            data = definition.model_dump(mode="json")
            checksum = _checksum(definition)
            row, created = ProgrammeVersion.objects.get_or_create(
                code=definition.code, version=definition.version,
                defaults={"name": definition.name, "definition": data, "checksum": checksum,
                          "trial_running": bool(definition.trial and definition.trial.running)})
            if not created and not _same_content(row, definition):
                raise DefinitionError(
                    f"{definition.ruleset_version}.yaml: field version: this version was "
                    "loaded before with different content; add a new version instead")
            stored.append(row)
    return stored


PROVIDER_NOT_IN_AREA = (
    "Choose a provider from the list: an intervention provider holding a contract with a PCC "
    "office that oversees your force")


class ProviderRefused(ValueError):
    """A provider setting the service will not record; the message names the field."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


def set_provider(*, actor: User, programme_code: str, provider: Organisation,
                 valid_from: date, valid_to: date | None) -> ProgrammeProvider:
    """A force's administrator records which provider delivers a programme for the force from
    `valid_from` (to `valid_to`, or open-ended).

    An open-ended setting that began earlier is ended the day before, so changing provider is
    one step and the earlier row stays as history; any other overlap is refused. Written with
    its processing-log rows (the setting names who recorded it) in one transaction."""
    force = actor.organisation
    if force is None or force.kind != OrganisationKind.POLICE_FORCE:
        raise PermissionDenied("only a police force's administrators set its providers")
    if programme_code not in dict(registry.choices()):
        raise ProviderRefused("programme_code", "Choose a programme from the list: no "
                                                f"programme file has the code {programme_code!r}")
    if not area_providers(actor).filter(pk=provider.pk).exists():
        raise ProviderRefused("provider", PROVIDER_NOT_IN_AREA)
    if valid_to is not None and valid_to < valid_from:
        raise ProviderRefused("valid_to", "The end date must be the same as or after the date "
                                          "from")
    name = registry.current(programme_code).name
    with transaction.atomic():
        # Lock the force's settings for the programme, so two administrators saving at once
        # cannot both pass the overlap check.
        existing = list(visible(actor, ProgrammeProvider).select_for_update()
                        .select_related("provider")
                        .filter(force_id=force.pk, programme_code=programme_code))
        end = valid_to or date.max
        clashes = [s for s in existing
                   if s.valid_from <= end and (s.valid_to or date.max) >= valid_from]
        ending = [s for s in clashes if s.valid_to is None and s.valid_from < valid_from]
        for other in clashes:
            if other not in ending:
                until = (f"to {other.valid_to:%-d %B %Y}" if other.valid_to
                         else "with no end date")
                raise ProviderRefused(
                    "valid_from",
                    f"The dates overlap the setting for {name} with {other.provider.name} "
                    f"from {other.valid_from:%-d %B %Y} {until}: one provider at a time "
                    "delivers a programme for the force")
        for other in ending:
            other.valid_to = valid_from - timedelta(days=1)
            other.save(update_fields=["valid_to"])
            record(actor=actor, operation=Operation.ALTERATION, obj=other,
                   subjects=[other],
                   justification=f"{force} ends referring {name} to {other.provider} on "
                                 f"{other.valid_to.isoformat()} (a new provider from "
                                 f"{valid_from.isoformat()})")
        setting = ProgrammeProvider.objects.create(
            force=force, programme_code=programme_code, provider=provider,
            valid_from=valid_from, valid_to=valid_to, recorded_by=actor)
        record(actor=actor, operation=Operation.COLLECTION, obj=setting, subjects=[setting],
               justification=f"{force} refers {name} to {provider} from "
                             f"{valid_from.isoformat()}"
                             + (f" to {valid_to.isoformat()}" if valid_to else ""))
    return setting


def list_settings(*, actor: User) -> list[ProgrammeProvider]:
    """The force's provider settings, history included; logged, as each names who recorded it."""
    with transaction.atomic():
        found = force_settings(actor)
        if found:
            record(actor=actor, operation=Operation.CONSULTATION, subjects=found,
                   justification="Programme providers: the force's settings and their history")
    return found
