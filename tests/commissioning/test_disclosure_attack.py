"""The commissioner's dashboard, downloads and statistics releases, attacked: every withheld
cell is solved for by integer programming over everything published together
(tests/disclosure_attack.py), with what a reader knows links the tables."""

from __future__ import annotations

import csv
import io
from datetime import date, timedelta

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from diversion.accounts.roles import Role
from diversion.commissioning import figures, selectors
from diversion.commissioning.models import DashboardAggregate, OutcomeAggregate, StatisticsRelease
from tests.commissioning.helpers import oversee
from tests.disclosure_attack import MARKER, Published, recover, weak

pytestmark = pytest.mark.django_db

Q2 = {"from_quarter": "2026-04-01", "to_quarter": "2026-04-01"}
EQUALITY = ("equality_sex", "equality_age_band", "equality_ethnic_group")
HEADLINE = {"Cases recorded for a programme": 0, "Referrals": 1, "Starts": 2, "Completions": 4}


def _counts(cast, *, recorded: dict[str, int], started: dict[str, int],
            status: str = "in_progress", breached: int = 0) -> None:
    """The recount's output for Apr-Jun 2026, as the aggregates task writes it: cases per
    sex at `status` (men 35-44, White), and starts (attendance) per sex."""
    force, provider = cast.orgs["force"], cast.orgs["provider"]
    now = timezone.now()
    common = {"force": force, "provider": provider, "programme_code": "CARA",
              "quarter_start": date(2026, 4, 1), "age_band": "35 to 44",
              "ethnic_group": "White", "computed_at": now}
    for sex, n in recorded.items():
        DashboardAggregate.objects.create(status=status, sex=sex, count=n, **common)
    if breached:
        DashboardAggregate.objects.create(status="breached", sex="M", count=breached, **common)
    for sex, n in started.items():
        for measure in (OutcomeAggregate.Measure.STARTED,
                        OutcomeAggregate.Measure.FIRST_CONTACTED):
            OutcomeAggregate.objects.create(measure=measure, value=1, sex=sex, count=n,
                                            **common)


def _number(text):
    return text if text == MARKER else int(str(text).replace(",", ""))


def _published(table: dict) -> Published:
    """A table as a download or a release holds it (label column dropped)."""
    grid = [[_number(v) for v in values] for _, values in table["rows"]]
    grid.append([_number(v) for v in table["total"][1]])
    return Published(grid, row_totals=table["columns"][-1] == "Total")


def _from_csv(body: str) -> Published:
    rows = list(csv.reader(io.StringIO(body)))
    header = next(i for i, row in enumerate(rows) if row and row[-1] in ("Total", "Completed"))
    grid = [[_number(v) for v in row[1:]] for row in rows[header + 1:] if row]
    return Published(grid, row_totals=rows[header][-1] == "Total")


def _known(tables: dict[str, Published], headline: dict[str, int | str]) -> list:
    """What a reader knows, written apart from the code under test: each equality table
    counts the same people by a different split; a group's referrals are among its cases, its
    starts, contacts and completions among its referrals, its completions among its starts;
    the headline counts are the equality tables' totals; the quarters table's total is the
    cases recorded; the delivery table's starts and contacts are the equality tables'."""
    known = []
    split = [k for k in EQUALITY if k in tables]
    for key in split:
        for i in range(len(tables[key].grid)):
            known += [((key, i, 1), "<=", (key, i, 0)), ((key, i, 2), "<=", (key, i, 1)),
                      ((key, i, 3), "<=", (key, i, 1)), ((key, i, 4), "<=", (key, i, 1)),
                      ((key, i, 4), "<=", (key, i, 2))]
    for a, b in zip(split, split[1:], strict=False):
        last_a, last_b = len(tables[a].grid) - 1, len(tables[b].grid) - 1
        known += [((a, last_a, j), "==", (b, last_b, j)) for j in range(5)]
    first = split[0]
    total_row = len(tables[first].grid) - 1
    if "quarters" in tables:
        q = tables["quarters"].grid
        known.append((("quarters", len(q) - 1, len(q[0]) - 1), "==", (first, total_row, 0)))
    if "delivery" in tables:
        d = len(tables["delivery"].grid) - 1
        known += [(("delivery", d, 0), "==", (first, total_row, 2)),
                  (("delivery", d, 1), "==", (first, total_row, 3))]
    for label, column in HEADLINE.items():
        if label in headline:
            name = f"headline {label}"
            tables[name] = Published([[headline[label]]], row_totals=False, column_totals=False)
            known.append(((name, 0, 0), "==", (first, total_row, column)))
    return known


def _holds(known, tables_true) -> list:
    """Keep what is true of these counts (a reader cannot use what is false)."""
    def value(ref):
        return tables_true[ref[0]][ref[1]][ref[2]]
    return [k for k in known if (value(k[0]) == value(k[2]) if k[1] == "==" else
                                 value(k[0]) <= value(k[2]))]


