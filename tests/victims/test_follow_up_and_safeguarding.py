"""Contact log, follow-ups at programme points, safeguarding alerts, Victims' Code events."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from diversion.accounts.roles import Role
from diversion.audit.models import ProcessingLog
from diversion.victims import selectors, services
from diversion.victims.models import FollowUp, InformationEvent, SafeguardingAlert
from diversion.victims.schedules import follow_up_points
from tests.dates import with_date_inputs
from tests.victims.helpers import home_case, make_victim


@pytest.fixture
def worker_client(cast, client):
    client.force_login(cast.users[Role.VICTIM_WORKER])
    return client


def test_contact_log_records_date_method_outcome_and_notes(cast, worker_client):
    victim = make_victim(cast)
    response = worker_client.post(reverse("victims:contact_create", args=[victim.pk]),
                                  with_date_inputs({
        "contacted_on": timezone.localdate().isoformat(), "method": "text",
        "outcome": "unsafe", "notes": "Said she would call back"}, "contacted_on"))
    assert response.status_code == 302
    entry = victim.contacts.get()
    assert (entry.method, entry.outcome, entry.notes) == ("text", "unsafe",
                                                          "Said she would call back")
    page = worker_client.get(reverse("victims:victim", args=[victim.pk])).content.decode()
    assert "Not safe to talk" in page and "Said she would call back" in page


def test_cara_follow_up_points_are_data():
    assert [code for code, _, _ in follow_up_points("cara")] == [
        "during_workshops", "3_months", "12_months"]
    assert follow_up_points("") == follow_up_points("cara")


def test_follow_up_with_the_victims_own_words(cast, worker_client):
    case = home_case(cast)
    victim = make_victim(cast, case=case)
    url = reverse("victims:follow_up_create", args=[victim.pk, case.pk])
    assert "3 months after the workshops" in worker_client.get(url).content.decode()
    response = worker_client.post(url, with_date_inputs({
        "point": "3_months", "contacted_on": timezone.localdate().isoformat(),
        "still_in_contact": "yes", "change": "positive", "own_words": "He listens now"},
        "contacted_on"))
    assert response.status_code == 302
    follow_up = FollowUp.objects.get()
    assert (follow_up.point, follow_up.change, follow_up.own_words) == (
        "3_months", "positive", "He listens now")


def test_follow_up_before_the_case_or_with_bad_input_is_refused(cast, worker_client):
    case = home_case(cast)
    victim = make_victim(cast, case=case)
    url = reverse("victims:follow_up_create", args=[victim.pk, case.pk])
    before_case = (timezone.localdate(case.created_at) - timedelta(days=1)).isoformat()
    page = worker_client.post(url, with_date_inputs(
        {"point": "3_months", "contacted_on": before_case, "still_in_contact": "no",
         "change": "none"}, "contacted_on")).content.decode()
    assert "Follow-up date must be on or after the case was opened" in page
    assert 'href="#id_contacted_on"' in page
    page = worker_client.post(url, with_date_inputs(
        {"point": "6_years", "contacted_on": "31/02/2026", "still_in_contact": "no",
         "change": "sideways"}, "contacted_on")).content.decode()
    assert "Choose the follow-up point" in page
    assert "The follow-up date must be a real date" in page
    assert "Choose the change in behaviour the victim reports" in page
    assert not FollowUp.objects.exists()


def test_raised_risk_alerts_police_without_details_and_urgent_pauses_bookings(
        cast, worker_client, django_capture_on_commit_callbacks, run_worker):
    case = home_case(cast)
    victim = make_victim(cast, case=case)
    assert selectors.bookings_paused(case) is False
    with django_capture_on_commit_callbacks(execute=True):
        response = worker_client.post(
            reverse("victims:safeguarding_create", args=[victim.pk, case.pk]),
            {"details": "canary-threats-by-text", "urgent": "on"})
    assert response.status_code == 302
    alert = SafeguardingAlert.objects.get()
    assert selectors.bookings_paused(case) is True
    # The police decision maker is told by email (sent by the task worker), without details.
    assert mail.outbox == []
    run_worker()
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == [cast.users[Role.DECISION_MAKER].email]
    assert "canary" not in mail.outbox[0].body and case.reference in mail.outbox[0].subject
    disclosure = ProcessingLog.objects.get(operation="disclosure", object_id=str(alert.pk),
                                           object_type="victims.SafeguardingAlert")
    # Sending the email is a disclosure of its own, by the system, to the officer.
    sent = ProcessingLog.objects.get(operation="disclosure",
                                     object_type="notifications.Notification")
    assert sent.recipient.startswith(cast.users[Role.DECISION_MAKER].username)
    assert disclosure.recipient == "Test Force: OOCR decision makers"
    # Police see "risk raised on <date>" and nothing else.
    alerts = selectors.police_alerts(cast.users[Role.DECISION_MAKER])
    assert [a.summary for a in alerts] == [
        f"Risk raised on {timezone.localdate():%-d %B %Y}"]
    # Lifting the pause resumes bookings.
    worker_client.post(reverse("victims:lift_pause", args=[alert.pk]))
    assert selectors.bookings_paused(case) is False


def test_police_pages_show_only_the_outcome_and_dated_alerts(cast, client):
    case = home_case(cast)
    victim = make_victim(cast, case=case, given_name="Canaryname")
    worker = cast.users[Role.VICTIM_WORKER]
    services.save_consultation(worker, victim=victim, case=case, complete=True, values={
        "views": "canary-views", "consents_to_programme": True, "risk_raised": True,
        "risk_details": "canary-risk", "dash_level": "medium", "outcome": "supports"})
    client.force_login(cast.users[Role.DECISION_MAKER])
    page = client.get(reverse("victims:police_case", args=[case.pk])).content.decode()
    assert "Victim supports an out-of-court resolution" in page and "Risk raised on" in page
    assert "canary" not in page.lower()
    alert = SafeguardingAlert.objects.get()
    client.post(reverse("victims:police_acknowledge", args=[alert.pk]))
    alert.refresh_from_db()
    assert alert.acknowledged_by == cast.users[Role.DECISION_MAKER]
    # Another force's officer gets 404 on both.
    client.force_login(cast.outsider_officer)
    assert client.get(reverse("victims:police_case", args=[case.pk])).status_code == 404
    assert client.post(reverse("victims:police_acknowledge", args=[alert.pk])).status_code == 404
    assert client.get(reverse("victims:police_alerts")).content.decode().count(
        case.reference) == 0


def test_victims_code_information_events_are_dated(cast, worker_client):
    case = home_case(cast)
    victim = make_victim(cast, case=case)
    url = reverse("victims:information_create", args=[victim.pk, case.pk])
    today = timezone.localdate().isoformat()
    for kind in ("decision", "outcome", "completion"):
        assert worker_client.post(url, with_date_inputs(
            {"kind": kind, "told_on": today}, "told_on")).status_code == 302
    assert sorted(InformationEvent.objects.values_list("kind", flat=True)) == [
        "completion", "decision", "outcome"]
    page = worker_client.post(url, with_date_inputs(
        {"kind": "gossip", "told_on": "soon"}, "told_on")).content.decode()
    assert ("Choose what the victim was told" in page
            and "The date told must be a real date" in page)


def test_disclosure_records_its_recipient(cast, worker_client):
    victim = make_victim(cast)
    response = worker_client.post(reverse("victims:disclosure_create", args=[victim.pk]), {
        "recipient": "DS Example, MASH", "recipient_organisation": "Test Force",
        "what": "Current address", "reason": "Safeguarding duty: threat to life"})
    assert response.status_code == 302
    row = ProcessingLog.objects.get(operation="disclosure")
    assert row.recipient == "DS Example, MASH, Test Force"
    page = worker_client.post(reverse("victims:disclosure_create", args=[victim.pk]),
                              {}).content.decode()
    assert "Enter who received the details" in page


@pytest.mark.parametrize("positive, others, shown", [
    (0, 0, False), (3, 0, False), (4, 6, False), (5, 4, False), (5, 5, True), (10, 0, True),
    (0, 7, True),
])
def test_positive_change_figure_suppresses_small_cells(cast, positive, others, shown):
    worker = cast.users[Role.VICTIM_WORKER]
    case = home_case(cast)
    today = timezone.localdate()
    for index in range(positive + others):
        victim = make_victim(cast, case=case, given_name=f"V{index}")
        services.record_follow_up(worker, victim=victim, case=case, point="3_months",
                                  contacted_on=today, still_in_contact="no",
                                  change="positive" if index < positive else "none",
                                  own_words="")
    figure = selectors.positive_change_figure(
        victim_service_ids=[cast.orgs["victim_service"].pk])
    assert figure.suppressed is (not shown)
    if shown:
        assert (figure.positive, figure.followed_up) == (positive, positive + others)
    else:
        assert figure.positive is None and figure.followed_up is None
