"""Proof that victims' details never leave the victim service (security.md 2, 3, 4).

Unique canary strings go into every victim field. Then every other role (and a victim worker
of another service) signs in, crawls every page reachable from their home, and requests every
URL pattern with the ids of real objects filled in, by GET and by POST: 0 hits anywhere,
including error pages and the emails the app sent.
"""

from __future__ import annotations

import itertools
import re
from urllib.parse import urljoin, urlparse

import pytest
from django.core import mail
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from diversion.accounts.models import Organisation
from diversion.accounts.roles import OrganisationKind, Role
from diversion.victims import services
from diversion.victims.models import (
    CONTACT_FIELDS,
    CaseVictim,
    Consultation,
    ContactLogEntry,
    Disclosure,
    FollowUp,
    InformationEvent,
    SafeguardingAlert,
    Victim,
)
from tests.factories import make_user
from tests.victims.helpers import home_case

CANARY = "zqcanary"
HREF = re.compile(r'(?:href|action)="([^"#]+)')


def _canary(name: str) -> str:
    return f"{CANARY}{name.replace('_', '')}"


def _seed(cast, capture) -> dict:
    worker = cast.users[Role.VICTIM_WORKER]
    case = home_case(cast, "TF-CANARY")
    victim = services.create_victim(worker, given_name=_canary("given"),
                                    family_name=_canary("family"))
    contact = {name: _canary(name) for name in CONTACT_FIELDS}
    contact.update(perpetrator_knows_address="yes", refuge_status="in_refuge",
                   phone="+44 7700 900555", postcode="SO14 7LP")
    services.update_contact_details(worker, victim, contact)
    services.link_case(worker, victim, case, relationship="current_partner")
    today = timezone.localdate()
    with capture(execute=True):
        services.save_consultation(worker, victim=victim, case=case, complete=True, values={
            "views": _canary("views"), "consents_to_programme": True, "risk_raised": True,
            "risk_details": _canary("riskdetails"), "dash_level": "medium",
            "outcome": "supports", "marac_referral": True, "idva_referral": True})
        services.raise_alert(worker, victim=victim, case=case, urgent=True,
                             details=_canary("alertdetails"))
    services.save_consultation(worker, victim=victim, case=case, complete=False,
                               values={"views": _canary("draftviews")})
    services.add_contact(worker, victim, contacted_on=today, method="phone", outcome="spoke",
                         notes=_canary("contactnotes"))
    services.record_follow_up(worker, victim=victim, case=case, point="3_months",
                              contacted_on=today, still_in_contact="yes", change="positive",
                              own_words=_canary("ownwords"))
    services.record_information(worker, victim=victim, case=case, kind="decision",
                                told_on=today)
    # The recipient and reason of a disclosure belong in the log by law (s.62), so they carry
    # no canary; what was disclosed does.
    services.record_disclosure(worker, victim, recipient="DS Example",
                               recipient_organisation="Test Force", what=_canary("what"),
                               reason="Safeguarding duty")
    return {"case": case, "victim": victim}


def _routes(patterns, prefix=""):
    for entry in patterns:
        if isinstance(entry, URLResolver):
            yield from _routes(entry.url_patterns, prefix + str(entry.pattern))
        elif isinstance(entry, URLPattern):
            yield "/" + prefix + str(entry.pattern)


def _combos(ids: list[int], slots: int, pairs: set[tuple[int, int]]) -> set[tuple[int, ...]]:
    """Every id in every slot. All combinations while they are few (SQLite restarts ids per
    test); on PostgreSQL sequences run on across tests, so the tables' ids differ and the full
    product would be thousands of URLs: then each id in each slot with the other slots held at
    an id of a real victim or case, plus the real (victim, case) pairs."""
    if len(ids) ** slots <= 64:
        return set(itertools.product(ids, repeat=slots))
    anchors = {ids[0], *(v for pair in pairs for v in pair)}
    combos: set[tuple[int, ...]] = set()
    for slot in range(slots):
        for anchor in anchors:
            combos.update(tuple(value if i == slot else anchor for i in range(slots))
                          for value in ids)
    if slots == 2:
        combos.update(pairs)
    return combos


def _urls_with_real_ids() -> list[str]:
    ids = set()
    for model in (Victim, CaseVictim, Consultation, ContactLogEntry, FollowUp,
                  SafeguardingAlert, InformationEvent, Disclosure):
        ids.update(model.objects.values_list("pk", flat=True))
    ids.update(CaseVictim.objects.values_list("case_id", flat=True))
    ids = sorted(ids)
    pairs = set(CaseVictim.objects.values_list("victim_id", "case_id"))
    urls = []
    for route in _routes(get_resolver().url_patterns):
        params = re.findall(r"<(?:\w+:)?(\w+)>", route)
        for combo in _combos(ids, len(params), pairs):
            url = route
            for value in combo:
                url = re.sub(r"<(?:\w+:)?\w+>", str(value), url, count=1)
            urls.append(url)
    return urls


def _crawl(client, start: str, limit: int = 150) -> dict[str, str]:
    seen: dict[str, str] = {}
    queue = [start]
    while queue and len(seen) < limit:
        url = queue.pop(0)
        if url in seen or url.startswith("/assets/") or "sign-out" in url:
            continue
        response = client.get(url, follow=True)
        seen[url] = response.content.decode(errors="replace")
        for link in HREF.findall(seen[url]):
            target = urljoin(url, link.replace("&amp;", "&"))
            if not urlparse(target).netloc and target not in seen:
                queue.append(target)
    return seen


