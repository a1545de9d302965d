"""Providers' case systems: the referral queue and each referral, contact attempts, the needs
assessment, questionnaires, one-to-one sessions, bookings onto workshop events (and creating
the events), the attendance register and its corrections, and completion. The delivery
services and the pages' forms apply the same rules as the pages (booking rules, bookings
paused under an urgent safeguarding alert, completion gaps) and write the same processing-log
rows. A retried POST that could record twice returns what the first one recorded (200)."""

from __future__ import annotations

from django.db import transaction
from django.db.models import Max, QuerySet
from django.db.models.functions import Coalesce
from django.http import Http404
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from diversion.accounts import policy
from diversion.accounts.models import Organisation
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
from diversion.cases.lifecycle import Status
from diversion.cases.models import Case
from diversion.delivery import booking as booking_rules
from diversion.delivery import selectors, services
from diversion.delivery.forms import (
    AssessmentForm,
    AttendanceCorrectionForm,
    ContactForm,
    EventForm,
    OneToOneForm,
    QuestionnaireForm,
)
from diversion.delivery.models import (
    Attendance,
    Booking,
    OneToOneOutcome,
    OneToOneSession,
    QuestionnaireResponse,
    WorkshopEvent,
)
from diversion.disposals.models import Referral

STATUS = OpenApiParameter("status", OpenApiTypes.STR, required=False, enum=Status.values,
                          description="Only referrals whose case has this status (the queue "
                                      "awaiting first contact is `referred`)")


def referrals(user) -> QuerySet[Referral]:
    return (policy.visible(user, Referral)
            .select_related("case__person", "case__disposal")
            .annotate(updated_at=Coalesce(Max("case__events__occurred_at"), "referred_at")))


def _referral(request, reference: str, purpose: str) -> Referral:
    """The referral of this case to the client's provider (a logged 404 otherwise), read-logged
    as the pages do."""
    found = policy.get_visible_or_404(request, Referral, case__reference=reference)
    selectors.provider_case(actor=request.user, referral=found, purpose=f"API: {purpose}")
    return referrals(request.user).get(pk=found.pk)


def _detail(request, referral: Referral) -> dict:
    fresh = referrals(request.user).get(pk=referral.pk)
    return s.ReferralDetailSerializer(fresh, context={"request": request}).data


@policy.rule(policy.API_PROVIDER)
class ReferralList(APIView):
    @extend_schema(operation_id="provider_list_referrals", tags=["provider"],
                   parameters=[STATUS, UPDATED_SINCE],
                   responses=responses({200: paginated(s.ReferralOutSerializer)}),
                   summary="Referrals to the provider, least recently changed first")
    def get(self, request):
        found = referrals(request.user)
        status = request.query_params.get("status")
        if status is not None:
            if status not in Status.values:
                raise ValidationError({"status": [
                    "Choose one of: " + ", ".join(Status.values)]})
            found = found.filter(case__status=status)
        since = updated_since(request)
        if since is not None:
            found = found.filter(updated_at__gte=since)
        return logged_page(
            request, self, found.order_by("updated_at", "id"),
            serialize=lambda page: s.ReferralOutSerializer(page, many=True,
                                                           context={"request": request}).data,
            subjects=lambda referral: [referral.case.person],
            justification="API: provider referral list")


@policy.rule(policy.API_PROVIDER)
class ReferralDetail(APIView):
    @extend_schema(operation_id="provider_get_referral", tags=["provider"],
                   responses=responses({200: s.ReferralDetailSerializer},
                                       problems=READ_PROBLEMS),
                   summary="One referral, with its bookings and attendance")
    def get(self, request, reference: str):
        referral = _referral(request, reference, "one referral")
        return Response(_detail(request, referral))


@policy.rule(policy.API_PROVIDER)
class ContactAttempts(APIView):
    @extend_schema(operation_id="provider_record_contact", tags=["provider"],
                   request=s.ContactInSerializer,
                   responses=responses({201: s.ContactOutSerializer}, problems=WRITE_PROBLEMS),
                   summary="Record a contact attempt (the first successful one starts "
                           "delivery)")
    def post(self, request, reference: str):
        data = validated(s.ContactInSerializer, request)
        ok = cleaned(ContactForm(form_data(data, dates=("made_on",))))
        referral = _referral(request, reference, "record a contact attempt")
        attempt = services.record_contact(request.user, referral.case, made_on=ok["made_on"],
                                          method=ok["method"], outcome=ok["outcome"])
        attempt.case = Case.objects.get(pk=attempt.case_id)
        return Response(s.ContactOutSerializer(attempt).data, status=201)


