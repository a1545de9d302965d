"""The cautioned person's contact details: the police record them on the case, the provider a
case is referred to reads them while it is referred or in progress, and nobody else ever does.
Every value is encrypted at rest; every read and change is in the processing log."""

from __future__ import annotations

import pytest
from django.db import connection
from django.urls import reverse

from diversion.accounts import policy
from diversion.accounts.models import Organisation
from diversion.accounts.roles import OrganisationKind, Role
from diversion.audit.models import ProcessingLog
from diversion.cases.models import CaseEvent, PersonContact
from diversion.disposals.models import Referral
from tests.cases.helpers import make_case
from tests.delivery.helpers import referred_case
from tests.factories import make_user

pytestmark = pytest.mark.django_db

PHONE = "+44 7700 900123"
GOOD = {"phone": "07700 900123", "email": "sam.person@example.org",
        "address": "12 Example Street\nSouthampton", "postcode": "so14 1xx",
        "safe_methods": ["call", "text"],
        "notes": "Lives with the victim: never leave a voicemail"}


def _contact_url(case) -> str:
    return reverse("cases:contact", args=[case.pk])


def _record(client, cast, case, **changes):
    client.force_login(cast.users[Role.DECISION_MAKER])
    return client.post(_contact_url(case), {**GOOD, **changes})


def _raw(column: str, pk: int) -> str:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {column} FROM cases_personcontact WHERE id = %s", [pk])  # noqa: S608
        return cursor.fetchone()[0]


# --- Police record and change them -----------------------------------------------------------

def test_police_record_the_details_on_the_case_and_it_is_logged(cast, client):
    case = make_case(cast)
    client.force_login(cast.users[Role.DECISION_MAKER])
    page = client.get(reverse("disposals:detail", args=[case.pk])).content.decode()
    assert "Not recorded: the provider needs them" in page
    assert _contact_url(case) in page

    response = _record(client, cast, case)
    assert response.status_code == 302
    contact = PersonContact.objects.get(person=case.person)
    assert contact.phone == PHONE  # normalised by libphonenumber
    assert contact.postcode == "SO14 1XX"
    assert contact.methods == ["call", "text"]
    assert contact.updated_by == cast.users[Role.DECISION_MAKER]
    row = ProcessingLog.objects.get(object_type="cases.PersonContact", operation="collection")
    assert f"cases.Person:{case.person_id}" in row.subject_index
    event = CaseEvent.objects.get(case=case, title="Contact details recorded")
    assert event.detail == ""  # the timeline (which the provider reads) carries no value

    page = client.get(reverse("disposals:detail", args=[case.pk])).content.decode()
    assert "Recorded, last changed" in page and PHONE not in page  # no read on the case page

    before = ProcessingLog.objects.filter(object_type="cases.PersonContact").count()
    form = client.get(_contact_url(case)).content.decode()
    assert PHONE in form and "never leave a voicemail" in form
    read = ProcessingLog.objects.filter(object_type="cases.PersonContact").order_by("-id")[0]
    assert ProcessingLog.objects.filter(object_type="cases.PersonContact").count() == before + 1
    assert read.operation == "consultation"

    _record(client, cast, case, safe_methods=["call"], notes="")
    contact.refresh_from_db()
    assert contact.methods == ["call"] and contact.notes == ""
    assert ProcessingLog.objects.filter(object_type="cases.PersonContact",
                                        operation="alteration").count() == 1


def test_stored_values_are_ciphertext_not_plaintext(cast, client):
    case = make_case(cast)
    _record(client, cast, case)
    contact = PersonContact.objects.get(person=case.person)
    for column, plain in (("phone", "7700"), ("email", "sam.person"), ("address", "Example"),
                          ("postcode", "SO14"), ("safe_methods", "call"),
                          ("notes", "voicemail")):
        stored = _raw(column, contact.pk)
        assert stored.startswith("gAAAA"), column  # a Fernet token
        assert plain not in stored, column


