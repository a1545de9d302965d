"""Public statistics: prepare, publish (frozen), public pages and downloads, and a scan for
anything identifying."""

from __future__ import annotations

import re

import pytest
from django.core.management import call_command
from django.urls import reverse

from diversion.accounts.roles import Role
from diversion.audit.models import ProcessingLog
from diversion.cases.models import Person
from diversion.commissioning.models import StatisticsRelease
from tests.commissioning.helpers import make_cases, make_contract, other_office, oversee, refresh

pytestmark = pytest.mark.django_db


@pytest.fixture
def filled(cast):
    oversee(cast)
    make_contract(cast)
    force = cast.orgs["force"]
    make_cases(cast, force, 20, status="completed")
    make_cases(cast, force, 3, status="referred", sex="F")
    refresh()
    return cast


def prepare(client, user, quarter="2026-04-01"):
    client.force_login(user)
    return client.post(reverse("commissioning:release_list"), {"quarter": quarter})


def publish(client, release):
    return client.post(reverse("commissioning:release_publish", args=[release.pk]))


def test_prepare_then_publish(filled, client):
    user = filled.users[Role.COMMISSIONER]
    response = prepare(client, user)
    release = StatisticsRelease.objects.get()
    assert response.status_code == 302 and release.status == "draft"
    # A draft is not public.
    assert client.get(reverse("statistics:release", args=[release.pk])).status_code == 404
    page = client.get(reverse("commissioning:release_detail", args=[release.pk])).content.decode()
    assert "Apr to Jun 2026" in page and "[c]" in page

    publish(client, release)
    release.refresh_from_db()
    assert release.status == "published" and release.published_by == user
    row = ProcessingLog.objects.get(operation="disclosure")
    assert row.recipient.startswith("the public") and row.object_id == str(release.pk)

    client.logout()
    listing = client.get(reverse("statistics:list")).content.decode()
    assert "Apr to Jun 2026" in listing
    public = client.get(reverse("statistics:release", args=[release.pk])).content.decode()
    assert "Referrals" in public and "[c]" in public
    assert "Numerator: people who completed." in public


def test_a_published_release_is_frozen(filled, client):
    user = filled.users[Role.COMMISSIONER]
    prepare(client, user)
    release = StatisticsRelease.objects.get()
    publish(client, release)
    frozen = release.snapshot
    make_cases(filled, filled.orgs["force"], 30, status="completed")
    refresh()
    response = prepare(client, user)
    assert response.status_code == 200
    assert "is published and cannot change" in response.content.decode()
    release.refresh_from_db()
    assert release.snapshot == frozen
    second = publish(client, release)
    assert second.status_code == 302
    assert ProcessingLog.objects.filter(operation="disclosure").count() == 1


def test_a_draft_can_be_refreshed(filled, client):
    user = filled.users[Role.COMMISSIONER]
    prepare(client, user)
    make_cases(filled, filled.orgs["force"], 10, status="completed")
    refresh()
    prepare(client, user)
    release = StatisticsRelease.objects.get()
    headline = {f["label"]: f["shown"] for f in release.snapshot["headline"]}
    assert headline["Completions"] == "30"


def test_the_snapshot_never_holds_a_small_count(filled, client):
    prepare(client, filled.users[Role.COMMISSIONER])
    snapshot = StatisticsRelease.objects.get().snapshot
    sex = next(t for t in snapshot["tables"] if t["key"] == "equality_sex")
    female = dict((label, values) for label, values in sex["rows"])["Female"]
    assert female[0] == "[c]" and female[1] == "[c]"
    for table in snapshot["tables"]:
        for _label, values in table["rows"]:
            assert all(v == "[c]" or v == 0 or v >= 5 for v in values)


def test_only_finished_quarters_can_be_released(filled, client):
    response = prepare(client, filled.users[Role.COMMISSIONER], quarter="2099-01-01")
    page = response.content.decode()
    assert "Choose a quarter that has ended" in page and 'href="#id_quarter"' in page
    assert not StatisticsRelease.objects.exists()


