"""The regional view: only forces with a data-sharing agreement in force, per force and
pooled, under the dashboard's disclosure control (attacked independently: no withheld count
can be recovered from a force's row, the pooled totals or the other table)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from diversion.accounts.models import Organisation
from diversion.accounts.roles import OrganisationKind, Role
from diversion.audit.models import ProcessingLog
from diversion.commissioning.models import DashboardAggregate
from tests.commissioning.helpers import oversee
from tests.disclosure_attack import MARKER, Published, recover, weak
from tests.factories import make_user
from tests.sharing import share

pytestmark = pytest.mark.django_db


def _force(name: str, code: str) -> Organisation:
    return Organisation.objects.create(name=name, code=code, kind=OrganisationKind.POLICE_FORCE)


def _cases(cast, force, programme="CARA", **by_status: int) -> None:
    for status, n in by_status.items():
        DashboardAggregate.objects.create(
            force=force, provider=cast.orgs["provider"], programme_code=programme,
            quarter_start=date(2026, 4, 1), status=status, sex="M", age_band="35 to 44",
            ethnic_group="White", count=n, computed_at=timezone.now())


def _page(client, user):
    client.force_login(user)
    response = client.get(reverse("commissioning:regional"))
    assert response.status_code == 200
    return response


def test_only_forces_with_an_agreement_in_force_are_shown_and_counted(cast, client):
    north, south = _force("Northshire Police", "north"), _force("Southshire Police", "south")
    _cases(cast, north, referred=40, completed=30)
    _cases(cast, south, referred=50, breached=20)
    _cases(cast, cast.outsider_org, referred=999)  # no agreement: never counted
    share(north, cast.orgs["pcc"], starts_on=date(2025, 6, 1))
    share(south, cast.orgs["pcc"], starts_on=date(2026, 2, 1))
    share(cast.outsider_org, cast.orgs["pcc"], starts_on=timezone.localdate() + timedelta(days=9))
    page = _page(client, cast.users[Role.COMMISSIONER]).content.decode()
    assert "2 forces included, sharing since 1 June 2025" in page
    assert "Northshire Police" in page and "Southshire Police" in page
    assert "Other Force" not in page and "999" not in page
    assert ">140<" in page  # pooled cases recorded: 40 + 30 + 50 + 20
    assert ProcessingLog.objects.filter(operation="consultation",
                                        justification__startswith="Regional view").exists()


def test_a_withdrawn_agreement_stops_the_force_showing_at_once(cast, client):
    north = _force("Northshire Police", "north")
    _cases(cast, north, referred=40)
    agreement = share(north, cast.orgs["pcc"])
    assert "Northshire Police" in _page(client, cast.users[Role.COMMISSIONER]).content.decode()
    admin = make_user("north_admin", Role.ADMINISTRATOR, north)
    client.force_login(admin)
    client.post(reverse("administration:agreement_withdraw", args=[agreement.pk]),
                {"reason": "Withdrawn by the force"})
    page = _page(client, cast.users[Role.COMMISSIONER]).content.decode()
    assert "Northshire Police" not in page and "0 forces included" in page


def test_an_ended_agreement_and_an_overseen_force_without_one_are_absent(cast, client):
    oversee(cast)  # the office oversees Test Force, which has not agreed to share regionally
    _cases(cast, cast.orgs["force"], referred=40)
    north = _force("Northshire Police", "north")
    _cases(cast, north, referred=40)
    share(north, cast.orgs["pcc"], starts_on=date(2024, 1, 1), ends_on=date(2025, 1, 1))
    page = _page(client, cast.users[Role.COMMISSIONER]).content.decode()
    assert "0 forces included" in page and "Test Force" not in page


def test_research_partner_analysts_see_forces_sharing_with_them_only(cast, client):
    partner = Organisation.objects.create(name="Regional Analysis Unit", code="rau",
                                          kind=OrganisationKind.RESEARCH_PARTNER)
    analyst = make_user("rau_analyst", Role.ANALYST, partner)
    north, south = _force("Northshire Police", "north"), _force("Southshire Police", "south")
    _cases(cast, north, referred=40)
    _cases(cast, south, referred=40)
    share(north, partner)
    share(south, cast.orgs["pcc"])  # to the PCC office, not the partner
    page = _page(client, analyst).content.decode()
    assert "1 force included" in page and "Northshire Police" in page
    assert "Southshire Police" not in page
    # a force's own analyst receives nothing; other roles are refused
    assert "0 forces included" in _page(client, cast.users[Role.ANALYST]).content.decode()
    client.force_login(cast.users[Role.DECISION_MAKER])
    assert client.get(reverse("commissioning:regional")).status_code == 403


def _published(table: dict) -> Published:
    def number(v):
        return v if v == MARKER else int(str(v).replace(",", ""))
    grid = [[number(v) for v in values] for _, values in table["rows"]]
    grid.append([number(v) for v in table["total"][1]])
    return Published(grid, row_totals=table["columns"][-1] == "Total")


def _known(tables: dict[str, Published], programmes: int) -> list:
    """What a reader knows, written apart from the code under test: in each force's row and
    the pooled row, referrals are among cases, completions and breaches among referrals; the
    programme table's row totals are the forces' referrals (and its grand total the pooled)."""
    known = []
    stages = tables["regional_stages"].grid
    for i in range(len(stages)):
        known += [(("regional_stages", i, 1), "<=", ("regional_stages", i, 0)),
                  (("regional_stages", i, 2), "<=", ("regional_stages", i, 1)),
                  (("regional_stages", i, 3), "<=", ("regional_stages", i, 1)),
                  (("regional_referrals", i, programmes), "==", ("regional_stages", i, 1))]
    return known


@pytest.mark.parametrize("small", [1, 2, 3, 4])
def test_no_withheld_count_can_be_recovered_across_forces_and_tables(cast, client, small):
    # A small force's few breaches and JUNO referrals, beside a large force: the pooled totals
    # minus the large force's row would give them away unless more is withheld.
    north, south = _force("Northshire Police", "north"), _force("Southshire Police", "south")
    _cases(cast, north, referred=60, completed=45, breached=small)
    _cases(cast, north, "JUNO", referred=small)
    _cases(cast, south, referred=30, completed=25, breached=9)
    _cases(cast, south, "JUNO", referred=12, not_referred=7)
    share(north, cast.orgs["pcc"])
    share(south, cast.orgs["pcc"])
    response = _page(client, cast.users[Role.COMMISSIONER])
    tables = {t.key: _published(t.to_json()) for t in response.context["regional"].tables}
    assert MARKER in str(tables["regional_stages"].grid)  # something is withheld
    found = recover(tables, _known(tables, programmes=2))
    assert found and weak(found, 5) == {}, weak(found, 5)
