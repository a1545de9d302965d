"""Recording and changing contracts: validation, access and separation between offices."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse

from diversion.accounts.roles import Role
from diversion.commissioning.models import Contract
from tests.commissioning.helpers import make_contract, other_office
from tests.dates import with_date_inputs

pytestmark = pytest.mark.django_db
DATES = ("start_date", "end_date")


def post(cast, client, **changes):
    data = {"programme_code": "CARA", "provider": cast.orgs["provider"].pk,
            "start_date": "2026-04-01", "end_date": "2029-03-31", "annual_value": "125000",
            "target_referrals": "240", "target_starts": "200", "target_completions": "170",
            "target_days_to_first_contact": "14"}
    data.update(changes)
    client.force_login(cast.users[Role.COMMISSIONER])
    return client.post(reverse("commissioning:contract_create"),
                       with_date_inputs(data, *DATES))


def test_commissioner_records_a_contract(cast, client):
    response = post(cast, client)
    assert response.status_code == 302
    contract = Contract.objects.get()
    assert contract.commissioner_office == cast.orgs["pcc"]
    assert contract.annual_value == Decimal("125000")
    listing = client.get(reverse("commissioning:contract_list")).content.decode()
    assert "Test Provider" in listing and "125,000.00" in listing


@pytest.mark.parametrize(("changes", "field", "message"), [
    ({"annual_value": "-1"}, "annual_value", "The annual value cannot be negative"),
    ({"end_date": "2026-03-31"}, "end_date", "The end date must be the same as or after"),
    ({"start_date": "2026-02-30"}, "start_date", "The start date must be a real date"),
    ({"programme_code": ""}, "programme_code", "Choose the programme"),
    ({"provider": ""}, "provider", "Choose the provider"),
    ({"target_referrals": "-3"}, "target_referrals", "cannot be negative"),
    ({"target_starts": "many"}, "target_starts", "as a whole number"),
    ({"annual_value": "lots"}, "annual_value", "as a number of pounds"),
])
def test_bad_input_gets_an_error_summary_naming_the_field(cast, client, changes, field,
                                                          message):
    response = post(cast, client, **changes)
    assert response.status_code == 200
    page = response.content.decode()
    assert "There is a problem" in page
    assert f'href="#id_{field}"' in page
    assert message in page
    assert not Contract.objects.exists()
    # What was typed is kept.
    assert 'value="170"' in page


def test_overlapping_contract_for_the_same_programme_is_refused(cast, client):
    make_contract(cast, start_date=date(2025, 4, 1), end_date=date(2028, 3, 31))
    response = post(cast, client, start_date="2027-01-01", end_date="2029-12-31")
    page = response.content.decode()
    assert response.status_code == 200
    assert 'href="#id_start_date"' in page
    assert "The dates overlap your CARA contract with Test Provider" in page
    assert Contract.objects.count() == 1
    # Another programme on the same dates is fine; so is the same programme afterwards.
    assert post(cast, client, programme_code="JUNO").status_code == 302
    assert post(cast, client, start_date="2028-04-01", end_date="2030-03-31").status_code == 302


def test_another_office_may_hold_a_contract_on_the_same_dates(cast, client):
    other = other_office(cast)
    make_contract(cast)
    client.force_login(other)
    data = {"programme_code": "CARA", "provider": cast.orgs["provider"].pk,
            "start_date": "2025-04-01", "end_date": "2028-03-31", "annual_value": "1",
            "target_referrals": "1", "target_starts": "1", "target_completions": "1",
            "target_days_to_first_contact": "14"}
    assert client.post(reverse("commissioning:contract_create"),
                       with_date_inputs(data, *DATES)).status_code == 302


def test_edit_keeps_its_own_dates_and_refuses_a_clash(cast, client):
    contract = make_contract(cast)
    make_contract(cast, start_date=date(2028, 4, 1), end_date=date(2029, 3, 31))
    client.force_login(cast.users[Role.COMMISSIONER])
    url = reverse("commissioning:contract_edit", args=[contract.pk])
    data = {"programme_code": "CARA", "provider": cast.orgs["provider"].pk,
            "start_date": "2025-04-01", "end_date": "2028-03-31", "annual_value": "130000",
            "target_referrals": "240", "target_starts": "200", "target_completions": "170",
            "target_days_to_first_contact": "14"}
    assert client.post(url, with_date_inputs(data, *DATES)).status_code == 302
    contract.refresh_from_db()
    assert contract.annual_value == Decimal("130000")
    data["end_date"] = "2028-06-30"
    response = client.post(url, with_date_inputs(data, *DATES))
    assert response.status_code == 200 and "The dates overlap" in response.content.decode()
    contract.refresh_from_db()
    assert contract.end_date == date(2028, 3, 31)


def test_other_offices_contracts_are_invisible(cast, client):
    other = other_office(cast)
    contract = make_contract(cast)
    client.force_login(other)
    listing = client.get(reverse("commissioning:contract_list")).content.decode()
    assert "Test Provider" not in listing
    assert client.get(reverse("commissioning:contract_edit", args=[contract.pk])).status_code == 404


@pytest.mark.parametrize("role", [r for r in Role.values if r != Role.COMMISSIONER])
def test_other_roles_are_refused(cast, client, role):
    make_contract(cast)
    client.force_login(cast.users[role])
    for name in ("commissioning:dashboard", "commissioning:contract_list",
                 "commissioning:contract_create", "commissioning:unit_costs",
                 "commissioning:release_list"):
        assert client.get(reverse(name)).status_code == 403
    assert client.get(reverse("commissioning:dashboard_export",
                              args=["quarters", "csv"])).status_code == 403


def test_signed_out_users_are_sent_to_sign_in(client):
    response = client.get(reverse("commissioning:contract_list"))
    assert response.status_code == 302 and "/sign-in/" in response["Location"]