def test_public_downloads_are_logged(filled, client):
    prepare(client, filled.users[Role.COMMISSIONER])
    release = StatisticsRelease.objects.get()
    publish(client, release)
    client.logout()
    for fmt in ("csv", "xlsx"):
        response = client.get(reverse("statistics:export", args=[release.pk, "equality_sex",
                                                                 fmt]))
        assert response.status_code == 200
    rows = ProcessingLog.objects.filter(operation="disclosure").order_by("id")
    assert rows.count() == 3  # publication + two downloads
    assert "anonymous" in rows.last().recipient
    assert client.get(reverse("statistics:export",
                              args=[release.pk, "nothing", "csv"])).status_code == 404


def test_other_offices_cannot_see_or_publish_a_draft(filled, client):
    prepare(client, filled.users[Role.COMMISSIONER])
    release = StatisticsRelease.objects.get()
    client.force_login(other_office(filled))
    assert client.get(reverse("commissioning:release_detail",
                              args=[release.pk])).status_code == 404
    assert publish(client, release).status_code == 404
    release.refresh_from_db()
    assert release.status == "draft"


@pytest.mark.parametrize("role", [r for r in Role.values if r != Role.COMMISSIONER])
def test_other_roles_cannot_publish(filled, client, role):
    prepare(client, filled.users[Role.COMMISSIONER])
    release = StatisticsRelease.objects.get()
    client.force_login(filled.users[role])
    assert publish(client, release).status_code == 403


def _identifiers() -> set[str]:
    found = set()
    for p in Person.objects.all():
        found |= {p.given_name, p.family_name, f"{p.given_name} {p.family_name}",
                  p.date_of_birth.isoformat(), p.date_of_birth.strftime("%d/%m/%Y"),
                  p.date_of_birth.strftime("%-d %B %Y"), p.date_of_birth.strftime("%-d %b %Y")}
        if p.pnc_id:
            found.add(p.pnc_id)
        if p.postcode_district:
            found.add(p.postcode_district)
    return {value for value in found if value}


def test_public_page_dashboard_and_exports_reveal_no_identifiers(filled, client):
    call_command("demo_data", "--people", "40", "--quiet")  # the demo people too
    user = filled.users[Role.COMMISSIONER]
    prepare(client, user)
    release = StatisticsRelease.objects.get()
    publish(client, release)
    bodies = []
    query = {"from_quarter": "2026-04-01", "to_quarter": "2026-04-01"}
    bodies.append(client.get(reverse("commissioning:dashboard"), query).content)
    for key in ("quarters", "equality_sex", "equality_age_band", "equality_ethnic_group"):
        for fmt in ("csv", "xlsx"):
            bodies.append(client.get(reverse("commissioning:dashboard_export", args=[key, fmt]),
                                     query).content)
    client.logout()
    bodies.append(client.get(reverse("statistics:list")).content)
    bodies.append(client.get(reverse("statistics:release", args=[release.pk])).content)
    for key in ("quarters", "equality_sex", "equality_age_band", "equality_ethnic_group"):
        for fmt in ("csv", "xlsx"):
            bodies.append(client.get(reverse("statistics:export", args=[release.pk, key, fmt])
                                     ).content)
    import io
    import zipfile

    texts = []
    for body in bodies:
        if body[:2] == b"PK":  # an XLSX is a zip of XML parts: scan every part
            with zipfile.ZipFile(io.BytesIO(body)) as z:
                texts += [z.read(n).decode("utf-8", "replace") for n in z.namelist()]
        else:
            texts.append(body.decode("utf-8", "replace"))
    identifiers = _identifiers()
    assert len(identifiers) > 100
    hits = [value for value in identifiers for text in texts
            if re.search(r"(?<![\w/])" + re.escape(value) + r"(?![\w/])", text)]
    assert hits == []
