"""Keep the stored programme versions in step with the definition files."""

from __future__ import annotations

import hashlib
import json

from django.db import transaction

from diversion.programmes import registry
from diversion.programmes.models import ProgrammeVersion
from diversion.programmes.registry import DefinitionError
from diversion.programmes.schema import ProgrammeDefinition


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
