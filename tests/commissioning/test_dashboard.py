"""The dashboard from real (test) cases: figures, filters, equality splits, downloads, access."""

from __future__ import annotations

import io
from datetime import date

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from diversion.accounts.roles import Role
from diversion.audit.models import ProcessingLog
from diversion.commissioning import selectors
from tests.commissioning.helpers import make_cases, make_contract, other_office, oversee, refresh

pytestmark = pytest.mark.django_db

Q2 = {"from_quarter": "2026-04-01", "to_quarter": "2026-04-01"}


@pytest.fixture
def filled(cast):
    """24 CARA cases in the home force in Apr–Jun 2026, and 7 in a force nobody here oversees."""
    oversee(cast)
    make_contract(cast)  # CARA, £125,000 a year from 1 April 2025 to 31 March 2028
    force = cast.orgs["force"]
    make_cases(cast, force, 12, status="recorded")
    make_cases(cast, force, 2, status="referred")
    make_cases(cast, force, 3, status="in_progress", sex="F")
    make_cases(cast, force, 6, status="completed", born=date(2003, 1, 1))
    make_cases(cast, force, 1, status="breached", ethnicity="B1")
    make_cases(cast, cast.outsider_org, 7, status="completed")
    refresh()
    return cast


def board(cast, **filters):
    user = cast.users[Role.COMMISSIONER]
    f = selectors.Filters(start=date(2026, 4, 1), end=date(2026, 6, 30), **filters)
    return selectors.dashboard(user, f)


def figure(items, label):
    return next(f for f in items if f.label == label)


def test_headline_figures_and_their_words(filled):
    b = board(filled)
    assert figure(b.headline, "Cases recorded for a programme").value == 24
    assert figure(b.headline, "Referrals").value == 12  # referred 2 + started 3 + completed 6 + 1
    # Starts come from the attendance register: the 3 in progress attended no session yet;
    # the 6 completed count as started (completion needs every session attended).
    assert figure(b.headline, "Starts").value == 6
    assert figure(b.headline, "Completions").value == 6
    assert figure(b.headline, "Breaches").value == "[c]"  # 1 is under the threshold
    rate = figure(b.headline, "Completion rate")
    assert rate.value == pytest.approx(100.0)
    assert rate.numerator == "people who completed" and rate.denominator == "people who started"


def test_money_figures(filled):
    b = board(filled)
    assert str(figure(b.money, "Contract cost in the period").value) == "31164.38"
    assert str(figure(b.money, "Cost per referral").value) == "2597.03"  # 31164.38 / 12
    assert str(figure(b.money, "Cost per completion").value) == "5194.06"  # / 6
    benefit = figure(b.money, "Benefit–cost estimate (CARA)")
    assert benefit.value is None
    assert benefit.shown == ("No evaluation run for CARA in Test Force has been signed off as the "
                            "headline yet: an analyst proposes a finished run and a second "
                            "analyst approves it.")
    assert "34,015.00" in benefit.numerator and "2016/17" in benefit.numerator


def test_empty_states_are_honest(cast):
    oversee(cast)
    b = board(cast)
    assert figure(b.headline, "Referrals").shown == "No referrals recorded yet"
    cara = next(s for s in b.reoffending if s.programme == "CARA")
    assert cara.empty == ("No evaluation run for CARA in Test Force has been signed off as the "
                            "headline yet: an analyst proposes a finished run and a second "
                            "analyst approves it.")
    assert figure(b.money, "Cost per referral").shown == "No referrals recorded yet"


def test_filters_narrow_the_counts(filled):
    assert figure(board(filled, programme="JUNO").headline,
                  "Cases recorded for a programme").value is None
    other_provider = filled.outsider_org  # nothing was referred to it
    assert figure(board(filled, provider=other_provider).headline,
                  "Cases recorded for a programme").value is None
    # Only referred cases have a provider: 2 + 3 + 6 + 1.
    assert figure(board(filled, provider=filled.orgs["provider"]).headline,
                  "Cases recorded for a programme").value == 12
    outside = selectors.Filters(start=date(2025, 1, 1), end=date(2025, 3, 31))
    assert selectors.dashboard(filled.users[Role.COMMISSIONER], outside).headline[0].value is None