@policy.rule(policy.API_PROVIDER)
class Bookings(APIView):
    @extend_schema(operation_id="provider_book", tags=["provider"],
                   request=s.BookingInSerializer,
                   responses=responses({201: s.BookingOutSerializer}, problems=WRITE_PROBLEMS),
                   summary="Book the person onto a workshop event (the booking rules apply)")
    def post(self, request, reference: str):
        data = validated(s.BookingInSerializer, request)
        referral = _referral(request, reference, "book a session")
        booking = booking_rules.book(request.user, referral.case, data["event"])
        return Response(s.BookingOutSerializer(booking).data, status=201)


@policy.rule(policy.API_PROVIDER)
class Completion(APIView):
    @extend_schema(operation_id="provider_complete", tags=["provider"], request=None,
                   responses=responses({200: s.ReferralDetailSerializer},
                                       problems=WRITE_PROBLEMS),
                   summary="Complete the programme (refused, with what is missing, until "
                           "every condition is met)")
    def post(self, request, reference: str):
        referral = _referral(request, reference, "complete the programme")
        if referral.case.status != Status.COMPLETED:  # a repeated call changes nothing
            services.complete(request.user, referral.case)
        return Response(_detail(request, referral))


@policy.rule(policy.API_PROVIDER)
class EventList(APIView):
    @extend_schema(operation_id="provider_list_events", tags=["provider"],
                   parameters=[OpenApiParameter(
                       "upcoming", OpenApiTypes.BOOL, required=False,
                       description="true: only events after today")],
                   responses=responses({200: paginated(s.EventOutSerializer)}),
                   summary="The provider's workshop events")
    def get(self, request):
        events = policy.visible(request.user, WorkshopEvent).order_by("starts_on", "id")
        upcoming = request.query_params.get("upcoming")
        if upcoming not in (None, "true", "false"):
            raise ValidationError({"upcoming": ["Use true or false"]})
        if upcoming == "true":
            events = events.filter(starts_on__gt=timezone.localdate())
        return logged_page(request, self, events,
                           serialize=lambda page: s.EventOutSerializer(page, many=True).data,
                           subjects=lambda event: [], justification="")


    @extend_schema(operation_id="provider_create_event", tags=["provider"],
                   request=s.EventInSerializer,
                   responses=responses({201: s.EventCreatedSerializer,
                                        200: s.EventCreatedSerializer},
                                       problems=WRITE_PROBLEMS),
                   summary="Create a workshop event (a session on a date, at a venue, for a "
                           "group)",
                   description="Idempotent: the same session, date, venue and group again "
                               "returns the event already created (200).")
    def post(self, request):
        data = validated(s.EventInSerializer, request)
        form = EventForm(form_data({
            "session_id": f"{data['programme']}:{data['session']}",
            "starts_on": data["starts_on"], "venue": data["venue"], "sex": data["group"],
            "capacity": data["capacity"], "facilitators": data["facilitators"]},
            dates=("starts_on",)), sessions=selectors.event_sessions(),
            facilitators=selectors.event_facilitators(request.user))
        ok = cleaned(form, {"session_id": "session", "sex": "group"})
        code, session_id = ok["session_id"].split(":", 1)
        with transaction.atomic():
            # One at a time per provider, so a retried call finds the first one's event.
            Organisation.objects.select_for_update().get(pk=request.user.organisation_id)
            event = policy.visible(request.user, WorkshopEvent).filter(
                programme_code=code, session_id=session_id, starts_on=ok["starts_on"],
                venue=ok["venue"].strip(), sex=ok["sex"]).first()
            created = event is None
            if event is None:
                event = services.create_event(
                    request.user, programme_code=code, session_id=session_id,
                    starts_on=ok["starts_on"], venue=ok["venue"].strip(), sex=ok["sex"],
                    capacity=ok["capacity"], facilitators=[int(pk) for pk in ok["facilitators"]])
        return Response({"created": created, "event": s.EventOutSerializer(event).data},
                        status=201 if created else 200)