def _others(cast) -> list:
    other_service = Organisation.objects.create(name="Other Victim Service", code="ovs",
                                                kind=OrganisationKind.VICTIM_SERVICE)
    users = [user for role, user in cast.users.items() if role != Role.VICTIM_WORKER]
    users += [cast.outsider_admin, cast.outsider_officer,
              make_user("other_vw", Role.VICTIM_WORKER, other_service),
              make_user("vs_auditor", Role.AUDITOR, cast.orgs["victim_service"]),
              make_user("vs_admin", Role.ADMINISTRATOR, cast.orgs["victim_service"])]
    return users


EXTRA = ["/audit/?purpose=lawfulness", "/audit/?purpose=lawfulness&operation=consultation",
         "/audit/security/?purpose=lawfulness", "/victims/99999/", "/no-such-page/"]


SHARDS = 3  # the crawl is the suite's longest test: split it so parallel workers share it


@pytest.mark.parametrize("shard", range(SHARDS))
def test_canaries_reach_no_other_role(cast, client, django_capture_on_commit_callbacks, shard,
                                      run_worker):
    _seed(cast, django_capture_on_commit_callbacks)
    run_worker()  # the task worker sends the queued emails
    # Positive control: the victim worker does see them, so the crawl would find a leak.
    client.force_login(cast.users[Role.VICTIM_WORKER])
    own = "".join(_crawl(client, "/").values())
    for name in ("given", "family", "views", "riskdetails", "contactnotes", "ownwords",
                 "alertdetails", "what"):
        assert _canary(name) in own, name
    assert len(mail.outbox) == 2  # the police decision maker's alert emails
    urls = _urls_with_real_ids()
    assert any("/victims/police/cases/" in url for url in urls)
    hits: list[str] = []
    for message in mail.outbox:
        if CANARY in (message.subject + message.body + str(message.extra_headers)).lower():
            hits.append(f"email to {message.to}")
    others = _others(cast)
    assert len(others) >= SHARDS
    for user in others[shard::SHARDS]:  # together the shards crawl as every other user
        client.force_login(user)
        pages = _crawl(client, "/")
        for url in urls + EXTRA:
            pages[f"GET {url}"] = client.get(url).content.decode(errors="replace")
            pages[f"POST {url}"] = client.post(url, {}).content.decode(errors="replace")
        for where, body in pages.items():
            if CANARY in body.lower():
                hits.append(f"{user.username} {where}")
    assert hits == []


def test_object_ids_replayed_across_organisations_get_404(cast, client,
                                                           django_capture_on_commit_callbacks):
    seeded = _seed(cast, django_capture_on_commit_callbacks)
    victim, case = seeded["victim"], seeded["case"]
    alert = SafeguardingAlert.objects.first()
    other_service = Organisation.objects.create(name="Other Victim Service", code="ovs",
                                                kind=OrganisationKind.VICTIM_SERVICE)
    intruder = make_user("other_vw", Role.VICTIM_WORKER, other_service)
    client.force_login(intruder)
    victim_urls = [
        reverse("victims:victim", args=[victim.pk]),
        reverse("victims:link_case", args=[victim.pk]),
        reverse("victims:contact_details", args=[victim.pk]),
        reverse("victims:contact_details_edit", args=[victim.pk]),
        reverse("victims:contact_create", args=[victim.pk]),
        reverse("victims:disclosure_create", args=[victim.pk]),
        reverse("victims:consultation", args=[victim.pk, case.pk]),
        reverse("victims:follow_up_create", args=[victim.pk, case.pk]),
        reverse("victims:safeguarding_create", args=[victim.pk, case.pk]),
        reverse("victims:information_create", args=[victim.pk, case.pk]),
        reverse("victims:lift_pause", args=[alert.pk]),
    ]
    for url in victim_urls:
        assert client.get(url).status_code in (404, 405), url
        assert client.post(url, {"reason": "plan_contact", "details": "x",
                                 "given_name": "x"}).status_code == 404, url
    alert.refresh_from_db()
    assert alert.lifted_at is None
    client.force_login(cast.outsider_officer)
    assert client.get(reverse("victims:police_case", args=[case.pk])).status_code == 404
    assert client.post(reverse("victims:police_acknowledge", args=[alert.pk])).status_code == 404
    alert.refresh_from_db()
    assert alert.acknowledged_at is None


@pytest.mark.parametrize("role", [r for r in Role.values if r != Role.VICTIM_WORKER])
def test_other_roles_cannot_use_victim_pages(cast, client, role):
    case = home_case(cast)
    victim = Victim.objects.create(victim_service=cast.orgs["victim_service"],
                                   given_name="A", family_name="B")
    client.force_login(cast.users[role])
    for url in (reverse("victims:home"), reverse("victims:victim", args=[victim.pk]),
                reverse("victims:contact_details_edit", args=[victim.pk])):
        assert client.get(url).status_code == 403
        assert client.post(url, {"address": "PATCHED"}).status_code == 403
    victim.refresh_from_db()
    assert victim.address == ""
    assert case.pk
