"""A CARA case from offence to completion through the API.

Through the API: the police push the person and offence, decide eligibility, confirm the
consultation, randomise and caution (which refers to the provider); the provider reads its
queue, records first contact, books both parts, marks attendance and completes. Not in the API,
so done here as on the pages: the victim service's consultation (victims' records are never in
the API), the provider's workshop events (created on the events page), and the passing of time
until the events are held.
"""

from __future__ import annotations

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


def _consult(cast, reference: str) -> None:
    """The victim worker's consultation, on the victims' pages (services here)."""
    from diversion.cases.models import Case

    case = Case.objects.get(reference=reference)
    victim = make_victim(cast)
    worker = cast.users[Role.VICTIM_WORKER]
    victim_services.link_case(worker, victim, case, relationship="current_partner")
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
