"""The victim worker's list of victims: pages of 50 and a search by name, own service only."""

from __future__ import annotations

from django.urls import reverse

from diversion.accounts.roles import Role
from diversion.audit.models import ProcessingLog
from tests.victims.helpers import make_victim


def test_victims_are_paged_and_found_by_name(cast, client):
    for n in range(51):
        make_victim(cast, family_name=f"Aardvark{n:02d}")
    wanted = make_victim(cast, given_name="Perpetua", family_name="Zyzzyva")
    client.force_login(cast.users[Role.VICTIM_WORKER])
    first = client.get(reverse("victims:home")).content.decode()
    assert "1 to 50 of 52" in first and "Zyzzyva" not in first
    second = client.get(reverse("victims:home"), {"page": "2"}).content.decode()
    assert "Zyzzyva" in second
    found = client.get(reverse("victims:home"), {"q": "perpetua zyz"}).content.decode()
    assert "matching your search: 1 in all" in found
    assert reverse("victims:victim", args=[wanted.pk]) in found
    log = ProcessingLog.objects.filter(
        justification="Victim worker's list of victims to contact (search)").latest("id")
    assert log is not None
    assert "No victims match your search" in client.get(
        reverse("victims:home"), {"q": "Nobody"}).content.decode()


def test_other_services_victims_are_never_found(cast, client):
    make_victim(cast, family_name="Sealedname")
    client.force_login(cast.outsider_admin)
    # An administrator of another organisation cannot open the victim worker's page at all.
    assert client.get(reverse("victims:home"), {"q": "Sealedname"}).status_code == 403
