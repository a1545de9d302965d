from __future__ import annotations

import re
from io import StringIO

from django.core.management import call_command
from django.urls import reverse

from diversion.accounts.models import Organisation, User
from diversion.accounts.roles import Role
from diversion.audit.models import ProcessingLog
from diversion.cases import pnc
from diversion.cases.models import Offence, OffenceCode, Person
from diversion.demo.organisations import DEMO_AUTHENTICATOR_KEY, DEMO_PASSWORD


def test_demo_data_builds_a_force_area_and_is_safe_to_rerun(db, client):
    out = StringIO()
    call_command("demo_data", people=40, stdout=out)
    counts = (Organisation.objects.count(), User.objects.count(), Person.objects.count(),
              Offence.objects.count())
    call_command("demo_data", people=40, stdout=StringIO())
    assert counts == (Organisation.objects.count(), User.objects.count(),
                      Person.objects.count(), Offence.objects.count())
    assert set(User.objects.values_list("role", flat=True)) == set(Role.values)
    # evaluation runs: the historical trial cohort (HIST-...) comes on top; retention: one
    # person past the retention date (SOL-RET-...); 28 JUNO women (demo/juno_cohort.py) too
    assert Person.objects.exclude(force_reference__startswith="HIST-").exclude(
        force_reference__startswith="SOL-RET-").count() == 40 + 8 + 28
    offences = Offence.objects.all()
    assert offences.filter(domestic_abuse=True).exists()
    assert offences.filter(domestic_abuse=False).exists()
    known = set(OffenceCode.objects.values_list("code", flat=True))
    assert set(offences.values_list("offence_code_id", flat=True)) <= known
    for person in Person.objects.exclude(pnc_id=""):
        assert pnc.normalise(person.pnc_id) == person.pnc_id
    assert all(o.recorded_date >= o.offence_date for o in offences)
    # once each: the two forces' people, the historical trial cohort, the retention example
    # and the referred people's contact details
    assert ProcessingLog.objects.filter(operation="collection", actor=None).count() == \
        2 + 1 + 1 + 1
    referred = Person.objects.filter(cases__referral__isnull=False).distinct()
    assert referred.exists()
    for person in referred:  # clearly fake: Ofcom drama numbers and example.org
        assert person.contact.phone.startswith("+44 7700 900"), person.pk
        assert person.contact.email.endswith("@example.org")
        assert person.contact.methods
    printed = out.getvalue()
    assert DEMO_PASSWORD in printed and "sgt.okafor" in printed and "auditor.fischer" in printed
    assert User.objects.get(username="sgt.okafor").check_password(DEMO_PASSWORD)
    # the demo extract gives the records page a plausible domestic-abuse share (issue 17)
    client.force_login(User.objects.get(username="analyst.lindqvist"))
    page = client.get(reverse("records:home")).content.decode()
    share = re.search(r"Share flagged domestic abuse</dt><dd[^>]*>([0-9.]+)%", page)
    assert share is not None and 10 < float(share.group(1)) < 25, share


def test_a_demo_user_signs_in_with_the_printed_password_and_demo_code(db, client):
    out = StringIO()
    call_command("demo_data", people=20, stdout=out)
    assert DEMO_AUTHENTICATOR_KEY in out.getvalue() and "demo_code" in out.getvalue()
    client.post("/sign-in/", {"username": "sgt.okafor", "password": DEMO_PASSWORD})
    code_out = StringIO()
    call_command("demo_code", stdout=code_out)
    code = code_out.getvalue().split()[0]
    response = client.post("/sign-in/code/", {"code": code}, follow=True)
    assert response.redirect_chain[-1][0] == "/police/" and response.status_code == 200


def test_demo_code_refuses_to_run_in_production(settings):
    import pytest
    from django.core.management.base import CommandError

    settings.ENVIRONMENT = "production"
    with pytest.raises(CommandError, match="demo only"):
        call_command("demo_code", stdout=StringIO())


def test_the_demo_regional_view_shows_both_forces(db, client):
    call_command("demo_data", people=20, stdout=StringIO())
    client.force_login(User.objects.get(username="commissioner.adeyemi"))
    page = client.get("/commissioning/regional/").content.decode()
    assert "2 forces included" in page
    assert "Solent Constabulary" in page and "Downshire Police" in page