@policy.rule(policy.API_PROVIDER)
class Register(APIView):
    @extend_schema(operation_id="provider_mark_attendance", tags=["provider"],
                   request=s.RegisterInSerializer,
                   responses=responses({200: s.RegisterOutSerializer}, problems=WRITE_PROBLEMS),
                   summary="Mark attendance at a held event (a mark already recorded stays; "
                           "a missed part returns the case to police)")
    def post(self, request, pk: int):
        data = validated(s.RegisterInSerializer, request)
        event = policy.get_visible_or_404(request, WorkshopEvent, pk=pk)
        booked = set(policy.visible(request.user, Booking)
                     .filter(event=event, cancelled=False).values_list("pk", flat=True))
        marks = {}
        for index, mark in enumerate(data["marks"]):
            if mark["booking"] not in booked:
                raise ValidationError({"marks": {index: {"booking": [
                    "That person is not booked onto this event"]}}})
            marks[mark["booking"]] = (mark["outcome"], mark["reason"])
        new = services.record_register(request.user, event, marks)
        return Response({"new_marks": new})


@policy.rule(policy.API_PROVIDER)
class AttendanceCorrection(APIView):
    @extend_schema(operation_id="provider_correct_attendance", tags=["provider"],
                   request=s.AttendanceCorrectionInSerializer,
                   responses=responses({201: s.AttendanceCorrectionOutSerializer,
                                        200: s.AttendanceCorrectionOutSerializer},
                                       problems=WRITE_PROBLEMS),
                   summary="Correct a saved attendance mark, saying why (the case follows the "
                           "new mark, while police have not yet decided on it)",
                   description="The same correction again returns the one recorded (200).")
    def post(self, request, pk: int, booking: int):
        data = validated(s.AttendanceCorrectionInSerializer, request)
        ok = cleaned(AttendanceCorrectionForm(form_data(data)))
        event = policy.get_visible_or_404(request, WorkshopEvent, pk=pk)
        policy.get_visible_or_404(request, Booking, pk=booking, event=event, cancelled=False,
                                  attendance__isnull=False)
        marked = selectors.marked_booking(request.user, event, booking)  # read-logged
        if marked is None:
            raise Http404
        reason, why = ok["reason"].strip(), ok["why"].strip()
        with transaction.atomic():
            attendance = Attendance.objects.select_for_update().get(pk=marked.attendance.pk)
            last = attendance.corrections.order_by("-id").first()
            if last is not None and (attendance.outcome, attendance.reason, last.why) == (
                    ok["outcome"], reason, why):
                correction, created = last, False  # a repeated call
            else:
                correction = services.correct_attendance(
                    request.user, attendance, outcome=ok["outcome"], reason=reason, why=why)
                created = True
        correction = (type(correction).objects
                      .select_related("attendance__booking__case").get(pk=correction.pk))
        return Response(s.AttendanceCorrectionOutSerializer(correction).data,
                        status=201 if created else 200)


def _locked(case: Case) -> Case:
    """The case row locked until the transaction ends: a retried call waits for the first."""
    return Case.objects.select_for_update().select_related("person").get(pk=case.pk)


@policy.rule(policy.API_PROVIDER)
class Assessment(APIView):
    @extend_schema(operation_id="provider_record_assessment", tags=["provider"],
                   request=s.AssessmentInSerializer,
                   responses=responses({200: s.AssessmentOutSerializer},
                                       problems=WRITE_PROBLEMS),
                   summary="Record the needs assessment (JUNO): a level of need per domain; "
                           "recording it again replaces it")
    def post(self, request, reference: str):
        data = validated(s.AssessmentInSerializer, request)
        referral = _referral(request, reference, "needs assessment")
        definition = booking_rules.definition_for(referral.case)
        domains = definition.assessment_domains
        if not domains:
            raise services.DeliveryRefused(f"{definition.name} has no needs assessment")
        known = {d.id for d in domains}
        unknown = {name: ["Not a domain of this programme's assessment"]
                   for name in data["needs"] if name not in known}
        if unknown:
            raise ValidationError({"needs": unknown})
        form = AssessmentForm(form_data({**{f"need_{k}": v for k, v in data["needs"].items()},
                                         "summary": data["summary"]}), domains=domains)
        ok = cleaned(form, {f"need_{d.id}": f"needs.{d.id}" for d in domains})
        assessment = services.record_assessment(
            request.user, referral.case, summary=ok["summary"],
            needs={d.id: ok[f"need_{d.id}"] for d in domains})
        return Response(s.AssessmentOutSerializer(assessment).data)


