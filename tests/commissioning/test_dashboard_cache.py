"""The dashboard's rendering is cached per office, filters and version of its inputs: a repeat
view reuses it, and any change to what the figures come from shows at once."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse

from diversion.accounts.models import Organisation
from diversion.accounts.roles import OrganisationKind, Role
from diversion.commissioning import selectors
from diversion.commissioning.models import CommissionedForce, UnitCostVersion
from tests.commissioning.helpers import make_cases, make_contract, oversee, refresh
from tests.commissioning.test_reoffending import make_run

pytestmark = pytest.mark.django_db

Q2 = {"from_quarter": "2026-04-01", "to_quarter": "2026-04-01", "programme": "CARA"}


@pytest.fixture
def page(cast, client):
    oversee(cast)
    make_cases(cast, cast.orgs["force"], 6, status="completed")
    refresh()
    client.force_login(cast.users[Role.COMMISSIONER])
    return lambda: client.get(reverse("commissioning:dashboard"), Q2).content.decode()


def test_a_repeat_view_reuses_the_rendering(page, client, monkeypatch):
    page()
    calls = []
    real = selectors.dashboard
    monkeypatch.setattr(selectors, "dashboard", lambda *a: calls.append(a) or real(*a))
    assert ">6</td>" in page()
    assert calls == []
    # Other filters are another rendering.
    client.get(reverse("commissioning:dashboard"), {**Q2, "programme": "JUNO"})
    assert len(calls) == 1


def test_a_recount_shows_at_once(page, cast):
    assert ">6</td>" in page()
    make_cases(cast, cast.orgs["force"], 3, status="completed")
    refresh()
    assert ">9</td>" in page()


def test_a_new_or_changed_contract_shows_at_once(page, cast):
    assert "£31,164.38" not in page()
    contract = make_contract(cast)
    assert "£31,164.38" in page()
    contract.annual_value = Decimal("250000")
    contract.save()
    assert "£62,328.77" in page()


def test_new_unit_costs_show_at_once(page, cast):
    assert "£34,015.00" in page()
    UnitCostVersion.objects.create(commissioner_office=cast.orgs["pcc"], number=1,
                                   price_year="2023/24", source="test",
                                   da_victim_cost=Decimal("41000"))
    assert "£41,000.00" in page() and "2023/24" in page()


def test_a_completed_evaluation_run_shows_at_once(page, cast):
    assert "No evaluation run for CARA in Test Force has been signed off" in page()
    make_run(cast)
    html = page()
    assert "No evaluation run for CARA in Test Force has been signed off" not in html
    assert "Reoffended within 12 months: treatment group" in html


def test_overseeing_another_force_shows_at_once(page, cast):
    assert ">6</td>" in page()
    second = Organisation.objects.create(name="Second Force", code="second",
                                         kind=OrganisationKind.POLICE_FORCE)
    make_cases(cast, second, 5, status="completed")
    refresh()
    assert ">6</td>" in page()  # a force the office does not oversee
    CommissionedForce.objects.create(commissioner_office=cast.orgs["pcc"], force=second)
    assert ">11</td>" in page()


def test_a_new_disclosure_threshold_shows_at_once(page, settings):
    assert ">6</td>" in page()
    settings.DISCLOSURE_THRESHOLD = 10
    assert ">6</td>" not in page()
