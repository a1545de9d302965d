"""The provider's lists: the referral queue and the cases in delivery come in pages of 50, and
cases in delivery can be searched by reference or name (only the provider's own)."""

from __future__ import annotations

from django.urls import reverse

from diversion.accounts.roles import Role
from tests.delivery.helpers import referred_case


def test_queue_and_cases_in_delivery_are_paged_and_searchable(cast, client):
    waiting = [referred_case(cast, status="referred") for _ in range(52)]
    delivering = [referred_case(cast) for _ in range(3)]
    client.force_login(cast.users[Role.FACILITATOR])
    home = client.get(reverse("delivery:home")).content.decode()
    assert "Waiting for first contact: 1 to 50 of 52, oldest first" in home
    assert f">{waiting[0].reference}<" in home and f">{waiting[-1].reference}<" not in home
    assert "3 in all, earliest deadline first" in home
    second = client.get(reverse("delivery:home"), {"queue_page": "2"}).content.decode()
    assert f">{waiting[-1].reference}<" in second
    wanted = delivering[1]
    found = client.get(reverse("delivery:home"),
                       {"q": wanted.person.given_name}).content.decode()
    assert "1 in all, earliest deadline first" in found
    assert f"{wanted.reference}: {wanted.person.given_name}" in found
    none = client.get(reverse("delivery:home"), {"q": "Nobody-Here"}).content.decode()
    assert "No cases in delivery match your search" in none
    long = client.get(reverse("delivery:home"), {"q": "y" * 101})
    assert long.status_code == 400 and "100 characters" in long.content.decode()
