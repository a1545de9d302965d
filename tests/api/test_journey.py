"""Cases from offence to completion through the API: CARA, CARA through non-attendance, a
breach and the police's re-booking, and JUNO (assessment, one-to-ones, SWEMWBS).

Through the API: the police push the person and offence, decide eligibility, confirm the
consultation, randomise and caution (which refers to the provider); the provider reads its
queue, records first contact, creates workshop events, books, marks attendance and completes.
Not in the API, so done here as on the pages: the victim service's consultation (victims'
records are never in the API) and the passing of time until the events are held.
"""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from diversion.accounts.roles import Role
from diversion.audit.models import ProcessingLog
from diversion.victims import services as victim_services
from tests.api.helpers import as_role
from tests.api.journey import caution_body, offence_body
from tests.delivery.helpers import held, make_event
from tests.disposals.helpers import commission
from tests.victims.helpers import make_victim, serve

POLICE = "/api/v1/police"
PROVIDER = "/api/v1/provider"


def _consult(cast, reference: str, relationship: str = "current_partner") -> None:
    """The victim worker's consultation, on the victims' pages (services here)."""
    from diversion.cases.models import Case

    case = Case.objects.get(reference=reference)
    victim = make_victim(cast)
    worker = cast.users[Role.VICTIM_WORKER]
    victim_services.link_case(worker, victim, case, relationship=relationship)
    victim_services.save_consultation(worker, victim=victim, case=case, complete=True, values={
        "views": "Wants him to get help", "consents_to_programme": True, "risk_raised": False,
        "dash_level": "standard", "outcome": "supports", "marac_referral": False,
        "idva_referral": False})


def _to_workshop_arm(cast, police) -> dict:
    """Push and randomise cases until one is allocated to the workshop (blocks of at most 6
    with a 1:1 ratio: within 7 cases one is)."""
    for _ in range(7):
        pushed = police.post(f"{POLICE}/offences/", offence_body())
        assert pushed.status_code == 201, pushed.content
        case = pushed.json()["case"]
        ref = case["reference"]
        eligible = police.post(f"{POLICE}/cases/{ref}/eligibility/",
                               {"version": case["version"]})
        assert eligible.status_code == 200, eligible.content
        assert eligible.json()["status"] == "eligible"
        _consult(cast, ref)
        consulted = police.post(f"{POLICE}/cases/{ref}/consultation/",
                                {"version": eligible.json()["version"], "person_consents": True})
        assert consulted.json()["status"] == "consulted", consulted.content
        randomised = police.post(f"{POLICE}/cases/{ref}/randomisation/",
                                 {"version": consulted.json()["version"]})
        assert randomised.json()["status"] == "randomised", randomised.content
        from diversion.trials.models import TrialAllocation

        if TrialAllocation.objects.get(case__reference=ref).arm == "workshop":
            return randomised.json()
    raise AssertionError("no workshop allocation in 7 cases")


def test_cara_case_from_offence_to_completion_through_the_api(cast):
    serve(cast)
    commission(cast)
    police = as_role(cast, Role.DECISION_MAKER)
    provider = as_role(cast, Role.FACILITATOR)
    case = _to_workshop_arm(cast, police)
    ref = case["reference"]

    cautioned = police.post(f"{POLICE}/cases/{ref}/caution/", caution_body(case["version"]))
    assert cautioned.status_code == 200, cautioned.content
    assert cautioned.json()["status"] == "referred"
    assert cautioned.json()["disposal"]["programme_condition"] is True
    assert cautioned.json()["provider"] == cast.orgs["provider"].name

    queue = provider.get(f"{PROVIDER}/referrals/", status="referred").json()
    assert [r["reference"] for r in queue["results"]] == [ref]
    contacted = provider.post(f"{PROVIDER}/referrals/{ref}/contact-attempts/", {
        "made_on": timezone.localdate().isoformat(), "method": "phone", "outcome": "contacted"})
    assert contacted.status_code == 201 and contacted.json()["case_status"] == "in_progress"

    part_a = make_event(cast, days=7)  # created on the provider's events page
    part_b = make_event(cast, session="part_b", days=7 + 4 * 7 + 2)
    events = provider.get(f"{PROVIDER}/events/", upcoming="true").json()["results"]
    assert {e["id"] for e in events} == {part_a.pk, part_b.pk}
    booked = [provider.post(f"{PROVIDER}/referrals/{ref}/bookings/", {"event": e.pk})
              for e in (part_a, part_b)]
    assert [b.status_code for b in booked] == [201, 201], [b.content for b in booked]

    too_early = provider.post(f"{PROVIDER}/referrals/{ref}/completion/")
    assert too_early.status_code == 409
    assert "not attended" in too_early.json()["detail"]

    for event, booking in zip((part_a, part_b), booked, strict=True):
        held(event)
        marked = provider.post(f"{PROVIDER}/events/{event.pk}/attendance/", {
            "marks": [{"booking": booking.json()["id"], "outcome": "attended"}]})
        assert marked.status_code == 200 and marked.json() == {"new_marks": 1}, marked.content

    completed = provider.post(f"{PROVIDER}/referrals/{ref}/completion/")
    assert completed.status_code == 200, completed.content
    assert completed.json()["status"] == "completed"
    assert [b["attendance"]["outcome"] for b in completed.json()["bookings"]] == [
        "attended", "attended"]
    police_view = police.get(f"{POLICE}/cases/{ref}/").json()
    assert police_view["status"] == "completed"
    # Every step is in the processing log under the clients' accounts.
    client_rows = ProcessingLog.objects.filter(actor__is_api_client=True)
    assert client_rows.filter(operation="collection", object_type="cases.Case").exists()
    assert client_rows.filter(operation="disclosure", recipient=cast.orgs["provider"].name,
                              actor__role=Role.DECISION_MAKER).exists()
    assert client_rows.filter(operation="disclosure", recipient=cast.orgs["force"].name,
                              actor__role=Role.FACILITATOR).exists()