def test_an_empty_group_cannot_stand_in_for_the_other_small_cell_in_a_download(cast, client):
    # 21 men and 2 women started; nobody of unknown sex has a case. Hiding the unknown group's
    # 0 beside the women's 2 gave the 2 away (23 - 21), as a group with no cases started none.
    oversee(cast)
    _counts(cast, recorded={"M": 30, "F": 5}, started={"M": 21, "F": 2})
    client.force_login(cast.users[Role.COMMISSIONER])
    response = client.get(reverse("commissioning:dashboard_export",
                                  args=["equality_sex", "csv"]), Q2)
    assert response.status_code == 200
    table = {"equality_sex": _from_csv(response.content.decode("utf-8-sig"))}
    grid = table["equality_sex"].grid
    assert grid[1][2] == MARKER  # the women's 2 starts
    assert grid[2] == [0, 0, 0, 0, 0]  # the empty group is shown as empty
    found = recover(table, _known(table, {}))
    assert found and weak(found, 5) == {}, weak(found, 5)


def test_a_release_survives_recovery_across_all_its_tables_and_headline_counts(cast, client):
    oversee(cast)
    _counts(cast, recorded={"M": 30, "F": 5}, started={"M": 21, "F": 2}, breached=3)
    client.force_login(cast.users[Role.COMMISSIONER])
    assert client.post(reverse("commissioning:release_list"),
                       {"quarter": "2026-04-01"}).status_code == 302
    snapshot = StatisticsRelease.objects.get().snapshot
    tables = {t["key"]: _published(t) for t in snapshot["tables"]}
    headline = {f["label"]: _number(f["shown"]) for f in snapshot["headline"]
                if f["label"] in HEADLINE and not str(f["shown"]).startswith("No ")}
    assert headline["Starts"] == 23 and headline["Referrals"] == 38
    found = recover(tables, _known(tables, headline))
    assert found and weak(found, 5) == {}, weak(found, 5)
    breaches = next(f for f in snapshot["headline"] if f["label"] == "Breaches")
    assert breaches["shown"] == MARKER  # 3


def test_the_demo_release_survives_recovery():
    call_command("demo_data", "--people", "40", "--quiet")
    from diversion.accounts.models import User

    user = User.objects.get(username="commissioner.adeyemi")
    this = figures.quarter_start(timezone.localdate())
    quarters = figures.quarters(this - timedelta(days=300), this)
    board = selectors.dashboard(user, selectors.Filters(start=quarters[0],
                                                        end=figures.quarter_end(this)))
    truth = {}
    shown = {}
    for t in board.tables:
        if t.counts is None:
            continue
        spec = t.spec()
        truth[t.key] = [list(map(int, row)) for row in spec.grid()]
        if not t.row_totals:  # the grid's total column is not published
            truth[t.key] = [row[:-1] for row in truth[t.key]]
        shown[t.key] = _published(t.to_json())
    assert any(v == MARKER for p in shown.values() for row in p.grid for v in row), \
        "the demo should have something withheld to attack"
    headline = {f.label: _number(f.shown) for f in board.headline
                if f.label in HEADLINE and f.value is not None}
    known = _known(shown, headline)
    first = next(k for k in EQUALITY if k in truth)
    for label, column in HEADLINE.items():  # a headline count is its equality total
        truth[f"headline {label}"] = [[truth[first][-1][column]]]
    found = recover(shown, _holds(known, truth))
    assert weak(found, 5) == {}, weak(found, 5)


def test_breaches_say_none_recorded_when_there_are_referrals(cast, client):
    oversee(cast)
    _counts(cast, recorded={"M": 8}, started={}, status="referred")
    client.force_login(cast.users[Role.COMMISSIONER])
    page = client.get(reverse("commissioning:dashboard"), Q2).content.decode()
    assert "No breaches recorded yet" in page
    row = page[page.index(">Breaches<"):]
    row = row[:row.index("</tr>")]
    assert "No referrals recorded yet" not in row and "No breaches recorded yet" in row
    starts = page[page.index(">Starts<"):]
    assert "No starts recorded yet" in starts[:starts.index("</tr>")]
    referrals = page[page.index(">Referrals<"):]
    assert ">8<" in referrals[:referrals.index("</tr>")].replace(" ", "")


@pytest.mark.parametrize("bad", [1, 0, -2, "5"])
def test_a_threshold_that_would_suppress_nothing_fails_the_system_check(settings, bad, cast,
                                                                         client):
    from django.core.management import call_command
    from django.core.management.base import SystemCheckError

    settings.DISCLOSURE_THRESHOLD = bad
    with pytest.raises(SystemCheckError, match="commissioning.E001"):
        call_command("check")
    oversee(cast)
    client.force_login(cast.users[Role.COMMISSIONER])
    with pytest.raises(ValueError, match="threshold"):  # and nothing is shown unprotected
        client.get(reverse("commissioning:dashboard"), Q2)


def test_the_default_threshold_passes_the_system_check(settings):
    settings.DISCLOSURE_THRESHOLD = 5
    call_command("check")
