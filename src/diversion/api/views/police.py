"""Police record systems: push people and offences (idempotent by the force's crime
reference), take a case through eligibility (a supervisor's override included), the victim's
statement date, a supervisor's decision on the victim's view, consultation, randomisation, the
caution and a breach decision, and read cases. The same services, forms, rules and
processing-log rows as the police pages."""

from __future__ import annotations

import uuid

from django.db import transaction
from django.db.models import Max, QuerySet
from django.db.models.functions import Coalesce
from drf_spectacular.utils import extend_schema
from rest_framework.response import Response
from rest_framework.views import APIView

from diversion.accounts import policy
from diversion.api import serializers as s
from diversion.api.drf import validated
from diversion.api.forms_bridge import cleaned, form_data
from diversion.api.views.common import (
    READ_PROBLEMS,
    UPDATED_SINCE,
    WRITE_PROBLEMS,
    logged_page,
    paginated,
    responses,
    updated_since,
)
from diversion.audit.models import Operation
from diversion.audit.services import record
from diversion.cases import services as case_services
from diversion.cases.forms import FACT_QUESTIONS, FROM_BOOL, EligibilityForm, RecordCaseForm
from diversion.cases.lifecycle import Status
from diversion.cases.models import Case
from diversion.delivery import compliance
from diversion.delivery.forms import BreachForm
from diversion.delivery.models import BreachChoice, BreachDecision
from diversion.disposals import services as disposal_services
from diversion.disposals.forms import CautionForm, StatementForm, VictimViewDecisionForm
from diversion.disposals.models import VictimViewDecision
from diversion.disposals.selectors import has_disposal

# uuid5 namespace for the submission key of a pushed offence: one key per force and crime
# reference, so a repeated or concurrent push finds the first case (cases.services.record_case).
PUSH_NAMESPACE = uuid.UUID("5b0f7c62-8f53-4c4e-9a55-2f7d0f1d3b10")

# RecordCaseForm field -> its place in the API body, for error messages.
PUSH_NAMES = {
    **{name: f"person.{name}" for name in ("given_name", "family_name", "date_of_birth", "sex",
                                           "pnc_id", "force_reference")},
    **{name: f"offence.{name}" for name in ("crime_reference", "offence_code", "offence_date",
                                            "domestic_abuse", "relationship")},
    **{name: f"facts.{name}" for name in (*FACT_QUESTIONS, "dash_risk",
                                          "victim_statement_date")},
}


def police_cases(user) -> QuerySet[Case]:
    return (policy.visible(user, Case)
            .select_related("person", "offence", "disposal", "referral__provider")
            .annotate(updated_at=Coalesce(Max("events__occurred_at"), "created_at")))


def _case(request, reference: str) -> Case:
    policy.get_visible_or_404(request, Case, reference=reference)  # a logged 404 if not ours
    return police_cases(request.user).get(reference=reference)


def _out(request, case: Case) -> dict:
    fresh = police_cases(request.user).get(pk=case.pk)
    return s.CaseOutSerializer(fresh, context={"request": request}).data


@policy.rule(policy.API_POLICE)
class OffencePush(APIView):
    @extend_schema(
        operation_id="police_push_offence", tags=["police"], request=s.OffencePushSerializer,
        responses=responses({201: s.PushResultSerializer, 200: s.PushResultSerializer},
                            problems=WRITE_PROBLEMS),
        summary="Record a person and an offence for an out-of-court decision",
        description="Idempotent by the force's crime reference: pushing one already recorded "
                    "returns its case (200) and changes nothing.")
    def post(self, request):
        body = s.OffencePushSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        crime_reference = data["offence"]["crime_reference"].strip()
        existing = police_cases(request.user).filter(
            offence__crime_reference=crime_reference).first()
        if existing is not None:
            with transaction.atomic():
                record(actor=request.user, operation=Operation.CONSULTATION, obj=existing,
                       subjects=[existing.person],
                       justification="API: offence pushed again; its case returned")
            return Response({"created": False, "case": _out(request, existing)})
        key = uuid.uuid5(PUSH_NAMESPACE, f"{request.user.organisation_id}:{crime_reference}")
        given = data.get("facts") or {}
        facts = {name: FROM_BOOL[given.get(name)] for name in FACT_QUESTIONS}
        facts["dash_risk"] = given.get("dash_risk", "")
        facts["victim_statement_date"] = given.get("victim_statement_date")
        values = {"submission_key": key, "programme": data["programme"], **data["person"],
                  **data["offence"], **facts}
        form = RecordCaseForm(form_data(values, dates=("date_of_birth", "offence_date",
                                                       "victim_statement_date")),
                              user=request.user)
        ok = cleaned(form, PUSH_NAMES)
        case, created = case_services.record_case(
            request.user, submission_key=ok["submission_key"], person=form.person(),
            offence=form.offence(), programme_code=ok["programme"], facts=form.facts())
        return Response({"created": created, "case": _out(request, case)},
                        status=201 if created else 200)


