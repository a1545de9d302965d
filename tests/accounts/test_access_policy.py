"""Deny by default: every URL declares a rule, roles land on their homes, others are refused."""

from __future__ import annotations

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from diversion.accounts import policy
from diversion.accounts.roles import Role
from diversion.audit.models import SecurityEvent
from tests.factories import PASSWORD, make_offence, make_person
from tests.second_step import authenticator, code_now


def _walk(patterns, prefix=""):
    for entry in patterns:
        if isinstance(entry, URLResolver):
            yield from _walk(entry.url_patterns, prefix + str(entry.pattern))
        elif isinstance(entry, URLPattern):
            yield prefix + str(entry.pattern), entry


def test_every_url_declares_an_access_rule():
    undeclared = [route for route, entry in _walk(get_resolver().url_patterns)
                  if policy.rule_for(entry.callback) is None]
    assert undeclared == [], f"views without an access rule: {undeclared}"


def test_every_named_url_is_walked():
    routes = [route for route, _ in _walk(get_resolver().url_patterns)]
    assert "sign-in/" in routes and "audit/" in routes and len(routes) >= 10


@pytest.mark.urls("tests.undeclared_urls")
def test_a_view_without_a_rule_is_refused_and_logged(cast, client):
    client.force_login(cast.users[Role.ADMINISTRATOR])
    response = client.get("/undeclared/")
    assert response.status_code == 403
    event = SecurityEvent.objects.get(kind="access_denied")
    assert event.path == "/undeclared/" and "no access rule" in event.reason


@pytest.mark.parametrize("role", Role.values)
def test_each_role_signs_in_and_lands_on_its_home(cast, client, role):
    user = cast.users[role]
    device = authenticator(user)
    response = client.post(reverse("accounts:login"),
                           {"username": user.username, "password": PASSWORD}, follow=True)
    assert response.redirect_chain[-1][0].startswith(reverse("accounts:second_step"))
    response = client.post(response.redirect_chain[-1][0], {"code": code_now(device)},
                           follow=True)
    assert response.status_code == 200
    assert response.redirect_chain[-1][0] == reverse(policy.ROLE_HOMES[role])
    assert user.organisation.name in response.content.decode()


HOMES = sorted(set(policy.ROLE_HOMES.values()))


@pytest.mark.parametrize("role", Role.values)
@pytest.mark.parametrize("home", HOMES)
def test_roles_get_403_on_other_roles_homes(cast, client, role, home):
    client.force_login(cast.users[role])
    response = client.get(reverse(home))
    allowed = {name for r, name in policy.ROLE_HOMES.items() if r == role}
    if home in allowed:
        assert response.status_code == 200
    else:
        assert response.status_code == 403
        assert SecurityEvent.objects.filter(kind="access_denied", status=403,
                                            path=reverse(home)).count() == 1


@pytest.mark.parametrize("home", HOMES)
def test_anonymous_users_are_sent_to_sign_in(db, client, home):
    response = client.get(reverse(home))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


def test_admin_gets_404_for_a_user_of_another_organisation(cast, client):
    client.force_login(cast.users[Role.ADMINISTRATOR])
    url = reverse("administration:user_edit", args=[cast.outsider_officer.pk])
    assert client.get(url).status_code == 404
    assert client.post(url, {"first_name": "Hacked", "last_name": "X", "role": "analyst",
                             "is_active": "on"}).status_code == 404
    cast.outsider_officer.refresh_from_db()
    assert cast.outsider_officer.first_name != "Hacked"
    events = SecurityEvent.objects.filter(kind="access_denied", status=404, path=url)
    assert events.count() == 2


def test_admin_list_shows_only_own_organisation(cast, client):
    client.force_login(cast.users[Role.ADMINISTRATOR])
    page = client.get(reverse("administration:user_list")).content.decode()
    assert cast.users[Role.DECISION_MAKER].username in page
    assert cast.outsider_admin.username not in page
    assert cast.outsider_officer.username not in page


def test_police_see_only_their_own_forces_offences(cast, client):
    mine = make_offence(make_person(cast.orgs["force"], "P1", family_name="Ownforce"), "OWN/1")
    theirs = make_offence(make_person(cast.outsider_org, "P2", family_name="Otherforce"), "OTH/1")
    client.force_login(cast.users[Role.DECISION_MAKER])
    page = client.get(reverse("cases:home")).content.decode()
    assert mine.crime_reference in page and "Ownforce" in page
    assert theirs.crime_reference not in page and "Otherforce" not in page


def test_visible_is_empty_for_models_without_a_scope(cast):
    from diversion.cases.models import OffenceCode

    assert not policy.visible(cast.users[Role.DECISION_MAKER], OffenceCode).exists()


def test_field_rules_hide_identities_from_analysts_and_commissioners(cast):
    from diversion.cases.models import Person

    for role in (Role.ANALYST, Role.COMMISSIONER, Role.VICTIM_WORKER):
        assert not policy.can_read_field(cast.users[role], Person, "family_name")
        assert not policy.can_read_field(cast.users[role], Person, "pnc_id")
    assert policy.can_read_field(cast.users[Role.DECISION_MAKER], Person, "family_name")
    assert policy.can_read_field(cast.users[Role.ANALYST], Person, "sex")


def test_deactivation_applies_on_the_next_request(cast, client):
    officer = cast.users[Role.DECISION_MAKER]
    client.force_login(officer)
    assert client.get(reverse("cases:home")).status_code == 200
    officer.is_active = False
    officer.save()
    response = client.get(reverse("cases:home"))
    assert response.status_code == 302 and reverse("accounts:login") in response["Location"]


def test_role_change_applies_on_the_next_request(cast, client):
    officer = cast.users[Role.DECISION_MAKER]
    client.force_login(officer)
    assert client.get(reverse("cases:home")).status_code == 200
    officer.role = Role.ANALYST
    officer.save()
    assert client.get(reverse("cases:home")).status_code == 403


def test_user_without_a_role_is_told_so(cast, client):
    officer = cast.users[Role.DECISION_MAKER]
    officer.role = ""
    officer.save()
    client.force_login(officer)
    response = client.get(reverse("accounts:home"))
    assert response.status_code == 403
    assert "no role" in response.content.decode()


def test_the_documented_access_matrix_matches_the_code():
    from pathlib import Path

    from diversion.accounts.matrix import render

    documented = Path(__file__).resolve().parents[2] / "docs" / "access-policy.md"
    assert documented.read_text() == render(), (
        "docs/access-policy.md is stale: run "
        "`.venv/bin/python manage.py access_matrix > docs/access-policy.md`")
