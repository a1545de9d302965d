"""The lifecycle: every allowed transition works and every other one is refused with a reason."""

from __future__ import annotations

import pytest

from diversion.accounts.roles import Role
from diversion.cases import lifecycle, services
from diversion.cases.lifecycle import InvalidTransition, Status
from diversion.cases.models import CaseEvent
from tests.cases.helpers import make_case

ALL = Status.values
INVALID = [(a, b) for a in ALL for b in ALL if b not in lifecycle.allowed(a)]
VALID = [(a, b) for a in ALL for b in sorted(lifecycle.allowed(a))]


@pytest.mark.parametrize("current, target", INVALID)
def test_every_invalid_transition_is_refused_with_a_reason(current, target):
    with pytest.raises(InvalidTransition) as caught:
        lifecycle.check(current, target)
    message = str(caught.value)
    assert lifecycle.label(current).lower() in message
    assert len(message) > 25


@pytest.mark.parametrize("current, target", VALID)
def test_every_allowed_transition_passes(current, target):
    lifecycle.check(current, target)


def test_every_status_is_reachable_from_recorded():
    seen, frontier = {Status.RECORDED}, [Status.RECORDED]
    while frontier:
        for nxt in lifecycle.allowed(frontier.pop()):
            if nxt not in seen:
                seen.add(nxt)
                frontier.append(nxt)
    assert seen == set(ALL)


def test_unknown_status_is_refused():
    with pytest.raises(InvalidTransition, match="not a case status"):
        lifecycle.check("recorded", "teleported")


def test_skipping_straight_to_caution_says_what_is_missing():
    with pytest.raises(InvalidTransition, match="victim consulted first"):
        lifecycle.check("recorded", "cautioned")


@pytest.mark.parametrize("current, target", INVALID[:12])
def test_the_service_refuses_and_leaves_the_case_unchanged(cast, current, target):
    case = make_case(cast, status=current)
    with pytest.raises(InvalidTransition):
        services.transition(cast.users[Role.DECISION_MAKER], case, target,
                            expected_version=case.version, title="x")
    case.refresh_from_db()
    assert case.status == current and case.version == 1
    assert not CaseEvent.objects.filter(case=case).exists()


def test_a_stale_version_is_refused_and_nothing_is_lost(cast):
    case = make_case(cast)
    officer = cast.users[Role.DECISION_MAKER]
    first = services.transition(officer, case, "eligible", expected_version=1, title="First")
    assert first.version == 2
    stale = make_case.__globals__["Case"].objects.get(pk=case.pk)
    stale.version = 1
    with pytest.raises(services.StaleCase):
        services.transition(officer, stale, "consulted", expected_version=1, title="Second")
    case.refresh_from_db()
    assert case.status == "eligible" and case.version == 2
