"""Every text answer has a length limit and refuses hidden text-direction controls; imported
names lose them. Checked on the forms people use and on every form class there is."""

from __future__ import annotations

import importlib
import pkgutil

import pytest
from django import forms
from django.urls import reverse

import diversion
from diversion.accounts.roles import Role
from diversion.commissioning.models import UnitCostVersion
from diversion.core.forms import TextLimits
from diversion.core.text import has_direction_controls, without_direction_controls
from diversion.records import services as records
from diversion.records.models import CrimeRecord
from diversion.victims.models import Victim
from tests.records.helpers import csv_bytes, row
from tests.victims.helpers import make_victim

RLO = "\u202e"  # right-to-left override
MEGABYTE = "x" * 1_000_000


def _form_classes() -> list[type]:
    for module in pkgutil.walk_packages(diversion.__path__, "diversion."):
        if module.name.rsplit(".", 1)[-1] in {"forms", "views"}:
            importlib.import_module(module.name)
    found, todo = [], [forms.BaseForm]
    while todo:
        for sub in todo.pop().__subclasses__():
            todo.append(sub)
            if sub.__module__.startswith("diversion.") and sub.__module__ != "diversion.core.forms":
                found.append(sub)
    return found


def test_every_form_of_the_service_applies_the_text_rules():
    classes = _form_classes()
    assert len(classes) > 40
    missing = sorted(f"{c.__module__}.{c.__qualname__}" for c in classes
                     if not issubclass(c, TextLimits))
    assert missing == []


@pytest.mark.parametrize("text", [f"Smith{RLO}GNP", "a\u2066b", "left\u200fmark"])
def test_direction_controls_are_found_and_removed(text):
    assert has_direction_controls(text)
    assert not has_direction_controls(without_direction_controls(text))


@pytest.mark.parametrize("text", ["O'Brien", "Zoë", "محمد", "שרה", "Nguyễn"])
def test_right_to_left_letters_and_accents_are_not_controls(text):
    assert not has_direction_controls(text)


def test_a_megabyte_contact_note_is_refused_naming_the_field_and_nothing_is_saved(cast, client):
    client.force_login(cast.users[Role.VICTIM_WORKER])
    victim = make_victim(cast)
    page = client.post(reverse("victims:contact_create", args=[victim.pk]),
                       {"contacted_on": "2026-01-05", "method": "phone", "outcome": "spoke",
                        "notes": MEGABYTE}).content.decode()
    assert "Notes must be 10,000 characters or fewer (it has 1000000)" in page
    assert 'href="#id_notes"' in page
    assert not victim.contacts.exists()


def test_a_megabyte_unit_cost_source_is_refused(cast, client):
    client.force_login(cast.users[Role.COMMISSIONER])
    page = client.post(reverse("commissioning:unit_costs"),
                       {"da_victim_cost": "36500", "price_year": "2022/23",
                        "source": MEGABYTE, "note": ""}).content.decode()
    assert "characters or fewer" in page and "1000000" in page
    assert not UnitCostVersion.objects.exists()


def test_a_name_with_a_right_to_left_override_is_refused(cast, client):
    client.force_login(cast.users[Role.VICTIM_WORKER])
    page = client.post(reverse("victims:victim_create"),
                       {"given_name": "Jo", "family_name": f"Smith{RLO}GNP"}).content.decode()
    assert "must not contain hidden text-direction characters" in page
    assert not Victim.objects.exists()


def test_a_megabyte_password_is_refused_without_hashing_it(cast, client):
    response = client.post(reverse("accounts:login"),
                           {"username": cast.users[Role.ANALYST].username,
                            "password": MEGABYTE})
    assert response.status_code == 200
    assert "500 characters or fewer" in response.content.decode()


def test_an_imported_name_loses_its_direction_controls(cast):
    analyst = cast.users[Role.ANALYST]
    source = records.get_or_create_source(analyst, "Niche")
    content = csv_bytes([row("A/1", family_name=f"Smith{RLO}GNP", given_name="\u2066Sam")])
    batch = records.start_import(analyst, source, "x.csv", content, enqueue=False)
    records.run_import(batch.pk, link=False)
    stored = CrimeRecord.objects.get()
    assert (stored.given_name, stored.family_name) == ("Sam", "SmithGNP")
