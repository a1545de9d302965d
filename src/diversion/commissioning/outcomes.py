"""Precomputing the delivery and outcome measures, beside aggregates.py.

Runs as the system. It reads delivery, case-event and victim follow-up rows only to count them
per referred case's group (force, provider, programme, referral quarter, sex, age band, ethnic
group); what it stores is OutcomeAggregate counts, never a case, person or victim.

Definitions (docs/architecture.md, commissioning):
- caution date: the Disposal's disposal_date; cases with no disposal have no durations;
- first contact: the earliest ContactAttempt with outcome "contacted" (spoke to the person);
- completion date: the day of the first case event moving the case to "completed";
- started: attended at least one session (an Attendance marked "attended"), or completed
  (completion needs every session attended) — the register, not the status, which moves to
  in_progress at first contact, before any session;
- attitude: the post-workshop answers to changed_attitude_partner / changed_attitude_children;
  agree (4) or strongly agree (5) counts as yes;
- victim change: each victim's latest follow-up (by contact date), under that follow-up's case.
"""

from __future__ import annotations

from collections import Counter
from datetime import date

from django.db.models import Min, Q
from django.utils import timezone

from diversion.cases.models import CaseEvent
from diversion.commissioning.models import OutcomeAggregate
from diversion.delivery.models import (
    Attendance,
    AttendanceOutcome,
    ContactAttempt,
    ContactOutcome,
    QuestionnaireResponse,
)
from diversion.disposals.models import Disposal
from diversion.victims.models import FollowUp

M = OutcomeAggregate.Measure
ATTITUDE_ITEMS = {"changed_attitude_partner": M.ATTITUDE_PARTNER,
                  "changed_attitude_children": M.ATTITUDE_CHILDREN}
AGREE_AT_LEAST = 4  # "Agree" on the 1-5 scale of the CARA questionnaires
CHANGE_VALUE = {"positive": 1, "none": 0, "no": 0, "negative": -1}

# (force, provider, PROGRAMME, referral quarter, sex, age band, ethnic group)
Key = tuple


def _day(moment) -> date:
    return timezone.localdate(moment) if timezone.is_aware(moment) else moment.date()


def _first_contacts() -> dict[int, date]:
    return dict(ContactAttempt.objects.filter(outcome=ContactOutcome.CONTACTED)
                .values("case_id").annotate(first=Min("made_on")).order_by()
                .values_list("case_id", "first"))


def _completions() -> dict[int, date]:
    return {case_id: _day(at) for case_id, at in
            CaseEvent.objects.filter(to_status="completed").values("case_id")
            .annotate(first=Min("occurred_at")).order_by().values_list("case_id", "first")}


def count(keys: dict[int, Key], completed: set[int]) -> Counter:
    """{(key..., measure, value): people} for the referred cases in `keys`."""
    counted: Counter = Counter()
    cautions = dict(Disposal.objects.values_list("case_id", "disposal_date").order_by())
    for measure, ends in ((M.FIRST_CONTACT_DAYS, _first_contacts()),
                          (M.COMPLETION_DAYS, _completions())):
        for case_id, end in ends.items():
            key, caution = keys.get(case_id), cautions.get(case_id)
            if key is None or caution is None or end < caution:
                continue  # not referred, no caution, or a date error: no duration
            # Days without the equality groups (few rows); the count of people with them.
            counted[(*key[:4], "", "", "", measure, (end - caution).days)] += 1
            if measure == M.FIRST_CONTACT_DAYS:
                counted[(*key, M.FIRST_CONTACTED, 1)] += 1

    attended = set(Attendance.objects.filter(outcome=AttendanceOutcome.ATTENDED)
                   .values_list("booking__case_id", flat=True).order_by())
    for case_id in attended | completed:
        if case_id in keys:
            counted[(*keys[case_id], M.STARTED, 1)] += 1

    answered = QuestionnaireResponse.objects.filter(
        Q(answers__has_key="changed_attitude_partner")
        | Q(answers__has_key="changed_attitude_children"))
    for case_id, answers in answered.values_list("case_id", "answers").order_by():
        if case_id not in keys:
            continue
        for item, measure in ATTITUDE_ITEMS.items():
            if isinstance(answers.get(item), int):
                # No equality groups: only totals are shown, and the groups multiplied the
                # rows the dashboard reads (bench/dashboard.py).
                counted[(*keys[case_id][:4], "", "", "", measure,
                         int(answers[item] >= AGREE_AT_LEAST))] += 1

    latest: dict[int, tuple[int, str]] = {}
    for victim_id, case_id, change in (FollowUp.objects.order_by("contacted_on", "id")
                                       .values_list("victim_id", "case_id", "change")):
        latest[victim_id] = (case_id, change)
    for case_id, change in latest.values():
        if case_id in keys and change in CHANGE_VALUE:
            counted[(*keys[case_id], M.VICTIM_CHANGE, CHANGE_VALUE[change])] += 1
    return counted


def rows(counted: Counter, now) -> list[OutcomeAggregate]:
    return [OutcomeAggregate(force_id=k[0], provider_id=k[1], programme_code=k[2],
                             quarter_start=k[3], sex=k[4], age_band=k[5], ethnic_group=k[6],
                             measure=k[7], value=k[8], count=n, computed_at=now)
            for k, n in counted.items()]
