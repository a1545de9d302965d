"""The trial manager's allocation log: pseudonymised rows of the analyst's own force, the
sequence check (and that it catches a tampered allocation), the CSV, and who may open it."""

from __future__ import annotations

import csv
import io

import pytest
from django.db import connection
from django.urls import reverse

from diversion.accounts.roles import Role
from diversion.audit.models import ProcessingLog
from diversion.core.pseudonyms import person_pseudonym
from diversion.programmes import registry
from diversion.trials import services
from diversion.trials.models import TrialAllocation
from tests.cases.helpers import make_case
from tests.factories import make_user

TRIAL = "cara-trial-1"


def _allocate(cast, n: int) -> list[TrialAllocation]:
    definition = registry.current("cara")
    out = []
    for _ in range(n):
        case = make_case(cast, status="consulted")
        allocation, _new = services.allocate(
            actor=cast.users[Role.DECISION_MAKER], case=case, trial=definition.trial,
            programme_version=definition.version, facts={"dash_risk": case.dash_risk})
        out.append(allocation)
    return out


@pytest.fixture
def analyst(cast, client):
    client.force_login(cast.users[Role.ANALYST])
    return client


def test_the_log_lists_pseudonymised_allocations_and_the_check_passes(cast, analyst):
    from django.db import transaction

    with transaction.atomic():
        allocations = _allocate(cast, 7)
    listing = analyst.get(reverse("trials:list")).content.decode()
    assert reverse("trials:log", args=[TRIAL]) in listing
    page = analyst.get(reverse("trials:log", args=[TRIAL])).content.decode()
    assert "As sequenced" in page and "Check failed" not in page
    assert "7 in all, newest first" in page
    first = allocations[0]
    assert person_pseudonym(first.case.person_id) in page
    assert first.case.person.family_name not in page and first.case.reference not in page
    log = (ProcessingLog.objects.filter(justification__startswith="Trial allocation log")
           .latest("id"))
    assert {s["id"] for s in log.subjects} == {str(a.case.person_id) for a in allocations}


def test_the_csv_is_pseudonymised_and_its_download_is_recorded(cast, analyst):
    from django.db import transaction

    with transaction.atomic():
        allocations = _allocate(cast, 3)
    response = analyst.get(reverse("trials:log_csv", args=[TRIAL]))
    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0][0] == "Sequence number" and len(rows) == 4
    assert [r[5] for r in rows[1:]] == [a.arm for a in allocations]
    assert ProcessingLog.objects.filter(operation="disclosure",
                                        justification__contains="downloaded as CSV").exists()


@pytest.mark.postgres
def test_the_check_catches_an_allocation_changed_behind_the_log(cast, analyst):
    """Someone with database access swaps an arm (the append-only trigger stops the ORM and
    plain UPDATEs, so the tamperer turns triggers off): the page says the check failed."""
    from django.db import transaction

    with transaction.atomic():
        allocations = _allocate(cast, 4)
    victim = allocations[1]
    other_arm = "control" if victim.arm == "workshop" else "workshop"
    table = TrialAllocation._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute("SET session_replication_role = replica")
        cursor.execute(f"UPDATE {table} SET arm = %s WHERE id = %s", [other_arm, victim.pk])
        cursor.execute("SET session_replication_role = DEFAULT")
    page = analyst.get(reverse("trials:log", args=[TRIAL])).content.decode()
    assert "Check failed" in page and "1 not as sequenced" in page


def test_the_check_counts_without_revealing_the_sequence(cast):
    from django.db import transaction

    from diversion.trials.log import sequence_check

    with transaction.atomic():
        _allocate(cast, 5)
    checks = sequence_check(TRIAL)
    assert sum(c.allocations for c in checks) == 5 and all(c.ok for c in checks)


@pytest.mark.parametrize("role", [Role.DECISION_MAKER, Role.FACILITATOR, Role.VICTIM_WORKER,
                                  Role.COMMISSIONER])
def test_only_analysts_may_open_the_log(cast, client, role):
    client.force_login(cast.users[role])
    assert client.get(reverse("trials:log", args=[TRIAL])).status_code == 403
    assert client.get(reverse("trials:log_csv", args=[TRIAL])).status_code == 403


def test_another_forces_analyst_sees_the_check_but_no_rows(cast, client):
    from django.db import transaction

    with transaction.atomic():
        allocations = _allocate(cast, 2)
    outsider = make_user("outsider_analyst", Role.ANALYST, cast.outsider_org)
    client.force_login(outsider)
    page = client.get(reverse("trials:log", args=[TRIAL])).content.decode()
    assert "Your organisation has no allocations in this trial yet" in page
    assert person_pseudonym(allocations[0].case.person_id) not in page
    assert client.get(reverse("trials:log", args=["no-such-trial"])).status_code == 404
