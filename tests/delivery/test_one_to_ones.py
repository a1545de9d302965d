"""JUNO one-to-one sessions (the programme file's `one_to_ones`) and the SWEMWBS change on the
provider case page; police see held / did-not-attend counts and dates only."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from diversion.accounts.models import Organisation
from diversion.accounts.roles import Role
from diversion.audit.models import ProcessingLog
from diversion.delivery.models import OneToOneSession
from diversion.delivery.services import completion_gaps, record_questionnaire
from diversion.programmes import registry
from tests.delivery.helpers import referred_case
from tests.factories import make_user

pytestmark = pytest.mark.django_db

SWEMWBS_ITEMS = ["optimistic", "useful", "relaxed", "problems", "thinking", "close", "own_mind"]


def _post(client, case, *, days_ago=1, outcome="held", minutes="60", note="Talked about sleep"):
    on = timezone.localdate() - timedelta(days=days_ago)
    data = {"held_on_0": on.day, "held_on_1": on.month, "held_on_2": on.year,
            "outcome": outcome, "minutes": minutes, "note": note}
    return client.post(reverse("delivery:one_to_one", args=[case.pk]),
                       {f"one_to_one-{key}": value for key, value in data.items()})


def test_programme_file_declares_one_to_ones():
    spec = registry.get("juno", 1).one_to_ones
    assert spec is not None and spec.expected == 4 and spec.required_held == 2
    assert spec.counts_towards_completion and not spec.missed_is_breach
    assert registry.get("cara", 1).one_to_ones is None


def test_facilitator_records_one_to_ones_and_completion_follows_the_file(cast, client):
    case = referred_case(cast, programme="juno")
    client.force_login(cast.users[Role.FACILITATOR])
    page = client.get(reverse("delivery:case", args=[case.pk])).content.decode()
    assert "0 held of 4 planned" in page and "2 must be held to complete" in page
    assert "2 one-to-one support sessions must be held (0 so far)" in completion_gaps(case)
    logged = ProcessingLog.objects.count()
    assert _post(client, case).status_code == 302
    assert ProcessingLog.objects.count() > logged
    assert _post(client, case, days_ago=2, outcome="did_not_attend", minutes="").status_code \
        == 302
    case.refresh_from_db()
    assert case.status == "in_progress"  # the file says a missed one-to-one is not a breach
    assert "2 one-to-one support sessions must be held (1 so far)" in completion_gaps(case)
    assert _post(client, case, days_ago=0, outcome="cancelled_by_provider",
                 minutes="").status_code == 302
    assert _post(client, case, days_ago=0, minutes="90").status_code == 302
    assert not any("support sessions" in gap for gap in completion_gaps(case))
    rows = list(OneToOneSession.objects.filter(case=case).values_list("outcome", "minutes"))
    assert sorted(rows) == sorted([("held", 60), ("did_not_attend", 0),
                                   ("cancelled_by_provider", 0), ("held", 90)])
    page = client.get(reverse("delivery:case", args=[case.pk])).content.decode()
    assert "2 held of 4 planned" in page and "Talked about sleep" in page


@pytest.mark.parametrize("data, message", [
    ({"minutes": ""}, "Enter how long the session lasted"),
    ({"minutes": "121"}, "120 minutes or fewer"),
    ({"minutes": "ten"}, "number of minutes"),
    ({"outcome": ""}, "Choose whether the session was held"),
    ({"outcome": "maybe"}, "Select a valid choice"),
    ({"days_ago": -1}, "cannot be in the future"),
    ({"days_ago": 30}, "cannot be before the caution"),
    ({"note": "x" * 1001}, "1000"),
])
def test_bad_input_is_refused_on_the_page(cast, client, data, message):
    case = referred_case(cast, programme="juno")
    client.force_login(cast.users[Role.FACILITATOR])
    response = _post(client, case, **data)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not OneToOneSession.objects.exists()


def test_refused_when_the_case_is_not_in_progress(cast, client):
    case = referred_case(cast, programme="juno", status="referred")
    client.force_login(cast.users[Role.FACILITATOR])
    response = _post(client, case)
    assert response.status_code == 400 and "while it is in progress" in response.content.decode()


def test_programme_without_one_to_ones_is_a_404(cast, client):
    case = referred_case(cast, programme="cara")
    client.force_login(cast.users[Role.FACILITATOR])
    assert _post(client, case).status_code == 404
    page = client.get(reverse("delivery:case", args=[case.pk])).content.decode()
    assert "planned" not in page


def test_another_providers_case_is_a_404(cast, client):
    case = referred_case(cast, programme="juno")
    other = Organisation.objects.create(name="Other Provider", kind="provider", code="op3")
    client.force_login(make_user("other_facilitator_121", Role.FACILITATOR, other))
    assert _post(client, case).status_code == 404
    assert not OneToOneSession.objects.exists()


def test_police_cannot_record_and_see_counts_and_dates_only(cast, client):
    case = referred_case(cast, programme="juno")
    client.force_login(cast.users[Role.FACILITATOR])
    _post(client, case, days_ago=3, note="Private trauma detail")
    _post(client, case, days_ago=2, outcome="did_not_attend", minutes="", note="Phoned")
    _post(client, case, days_ago=1, outcome="cancelled_by_provider", minutes="")
    client.force_login(cast.users[Role.DECISION_MAKER])
    assert _post(client, case).status_code == 403
    page = client.get(reverse("delivery:progress", args=[case.pk])).content.decode()
    held_on = timezone.localdate() - timedelta(days=3)
    assert "1 of 4 planned" in page and f"{held_on:%-d %b %Y}" in page
    assert "Did not attend" in page
    assert "Private trauma detail" not in page and "Phoned" not in page
    assert "60" not in page.split('id="one-to-ones"')[1].split("</dl>")[0]


def test_swemwbs_change_on_the_provider_case_page(cast, client):
    facilitator = cast.users[Role.FACILITATOR]
    case = referred_case(cast, programme="juno")
    client.force_login(facilitator)
    page = client.get(reverse("delivery:case", args=[case.pk])).content.decode()
    assert "No start score" in page
    # raw 14 -> 15.32; raw 21 -> 19.25: change 3.93, meaningful (3 or more)
    record_questionnaire(facilitator, case, "swemwbs_pre", dict.fromkeys(SWEMWBS_ITEMS, 2))
    page = client.get(reverse("delivery:case", args=[case.pk])).content.decode()
    assert "No end score yet" in page
    record_questionnaire(facilitator, case, "swemwbs_post", dict.fromkeys(SWEMWBS_ITEMS, 3))
    page = client.get(reverse("delivery:case", args=[case.pk])).content.decode()
    assert "15.32 to 19.25: change 3.93 points" in page
    assert "Improved by a meaningful amount" in page