def _event(provider, programme: str, session: str, days: int, group: str, cast) -> int:
    """A workshop event created through the API (`days` from today); its id."""
    created = provider.post(f"{PROVIDER}/events/", {
        "programme": programme, "session": session, "venue": "Harbour Hall", "group": group,
        "starts_on": (timezone.localdate() + timedelta(days=days)).isoformat(),
        "capacity": 12, "facilitators": [cast.users[Role.FACILITATOR].pk]})
    assert created.status_code == 201, created.content
    return created.json()["event"]["id"]


def _attend(provider, event_id: int, reference: str, outcome: str = "attended") -> dict:
    """Book the case onto the event, hold the event, mark the person: the booking."""
    from diversion.delivery.models import WorkshopEvent

    booked = provider.post(f"{PROVIDER}/referrals/{reference}/bookings/", {"event": event_id})
    assert booked.status_code == 201, booked.content
    held(WorkshopEvent.objects.get(pk=event_id))
    marked = provider.post(f"{PROVIDER}/events/{event_id}/attendance/", {
        "marks": [{"booking": booked.json()["id"], "outcome": outcome}]})
    assert marked.status_code == 200 and marked.json() == {"new_marks": 1}, marked.content
    return booked.json()


def test_cara_case_through_a_breach_and_a_rebooking_through_the_api(cast):
    serve(cast)
    commission(cast)
    police = as_role(cast, Role.DECISION_MAKER)
    provider = as_role(cast, Role.FACILITATOR)
    case = _to_workshop_arm(cast, police)
    ref = case["reference"]
    cautioned = police.post(f"{POLICE}/cases/{ref}/caution/", caution_body(case["version"]))
    assert cautioned.json()["status"] == "referred", cautioned.content
    provider.post(f"{PROVIDER}/referrals/{ref}/contact-attempts/", {
        "made_on": timezone.localdate().isoformat(), "method": "phone", "outcome": "contacted"})

    part_a = _event(provider, "cara", "part_a", 7, "M", cast)
    part_b = _event(provider, "cara", "part_b", 7 + 4 * 7 + 2, "M", cast)
    assert provider.post(f"{PROVIDER}/referrals/{ref}/bookings/",
                         {"event": part_b}).status_code == 409  # part A comes first
    _attend(provider, part_a, ref, outcome="did_not_attend")
    breached = police.get(f"{POLICE}/cases/{ref}/").json()
    assert breached["status"] == "breached"

    completion = provider.post(f"{PROVIDER}/referrals/{ref}/completion/")
    assert completion.status_code == 409
    new_deadline = (timezone.localdate() + timedelta(weeks=14)).isoformat()
    decided = police.post(f"{POLICE}/cases/{ref}/breach-decision/", {
        "version": breached["version"], "choice": "rebook", "new_deadline": new_deadline,
        "rationale": "First missed session; the person wants to continue"})
    assert decided.status_code == 201, decided.content
    assert decided.json()["case"]["status"] == "in_progress"
    assert decided.json()["case"]["disposal"]["deadline"] == new_deadline

    # Round two: every part again, on new events.
    again_a = _event(provider, "cara", "part_a", 3, "M", cast)
    again_b = _event(provider, "cara", "part_b", 3 + 4 * 7 + 2, "M", cast)
    first = _attend(provider, again_a, ref)
    assert first["round"] == 2
    _attend(provider, again_b, ref)
    completed = provider.post(f"{PROVIDER}/referrals/{ref}/completion/")
    assert completed.status_code == 200, completed.content
    assert police.get(f"{POLICE}/cases/{ref}/").json()["status"] == "completed"
    from diversion.delivery.models import BreachDecision

    assert BreachDecision.objects.get(case__reference=ref).decided_by.is_api_client