@pytest.mark.parametrize(("changes", "field", "message"), [
    ({"phone": "12345"}, "phone", "Phone number must be a real phone number"),
    ({"phone": "07700 900123 ext 4 and more"}, "phone", "Phone number must be"),
    ({"email": "sam@"}, "email", "Email address must be in the correct format"),
    ({"postcode": "NOT A CODE"}, "postcode", "Postcode must be a real UK postcode"),
    ({"safe_methods": []}, "safe_methods", "Safe to contact by: choose at least one way"),
    ({"safe_methods": ["carrier_pigeon"]}, "safe_methods", "Safe to contact by: choose from"),
    ({"phone": "", "safe_methods": ["voicemail"]}, "phone",
     "Phone number: enter the number, or untick"),
    ({"email": "", "safe_methods": ["email"]}, "email", "Email address: enter the address"),
    ({"address": "  ", "safe_methods": ["letter"]}, "address",
     "Postal address: enter the address, or untick letter"),
    ({"notes": "x" * 501}, "notes", "Safe-contact notes must be 500 characters or fewer"),
])
def test_bad_input_is_refused_with_a_message_naming_the_field(cast, client, changes, field,
                                                              message):
    case = make_case(cast)
    response = _record(client, cast, case, **changes)
    assert response.status_code == 400
    body = response.content.decode()
    assert message in body
    assert f'href="#id_{field}"' in body  # the error summary links to the field
    assert not PersonContact.objects.exists()


def test_a_closed_case_refuses_a_change(cast, client):
    case = make_case(cast, status="closed")
    response = _record(client, cast, case)
    assert response.status_code == 400
    assert "The case is closed" in response.content.decode()
    assert not PersonContact.objects.exists()


def test_another_force_gets_a_404_and_changes_nothing(cast, client):
    case = make_case(cast)
    _record(client, cast, case)
    client.force_login(cast.outsider_officer)
    assert client.get(_contact_url(case)).status_code == 404
    assert client.post(_contact_url(case), {**GOOD, "phone": "07700 900999"}).status_code == 404
    assert PersonContact.objects.get(person=case.person).phone == PHONE


@pytest.mark.parametrize("role", [r for r in Role.values if r != Role.DECISION_MAKER])
def test_other_roles_cannot_use_the_police_page(cast, client, role):
    case = make_case(cast)
    client.force_login(cast.users[role])
    assert client.get(_contact_url(case)).status_code == 403
    assert client.post(_contact_url(case), GOOD).status_code == 403
    assert not PersonContact.objects.exists()


# --- The provider reads them at first contact -------------------------------------------------

def _provider_page(client, user, case):
    client.force_login(user)
    return client.get(reverse("delivery:case", args=[case.pk]))


@pytest.mark.parametrize("role", [Role.FACILITATOR, Role.PROVIDER_MANAGER])
@pytest.mark.parametrize("status", ["referred", "in_progress"])
def test_the_provider_sees_them_while_referred_or_in_progress(cast, client, role, status):
    case = referred_case(cast, status=status)
    _record(client, cast, case)
    before = ProcessingLog.objects.filter(object_type="cases.PersonContact",
                                          operation="consultation").count()
    response = _provider_page(client, cast.users[role], case)
    body = response.content.decode()
    assert response.status_code == 200
    for shown in (PHONE, "sam.person@example.org", "12 Example Street", "SO14 1XX",
                  "Phone call (speak to the person only)", "Text message",
                  "never leave a voicemail"):
        assert shown in body, shown
    reads = ProcessingLog.objects.filter(object_type="cases.PersonContact",
                                         operation="consultation")
    assert reads.count() == before + 1
    row = reads.order_by("-id")[0]
    assert row.actor == cast.users[role]
    assert f"cases.Person:{case.person_id}" in row.subject_index
    assert row.justification.startswith("Provider: the person's contact details")


@pytest.mark.parametrize("status", ["completed", "breached", "decided", "closed"])
def test_the_provider_no_longer_sees_them_after_delivery(cast, client, status):
    case = referred_case(cast, status="referred")
    _record(client, cast, case)
    type(case).objects.filter(pk=case.pk).update(status=status)
    facilitator = cast.users[Role.FACILITATOR]
    body = _provider_page(client, facilitator, case).content.decode()
    assert PHONE not in body and "Example Street" not in body
    assert "shown only while the person is referred or the programme is in progress" in body
    assert not policy.visible(facilitator, PersonContact).exists()
    assert not ProcessingLog.objects.filter(object_type="cases.PersonContact",
                                            actor=facilitator).exists()


