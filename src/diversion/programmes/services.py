"""Keep the stored programme versions in step with the definition files."""

from __future__ import annotations

import hashlib
import json

from django.db import transaction

from diversion.programmes import registry
from diversion.programmes.models import ProgrammeVersion
from diversion.programmes.registry import DefinitionError


def _checksum(data: dict) -> str:
    return hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest()


def sync_versions() -> list[ProgrammeVersion]:
    """Store every definition not yet stored; refuse a stored version whose file has changed."""
    stored = []
    with transaction.atomic():
        for definition in registry.all_definitions():
            data = definition.model_dump(mode="json")
            checksum = _checksum(data)
            row, created = ProgrammeVersion.objects.get_or_create(
                code=definition.code, version=definition.version,
                defaults={"name": definition.name, "definition": data, "checksum": checksum,
                          "trial_running": bool(definition.trial and definition.trial.running)})
            if not created and row.checksum != checksum:
                raise DefinitionError(
                    f"{definition.ruleset_version}.yaml: field version: this version was "
                    "loaded before with different content; add a new version instead")
            stored.append(row)
    return stored
