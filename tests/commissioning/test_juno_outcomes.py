"""JUNO on the commissioner's dashboard: the SWEMWBS change from start to end (mean with 95% CI
from the engine, meaningful improvement, no end score counted) and the single-group figure
(not reoffended within 12 months of completing), both under disclosure control."""

from __future__ import annotations

from datetime import datetime, time, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from diversion.accounts.roles import Role
from diversion.cases.lifecycle import Status
from diversion.cases.models import CaseEvent
from diversion.cases.services import transition
from diversion.commissioning import figures, selectors
from diversion.delivery.services import record_contact, record_questionnaire
from tests.commissioning.helpers import oversee, refresh
from tests.delivery.helpers import referred_case
from tests.factories import make_offence

pytestmark = pytest.mark.django_db

ITEMS = ["optimistic", "useful", "relaxed", "problems", "thinking", "close", "own_mind"]
SWEMWBS = "JUNO: Change in SWEMWBS score, mean from start to end"
IMPROVED = "JUNO: improved by a meaningful amount (3 points or more)"
SINGLE = "Not reoffended within 12 months of completing (JUNO, single group)"


def board(cast):
    start = figures.quarter_start(timezone.localdate())
    return selectors.dashboard(cast.users[Role.COMMISSIONER], selectors.Filters(
        start=start, end=figures.quarter_end(start)))


def figure(items, label):
    return next(f for f in items if f.label == label)


@pytest.fixture
def scored(cast):
    """Six JUNO women with a start SWEMWBS (all 2s: metric 15.32); four have an end score:
    all 3s (19.25, +3.93), all 4s (25.03, +9.71) and two all 2s (no change)."""
    oversee(cast)
    facilitator = cast.users[Role.FACILITATOR]
    ends = [3, 4, 2, 2, None, None]
    for end in ends:
        case = referred_case(cast, programme="juno")
        record_questionnaire(facilitator, case, "swemwbs_pre", dict.fromkeys(ITEMS, 2))
        if end is not None:
            record_questionnaire(facilitator, case, "swemwbs_post", dict.fromkeys(ITEMS, end))
    refresh()
    return cast


def test_swemwbs_change_on_the_dashboard(scored, settings, client):
    settings.DISCLOSURE_THRESHOLD = 2
    b = board(scored)
    mean = figure(b.outcomes, SWEMWBS)
    # (3.93 + 9.71 + 0 + 0) / 4 = 3.41
    assert str(mean.value).startswith("+3.41 points (95% CI ")
    assert "(4)" in mean.denominator and "(2) are not in the mean" in mean.explanation
    improved = figure(b.outcomes, IMPROVED)
    assert improved.value == pytest.approx(50.0)
    table = b.table("score_change_juno")
    assert [values[0] for _, values in table.rows] == [2, 2, 0, 2]
    client.force_login(scored.users[Role.COMMISSIONER])
    page = client.get(reverse("commissioning:dashboard")).content.decode()
    assert "No end score yet" in page and "+3.41 points" in page


def test_swemwbs_change_is_withheld_for_small_groups(scored):
    b = board(scored)  # default threshold 5: four pairs are too few
    assert figure(b.outcomes, SWEMWBS).value is None
    assert figure(b.outcomes, IMPROVED).value is None
    assert [values[0] for _, values in b.table("score_change_juno").rows] == [
        "[c]", "[c]", 0, "[c]"]


def _completed(cast, days_ago: int, *, reoffend_after: int | None = None):
    facilitator = cast.users[Role.FACILITATOR]
    case = referred_case(cast, programme="juno", status="referred")
    record_contact(facilitator, case, made_on=timezone.localdate() - timedelta(days=1),
                   method="phone", outcome="contacted")
    case.refresh_from_db()
    transition(facilitator, case, Status.COMPLETED, expected_version=case.version,
               title="Programme completed")
    done = timezone.localdate() - timedelta(days=days_ago)
    CaseEvent.objects.filter(case=case, to_status=Status.COMPLETED).update(
        occurred_at=timezone.make_aware(datetime.combine(done, time(12))))
    if reoffend_after is not None:
        day = done + timedelta(days=reoffend_after)
        make_offence(case.person, f"LATER{case.pk}", offence_date=day, recorded_date=day)
    return case


def test_single_group_figure_when_there_is_no_comparison(cast, settings, client):
    settings.DISCLOSURE_THRESHOLD = 2
    oversee(cast)
    for after in (30, 200, 365):  # within 12 months of completing
        _completed(cast, 400, reoffend_after=after)
    _completed(cast, 400, reoffend_after=366)  # after the window: not reoffending
    _completed(cast, 500)
    _completed(cast, 370)
    _completed(cast, 100, reoffend_after=10)  # under 12 months of follow-up: not counted
    refresh()
    b = board(cast)
    section = next(s for s in b.reoffending if s.programme == "JUNO")
    found = figure(section.figures, SINGLE)
    assert found.value == pytest.approx(50.0)  # 3 of 6 did not reoffend
    assert "(6)" in found.denominator
    about = dict(section.about)
    assert "not a comparison" in about["Not a comparison"]
    assert "no effect can be inferred" in about["Not a comparison"]
    assert "365 days" in about["Reoffending means"] and "(6)" in about["Denominator"]
    client.force_login(cast.users[Role.COMMISSIONER])
    page = client.get(reverse("commissioning:dashboard")).content.decode()
    assert "single group, no comparison" in page and "50.0%" in page


def test_single_group_figure_is_withheld_for_small_groups(cast):
    oversee(cast)
    _completed(cast, 400, reoffend_after=30)
    for _ in range(5):
        _completed(cast, 400)
    refresh()
    section = next(s for s in board(cast).reoffending if s.programme == "JUNO")
    assert figure(section.figures, SINGLE).value is None  # one reoffended: a small count
    assert not any(s.programme == "CARA" and s.figures for s in board(cast).reoffending
                   if s.empty)
