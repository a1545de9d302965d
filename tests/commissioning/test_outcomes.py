"""The delivery and outcome figures, built through the services that
record contacts, attendance, questionnaires, completions and victims' follow-ups."""

from __future__ import annotations

import io
import re
import zipfile
from datetime import datetime, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from diversion.accounts.roles import Role
from diversion.audit.models import ProcessingLog
from diversion.cases.lifecycle import Status
from diversion.cases.services import transition
from diversion.commissioning import figures, selectors
from diversion.commissioning.models import OutcomeAggregate, StatisticsRelease
from diversion.delivery.booking import book
from diversion.delivery.models import WorkshopEvent
from diversion.delivery.services import record_contact, record_questionnaire, record_register
from diversion.disposals.models import Disposal, Referral
from diversion.victims.models import Victim
from diversion.victims.services import record_follow_up
from tests.commissioning.helpers import make_contract, oversee, refresh
from tests.commissioning.test_releases import _identifiers
from tests.delivery.helpers import make_event, referred_case
from tests.victims.helpers import make_victim

pytestmark = pytest.mark.django_db

# Days from caution to the first successful contact for ten referred men.
CONTACT_DAYS = [1, 2, 3, 4, 14, 15, 16, 20, 30, 40]


def today():
    return timezone.localdate()


@pytest.fixture
def delivered(cast):
    """Ten cases referred today, each cautioned CONTACT_DAYS[i] + 10 days ago and first contacted
    10 days ago; the first five completed today; one of the others attended part A."""
    oversee(cast)
    worker = cast.users[Role.FACILITATOR]
    cases = []
    for days in CONTACT_DAYS:
        case = referred_case(cast, status="referred")
        caution = today() - timedelta(days=days + 10)
        Disposal.objects.filter(case=case).update(disposal_date=caution)
        # A failed attempt first: only a successful contact counts as first contact.
        record_contact(worker, case, made_on=caution, method="phone", outcome="no_answer")
        record_contact(worker, case, made_on=today() - timedelta(days=10), method="phone",
                       outcome="contacted")
        record_contact(worker, case, made_on=today() - timedelta(days=2), method="phone",
                       outcome="contacted")  # a later contact changes nothing
        case.refresh_from_db()
        cases.append(case)
    for case in cases[:5]:
        transition(worker, case, Status.COMPLETED, expected_version=case.version,
                   title="Programme completed")
    event = make_event(cast, days=7)
    booking = book(worker, cases[5], event.pk)
    WorkshopEvent.objects.filter(pk=event.pk).update(starts_on=today())
    event.refresh_from_db()
    record_register(worker, event, {booking.pk: ("attended", "")})
    return cast, cases


def board(cast, **extra):
    start = figures.quarter_start(today())
    f = selectors.Filters(start=start, end=figures.quarter_end(start), **extra)
    return selectors.dashboard(cast.users[Role.COMMISSIONER], f)


def figure(items, label):
    return next(f for f in items if f.label == label)


@pytest.fixture
def low_threshold(settings):
    settings.DISCLOSURE_THRESHOLD = 2


def test_first_contact_completion_and_starts(delivered, low_threshold):
    cast, _ = delivered
    make_contract(cast, start_date=today() - timedelta(days=400),
                  end_date=today() + timedelta(days=400), target_days_to_first_contact=20)
    refresh()
    b = board(cast)
    contact = figure(b.headline, "Days from caution to first contact (median)")
    assert contact.value == 14.5  # middle of 14 and 15
    assert contact.denominator == "people referred who were contacted (10)"
    within = figure(b.headline, "First contact within the contract's target")
    assert within.value == pytest.approx(80.0)  # 8 of 10 within the contract's 20 days
    assert "20 days" in within.numerator
    completion = figure(b.headline, "Days from caution to completion (median)")
    assert completion.value == 13.0  # 11, 12, 13, 14, 24 days
    assert figure(b.headline, "Starts").value == 6  # 5 completed + 1 attended part A
    assert figure(b.headline, "Completions").value == 5
    delivery = dict(b.table("delivery").rows)
    assert delivery[figures.quarter_label(today())] == [6, 10, 5]


def test_first_contact_target_defaults_to_14_days_without_a_contract(delivered, low_threshold):
    refresh()
    within = figure(board(delivered[0]).headline, "First contact within the contract's target")
    assert within.value == pytest.approx(50.0)  # 1, 2, 3, 4, 14 of the ten


def test_small_groups_withhold_medians_and_shares(delivered):
    refresh()  # the default threshold of 5
    b = board(delivered[0])
    # 10 contacted, 5 within 14 days and 5 beyond: shown.
    assert figure(b.headline, "First contact within the contract's target").value == 50.0
    # 5 completions: the median is shown; filtered to a quarter with none it is empty.
    assert figure(b.headline, "Days from caution to completion (median)").value == 13.0
    withheld = board(delivered[0], programme="JUNO")
    assert figure(withheld.headline, "Days from caution to first contact (median)"
                  ).shown == "No first contact recorded yet"


