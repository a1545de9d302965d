"""The context figure on the analysts' records page (issue 17): their force's recorded crimes
flagged domestic abuse and the share of all its recorded crime, for a financial year or quarter
chosen on the page, counted once per crime reference by recorded date."""

from __future__ import annotations

import io
from datetime import datetime

import pytest
from django.urls import reverse
from openpyxl import Workbook

from diversion.accounts.roles import Role
from diversion.audit.models import ProcessingLog
from diversion.records import services
from tests.factories import make_user
from tests.records.helpers import HEADER, csv_bytes, row

pytestmark = pytest.mark.django_db


def crimes(prefix: str, n: int, *, flagged: bool, day: str) -> list[dict]:
    return [row(f"{prefix}/{i:04d}", offence_date=day, recorded_date=day, outcome_type="",
                outcome_date="", domestic_abuse="Y" if flagged else "N") for i in range(n)]


def load(analyst, content: bytes, name: str = "extract.csv"):
    source = services.get_or_create_source(analyst, "Niche RMS")
    batch = services.start_import(analyst, source, name, content, enqueue=False)
    return services.run_import(batch.pk, link=False)


def page(client, **query) -> str:
    response = client.get(reverse("records:home"), query)
    assert response.status_code == 200
    return response.content.decode()


def figure(body: str) -> str:
    start = body.index('id="crime-context-figure"')
    return body[start:body.index("</d", body.index(">", start) + 200)]


@pytest.fixture
def worked(analyst):
    rows = (crimes("DA", 20, flagged=True, day="2023-04-01")
            + crimes("DB", 9, flagged=True, day="2024-03-31")
            + crimes("NA", 151, flagged=False, day="2023-10-15")
            + crimes("XA", 7, flagged=True, day="2023-03-31")
            + crimes("XB", 6, flagged=False, day="2024-04-01"))
    assert load(analyst, csv_bytes(rows)).rows_rejected == 0
    return analyst


def test_a_financial_year_and_a_quarter_chosen_on_the_page(worked, analyst_client):
    body = page(analyst_client, year="2023", quarter="")
    assert "Recorded 1 April 2023 to 31 March 2024 (financial year 2023/24)" in body
    assert ">29<" in body and ">180<" in body and ">16.11%<" in body
    assert "Recorded crimes, not incidents" in body and "Niche RMS" in body
    q4 = page(analyst_client, year="2023", quarter="4")  # January to March 2024
    assert "Recorded 1 January 2024 to 31 March 2024" in q4
    assert ">9<" in q4 and ">100.00%<" in q4
    q1 = page(analyst_client, year="2024", quarter="1")  # only the 6 of 1 April 2024
    assert ">0<" in q1 and ">6<" in q1 and ">0.00%<" in q1
    # the default is the financial year of the latest recorded crime (1 April 2024)
    assert "Recorded 1 April 2024 to 31 March 2025" in page(analyst_client)
    assert ProcessingLog.objects.filter(
        operation="consultation", justification__startswith="Police records page: counts",
        actor=worked).exists()


def test_an_empty_period_says_so(worked, analyst_client):
    body = page(analyst_client, year="2019", quarter="2")
    assert "No records imported for this period" in body and "0.00%" not in body


def test_bad_input_names_the_field(worked, analyst_client):
    body = page(analyst_client, year="2099", quarter="")
    assert "Choose a financial year from the list" in body and 'href="#id_year"' in body
    body = page(analyst_client, year="2023", quarter="7")
    assert "Choose the whole year or a quarter from the list" in body
    assert 'href="#id_quarter"' in body and "16.11%" not in body


def test_a_timestamp_at_midnight_falls_on_the_day_it_names(analyst, analyst_client):
    book = Workbook()
    sheet = book.active
    sheet.append(HEADER)
    for ref, stamp in (("M/1", datetime(2024, 3, 31, 23, 59, 59)),
                       ("M/2", datetime(2024, 4, 1, 0, 0, 0))):
        item = row(ref, outcome_type="", outcome_date="", offence_date="2024-03-30")
        item["recorded_date"] = stamp
        sheet.append([item[h] for h in HEADER])
    content = io.BytesIO()
    book.save(content)
    assert load(analyst, content.getvalue(), "extract.xlsx").rows_accepted == 2
    assert ">1<" in figure(page(analyst_client, year="2023", quarter="4"))
    assert ">1<" in figure(page(analyst_client, year="2024", quarter="1"))


def test_a_flag_that_is_not_y_or_n_is_rejected_naming_the_column(analyst, analyst_client):
    batch = load(analyst, csv_bytes([row("F/1", domestic_abuse="maybe")]))
    assert batch.rows_rejected == 1
    rejection = batch.rejections.get()
    assert rejection.field == "domestic_abuse"
    assert rejection.reason == "Domestic abuse flag must be Y or N"


def test_another_forces_records_are_never_counted(worked, analyst_client, cast):
    other = make_user("other_analyst", Role.ANALYST, cast.outsider_org)
    load(other, csv_bytes(crimes("OF", 50, flagged=True, day="2023-07-01")))
    assert ">29<" in page(analyst_client, year="2023") and ">16.11%<" in page(analyst_client,
                                                                              year="2023")
    from django.test import Client

    theirs = Client()
    theirs.force_login(other)
    body = page(theirs, year="2023")
    assert ">50<" in body and ">100.00%<" in body and "Test Force" not in body


def test_the_database_counts_in_a_fixed_number_of_queries(analyst, django_assert_num_queries):
    """GROUP BY in the database, never a row per record in Python: the same two queries (and
    one for the monthly counts) however many records and imports there are."""
    from diversion.records import context
    from diversion.records.models import CrimeRecord, ImportBatch

    def counted():
        with django_assert_num_queries(2):
            found = context.count(CrimeRecord.objects.all(), ImportBatch.objects.all(),
                                  start=datetime(2023, 4, 1).date(),
                                  end=datetime(2024, 3, 31).date())
        with django_assert_num_queries(1):
            months = list(context.monthly(CrimeRecord.objects.all()))
        return found, months

    load(analyst, csv_bytes(crimes("A", 10, flagged=True, day="2023-05-01")), "one.csv")
    small, _ = counted()
    load(analyst, csv_bytes(crimes("B", 300, flagged=False, day="2023-06-01")
                            + crimes("C", 40, flagged=True, day="2024-01-31")), "two.csv")
    large, months = counted()
    assert (small.flagged, small.total) == (10, 10)
    assert (large.flagged, large.total, len(large.imports)) == (50, 350, 2)
    assert {(m.month_start.isoformat(), m.flagged, m.count) for m in months} == {
        ("2023-05-01", True, 10), ("2023-06-01", False, 300), ("2024-01-01", True, 40)}
