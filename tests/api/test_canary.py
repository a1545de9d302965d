"""The victim canary (tests/victims/test_canary.py plants a unique string in every victim
field) reaches no API response, for any role's client, on any endpoint: reads of the canary
case, lists, writes to it (valid and not), errors and the OpenAPI document."""

from __future__ import annotations

from datetime import timedelta

from django.urls import reverse
from django.utils import timezone

from diversion.accounts.roles import Role
from diversion.cases.models import Case
from diversion.disposals.models import Disposal, Referral
from tests.api.helpers import Api, api_client
from tests.delivery.helpers import make_event
from tests.victims.test_canary import CANARY, _seed

ROLES = [Role.DECISION_MAKER, Role.FACILITATOR, Role.PROVIDER_MANAGER, Role.ANALYST,
         Role.COMMISSIONER]


def _refer(cast, case: Case) -> None:
    """The canary case, cautioned and referred, so the provider's endpoints read it too."""
    today = timezone.localdate()
    officer = cast.users[Role.DECISION_MAKER]
    Disposal.objects.create(
        case=case, regime="cja2003_conditional", disposal_date=today - timedelta(days=3),
        authorising_officer="Sgt A", authorising_rank="sergeant",
        deadline=today + timedelta(weeks=15), prosecution_last_day=today + timedelta(days=90),
        time_limit_basis="s127", time_limit_explanation="MCA 1980 s.127", recorded_by=officer)
    Referral.objects.create(case=case, programme_code="cara", programme_version=1,
                            provider=cast.orgs["provider"], referred_by=officer,
                            first_contact_due=today + timedelta(days=7))
    Case.objects.filter(pk=case.pk).update(status="in_progress")


def test_victim_canary_in_no_api_response(cast, django_capture_on_commit_callbacks):
    seeded = _seed(cast, django_capture_on_commit_callbacks)
    case = seeded["case"]
    _refer(cast, case)
    event = make_event(cast)
    ref = case.reference
    today = timezone.localdate().isoformat()
    reads = ["/api/v1/police/cases/", f"/api/v1/police/cases/{ref}/",
             "/api/v1/provider/referrals/", f"/api/v1/provider/referrals/{ref}/",
             "/api/v1/provider/events/", "/api/v1/analysis/runs/",
             "/api/v1/commissioning/dashboard/", reverse("api:schema")]
    writes = [
        (f"/api/v1/police/cases/{ref}/eligibility/", {"version": 1}),
        (f"/api/v1/police/cases/{ref}/consultation/", {"version": 1, "person_consents": True}),
        (f"/api/v1/police/cases/{ref}/randomisation/", {"version": 1}),
        (f"/api/v1/police/cases/{ref}/caution/", {}),
        ("/api/v1/police/offences/", {}),
        (f"/api/v1/provider/referrals/{ref}/contact-attempts/",
         {"made_on": today, "method": "phone", "outcome": "no_answer"}),
        (f"/api/v1/provider/referrals/{ref}/bookings/", {"event": event.pk}),
        (f"/api/v1/provider/referrals/{ref}/completion/", {}),
        (f"/api/v1/provider/events/{event.pk}/attendance/",
         {"marks": [{"booking": 1, "outcome": "attended"}]}),
        ("/api/v1/analysis/runs/", {}),
        # The endpoints added for the gaps of issue 15.
        (f"/api/v1/police/cases/{ref}/eligibility/",
         {"version": 1, "override": "eligible", "rationale": "r", "supervisor_name": "S",
          "supervisor_rank": "sergeant"}),
        (f"/api/v1/police/cases/{ref}/statement-date/",
         {"version": 1, "victim_statement_date": today}),
        (f"/api/v1/police/cases/{ref}/victim-view-decision/",
         {"version": 1, "supervisor_name": "Insp A", "supervisor_rank": "inspector",
          "reasons": "Because"}),
        (f"/api/v1/police/cases/{ref}/breach-decision/",
         {"version": 1, "choice": "rebook", "rationale": "r", "new_deadline": today}),
        ("/api/v1/provider/events/",
         {"programme": "cara", "session": "part_a", "starts_on": today, "venue": "Hall",
          "group": "M", "capacity": 5, "facilitators": [1]}),
        (f"/api/v1/provider/events/{event.pk}/attendance/1/correction/",
         {"outcome": "attended", "why": "w"}),
        (f"/api/v1/provider/referrals/{ref}/assessment/", {"needs": {"trauma": "some"}}),
        (f"/api/v1/provider/referrals/{ref}/questionnaires/cara_post/", {"answers": {"a": 1}}),
        (f"/api/v1/provider/referrals/{ref}/one-to-ones/",
         {"held_on": today, "outcome": "held", "minutes": 30}),
    ]
    seen = 0
    for role in ROLES:
        api = Api(api_client(cast, role)[1])
        for path in reads:
            body = api.get(path).content.decode(errors="replace")
            assert CANARY not in body, (role, path)
            seen += 1
        for path, payload in writes:
            body = api.post(path, payload).content.decode(errors="replace")
            assert CANARY not in body, (role, path)
            seen += 1
    assert seen == len(ROLES) * (len(reads) + len(writes))
    # The police and provider clients did read the canary case itself.
    police = Api(api_client(cast, Role.DECISION_MAKER, name="second")[1])
    assert police.get(f"/api/v1/police/cases/{ref}/").status_code == 200
    provider = Api(api_client(cast, Role.FACILITATOR, name="second")[1])
    assert provider.get(f"/api/v1/provider/referrals/{ref}/").status_code == 200
    # Writes that succeed on the canary case answer without the canary too.
    from diversion.programmes import registry

    case.refresh_from_db()
    items = [i.id for i in registry.get("cara", 1).questionnaire("cara_pre").items]
    options = registry.get("cara", 1).questionnaire("cara_pre").options
    done = [
        police.post(f"/api/v1/police/cases/{ref}/statement-date/",
                    {"version": case.version, "victim_statement_date": today}),
        provider.post(f"/api/v1/provider/referrals/{ref}/questionnaires/cara_pre/",
                      {"answers": dict.fromkeys(items, options[0].value)}),
    ]
    for response in done:
        assert response.status_code in (200, 201), response.content
        assert CANARY not in response.content.decode(errors="replace")
