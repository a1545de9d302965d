"""Stored programme versions: a new optional field in the schema does not make every stored
version look changed, while a real change to a version's content is still refused."""

from __future__ import annotations

import hashlib
import json

import pytest

from diversion.programmes import registry
from diversion.programmes.models import ProgrammeVersion
from diversion.programmes.registry import DefinitionError
from diversion.programmes.services import sync_versions


def _legacy(data: dict) -> str:  # how fingerprints were made before: defaults included
    return hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest()


@pytest.mark.django_db
def test_a_version_stored_before_a_new_optional_field_still_loads():
    sync_versions()
    cara = registry.current("cara")
    row = ProgrammeVersion.objects.get(code="cara", version=cara.version)
    # As an older release stored it: without a field the schema has since gained (at its
    # default), fingerprinted the old way.
    older = dict(row.definition)
    older.pop("one_to_ones", None)
    older.pop("single_group_headline", None)
    ProgrammeVersion.objects.filter(pk=row.pk).update(definition=older, checksum=_legacy(older))
    sync_versions()  # no DefinitionError
    row.refresh_from_db()
    assert row.checksum != _legacy(older)  # re-fingerprinted once


@pytest.mark.django_db
def test_a_changed_version_is_still_refused():
    sync_versions()
    cara = registry.current("cara")
    row = ProgrammeVersion.objects.get(code="cara", version=cara.version)
    changed = dict(row.definition, default_deadline_weeks=row.definition[
        "default_deadline_weeks"] + 1)
    ProgrammeVersion.objects.filter(pk=row.pk).update(definition=changed,
                                                      checksum=_legacy(changed))
    with pytest.raises(DefinitionError, match="loaded before with different content"):
        sync_versions()
