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
- victim change: each victim's latest follow-up (by contact date), under that follow-up's case;
- score change: for a programme whose file declares a change measure (`outcome_measures` with
  start and end questionnaires; JUNO: SWEMWBS metric score), each person with a start score
  counts once: their end score minus start score in hundredths of a point, or "no end score"
  (never dropped). The first change measure of the file is the one counted;
- single group: for a programme whose file declares `single_group_headline`, each person who
  completed at least the window's days before today (the data end) counts once: 1 if an
  offence of theirs (cases' offences or linked crime records) is dated after the completion
  date and within the window, else 0.
"""

from __future__ import annotations

from collections import Counter
from datetime import date
from decimal import Decimal

from django.db.models import Min, Q
from django.utils import timezone

from diversion.cases.models import Case, CaseEvent, Offence
from diversion.commissioning.models import OutcomeAggregate
from diversion.delivery.models import (
    Attendance,
    AttendanceOutcome,
    ContactAttempt,
    ContactOutcome,
    QuestionnaireResponse,
)
from diversion.disposals.models import Disposal
from diversion.programmes import registry
from diversion.records.models import PersonLink
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

    _count_score_changes(keys, counted)
    _count_single_group(keys, counted)

    latest: dict[int, tuple[int, str]] = {}
    for victim_id, case_id, change in (FollowUp.objects.order_by("contacted_on", "id")
                                       .values_list("victim_id", "case_id", "change")):
        latest[victim_id] = (case_id, change)
    for case_id, change in latest.values():
        if case_id in keys and change in CHANGE_VALUE:
            counted[(*keys[case_id], M.VICTIM_CHANGE, CHANGE_VALUE[change])] += 1
    return counted


def _change_pair(code: str, version: int) -> tuple[str, str] | None:
    try:
        measures = registry.get(code, version).change_measures()
    except KeyError:  # a version no longer shipped: nothing to pair
        return None
    if not measures:
        return None
    return measures[0].start_questionnaire or "", measures[0].end_questionnaire or ""


def _count_score_changes(keys: dict[int, Key], counted: Counter) -> None:
    scores: dict[int, dict[str, Decimal]] = {}
    pairs: dict[int, tuple[str, str] | None] = {}
    found = QuestionnaireResponse.objects.filter(case_id__in=list(keys)).values_list(
        "case_id", "programme_code", "programme_version", "questionnaire_id", "score")
    for case_id, code, version, qid, scored in found.order_by():
        if case_id not in pairs:
            pairs[case_id] = _change_pair(code, version)
        scores.setdefault(case_id, {})[qid] = scored
    for case_id, pair in pairs.items():
        if pair is None or pair[0] not in scores[case_id]:
            continue
        start, end = scores[case_id][pair[0]], scores[case_id].get(pair[1])
        where = (*keys[case_id][:4], "", "", "")  # no equality groups: totals only
        if end is None:
            counted[(*where, M.SCORE_NO_END, 0)] += 1
        else:
            counted[(*where, M.SCORE_CHANGE, int(round((end - start) * 100)))] += 1


def _count_single_group(keys: dict[int, Key], counted: Counter,
                        today: date | None = None) -> None:
    today = today or timezone.localdate()
    windows: dict[str, int] = {}
    for code in {key[2] for key in keys.values()}:
        try:
            headline = registry.current(code.lower()).single_group_headline
        except KeyError:
            continue
        if headline is not None:
            windows[code] = headline.window_days
    if not windows:
        return
    due = {case_id: (end, windows[keys[case_id][2]]) for case_id, end in _completions().items()
           if case_id in keys and keys[case_id][2] in windows
           and (today - end).days >= windows[keys[case_id][2]]}
    if not due:
        return
    person_of, index_of = {}, {}
    for case_id, person_id, offence_id in Case.objects.filter(pk__in=list(due)).values_list(
            "id", "person_id", "offence_id").order_by():
        person_of[case_id], index_of[case_id] = person_id, offence_id
    offences: dict[int, list[date]] = {}
    people = set(person_of.values())
    index_offences = set(index_of.values())
    for person_id, day in Offence.objects.filter(person_id__in=people).exclude(
            pk__in=index_offences).values_list("person_id", "offence_date").order_by():
        offences.setdefault(person_id, []).append(day)
    for person_id, day in PersonLink.objects.filter(person_id__in=people).values_list(
            "person_id", "record__offence_date").order_by():
        offences.setdefault(person_id, []).append(day)
    for case_id, (end, window) in due.items():
        days = offences.get(person_of[case_id], [])
        reoffended = any(0 < (day - end).days <= window for day in days if day is not None)
        counted[(*keys[case_id][:4], "", "", "", M.SINGLE_GROUP, int(reoffended))] += 1


def rows(counted: Counter, now) -> list[OutcomeAggregate]:
    return [OutcomeAggregate(force_id=k[0], provider_id=k[1], programme_code=k[2],
                             quarter_start=k[3], sex=k[4], age_band=k[5], ethnic_group=k[6],
                             measure=k[7], value=k[8], count=n, computed_at=now)
            for k, n in counted.items()]
