"""The demo data: the police compliance page lists near-deadline and non-compliant cases."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command
from django.urls import reverse

from diversion.accounts.models import User
from diversion.delivery.models import WorkshopEvent

pytestmark = pytest.mark.django_db


def test_demo_compliance_cases_and_rerun_is_harmless(client):
    call_command("demo_data", people=40, quiet=True, stdout=StringIO())
    events = WorkshopEvent.objects.count()
    call_command("demo_data", people=40, quiet=True, stdout=StringIO())
    assert WorkshopEvent.objects.count() == events > 0
    client.force_login(User.objects.get(username="sgt.okafor"))
    lists = client.get(reverse("delivery:compliance")).context["lists"]
    assert "DEMO-OOCR-011" in [c.reference for c in lists.near_deadline]
    assert "DEMO-OOCR-013" in [c.reference for c in lists.non_compliant]
    client.force_login(User.objects.get(username="facilitator.hughes"))
    assert client.get(reverse("delivery:events")).status_code == 200