def test_equality_splits_are_suppressed(filled):
    sex = board(filled).table("equality_sex")
    rows = dict(sex.rows)
    # recorded, referred, started, first contacted, completed
    assert rows["Male"][2:] == [6, 0, 6]
    # 3 women are hidden; the column's total would give them away, so the smallest other
    # non-zero entry (21 men) is hidden too: hiding the empty group's 0 would not protect
    # them, as a group with no cases is known to be empty.
    assert rows["Female"][:2] == ["[c]", "[c]"]  # 3 recorded, 3 referred
    assert rows["Male"][:2] == ["[c]", "[c]"]
    assert rows["Not known"] == [0, 0, 0, 0, 0]
    assert sex.total[1][0] == 24
    assert sex.any_suppressed
    age = dict(board(filled).table("equality_age_band").rows)
    assert age["18 to 24"][4] == 6  # completed; born 2003: 23 in May 2026
    ethnic = dict(board(filled).table("equality_ethnic_group").rows)
    assert ethnic["Black or Black British"][0] == "[c]"


def test_other_offices_and_forces_are_not_counted(filled):
    other = other_office(filled)
    b = selectors.dashboard(other, selectors.Filters(start=date(2026, 4, 1),
                                                     end=date(2026, 6, 30)))
    # The other office oversees the outsider force only: its 7 completed, nothing of ours.
    assert figure(b.headline, "Cases recorded for a programme").value == 7
    assert figure(b.money, "Contract cost in the period").value == 0


def test_dashboard_page_shows_charts_tables_and_words(filled, client):
    client.force_login(filled.users[Role.COMMISSIONER])
    page = client.get(reverse("commissioning:dashboard"), Q2).content.decode()
    assert "<svg" in page and 'role="img"' in page
    assert "Numerator: people who completed." in page
    assert "Denominator: people who started." in page
    assert "Equality monitoring by sex" in page
    assert "<script>" not in page


@pytest.mark.parametrize(("query", "field", "message"), [
    ({"from_quarter": "2026-04-01", "to_quarter": "2025-01-01"}, "to_quarter",
     "The period ends before it starts"),
    ({"from_quarter": "2026-04-01", "to_quarter": "2099-01-01"}, "to_quarter",
     "it cannot be in the future"),
    ({"from_quarter": "yesterday", "to_quarter": "2026-04-01"}, "from_quarter",
     "Choose a quarter from the list"),
    ({"from_quarter": "2026-04-01", "to_quarter": "2026-04-01", "force": "99999"}, "force",
     "Choose a force from the list"),
])
def test_impossible_periods_give_a_clear_message_not_an_empty_chart(filled, client, query,
                                                                   field, message):
    client.force_login(filled.users[Role.COMMISSIONER])
    response = client.get(reverse("commissioning:dashboard"), query)
    page = response.content.decode()
    assert response.status_code == 200
    assert "There is a problem" in page and f'href="#id_{field}"' in page
    assert message in page
    assert "<svg" not in page


def test_another_offices_force_cannot_be_chosen(filled, client):
    other_office(filled)
    client.force_login(filled.users[Role.COMMISSIONER])
    page = client.get(reverse("commissioning:dashboard"),
                      {**Q2, "force": filled.outsider_org.pk}).content.decode()
    assert "Choose a force from the list" in page


def test_csv_download_is_suppressed_and_logged(filled, client):
    user = filled.users[Role.COMMISSIONER]
    client.force_login(user)
    before = ProcessingLog.objects.count()
    response = client.get(reverse("commissioning:dashboard_export",
                                  args=["equality_sex", "csv"]), Q2)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    body = response.content.decode("utf-8-sig")
    assert "Female,[c]" in body and "Male,[c],[c],6" in body
    assert ProcessingLog.objects.count() == before + 1
    row = ProcessingLog.objects.order_by("-id").first()
    assert row.operation == "disclosure" and row.actor == user
    assert "Equality monitoring by sex" in row.justification and user.username in row.recipient