def test_a_median_of_fewer_than_the_threshold_is_withheld(cast):
    oversee(cast)
    worker = cast.users[Role.FACILITATOR]
    for _ in range(3):
        case = referred_case(cast, status="referred")
        record_contact(worker, case, made_on=today(), method="phone", outcome="contacted")
    refresh()
    contact = figure(board(cast).headline, "Days from caution to first contact (median)")
    assert contact.value is None and contact.shown.startswith("Withheld")
    assert contact.denominator == "people referred who were contacted"  # no count shown


def _answers(partner: int, children: int) -> dict[str, int]:
    return {"abuse_harms_children": 4, "own_responsibility": 4, "ask_for_help": 3,
            "changed_attitude_partner": partner, "changed_attitude_children": children}


def test_attitude_questionnaire_shares(delivered, low_threshold):
    cast, cases = delivered
    worker = cast.users[Role.FACILITATOR]
    # partner: 5, 4, 4, 5 agree; 3, 2 do not. children: 4, 5, 3 agree... see below.
    for case, (partner, children) in zip(cases, [(5, 4), (4, 5), (4, 3), (5, 2), (3, 4), (2, 1)],
                                         strict=False):
        record_questionnaire(worker, case, "cara_post", _answers(partner, children))
    record_questionnaire(worker, cases[6], "cara_pre",  # no attitude-change items: not counted
                         {"abuse_harms_children": 1, "own_responsibility": 1, "ask_for_help": 1})
    refresh()
    b = board(cast)
    partner = figure(b.outcomes, "Said the workshops changed their attitude to their partner")
    assert partner.value == pytest.approx(100 * 4 / 6)
    assert partner.denominator == "people who answered that question"
    children = figure(b.outcomes, "Said the workshops changed their attitude to their children")
    assert children.value == pytest.approx(50.0)  # 4, 5, 4 of six
    table = dict(b.table("attitude").rows)
    assert table["To my partner"] == [4, 2, 6] and table["To my children"] == [3, 3, 6]


def test_attitude_share_is_withheld_when_few_disagree(delivered):
    cast, cases = delivered
    worker = cast.users[Role.FACILITATOR]
    for case in cases[:6]:
        record_questionnaire(worker, case, "cara_post", _answers(5, 5))
    record_questionnaire(worker, cases[6], "cara_post", _answers(1, 1))
    refresh()
    partner = figure(board(cast).outcomes,
                     "Said the workshops changed their attitude to their partner")
    # 6 of 7: the one who disagreed could be found by subtraction, so nothing is shown.
    assert partner.value is None and partner.shown.startswith("Withheld")


def _follow_up(cast, victim, case, point, days_ago, change):
    record_follow_up(cast.users[Role.VICTIM_WORKER], victim=victim, case=case, point=point,
                     contacted_on=today() - timedelta(days=days_ago), still_in_contact="yes",
                     change=change, own_words="")


def test_victim_feedback_uses_each_victims_latest_follow_up(delivered, low_threshold):
    cast, cases = delivered
    a, b_, c, d = (make_victim(cast, case=cases[i]) for i in range(4))
    _follow_up(cast, a, cases[0], "during_workshops", 30, "negative")
    _follow_up(cast, a, cases[0], "three_months", 5, "positive")  # the latest counts
    _follow_up(cast, b_, cases[1], "during_workshops", 10, "positive")
    _follow_up(cast, c, cases[2], "during_workshops", 10, "none")
    _follow_up(cast, d, cases[3], "during_workshops", 10, "negative")
    refresh()
    b = board(cast)
    victims = figure(b.outcomes, "Victims reporting a positive change")
    assert victims.value == pytest.approx(50.0)  # 2 of 4 victims, not 2 of 5 follow-ups
    assert victims.denominator == "victims followed up (each victim's latest follow-up)"
    table = dict(b.table("victim_feedback").rows)
    # Ones are below even this threshold of 2, so the table withholds them.
    assert table == {"Positive change": [2, 2], "No change": ["[c]", "[c]"],
                     "Negative change": ["[c]", "[c]"]}


def test_victim_feedback_is_suppressed_at_the_default_threshold(delivered):
    cast, cases = delivered
    for i in range(4):
        _follow_up(cast, make_victim(cast, case=cases[i]), cases[i], "during_workshops", 3,
                   "positive")
    refresh()
    b = board(cast)
    victims = figure(b.outcomes, "Victims reporting a positive change")
    assert victims.value is None and victims.shown.startswith("Withheld")
    table = dict(b.table("victim_feedback").rows)
    assert table["Positive change"] == ["[c]", "[c]"]
    assert b.table("victim_feedback").total[1] == ["[c]", "[c]"]


