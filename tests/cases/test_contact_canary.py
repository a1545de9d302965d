"""Proof that the cautioned person's contact details reach only the police of their force and
the provider delivering their open referral (security.md 2, 3).

Distinctive canaries (a drama phone number, an address, an email, notes) go into the contact
details of a person with an open referral and of a person whose programme is completed. Every
role that must not see them crawls every page reachable from their home and requests every URL
pattern with real ids filled in, by GET and by POST; the API's reads are asked as every role's
client. 0 hits anywhere. The police and the home provider are the positive controls.
"""

from __future__ import annotations

import re

import pytest
from django.urls import get_resolver, reverse

from diversion.accounts.models import Organisation
from diversion.accounts.roles import OrganisationKind, Role
from diversion.cases import services
from diversion.cases.models import Case, Person, PersonContact
from diversion.disposals.models import Referral
from tests.api.helpers import Api, api_client
from tests.delivery.helpers import referred_case
from tests.factories import make_user
from tests.victims.test_canary import _combos, _crawl, _routes

pytestmark = pytest.mark.django_db

OPEN = {"phone": "+44 7700 900987", "email": "zqopenmail@example.org",
        "address": "1 Zqopenaddress Row\nSouthampton", "postcode": "SO14 7ZZ",
        "safe_methods": ["call", "email"], "notes": "zqopennotes avoid mornings"}
DONE = {"phone": "+44 7700 900876", "email": "zqdonemail@example.org",
        "address": "2 Zqdoneaddress Row\nPortsmouth", "postcode": "PO1 2ZZ",
        "safe_methods": ["letter"], "notes": "zqdonenotes"}
# What a page could show of them: the canary words and the phone in the usual spellings.
OPEN_MARKS = ("zqopen", "7700 900987", "7700900987", "SO14 7ZZ")
DONE_MARKS = ("zqdone", "7700 900876", "7700900876", "PO1 2ZZ")


def _seed(cast) -> tuple[Case, Case]:
    officer = cast.users[Role.DECISION_MAKER]
    open_case = referred_case(cast, status="in_progress")
    done_case = referred_case(cast, status="in_progress")
    services.save_contact_details(officer, open_case, **OPEN)
    services.save_contact_details(officer, done_case, **DONE)
    Case.objects.filter(pk=done_case.pk).update(status="completed")
    return open_case, done_case


def _hits(body: str, marks) -> list[str]:
    lowered = body.lower()
    return [mark for mark in marks if mark.lower() in lowered]


def _urls() -> list[str]:
    ids = set()
    for model in (Case, Person, PersonContact, Referral):
        ids.update(model.objects.values_list("pk", flat=True))
    ids = sorted(ids)
    pairs = set(Case.objects.values_list("pk", "person_id"))
    urls = []
    for route in _routes(get_resolver().url_patterns):
        if route.startswith("/api/"):
            continue  # asked below with tokens
        params = re.findall(r"<(?:\w+:)?(\w+)>", route)
        for combo in _combos(ids, len(params), pairs):
            url = route
            for value in combo:
                url = re.sub(r"<(?:\w+:)?\w+>", str(value), url, count=1)
            urls.append(url)
    return urls


def _must_not_see(cast) -> list:
    other = Organisation.objects.create(name="Other Provider", code="other-provider",
                                        kind=OrganisationKind.PROVIDER)
    return [cast.users[role] for role in (Role.ANALYST, Role.COMMISSIONER, Role.VICTIM_WORKER,
                                          Role.ADMINISTRATOR, Role.AUDITOR)] + [
        cast.outsider_officer, cast.outsider_admin,
        make_user("other_facilitator", Role.FACILITATOR, other),
        make_user("other_manager", Role.PROVIDER_MANAGER, other)]


SHARDS = 2


@pytest.mark.parametrize("shard", range(SHARDS))
def test_contact_canaries_reach_no_role_that_must_not_see_them(cast, client, shard):
    open_case, done_case = _seed(cast)
    # Positive controls: the crawl would find a leak.
    client.force_login(cast.users[Role.DECISION_MAKER])
    police = client.get(reverse("cases:contact", args=[open_case.pk])).content.decode()
    assert _hits(police, OPEN_MARKS)
    client.force_login(cast.users[Role.FACILITATOR])
    provider = _crawl(client, "/")
    assert reverse("delivery:case", args=[open_case.pk]) in provider
    assert _hits("".join(provider.values()), OPEN_MARKS)
    # ...while the home provider never sees the completed person's details.
    provider["the completed case"] = client.get(
        reverse("delivery:case", args=[done_case.pk])).content.decode()
    assert [where for where, body in provider.items() if _hits(body, DONE_MARKS)] == []

    urls = _urls()
    hits: list[str] = []
    for user in _must_not_see(cast)[shard::SHARDS]:
        client.force_login(user)
        pages = _crawl(client, "/")
        for url in urls:
            pages[f"GET {url}"] = client.get(url).content.decode(errors="replace")
            pages[f"POST {url}"] = client.post(url, {}).content.decode(errors="replace")
        hits += [f"{user.username} {where}: {found}" for where, body in pages.items()
                 if (found := _hits(body, OPEN_MARKS + DONE_MARKS))]
    assert hits == []


def test_contact_canaries_in_no_api_response(cast):
    """The API is unchanged: no endpoint, for any role's client, returns the details."""
    open_case, done_case = _seed(cast)
    reads = ["/api/v1/police/cases/", "/api/v1/provider/referrals/",
             reverse("api:schema")]
    for case in (open_case, done_case):
        reads += [f"/api/v1/police/cases/{case.reference}/",
                  f"/api/v1/provider/referrals/{case.reference}/"]
    for role in (Role.DECISION_MAKER, Role.FACILITATOR, Role.PROVIDER_MANAGER, Role.ANALYST,
                 Role.COMMISSIONER):
        api = Api(api_client(cast, role)[1])
        for path in reads:
            body = api.get(path).content.decode(errors="replace")
            assert _hits(body, OPEN_MARKS + DONE_MARKS) == [], (role, path)
    provider = Api(api_client(cast, Role.FACILITATOR, name="second")[1])
    assert provider.get(f"/api/v1/provider/referrals/{open_case.reference}/").status_code == 200