def test_juno_case_from_offence_to_completion_through_the_api(cast):
    from diversion.programmes import registry

    serve(cast)
    commission(cast, "juno")
    police = as_role(cast, Role.DECISION_MAKER)
    provider = as_role(cast, Role.FACILITATOR)
    body = offence_body(sex="F")
    body["programme"] = "juno"
    body["offence"].update(offence_code="49", domestic_abuse=False, relationship="stranger")
    pushed = police.post(f"{POLICE}/offences/", body)
    assert pushed.status_code == 201, pushed.content
    ref = pushed.json()["case"]["reference"]
    statement = police.post(f"{POLICE}/cases/{ref}/statement-date/", {
        "version": pushed.json()["case"]["version"],
        "victim_statement_date": (timezone.localdate() - timedelta(days=5)).isoformat()})
    assert statement.status_code == 200, statement.content
    eligible = police.post(f"{POLICE}/cases/{ref}/eligibility/",
                           {"version": statement.json()["version"]})
    assert eligible.json()["status"] == "eligible", eligible.content
    _consult(cast, ref, relationship="stranger")
    consulted = police.post(f"{POLICE}/cases/{ref}/consultation/",
                            {"version": eligible.json()["version"], "person_consents": True})
    assert consulted.json()["status"] == "consulted", consulted.content
    cautioned = police.post(f"{POLICE}/cases/{ref}/caution/",
                            caution_body(consulted.json()["version"]))
    assert cautioned.json()["status"] == "referred", cautioned.content

    contacted = provider.post(f"{PROVIDER}/referrals/{ref}/contact-attempts/", {
        "made_on": timezone.localdate().isoformat(), "method": "phone", "outcome": "contacted"})
    assert contacted.json()["case_status"] == "in_progress", contacted.content
    needs = {d.id: "some" for d in registry.get("juno", 1).assessment_domains}
    assessed = provider.post(f"{PROVIDER}/referrals/{ref}/assessment/",
                             {"needs": {**needs, "housing": "high"}, "summary": "Housing"})
    assert assessed.status_code == 200, assessed.content
    items = [i.id for i in registry.get("juno", 1).questionnaire("swemwbs_pre").items]
    pre = provider.post(f"{PROVIDER}/referrals/{ref}/questionnaires/swemwbs_pre/",
                        {"answers": dict.fromkeys(items, 2)})
    assert pre.status_code == 201, pre.content

    for session, days in (("needs_assessment", 2), ("group_1", 9), ("group_2", 16)):
        _attend(provider, _event(provider, "juno", session, days, "F", cast), ref)
    gaps = provider.post(f"{PROVIDER}/referrals/{ref}/completion/")
    assert gaps.status_code == 409
    assert "one-to-one support sessions must be held (0 so far)" in gaps.json()["detail"]
    assert "(end) not recorded" in gaps.json()["detail"]

    today = timezone.localdate().isoformat()
    for minutes in (60, 50):
        one = provider.post(f"{PROVIDER}/referrals/{ref}/one-to-ones/",
                            {"held_on": today, "outcome": "held", "minutes": minutes})
        assert one.status_code == 201, one.content
    post_items = [i.id for i in registry.get("juno", 1).questionnaire("swemwbs_post").items]
    post = provider.post(f"{PROVIDER}/referrals/{ref}/questionnaires/swemwbs_post/",
                         {"answers": dict.fromkeys(post_items, 4)})
    assert post.status_code == 201, post.content
    assert float(post.json()["score"]) > float(pre.json()["score"])

    completed = provider.post(f"{PROVIDER}/referrals/{ref}/completion/")
    assert completed.status_code == 200, completed.content
    assert completed.json()["status"] == "completed"
    assert police.get(f"{POLICE}/cases/{ref}/").json()["status"] == "completed"
    assert ProcessingLog.objects.filter(actor__is_api_client=True, operation="disclosure",
                                        recipient=cast.orgs["force"].name).exists()
