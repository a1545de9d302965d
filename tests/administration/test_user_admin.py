"""Administrators manage users and roles in their own organisation only."""

from __future__ import annotations

from django.contrib.sessions.models import Session
from django.urls import reverse

from diversion.accounts.models import User
from diversion.accounts.roles import Role
from diversion.audit.models import ProcessingLog
from tests.factories import PASSWORD
from tests.second_step import authenticator, code_now

NEW = {"username": "new_officer", "first_name": "New", "last_name": "Officer",
       "email": "new@example.org", "role": "decision_maker",
       "password": "a perfectly long temporary passphrase"}


def test_admin_adds_a_user_to_their_own_organisation(cast, client):
    admin = cast.users[Role.ADMINISTRATOR]
    client.force_login(admin)
    response = client.post(reverse("administration:user_create"), NEW)
    assert response.status_code == 302
    created = User.objects.get(username="new_officer")
    assert created.organisation == admin.organisation and created.role == "decision_maker"
    assert created.check_password(NEW["password"])
    row = ProcessingLog.objects.get(operation="collection")
    assert row.subjects == [{"type": "accounts.User", "id": str(created.pk)}]


def test_a_role_the_organisation_cannot_give_is_refused(cast, client):
    client.force_login(cast.users[Role.ADMINISTRATOR])  # a police force admin
    page = client.post(reverse("administration:user_create"),
                       {**NEW, "role": "facilitator"}).content.decode()
    assert "Choose a role that your organisation can give" in page
    assert not User.objects.filter(username="new_officer").exists()


def test_bad_input_names_each_problem_and_saves_nothing(cast, client):
    client.force_login(cast.users[Role.ADMINISTRATOR])
    page = client.post(reverse("administration:user_create"),
                       {**NEW, "username": "", "email": "not-an-email",
                        "password": "short"}).content.decode()
    assert "There is a problem" in page
    assert "Enter a username" in page
    assert "Enter an email address in the correct format" in page
    assert "too short" in page
    assert User.objects.filter(username="new_officer").count() == 0


def test_deactivating_a_user_ends_their_sessions(cast, client):
    officer = cast.users[Role.DECISION_MAKER]
    officer_client = client.__class__()
    officer_client.post("/sign-in/", {"username": officer.username, "password": PASSWORD})
    officer_client.post(reverse("accounts:second_step"),
                        {"code": code_now(authenticator(officer))})
    assert officer_client.get(reverse("cases:home")).status_code == 200
    assert Session.objects.count() == 1
    client.force_login(cast.users[Role.ADMINISTRATOR])
    response = client.post(reverse("administration:user_edit", args=[officer.pk]),
                           {"first_name": officer.first_name, "last_name": officer.last_name,
                            "email": officer.email, "role": officer.role})
    assert response.status_code == 302
    officer.refresh_from_db()
    assert not officer.is_active
    assert officer_client.get(reverse("cases:home")).status_code == 302
    assert ProcessingLog.objects.filter(operation="alteration",
                                        justification__contains="is_active").exists()


def test_an_administrator_signs_a_user_out_everywhere(cast, client):
    officer = cast.users[Role.DECISION_MAKER]
    phone, laptop = client.__class__(), client.__class__()
    phone.force_login(officer)
    laptop.force_login(officer)
    client.force_login(cast.users[Role.ADMINISTRATOR])
    url = reverse("administration:sign_out_everywhere", args=[officer.pk])
    assert url in client.get(reverse("administration:user_edit", args=[officer.pk])) \
        .content.decode()
    assert client.get(url).status_code == 405
    response = client.post(url, follow=True)
    assert "signed out everywhere (2 sessions ended)" in response.content.decode()
    assert phone.get(reverse("cases:home")).status_code == 302
    assert laptop.get(reverse("cases:home")).status_code == 302
    officer.refresh_from_db()
    assert officer.is_active
    assert ProcessingLog.objects.filter(justification__startswith="Signed out everywhere").exists()


def test_an_administrator_cannot_sign_out_another_organisations_user(cast, client):
    outsider = cast.outsider_officer
    theirs = client.__class__()
    theirs.force_login(outsider)
    client.force_login(cast.users[Role.ADMINISTRATOR])
    response = client.post(reverse("administration:sign_out_everywhere", args=[outsider.pk]))
    assert response.status_code == 404
    assert theirs.get("/police/").status_code == 200