def test_not_before_the_referral(cast, client):
    case = make_case(cast, status="cautioned")
    _record(client, cast, case)
    facilitator = cast.users[Role.FACILITATOR]
    assert _provider_page(client, facilitator, case).status_code == 404
    assert not policy.visible(facilitator, PersonContact).exists()


def test_another_provider_gets_a_404_and_sees_nothing(cast, client):
    case = referred_case(cast, status="referred")
    _record(client, cast, case)
    other = Organisation.objects.create(name="Other Provider", code="other-provider",
                                        kind=OrganisationKind.PROVIDER)
    intruder = make_user("other_facilitator", Role.FACILITATOR, other)
    response = _provider_page(client, intruder, case)
    assert response.status_code == 404 and PHONE not in response.content.decode()
    assert not policy.visible(intruder, PersonContact).exists()


def test_a_completed_case_shows_nothing_even_if_another_case_is_open(cast, client):
    """The scope admits the person's row while any of their cases with this provider is open;
    the page of a finished case still shows nothing."""
    open_case = referred_case(cast, status="in_progress")
    _record(client, cast, open_case)
    done = referred_case(cast, status="completed")
    type(done).objects.filter(pk=done.pk).update(person=open_case.person)
    body = _provider_page(client, cast.users[Role.FACILITATOR], done).content.decode()
    assert PHONE not in body


def test_the_provider_is_told_when_none_were_recorded(cast, client):
    case = referred_case(cast, status="referred")
    body = _provider_page(client, cast.users[Role.FACILITATOR], case).content.decode()
    assert "The police have not recorded contact details for this person" in body


@pytest.mark.parametrize("role", [Role.ANALYST, Role.COMMISSIONER, Role.VICTIM_WORKER,
                                  Role.ADMINISTRATOR, Role.AUDITOR])
def test_no_other_role_can_read_the_row_or_its_fields(cast, client, role):
    case = referred_case(cast, status="referred")
    _record(client, cast, case)
    user = cast.users[role]
    assert not policy.visible(user, PersonContact).exists()
    assert not any(policy.can_read_field(user, PersonContact, name)
                   for name in ("phone", "email", "address", "postcode", "safe_methods",
                                "notes"))
    assert Referral.objects.filter(case=case).exists()  # the case really is referred


def test_key_rotation_re_encrypts_the_contact_details_too(cast):
    import os

    from cryptography.fernet import Fernet
    from django.core.management import call_command
    from django.test import override_settings

    from diversion.cases.services import save_contact_details

    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    with override_settings(DIVERSION_FIELD_KEYS=[old]):
        case = make_case(cast)
        contact = save_contact_details(
            cast.users[Role.DECISION_MAKER], case, phone=PHONE, email="a@example.org",
            address="1 Example Street", postcode="SO14 1XX", safe_methods=["call"], notes="n")
        before = _raw("phone", contact.pk)
    with override_settings(DIVERSION_FIELD_KEYS=[new, old]):
        call_command("rotate_field_keys", stdout=open(os.devnull, "w"))  # noqa: SIM115
    assert _raw("phone", contact.pk) != before
    with override_settings(DIVERSION_FIELD_KEYS=[new]):  # the old key is gone
        assert PersonContact.objects.get(pk=contact.pk).phone == PHONE
    assert ProcessingLog.objects.filter(
        justification__startswith="Key rotation: cases.PersonContact").exists()


def test_the_service_refuses_a_provider_or_another_force(cast, client):
    """The provider reads the row while the referral is open, but never writes it."""
    from diversion.cases.services import CaseRefused, save_contact_details

    case = referred_case(cast, status="referred")
    _record(client, cast, case)
    details = dict(phone="+44 7700 900111", email="", address="", postcode="",
                   safe_methods=["call"], notes="")
    for actor in (cast.users[Role.FACILITATOR], cast.users[Role.PROVIDER_MANAGER],
                  cast.outsider_officer):
        with pytest.raises(CaseRefused, match="Only the police of the person's own force"):
            save_contact_details(actor, case, **details)
    assert PersonContact.objects.get(person=case.person).phone == PHONE
