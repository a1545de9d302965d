"""A force's data-sharing agreements: recorded and withdrawn by the force's administrators
only, each change logged; the history stays."""

from __future__ import annotations

from datetime import date

import pytest
from django.urls import reverse

from diversion.accounts.models import Organisation
from diversion.accounts.roles import OrganisationKind, Role
from diversion.administration.models import DataSharingAgreement
from diversion.audit.models import ProcessingLog, SecurityEvent
from tests.dates import with_date_inputs
from tests.factories import make_user
from tests.sharing import share

pytestmark = pytest.mark.django_db


def _form(cast, **changes) -> dict:
    data = {"receiver": cast.orgs["pcc"].pk, "agreed_by": "J. Smith, Data Protection Officer",
            "starts_on": "2026-01-01", "ends_on": "", "document_reference": "DSA-2026-001"}
    data.update(changes)
    return with_date_inputs(data, "starts_on", "ends_on")


def test_the_force_administrator_records_an_agreement_and_it_is_logged(cast, client):
    admin = cast.users[Role.ADMINISTRATOR]
    client.force_login(admin)
    form = client.get(reverse("administration:agreement_create")).content.decode()
    assert "Test PCC Office" in form and "Test Provider" not in form  # receivers only
    response = client.post(reverse("administration:agreement_create"), _form(cast))
    assert response.status_code == 302
    agreement = DataSharingAgreement.objects.get()
    assert (agreement.force, agreement.receiver) == (cast.orgs["force"], cast.orgs["pcc"])
    assert agreement.recorded_by == admin and agreement.ends_on is None
    row = ProcessingLog.objects.get(operation="collection")
    assert row.object_id == str(agreement.pk) and "DSA-2026-001" in row.justification
    page = client.get(reverse("administration:agreement_list")).content.decode()
    assert "J. Smith, Data Protection Officer" in page and "Open-ended" in page
    assert "In force" in page


def test_bad_input_is_refused_with_each_problem_named(cast, client):
    client.force_login(cast.users[Role.ADMINISTRATOR])
    page = client.post(reverse("administration:agreement_create"),
                       _form(cast, receiver=cast.orgs["provider"].pk, agreed_by="",
                             ends_on="2025-12-31", document_reference="")).content.decode()
    assert "Choose the receiving organisation" in page  # a provider cannot receive
    assert "Enter who agreed for the force" in page
    assert "Enter the reference of the signed agreement" in page
    assert "The end date must be on or after the date from" in page
    assert not DataSharingAgreement.objects.exists()


def test_only_a_police_force_records_agreements(cast, client):
    office_admin = make_user("pcc_admin", Role.ADMINISTRATOR, cast.orgs["pcc"])
    client.force_login(office_admin)
    assert client.get(reverse("administration:agreement_create")).status_code == 403
    assert client.post(reverse("administration:agreement_create"),
                       _form(cast)).status_code == 403
    assert not DataSharingAgreement.objects.exists()
    assert SecurityEvent.objects.filter(kind="access_denied").exists()


def test_withdrawal_by_the_force_administrator_keeps_the_history_and_is_logged(cast, client):
    agreement = share(cast.orgs["force"], cast.orgs["pcc"])
    client.force_login(cast.users[Role.ADMINISTRATOR])
    url = reverse("administration:agreement_withdraw", args=[agreement.pk])
    page = client.post(url, {"reason": ""}).content.decode()
    assert "Enter why the agreement is withdrawn" in page
    assert client.post(url, {"reason": "Agreement ended by the chief constable"}).status_code == 302
    agreement.refresh_from_db()
    assert agreement.withdrawn_at is not None
    assert agreement.withdrawn_by == cast.users[Role.ADMINISTRATOR]
    row = ProcessingLog.objects.get(operation="alteration")
    assert "withdrawn" in row.justification and "chief constable" in row.justification
    listing = client.get(reverse("administration:agreement_list")).content.decode()
    assert "Withdrawn" in listing and "Agreement ended by the chief constable" in listing


def test_another_organisations_administrator_cannot_see_or_withdraw_it(cast, client):
    agreement = share(cast.orgs["force"], cast.orgs["pcc"])
    url = reverse("administration:agreement_withdraw", args=[agreement.pk])
    client.force_login(cast.outsider_admin)  # another force
    assert client.get(url).status_code == 404
    assert client.post(url, {"reason": "not mine"}).status_code == 404
    listing = reverse("administration:agreement_list")
    assert "DSA/force/1" not in client.get(listing).content.decode()
    # the receiving office's administrator sees it, but cannot withdraw it
    client.force_login(make_user("pcc_admin", Role.ADMINISTRATOR, cast.orgs["pcc"]))
    assert "DSA/force/1" in client.get(listing).content.decode()
    assert client.post(url, {"reason": "not ours"}).status_code == 403
    agreement.refresh_from_db()
    assert agreement.withdrawn_at is None


def test_other_roles_are_refused(cast, client):
    for role in (Role.ANALYST, Role.COMMISSIONER, Role.DECISION_MAKER):
        client.force_login(cast.users[role])
        assert client.get(reverse("administration:agreement_list")).status_code == 403


def test_a_research_partner_can_receive_an_agreement(cast, client):
    partner = Organisation.objects.create(name="Regional Analysis Unit", code="rau",
                                          kind=OrganisationKind.RESEARCH_PARTNER)
    client.force_login(cast.users[Role.ADMINISTRATOR])
    response = client.post(reverse("administration:agreement_create"),
                           _form(cast, receiver=partner.pk, ends_on="2027-12-31"))
    assert response.status_code == 302
    assert DataSharingAgreement.objects.get().ends_on == date(2027, 12, 31)