@policy.rule(policy.API_POLICE)
class CaseList(APIView):
    @extend_schema(operation_id="police_list_cases", tags=["police"],
                   parameters=[UPDATED_SINCE],
                   responses=responses({200: paginated(s.CaseOutSerializer)}),
                   summary="The force's cases, least recently changed first")
    def get(self, request):
        since = updated_since(request)
        cases = police_cases(request.user)
        if since is not None:
            cases = cases.filter(updated_at__gte=since)
        return logged_page(
            request, self, cases.order_by("updated_at", "id"),
            serialize=lambda page: s.CaseOutSerializer(page, many=True,
                                                       context={"request": request}).data,
            subjects=lambda case: [case.person], justification="API: list of the force's cases")


@policy.rule(policy.API_POLICE)
class CaseDetail(APIView):
    @extend_schema(operation_id="police_get_case", tags=["police"],
                   responses=responses({200: s.CaseOutSerializer}, problems=READ_PROBLEMS),
                   summary="One case: its status and disposal")
    def get(self, request, reference: str):
        case = _case(request, reference)
        with transaction.atomic():
            record(actor=request.user, operation=Operation.CONSULTATION, obj=case,
                   subjects=[case.person], justification="API: one case's status and disposal")
        return Response(_out(request, case))


def _write_schema(operation_id: str, body, summary: str):
    return extend_schema(operation_id=operation_id, tags=["police"], request=body,
                         responses=responses({200: s.CaseOutSerializer},
                                             problems=WRITE_PROBLEMS), summary=summary)


@policy.rule(policy.API_POLICE)
class Eligibility(APIView):
    @_write_schema("police_decide_eligibility", s.EligibilityInSerializer,
                   "Decide eligibility under the programme's rules, or by a supervisor's "
                   "override with a reason")
    def post(self, request, reference: str):
        data = validated(s.EligibilityInSerializer, request)
        case = _case(request, reference)
        ok = cleaned(EligibilityForm(form_data(data)))  # the page's override rules
        case_services.decide_eligibility(
            request.user, case, expected_version=ok["version"], override=ok["override"],
            rationale=ok["rationale"], supervisor_name=ok["supervisor_name"],
            supervisor_rank=ok["supervisor_rank"])
        return Response(_out(request, case))


@policy.rule(policy.API_POLICE)
class StatementDate(APIView):
    @_write_schema("police_record_statement_date", s.StatementDateInSerializer,
                   "Record or correct the date of the victim's statement (it sets the "
                   "prosecution time limit); the date already saved changes nothing")
    def post(self, request, reference: str):
        data = validated(s.StatementDateInSerializer, request)
        case = _case(request, reference)
        if case.victim_statement_date == data["victim_statement_date"]:  # a repeated call
            return Response(_out(request, case))
        form = StatementForm(form_data(data, dates=("victim_statement_date",)), case=case)
        ok = cleaned(form)
        disposal_services.record_statement_date(
            actor=request.user, case=case, expected_version=ok["version"],
            statement_date=ok["victim_statement_date"])
        return Response(_out(request, case))


