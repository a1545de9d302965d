"""Unit costs: the Home Office defaults, editable, each change a new version."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse

from diversion.accounts.roles import Role
from diversion.commissioning import selectors
from diversion.commissioning.models import UnitCostVersion
from tests.commissioning.helpers import other_office, oversee

pytestmark = pytest.mark.django_db


def save(client, **changes):
    data = {"da_victim_cost": "36500", "price_year": "2022/23",
            "source": "Home Office 2019, inflated with the GDP deflator", "note": ""}
    data.update(changes)
    return client.post(reverse("commissioning:unit_costs"), data)


def test_defaults_state_source_and_price_year(cast, client):
    client.force_login(cast.users[Role.COMMISSIONER])
    page = client.get(reverse("commissioning:unit_costs")).content.decode()
    assert "34015" in page and "2016/17" in page
    assert "economic and social costs of domestic abuse" in page.lower()
    costs = selectors.current_unit_costs(cast.users[Role.COMMISSIONER])
    assert costs.number is None and costs.da_victim_cost == Decimal("34015.00")


def test_each_save_is_a_new_version_and_the_old_one_stays(cast, client):
    user = cast.users[Role.COMMISSIONER]
    client.force_login(user)
    assert save(client).status_code == 302
    assert save(client, da_victim_cost="37000", price_year="2023/24").status_code == 302
    versions = list(UnitCostVersion.objects.order_by("number"))
    assert [(v.number, v.da_victim_cost, v.price_year) for v in versions] == [
        (1, Decimal("36500.00"), "2022/23"), (2, Decimal("37000.00"), "2023/24")]
    assert selectors.current_unit_costs(user).number == 2
    oversee(cast)
    board = selectors.dashboard(user, selectors.Filters(date(2026, 4, 1), date(2026, 6, 30)))
    benefit = next(f for f in board.money if f.label == "Benefit–cost estimate (CARA)")
    assert "£37,000.00" in benefit.numerator and "2023/24" in benefit.numerator


@pytest.mark.parametrize(("changes", "field", "message"), [
    ({"da_victim_cost": "-5"}, "da_victim_cost", "The cost cannot be negative"),
    ({"da_victim_cost": ""}, "da_victim_cost", "Enter the cost per victim"),
    ({"price_year": "2022"}, "price_year", "Enter the price year as a financial year"),
    ({"price_year": "2022/25"}, "price_year", "Enter the price year as a financial year"),
    ({"source": ""}, "source", "Enter where the figures come from"),
])
def test_bad_costs_are_refused(cast, client, changes, field, message):
    client.force_login(cast.users[Role.COMMISSIONER])
    response = save(client, **changes)
    page = response.content.decode()
    assert response.status_code == 200 and message in page and f'href="#id_{field}"' in page
    assert not UnitCostVersion.objects.exists()


def test_versions_belong_to_one_office(cast, client):
    client.force_login(cast.users[Role.COMMISSIONER])
    save(client)
    other = other_office(cast)
    assert selectors.current_unit_costs(other).number is None
    client.force_login(other)
    save(client, da_victim_cost="1")
    assert sorted(UnitCostVersion.objects.values_list("number", flat=True)) == [1, 1]
