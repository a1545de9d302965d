"""Providers' case systems: the referral queue and each referral, contact attempts, bookings
onto workshop events, the attendance register and completion. The delivery services apply
the same rules as the pages (booking rules, bookings paused under an urgent safeguarding
alert, completion gaps) and write the same processing-log rows."""

from __future__ import annotations

from django.db.models import Max, QuerySet
from django.db.models.functions import Coalesce
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.exceptions import ValidationError
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
from diversion.cases.lifecycle import Status
from diversion.cases.models import Case
from diversion.delivery import booking as booking_rules
from diversion.delivery import selectors, services
from diversion.delivery.forms import ContactForm
from diversion.delivery.models import Booking, WorkshopEvent
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