@policy.rule(policy.API_PROVIDER)
class Questionnaire(APIView):
    @extend_schema(operation_id="provider_record_questionnaire", tags=["provider"],
                   request=s.QuestionnaireInSerializer,
                   responses=responses({201: s.QuestionnaireOutSerializer,
                                        200: s.QuestionnaireOutSerializer},
                                       problems=WRITE_PROBLEMS),
                   summary="Record a questionnaire of the programme (e.g. SWEMWBS at the start "
                           "and the end), once; it is scored as the page scores it",
                   description="The same answers again return the response recorded (200); "
                               "different ones are refused (409).")
    def post(self, request, reference: str, qid: str):
        data = validated(s.QuestionnaireInSerializer, request)
        referral = _referral(request, reference, "questionnaire")
        spec = booking_rules.definition_for(referral.case).questionnaire(qid)
        if spec is None:
            raise Http404
        items = {item.id for item in spec.items}
        unknown = {name: ["Not a question of this questionnaire"]
                   for name in data["answers"] if name not in items}
        if unknown:
            raise ValidationError({"answers": unknown})
        form = QuestionnaireForm(form_data(data["answers"]), questionnaire=spec)
        answers = cleaned(form, {item: f"answers.{item}" for item in items})
        with transaction.atomic():
            case = _locked(referral.case)
            saved = policy.visible(request.user, QuestionnaireResponse).filter(
                case=case, questionnaire_id=qid).first()
            if saved is not None and saved.answers == dict(answers):
                return Response(s.QuestionnaireOutSerializer(saved).data)  # a repeated call
            response = services.record_questionnaire(request.user, case, qid, dict(answers))
        return Response(s.QuestionnaireOutSerializer(response).data, status=201)


@policy.rule(policy.API_PROVIDER)
class OneToOnes(APIView):
    @extend_schema(operation_id="provider_record_one_to_one", tags=["provider"],
                   request=s.OneToOneInSerializer,
                   responses=responses({201: s.OneToOneResultSerializer,
                                        200: s.OneToOneResultSerializer},
                                       problems=WRITE_PROBLEMS),
                   summary="Record a one-to-one session (JUNO's support sessions)",
                   description="Idempotent: a session with the same date, outcome and length "
                               "already recorded is returned (200), not recorded twice.")
    def post(self, request, reference: str):
        data = validated(s.OneToOneInSerializer, request)
        referral = _referral(request, reference, "record a one-to-one session")
        definition = booking_rules.definition_for(referral.case)
        spec = definition.one_to_ones
        if spec is None:
            raise services.DeliveryRefused(f"{definition.name} has no one-to-one sessions")
        ok = cleaned(OneToOneForm(form_data(data, dates=("held_on",)),
                                  max_minutes=spec.max_minutes))
        minutes = (ok["minutes"] or 0) if ok["outcome"] == OneToOneOutcome.HELD else 0
        with transaction.atomic():
            case = _locked(referral.case)
            session = policy.visible(request.user, OneToOneSession).filter(
                case=case, held_on=ok["held_on"], outcome=ok["outcome"],
                minutes=minutes).first()
            created = session is None
            if session is None:
                session = services.record_one_to_one(
                    request.user, case, held_on=ok["held_on"], minutes=ok["minutes"] or 0,
                    outcome=ok["outcome"], note=ok["note"])
        status = Case.objects.values_list("status", flat=True).get(pk=case.pk)
        return Response({"created": created,
                         "one_to_one": s.OneToOneOutSerializer(session).data,
                         "case_status": status}, status=201 if created else 200)
