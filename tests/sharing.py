"""Data-sharing agreements for tests: a force sharing with an office, as its administrator
would record it (directly, for tests that are not about the recording page)."""

from __future__ import annotations

from datetime import date

from diversion.accounts.models import Organisation
from diversion.accounts.roles import Role
from diversion.administration.models import DataSharingAgreement
from tests.factories import make_user


def share(force: Organisation, receiver: Organisation, *, starts_on: date = date(2025, 1, 1),
          ends_on: date | None = None) -> DataSharingAgreement:
    admin = force.users.filter(role=Role.ADMINISTRATOR).first() or make_user(
        f"admin_{force.code}", Role.ADMINISTRATOR, force)
    return DataSharingAgreement.objects.create(
        force=force, receiver=receiver, agreed_by="A. Officer, Data Protection Officer",
        starts_on=starts_on, ends_on=ends_on, document_reference=f"DSA/{force.code}/1",
        recorded_by=admin)
