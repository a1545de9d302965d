"""A new programme is onboarded by its file alone: dropped into a programme directory, it is
offered on the force administrator's provider page, in contracts, in the dashboard's filter and
the evaluation form, and a case can be referred for it to the provider the force chose. Also
the provider page's refusals: unknown programme, wrong kind of organisation, a provider from
another area, overlapping dates, other organisations' administrators."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest
from django.urls import reverse
from django.utils import timezone

from diversion.accounts.models import Organisation
from diversion.accounts.roles import OrganisationKind, Role
from diversion.audit.models import ProcessingLog
from diversion.commissioning.models import CommissionedForce, Contract
from diversion.disposals.models import Disposal, Referral
from diversion.programmes import registry
from diversion.programmes.models import ProgrammeProvider
from diversion.programmes.services import PROVIDER_NOT_IN_AREA
from tests.cases.helpers import date_parts, make_case
from tests.commissioning.helpers import make_contract, oversee
from tests.dates import with_date_inputs
from tests.disposals.helpers import consult
from tests.factories import make_user

pytestmark = pytest.mark.django_db
ONBOARDING = Path(__file__).parent / "onboarding"  # holds steps-v1.yaml, and nothing else
TODAY = timezone.localdate()


@pytest.fixture
def steps(settings):
    """The STEPS programme file is loaded, as a new file in DIVERSION_PROGRAMME_DIRS would be."""
    settings.DIVERSION_PROGRAMME_DIRS = [str(ONBOARDING)]
    registry.clear_cache()
    yield registry.current("steps")
    registry.clear_cache()


def as_user(client, user):
    client.force_login(user)
    return client


def set_provider(client, **changes):
    data = {"programme_code": "steps", "provider": "", "valid_from": TODAY - timedelta(days=30),
            "valid_to": ""}
    data.update(changes)
    return client.post(reverse("programmes:provider_set"),
                       with_date_inputs(data, "valid_from", "valid_to"))


def caution(client, cast, case, on: date):
    """Eligibility, the victim service's consultation, then a caution with a programme
    condition given on `on`, all through the pages."""
    client.post(reverse("cases:eligibility", args=[case.pk]), {"version": case.version})
    case.refresh_from_db()
    assert case.status == "eligible", case.status
    consult(cast, case)
    client.post(reverse("disposals:consultation", args=[case.pk]),
                {"version": case.version, "person_consents": "on"})
    case.refresh_from_db()
    assert case.status == "consulted"
    return client.post(reverse("disposals:caution", args=[case.pk]), {
        "version": case.version, "regime": "cja2003_conditional",
        "authorising_officer": "Sgt Okafor 1234", "authorising_rank": "sergeant",
        "programme_condition": "on", "unpaid_work_hours": "0", "signed_document": "on",
        **date_parts("disposal_date", on), **date_parts("deadline", on + timedelta(weeks=12))})


def steps_case(cast):
    return make_case(cast, programme="steps", offence_extra={"offence_code_id": "58A",
                                                             "domestic_abuse": False})


def test_a_new_programme_file_is_offered_contracted_filtered_and_referred(steps, cast, client):
    oversee(cast)
    admin, commissioner = cast.users[Role.ADMINISTRATOR], cast.users[Role.COMMISSIONER]
    provider = cast.orgs["provider"]

    # The administrator's page lists it, with no provider yet; the form offers it, but no
    # provider yet: none holds a contract with the force's PCC office.
    page = as_user(client, admin).get(reverse("programmes:providers")).content.decode()
    assert "STEPS" in page and "None set" in page
    form = client.get(reverse("programmes:provider_set")).content.decode()
    assert 'value="steps"' in form and "Test Provider" not in form
    assert "No provider holds a contract" in form

    # The commissioner records a STEPS contract with the provider.
    contract_form = as_user(client, commissioner).get(
        reverse("commissioning:contract_create")).content.decode()
    assert '<option value="STEPS">STEPS</option>' in contract_form
    response = client.post(reverse("commissioning:contract_create"), with_date_inputs({
        "programme_code": "STEPS", "provider": provider.pk, "start_date": "2026-04-01",
        "end_date": "2029-03-31", "annual_value": "40000", "target_referrals": "50",
        "target_starts": "40", "target_completions": "30",
        "target_days_to_first_contact": "10"}, "start_date", "end_date"))
    assert response.status_code == 302
    assert Contract.objects.get().programme_code == "STEPS"
    assert "STEPS" in client.get(reverse("commissioning:contract_list")).content.decode()

    # The dashboard's filter offers it and accepts it.
    board = client.get(reverse("commissioning:dashboard")).content.decode()
    assert '<option value="STEPS">STEPS</option>' in board
    quarter = date(TODAY.year, (TODAY.month - 1) // 3 * 3 + 1, 1).isoformat()
    board = client.get(reverse("commissioning:dashboard"), {
        "from_quarter": quarter, "to_quarter": quarter, "programme": "STEPS"}).content.decode()
    assert "There is a problem" not in board and 'value="STEPS" selected' in board

    # The analyst's evaluation form offers it too.
    run_form = as_user(client, cast.users[Role.ANALYST]).get(
        reverse("evaluation:run_new")).content.decode()
    assert 'value="steps"' in run_form

    # Now the provider is in the force's area: the administrator sets it for STEPS.
    assert "Test Provider" in as_user(client, admin).get(
        reverse("programmes:provider_set")).content.decode()
    response = set_provider(client, provider=provider.pk)
    assert response.status_code == 302
    setting = ProgrammeProvider.objects.get(programme_code="steps")
    assert (setting.force, setting.provider, setting.valid_to, setting.recorded_by) == (
        cast.orgs["force"], provider, None, admin)
    assert ProcessingLog.objects.filter(operation="collection", actor=admin,
                                        object_type="programmes.ProgrammeProvider").exists()
    page = client.get(reverse("programmes:providers")).content.decode()
    assert "Test Provider" in page and "None set" in page  # STEPS set; CARA and JUNO not
    assert ProcessingLog.objects.filter(operation="consultation", actor=admin).exists()

    # An officer cautions a STEPS case: it is referred to the provider the force chose.
    officer = as_user(client, cast.users[Role.DECISION_MAKER])
    case = steps_case(cast)
    response = caution(officer, cast, case, TODAY)
    assert response.status_code == 302
    referral = Referral.objects.get(case=case)
    assert (referral.provider, referral.programme_code) == (provider, "steps")
    case.refresh_from_db()
    assert case.status == "referred"


def test_the_caution_date_picks_the_provider_and_none_is_a_clear_refusal(steps, cast, client):
    oversee(cast)
    second = Organisation.objects.create(name="Second Provider", kind=OrganisationKind.PROVIDER,
                                         code="second")
    make_contract(cast, programme_code="STEPS")
    make_contract(cast, programme_code="STEPS", provider=second, start_date=date(2030, 4, 1),
                  end_date=date(2031, 3, 31))
    as_user(client, cast.users[Role.ADMINISTRATOR])
    first_from, switch = TODAY - timedelta(days=60), TODAY - timedelta(days=10)
    assert set_provider(client, provider=cast.orgs["provider"].pk,
                        valid_from=first_from).status_code == 302
    # The new provider from `switch` ends the open-ended first setting the day before.
    assert set_provider(client, provider=second.pk, valid_from=switch).status_code == 302
    first = ProgrammeProvider.objects.get(provider=cast.orgs["provider"])
    assert first.valid_to == switch - timedelta(days=1)
    assert ProcessingLog.objects.filter(operation="alteration",
                                        object_id=str(first.pk)).exists()
    history = client.get(reverse("programmes:providers")).content.decode()
    assert "Second Provider" in history and "Test Provider" in history

    officer = as_user(client, cast.users[Role.DECISION_MAKER])
    early = steps_case(cast)
    assert caution(officer, cast, early, switch - timedelta(days=3)).status_code == 302
    assert Referral.objects.get(case=early).provider == cast.orgs["provider"]
    late = steps_case(cast)
    assert caution(officer, cast, late, TODAY).status_code == 302
    assert Referral.objects.get(case=late).provider == second

    # Before any setting began: refused, saying what to do, nothing recorded.
    too_early = steps_case(cast)
    on = first_from - timedelta(days=1)
    body = caution(officer, cast, too_early, on).content.decode()
    assert (f"Your force has no provider set up for STEPS on {on:%-d %B %Y}: your force's "
            "administrator sets one") in body.replace("&#x27;", "'")
    assert not Disposal.objects.filter(case=too_early).exists()


@pytest.fixture
def area(steps, cast):
    """The force's PCC office holds a contract with the home provider; another office, which
    oversees the other force, holds one with a provider from elsewhere."""
    oversee(cast)
    make_contract(cast, programme_code="STEPS")
    office = Organisation.objects.create(name="Far PCC Office",
                                         kind=OrganisationKind.COMMISSIONER, code="far-pcc")
    CommissionedForce.objects.create(commissioner_office=office, force=cast.outsider_org)
    far = Organisation.objects.create(name="Far Provider", kind=OrganisationKind.PROVIDER,
                                      code="far")
    make_contract(cast, commissioner_office=office, provider=far, programme_code="STEPS")
    return far


@pytest.mark.parametrize(("changes", "field", "message"), [
    ({"programme_code": "nosuch"}, "programme_code", "Choose a programme from the list"),
    ({"programme_code": ""}, "programme_code", "Choose the programme"),
    ({"provider": "far"}, "provider", PROVIDER_NOT_IN_AREA),
    ({"provider": "pcc"}, "provider", PROVIDER_NOT_IN_AREA),  # a PCC office, not a provider
    ({"provider": "force"}, "provider", PROVIDER_NOT_IN_AREA),  # the force itself
    ({"provider": ""}, "provider", "Choose the provider"),
    ({"valid_to": TODAY - timedelta(days=31)}, "valid_to",
     "The end date must be the same as or after the date from"),
    ({"valid_from": "2026-02-30"}, "valid_from", "must be a real date"),
])
def test_bad_input_is_refused_naming_the_field(area, cast, client, changes, field, message):
    orgs = {"far": area, **cast.orgs}
    data = {"provider": cast.orgs["provider"].pk, **changes}
    if data["provider"] in orgs:
        data["provider"] = orgs[data["provider"]].pk
    page = set_provider(as_user(client, cast.users[Role.ADMINISTRATOR]), **data)
    body = page.content.decode().replace("&#x27;", "'")
    assert page.status_code == 200 and "There is a problem" in body
    assert f'href="#id_{field}' in body and message in body
    assert not ProgrammeProvider.objects.exists()


def test_overlapping_dates_are_refused_naming_the_other_setting(area, cast, client):
    as_user(client, cast.users[Role.ADMINISTRATOR])
    provider = cast.orgs["provider"].pk
    assert set_provider(client, provider=provider, valid_from=date(2026, 1, 1),
                        valid_to=date(2026, 12, 31)).status_code == 302
    for start, end in ((date(2026, 6, 1), ""), (date(2025, 6, 1), date(2026, 1, 1)),
                       (date(2026, 12, 31), date(2027, 3, 1))):
        body = set_provider(client, provider=provider, valid_from=start,
                            valid_to=end).content.decode()
        assert ("The dates overlap the setting for STEPS with Test Provider from 1 January "
                "2026 to 31 December 2026") in body
        assert 'href="#id_valid_from' in body
    # An open-ended setting that starts later is not ended by an earlier one: refused too.
    assert set_provider(client, provider=provider, valid_from=date(2027, 4, 1)).status_code == 302
    body = set_provider(client, provider=provider, valid_from=date(2027, 1, 1)).content.decode()
    assert "from 1 April 2027 with no end date" in body
    assert ProgrammeProvider.objects.count() == 2
    # The day after the bounded one ends, and up to the day before the later one: accepted.
    assert set_provider(client, provider=provider, valid_from=date(2027, 1, 1),
                        valid_to=date(2027, 3, 31)).status_code == 302


def test_only_a_force_administrator_sets_providers(steps, cast, client):
    provider_admin = make_user("admin.provider", Role.ADMINISTRATOR, cast.orgs["provider"])
    as_user(client, provider_admin)
    assert client.get(reverse("programmes:providers")).status_code == 403
    assert set_provider(client, provider=cast.orgs["provider"].pk).status_code == 403
    # The programmes page does not link a provider's administrator to it.
    assert "Which provider delivers" not in client.get(
        reverse("programmes:list")).content.decode()
    for role in (Role.DECISION_MAKER, Role.COMMISSIONER, Role.ANALYST):
        as_user(client, cast.users[role])
        assert client.get(reverse("programmes:providers")).status_code == 403
    # Another force's administrator sees none of this force's settings.
    ProgrammeProvider.objects.create(force=cast.orgs["force"], programme_code="steps",
                                     provider=cast.orgs["provider"], valid_from=TODAY)
    page = as_user(client, cast.outsider_admin).get(
        reverse("programmes:providers")).content.decode()
    assert "Test Provider" not in page and "None set" in page


def test_unknown_programme_in_contract_and_filter_is_refused(steps, cast, client):
    oversee(cast)
    as_user(client, cast.users[Role.COMMISSIONER])
    response = client.post(reverse("commissioning:contract_create"), with_date_inputs({
        "programme_code": "NOSUCH", "provider": cast.orgs["provider"].pk,
        "start_date": "2026-04-01", "end_date": "2029-03-31", "annual_value": "1",
        "target_referrals": "1", "target_starts": "1", "target_completions": "1",
        "target_days_to_first_contact": "10"}, "start_date", "end_date"))
    assert "Choose a programme from the list" in response.content.decode()
    assert not Contract.objects.exists()
    quarter = date(TODAY.year, (TODAY.month - 1) // 3 * 3 + 1, 1).isoformat()
    board = client.get(reverse("commissioning:dashboard"), {
        "from_quarter": quarter, "to_quarter": quarter, "programme": "NOSUCH"}).content.decode()
    assert "Choose a programme from the list" in board


def test_existing_contracts_keep_their_stored_codes(cast, client):
    """CARA and JUNO contracts recorded before the choices came from the files still show and
    change (their stored code is the file's code in capitals)."""
    oversee(cast)
    contract = make_contract(cast, programme_code="JUNO")
    as_user(client, cast.users[Role.COMMISSIONER])
    form = client.get(reverse("commissioning:contract_edit", args=[contract.pk])).content.decode()
    assert '<option value="JUNO" selected>JUNO</option>' in form
    assert '<option value="CARA">Project CARA</option>' in form


def test_a_cached_dashboard_shows_a_programme_file_added_since(cast, client, settings):
    """The dashboard's renderings are cached by what they are computed from: a file added at a
    restart is part of that, so the next view has the new programme's column and section."""
    oversee(cast)
    as_user(client, cast.users[Role.COMMISSIONER])
    before = client.get(reverse("commissioning:dashboard")).content.decode()
    assert "STEPS" not in before and "JUNO" in before
    settings.DIVERSION_PROGRAMME_DIRS = [str(ONBOARDING)]
    registry.clear_cache()
    try:
        after = client.get(reverse("commissioning:dashboard")).content.decode()
    finally:
        registry.clear_cache()
    board = after.split('<option value="STEPS">STEPS</option>', 1)[1]  # past the filter
    assert "STEPS" in board