@policy.rule(policy.API_POLICE)
class VictimView(APIView):
    @_write_schema("police_decide_against_victim_view", s.VictimViewDecisionInSerializer,
                   "A supervisor's go-ahead, with reasons, although the victim does not "
                   "support an out-of-court resolution (once; the same decision again "
                   "changes nothing)")
    def post(self, request, reference: str):
        data = validated(s.VictimViewDecisionInSerializer, request)
        case = _case(request, reference)
        ok = cleaned(VictimViewDecisionForm(form_data(data)))
        saved = policy.visible(request.user, VictimViewDecision).filter(case=case).first()
        if saved is not None and (saved.supervisor_name, saved.supervisor_rank, saved.reasons) \
                == (ok["supervisor_name"].strip(), ok["supervisor_rank"], ok["reasons"]):
            return Response(_out(request, case))  # a repeated call
        disposal_services.record_victim_view_decision(
            actor=request.user, case=case, expected_version=ok["version"],
            supervisor_name=ok["supervisor_name"], supervisor_rank=ok["supervisor_rank"],
            reasons=ok["reasons"])
        return Response(_out(request, case))


@policy.rule(policy.API_POLICE)
class Consultation(APIView):
    @_write_schema("police_confirm_consultation", s.ConsultationInSerializer,
                   "Confirm the victim service's consultation and the person's consent")
    def post(self, request, reference: str):
        data = validated(s.ConsultationInSerializer, request)
        case = _case(request, reference)
        disposal_services.confirm_consultation(actor=request.user, case=case,
                                               expected_version=data["version"],
                                               person_consents=data["person_consents"])
        return Response(_out(request, case))


@policy.rule(policy.API_POLICE)
class Randomisation(APIView):
    @_write_schema("police_randomise", s.VersionSerializer,
                   "Allocate the case in the programme's running trial (once)")
    def post(self, request, reference: str):
        data = validated(s.VersionSerializer, request)
        case = _case(request, reference)
        disposal_services.randomise(actor=request.user, case=case,
                                    expected_version=data["version"])
        return Response(_out(request, case))


@policy.rule(policy.API_POLICE)
class Caution(APIView):
    @_write_schema("police_caution", s.CautionInSerializer,
                   "Record the caution and its conditions (a programme condition refers the "
                   "case to the force's provider)")
    def post(self, request, reference: str):
        data = validated(s.CautionInSerializer, request)
        case = _case(request, reference)
        if has_disposal(request.user, case):  # a repeated call: the first caution stands
            return Response(_out(request, case))
        form = CautionForm(form_data(data, dates=("disposal_date", "deadline")), case=case)
        ok = cleaned(form)
        disposal_services.caution(actor=request.user, case=case,
                                  expected_version=ok["version"], **form.disposal())
        return Response(_out(request, case))


@policy.rule(policy.API_POLICE)
class Breach(APIView):
    @extend_schema(
        operation_id="police_decide_breach", tags=["police"], request=s.BreachDecisionInSerializer,
        responses=responses({201: s.BreachResultSerializer, 200: s.BreachResultSerializer},
                            problems=WRITE_PROBLEMS),
        summary="Decide on a case returned for non-compliance: re-book with a new deadline, "
                "prosecute or no further action",
        description="Repeating the decision just recorded (same choice, rationale and "
                    "deadline, the case no longer waiting for one) returns it (200) and "
                    "changes nothing.")
    def post(self, request, reference: str):
        data = validated(s.BreachDecisionInSerializer, request)
        case = _case(request, reference)
        form = BreachForm(form_data(data, dates=("new_deadline",)))
        ok = cleaned(form)
        deadline = ok["new_deadline"] if ok["choice"] == BreachChoice.REBOOK else None
        with transaction.atomic():
            locked = Case.objects.select_for_update().get(pk=case.pk)
            last = (policy.visible(request.user, BreachDecision).filter(case=case)
                    .order_by("-decided_at", "-id").first())
            if locked.status != Status.BREACHED and last is not None and \
                    (last.choice, last.rationale, last.new_deadline) == \
                    (ok["choice"], ok["rationale"].strip(), deadline):
                decision, created = last, False  # a repeated call
            else:
                decision = compliance.decide_breach(
                    request.user, locked, choice=ok["choice"], rationale=ok["rationale"],
                    new_deadline=ok["new_deadline"], expected_version=ok["version"])
                created = True
        return Response({"created": created,
                         "decision": s.BreachDecisionOutSerializer(decision).data,
                         "case": _out(request, case)}, status=201 if created else 200)