def test_equality_tables_split_starts_and_first_contacts(delivered):
    refresh()
    sex = dict(board(delivered[0]).table("equality_sex").rows)
    # recorded, referred, started, first contacted, completed
    assert sex["Male"] == [10, 10, 6, 10, 5]


def test_other_offices_see_none_of_it(delivered):
    from tests.commissioning.helpers import other_office

    refresh()
    other = other_office(delivered[0])
    assert not selectors.policy.visible(other, OutcomeAggregate).exists()
    for role in (Role.FACILITATOR, Role.DECISION_MAKER, Role.VICTIM_WORKER):
        assert not selectors.policy.visible(delivered[0].users[role], OutcomeAggregate).exists()


def test_new_tables_export_log_and_publish_without_identifiers(delivered, client):
    cast, cases = delivered
    worker = cast.users[Role.FACILITATOR]
    for case in cases[:6]:
        record_questionnaire(worker, case, "cara_post", _answers(5, 4))
    for i in range(6):
        _follow_up(cast, make_victim(cast, case=cases[i], given_name=f"Ottoline{i}",
                                     family_name=f"Vexbridge{i}"),
                   cases[i], "during_workshops", 3, "positive" if i % 2 else "none")
    # Releases are for quarters that have ended: date the referrals in the last one.
    last = figures.quarter_start(figures.quarter_start(today()) - timedelta(days=1))
    Referral.objects.filter(case__in=cases).update(
        referred_at=timezone.make_aware(datetime(last.year, last.month, 2, 12)))
    refresh()
    user = cast.users[Role.COMMISSIONER]
    client.force_login(user)
    quarter = last.isoformat()
    query = {"from_quarter": quarter, "to_quarter": quarter}
    bodies = [client.get(reverse("commissioning:dashboard"), query).content]
    keys = ("delivery", "attitude", "victim_feedback", "equality_sex")
    before = ProcessingLog.objects.filter(operation="disclosure").count()
    for key in keys:
        for fmt in ("csv", "xlsx"):
            response = client.get(reverse("commissioning:dashboard_export", args=[key, fmt]),
                                  query)
            assert response.status_code == 200
            bodies.append(response.content)
    assert ProcessingLog.objects.filter(operation="disclosure").count() == before + 8
    client.post(reverse("commissioning:release_list"), {"quarter": quarter})
    release = StatisticsRelease.objects.get()
    assert {"delivery", "attitude", "victim_feedback"} <= {
        t["key"] for t in release.snapshot["tables"]}
    client.post(reverse("commissioning:release_publish", args=[release.pk]))
    client.logout()
    page = client.get(reverse("statistics:release", args=[release.pk]))
    assert "Victims reporting a positive change" in page.content.decode()
    bodies.append(page.content)
    for key in keys:
        bodies.append(client.get(reverse("statistics:export", args=[release.pk, key, "csv"]))
                      .content)
    texts = []
    for body in bodies:
        if body[:2] == b"PK":
            with zipfile.ZipFile(io.BytesIO(body)) as z:
                texts += [z.read(n).decode("utf-8", "replace") for n in z.namelist()]
        else:
            texts.append(body.decode("utf-8", "replace"))
    identifiers = _identifiers() | {v.given_name for v in Victim.objects.all()} | {
        v.family_name for v in Victim.objects.all()} | {c.reference for c in cases}
    hits = [value for value in identifiers for text in texts
            if re.search(r"(?<![\w/])" + re.escape(value) + r"(?![\w/])", text)]
    assert hits == []


def test_demo_dashboard_shows_the_new_figures_and_demo_data_is_idempotent():
    from django.core.management import call_command

    from diversion.accounts.models import User
    from diversion.cases.models import Case

    call_command("demo_data", "--people", "40", "--quiet")
    call_command("demo_data", "--people", "40", "--quiet")  # again: nothing duplicated
    assert Case.objects.filter(reference__startswith="DEMO-COHORT-").count() == 24
    user = User.objects.get(username="commissioner.adeyemi")
    this = figures.quarter_start(today())
    start = figures.quarters(this - timedelta(days=300), this)[-4]
    b = selectors.dashboard(user, selectors.Filters(start=start, end=figures.quarter_end(this)))
    for items, label in (
            (b.headline, "Days from caution to first contact (median)"),
            (b.headline, "First contact within the contract's target"),
            (b.headline, "Days from caution to completion (median)"),
            (b.headline, "Starts"),
            (b.outcomes, "Said the workshops changed their attitude to their partner"),
            (b.outcomes, "Said the workshops changed their attitude to their children"),
            (b.outcomes, "Victims reporting a positive change")):
        assert figure(items, label).value is not None, label
