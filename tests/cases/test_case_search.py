"""The police case list: search by reference, name or PNC ID, a status filter, pages of 50,
and hostile input in the address bar (a page that is not a number, a huge search)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from diversion.accounts.roles import Role
from diversion.audit.models import ProcessingLog
from diversion.cases import pnc
from tests.cases.helpers import make_case
from tests.factories import make_person


@pytest.fixture
def officer(cast, client):
    client.force_login(cast.users[Role.DECISION_MAKER])
    return client


def _many(cast, n: int) -> list:
    return [make_case(cast) for _ in range(n)]


def test_pages_of_fifty_newest_first_with_govuk_pagination(cast, officer):
    cases = _many(cast, 55)
    first = officer.get(reverse("cases:home")).content.decode()
    assert "1 to 50 of 55" in first
    assert f">{cases[-1].reference}<" in first and f">{cases[0].reference}<" not in first
    assert 'class="govuk-pagination"' in first and 'aria-current="page"' in first
    second = officer.get(reverse("cases:home"), {"page": "2"}).content.decode()
    assert "51 to 55 of 55" in second and f">{cases[0].reference}<" in second
    assert 'rel="prev"' in second and 'rel="next"' not in second


@pytest.mark.parametrize("page", ["abc", "-1", "0", "99999", "1e9", "9" * 40, "2; DROP"])
def test_a_bad_page_number_shows_a_real_page(cast, officer, page):
    _many(cast, 55)
    response = officer.get(reverse("cases:home"), {"page": page})
    assert response.status_code == 200
    body = response.content.decode()
    assert "of 55" in body


def test_search_by_name_reference_crime_reference_and_pnc(cast, officer):
    _many(cast, 3)
    person = make_person(cast.orgs["force"], "FR-SEARCH", given_name="Ottoline",
                         family_name="Quarrington")
    wanted = make_case(cast, person=person)
    for term in ("quarrington", "Ottoline Quarr", wanted.reference, wanted.offence.crime_reference):
        body = officer.get(reverse("cases:home"), {"q": term}).content.decode()
        assert wanted.reference in body, term
        assert "1 in all" in body, term
    nothing = officer.get(reverse("cases:home"), {"q": "Zebedee"}).content.decode()
    assert "No cases match your search" in nothing
    log = ProcessingLog.objects.filter(justification="Police OOCR case list (search)")
    assert log.exists()


def test_a_pnc_id_typed_short_finds_the_stored_form(cast, officer):
    """Officers write a PNC ID with a 2-digit year and no leading zeroes (the record form's own
    example); it is stored as YYYY/NNNNNNNL, and either finds the case."""
    _many(cast, 2)  # every factory person has PNC 2010/0012345
    person = make_person(cast.orgs["force"], "FR-PNC", pnc_id=pnc.make(2019, 54321))
    wanted = make_case(cast, person=person)
    for term in (pnc.display(person.pnc_id), person.pnc_id, "19/054321" + person.pnc_id[-1]):
        body = officer.get(reverse("cases:home"), {"q": term}).content.decode()
        assert wanted.reference in body and "1 in all" in body, term
    wrong_letter = "19/54321" + ("A" if person.pnc_id[-1] != "A" else "B")
    body = officer.get(reverse("cases:home"), {"q": wrong_letter}).content.decode()
    assert "No cases match your search" in body


def test_status_filter_and_the_search_stays_in_the_page_links(cast, officer):
    for _ in range(52):
        make_case(cast, status="completed")
    make_case(cast, status="eligible")
    body = officer.get(reverse("cases:home"), {"status": "completed"}).content.decode()
    assert "1 to 50 of 52" in body
    assert "status=completed&amp;page=2" in body
    refused = officer.get(reverse("cases:home"), {"status": "not-a-status"})
    assert refused.status_code == 400
    assert "Select a valid choice" in refused.content.decode()


def test_an_overlong_search_is_refused_with_a_message(cast, officer):
    response = officer.get(reverse("cases:home"), {"q": "x" * 5000})
    assert response.status_code == 400
    body = response.content.decode()
    assert "There is a problem" in body and "100 characters" in body


def test_another_forces_cases_are_never_found(cast, client):
    hidden = make_case(cast, person=make_person(cast.orgs["force"], "FR-OTHER",
                                                family_name="Hidden"))
    client.force_login(cast.outsider_officer)
    body = client.get(reverse("cases:home"), {"q": "Hidden"}).content.decode()
    assert "No cases match your search" in body and hidden.reference not in body