def test_xlsx_download_opens_and_is_logged(filled, client):
    client.force_login(filled.users[Role.COMMISSIONER])
    response = client.get(reverse("commissioning:dashboard_export",
                                  args=["quarters", "xlsx"]), Q2)
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    values = [[c.value for c in row] for row in sheet.iter_rows()]
    assert ["Quarter", "CARA", "JUNO", "Total"] in values
    assert ["Apr to Jun 2026", 24, 0, 24] in values
    assert ProcessingLog.objects.filter(operation="disclosure").count() == 1


def test_unknown_tables_and_formats_are_404_and_not_logged(filled, client):
    client.force_login(filled.users[Role.COMMISSIONER])
    url = reverse("commissioning:dashboard_export", args=["people", "csv"])
    assert client.get(url, Q2).status_code == 404
    url = reverse("commissioning:dashboard_export", args=["quarters", "pdf"])
    assert client.get(url, Q2).status_code == 404
    assert not ProcessingLog.objects.filter(operation="disclosure").exists()


def test_download_with_a_bad_period_goes_back_to_the_dashboard(filled, client):
    client.force_login(filled.users[Role.COMMISSIONER])
    url = reverse("commissioning:dashboard_export", args=["quarters", "csv"])
    response = client.get(url, {"from_quarter": "2026-04-01", "to_quarter": "2025-01-01"})
    assert response.status_code == 302
    assert not ProcessingLog.objects.filter(operation="disclosure").exists()


def test_stale_aggregates_queue_a_recount(cast, client, run_worker,
                                          django_capture_on_commit_callbacks):
    from django.core.cache import cache

    from diversion.commissioning.models import DashboardAggregate

    oversee(cast)
    make_cases(cast, cast.orgs["force"], 6, status="completed")
    client.force_login(cast.users[Role.COMMISSIONER])
    cache.delete("commissioning:refresh-queued")
    with django_capture_on_commit_callbacks(execute=True):
        client.get(reverse("commissioning:dashboard"), Q2)
    assert not DashboardAggregate.objects.exists()
    run_worker()
    assert DashboardAggregate.objects.get().count == 6


def test_closed_after_a_completion_counts_as_completed_and_closed_without_referral_does_not(
        cast):
    oversee(cast)
    make_cases(cast, cast.orgs["force"], 6, status="closed")  # with referrals: completed first
    from diversion.cases.models import Case

    Case.objects.filter(status="closed").first().referral.delete()  # cautioned, then closed
    refresh()
    b = board(cast)
    assert figure(b.headline, "Cases recorded for a programme").value == 6
    assert figure(b.headline, "Completions").value == 5
    assert figure(b.headline, "Referrals").value == 5


def test_a_case_closed_after_a_breach_is_a_breach_not_a_completion(cast):
    """The bare "closed" status used to count every referred closed case as completed; the
    recorded reason decides now (a breached case could not close before)."""
    oversee(cast)
    make_cases(cast, cast.orgs["force"], 5, status="closed")
    make_cases(cast, cast.orgs["force"], 3, status="closed", closed_for="prosecuted_after_breach")
    make_cases(cast, cast.orgs["force"], 4, status="closed", closed_for="nfa_after_breach")
    make_cases(cast, cast.orgs["force"], 2, status="decided")
    refresh()
    b = board(cast)
    assert figure(b.headline, "Referrals").value == 14
    assert figure(b.headline, "Completions").value == 5
    assert figure(b.headline, "Breaches").value == 9


def test_referrals_count_in_the_quarter_they_were_made(cast):
    oversee(cast)
    make_cases(cast, cast.orgs["force"], 5, status="referred", on=date(2026, 7, 2))
    refresh()
    assert figure(board(cast).headline, "Referrals").value is None  # Apr-Jun: none
    july = selectors.Filters(start=date(2026, 7, 1), end=date(2026, 9, 30))
    got = selectors.dashboard(cast.users[Role.COMMISSIONER], july)
    assert figure(got.headline, "Referrals").value == 5
