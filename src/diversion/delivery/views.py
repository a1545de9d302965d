from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from diversion.accounts import policy
from diversion.accounts.http import AuthenticatedHttpRequest
from diversion.accounts.policy.scopes import PROVIDER_CONTACT_STATUSES
from diversion.cases.lifecycle import Status
from diversion.cases.models import Case
from diversion.cases.services import StaleCase
from diversion.core.paging import SearchForm
from diversion.delivery import booking as booking_rules
from diversion.delivery import compliance, forms, selectors, services, wellbeing
from diversion.delivery.models import (
    Booking,
    BreachDecision,
    Goal,
    NeedsAssessment,
    OneToOneSession,
    OnwardReferral,
    QuestionnaireResponse,
    WorkshopEvent,
)
from diversion.disposals.models import Referral


@policy.rule(policy.PROVIDER_WORK)
def home(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Referral queue: the landing page for this role."""
    today = timezone.localdate()
    search = SearchForm(request.GET, label="Search cases in delivery",
                        hint="A case reference or a name")
    queue = selectors.referral_page(request.user, params=request.GET, waiting=True,
                                    param="queue_page")
    selectors.with_waiting(queue.items, today)
    active = selectors.referral_page(request.user, params=request.GET, waiting=False,
                                     terms=search.terms())
    return render(request, "delivery/home.html", {
        "queue": queue, "active": active, "search": search, "form": search, "today": today},
        status=400 if search.errors else 200)


def _provider_case(request: AuthenticatedHttpRequest, pk: int, purpose: str) -> Case:
    """The case referred to the user's provider (a logged 404 otherwise), read-logged."""
    referral = policy.get_visible_or_404(request, Referral, case_id=pk)
    return selectors.provider_case(actor=request.user, referral=referral, purpose=purpose)


def _case_context(request, case: Case, **extra) -> dict:
    user = request.user
    definition = booking_rules.definition_for(case)
    bookings = (policy.visible(user, Booking).filter(case=case)
                .select_related("event", "attendance").order_by("round", "event__starts_on"))
    responses = {r.questionnaire_id: r for r in
                 policy.visible(user, QuestionnaireResponse).filter(case=case)}
    spec = definition.one_to_ones
    one_to_ones = list(policy.visible(user, OneToOneSession).filter(case=case)) if spec else []
    context = {
        "case": case, "person": case.person, "definition": definition,
        "contact": selectors.first_contact_details(user, case),
        "contact_open": case.status in PROVIDER_CONTACT_STATUSES,
        "bookings": bookings, "round": booking_rules.current_round(case),
        "next_session": booking_rules.next_session(case, definition)
        if case.status == Status.IN_PROGRESS else None,
        "questionnaires": [(q, responses.get(q.id)) for q in definition.questionnaires],
        "changes": wellbeing.changes(definition, {qid: r.score for qid, r in responses.items()}),
        "one_to_ones": one_to_ones,
        "one_to_ones_held": sum(1 for o in one_to_ones if o.outcome == "held"),
        "one_to_one_form": forms.OneToOneForm(max_minutes=spec.max_minutes,
                                              prefix=forms.OneToOneForm.PREFIX)
        if spec else None,
        "assessment": policy.visible(user, NeedsAssessment).filter(case=case).first(),
        "goals": policy.visible(user, Goal).filter(case=case),
        "onward": policy.visible(user, OnwardReferral).filter(case=case),
        "timeline": selectors.provider_timeline(user, case),
        "gaps": services.completion_gaps(case) if case.status == Status.IN_PROGRESS else [],
        "contact_form": forms.ContactForm(), "note_form": forms.NoteForm(),
        "goal_form": forms.GoalForm(), "onward_form": forms.OnwardForm(),
    }
    context.update(extra)
    return context


@policy.rule(policy.PROVIDER_WORK)
def case_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    case = _provider_case(request, pk, "Provider case page")
    return render(request, "delivery/case.html", _case_context(request, case))


def _post_on_case(request, pk: int, form_class, context_key: str, action, purpose: str):
    case = _provider_case(request, pk, purpose)
    form = form_class(request.POST)
    if form.is_valid():
        try:
            action(case, form.cleaned_data)
        except (services.DeliveryRefused, StaleCase) as refused:
            form.add_error(None, str(refused))
        else:
            return redirect("delivery:case", pk=case.pk)
    return render(request, "delivery/case.html",
                  _case_context(request, case, **{context_key: form, "failed": form}),
                  status=400)


@require_POST
@policy.rule(policy.PROVIDER_WORK)
def contact(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    return _post_on_case(request, pk, forms.ContactForm, "contact_form",
                         lambda case, d: services.record_contact(
                             request.user, case, made_on=d["made_on"], method=d["method"],
                             outcome=d["outcome"]), "Record a contact attempt")


@require_POST
@policy.rule(policy.PROVIDER_WORK)
def note(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    return _post_on_case(request, pk, forms.NoteForm, "note_form",
                         lambda case, d: services.add_note(request.user, case, d["text"]),
                         "Add a case note")


@require_POST
@policy.rule(policy.PROVIDER_WORK)
def goal(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    return _post_on_case(request, pk, forms.GoalForm, "goal_form",
                         lambda case, d: services.add_goal(request.user, case, d["goal"]),
                         "Set a goal")


@require_POST
@policy.rule(policy.PROVIDER_WORK)
def onward(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    return _post_on_case(request, pk, forms.OnwardForm, "onward_form",
                         lambda case, d: services.add_onward_referral(
                             request.user, case, service=d["service"], reason=d["reason"],
                             made_on=d["made_on"]), "Record an onward referral")


@require_POST
@policy.rule(policy.PROVIDER_WORK)
def one_to_one(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Record a one-to-one session (the programme file's `one_to_ones`)."""
    case = _provider_case(request, pk, "Record a one-to-one session")
    spec = booking_rules.definition_for(case).one_to_ones
    if spec is None:
        raise Http404
    form = forms.OneToOneForm(request.POST, max_minutes=spec.max_minutes,
                              prefix=forms.OneToOneForm.PREFIX)
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.record_one_to_one(request.user, case, held_on=data["held_on"],
                                       minutes=data["minutes"] or 0, outcome=data["outcome"],
                                       note=data["note"])
        except (services.DeliveryRefused, StaleCase) as refused:
            form.add_error(None, str(refused))
        else:
            messages.success(request, f"{spec.name} recorded")
            return redirect("delivery:case", pk=case.pk)
    return render(request, "delivery/case.html",
                  _case_context(request, case, one_to_one_form=form, failed=form), status=400)


@require_POST
@policy.rule(policy.PROVIDER_WORK)
def complete(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    case = _provider_case(request, pk, "Complete the programme")
    try:
        services.complete(request.user, case)
    except (services.DeliveryRefused, StaleCase) as refused:
        messages.error(request, str(refused))
    else:
        messages.success(request, "The case is complete; police can see this")
    return redirect("delivery:case", pk=case.pk)


@policy.rule(policy.PROVIDER_WORK)
def book(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    case = _provider_case(request, pk, "Book a session")
    events = booking_rules.bookable_events(request.user, case)
    for event in events:
        event.taken = event.bookings.filter(cancelled=False).count()
    form = forms.BookForm(request.POST or None, events=events)
    if request.method == "POST" and form.is_valid():
        try:
            booking_rules.book(request.user, case, int(form.cleaned_data["event"]))
        except booking_rules.BookingRefused as refused:
            form.add_error("event", str(refused))
        else:
            return redirect("delivery:case", pk=case.pk)
    session = booking_rules.next_session(case)
    return render(request, "delivery/book.html", {
        "case": case, "form": form, "events": events, "session": session},
        status=400 if form.errors else 200)


@policy.rule(policy.PROVIDER_WORK)
def events(request: AuthenticatedHttpRequest) -> HttpResponse:
    rows = (policy.visible(request.user, WorkshopEvent)
            .prefetch_related("facilitators").order_by("-starts_on")[:200])
    for event in rows:
        event.taken = event.bookings.filter(cancelled=False).count()
    return render(request, "delivery/events.html", {"events": rows,
                                                    "today": timezone.localdate()})


@policy.rule(policy.PROVIDER_WORK)
def event_new(request: AuthenticatedHttpRequest) -> HttpResponse:
    # PROVIDER_WORK admits only facilitators and provider managers of an organisation: the
    # facilitators to choose from are their own organisation's.
    form = forms.EventForm(request.POST or None, sessions=selectors.event_sessions(),
                           facilitators=selectors.event_facilitators(request.user),
                           initial={"capacity": 12})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        code, session_id = data["session_id"].split(":", 1)
        services.create_event(request.user, programme_code=code, session_id=session_id,
                              starts_on=data["starts_on"], venue=data["venue"],
                              sex=data["sex"], capacity=data["capacity"],
                              facilitators=[int(pk) for pk in data["facilitators"]])
        return redirect("delivery:events")
    return render(request, "delivery/event_new.html", {"form": form},
                  status=400 if form.errors else 200)


@policy.rule(policy.PROVIDER_WORK)
def register(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    event = policy.get_visible_or_404(request, WorkshopEvent, pk=pk)
    bookings = selectors.register_bookings(request.user, event)
    form = forms.RegisterForm(request.POST or None, bookings=bookings)
    if request.method == "POST" and form.is_valid():
        try:
            new = services.record_register(request.user, event, form.marks())
        except services.DeliveryRefused as refused:
            form.add_error(None, str(refused))
        else:
            messages.success(request, f"Register saved: {new} new marks")
            return redirect("delivery:register", pk=event.pk)
    return render(request, "delivery/register.html", {
        "event": event, "form": form, "future": event.starts_on > timezone.localdate()},
        status=400 if form.errors else 200)


@policy.rule(policy.PROVIDER_WORK)
def correct_attendance(request: AuthenticatedHttpRequest, pk: int, booking_pk: int) -> HttpResponse:
    """Change a saved mark, with why; the case follows the new mark (services says how)."""
    event = policy.get_visible_or_404(request, WorkshopEvent, pk=pk)
    booking = selectors.marked_booking(request.user, event, booking_pk)
    if booking is None:
        raise Http404
    attendance = booking.attendance
    form = forms.AttendanceCorrectionForm(
        request.POST or None, initial={"outcome": attendance.outcome,
                                       "reason": attendance.reason})
    if request.method == "POST" and form.is_valid():
        try:
            services.correct_attendance(request.user, attendance, **form.cleaned_data)
        except services.DeliveryRefused as refused:
            form.add_error(None, str(refused))
        else:
            messages.success(request, "Attendance corrected")
            return redirect("delivery:register", pk=event.pk)
    return render(request, "delivery/correct_attendance.html", {
        "event": event, "booking": booking, "attendance": attendance, "form": form,
        "corrections": attendance.corrections.select_related("corrected_by")},
        status=400 if form.errors else 200)


@policy.rule(policy.PROVIDER_WORK)
def questionnaire(request: AuthenticatedHttpRequest, pk: int, qid: str) -> HttpResponse:
    case = _provider_case(request, pk, "Questionnaire")
    definition = booking_rules.definition_for(case)
    spec = definition.questionnaire(qid)
    if spec is None:
        raise Http404
    form = forms.QuestionnaireForm(request.POST or None, questionnaire=spec)
    if request.method == "POST" and form.is_valid():
        try:
            services.record_questionnaire(request.user, case, qid, form.cleaned_data)
        except services.DeliveryRefused as refused:
            form.add_error(None, str(refused))
        else:
            return redirect("delivery:case", pk=case.pk)
    return render(request, "delivery/questionnaire.html",
                  {"case": case, "form": form, "questionnaire": spec},
                  status=400 if form.errors else 200)


@policy.rule(policy.PROVIDER_WORK)
def assessment(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    case = _provider_case(request, pk, "Needs assessment")
    domains = booking_rules.definition_for(case).assessment_domains
    if not domains:
        raise Http404
    form = forms.AssessmentForm(request.POST or None, domains=domains)
    if request.method == "POST" and form.is_valid():
        services.record_assessment(
            request.user, case, summary=form.cleaned_data["summary"],
            needs={d.id: form.cleaned_data[f"need_{d.id}"] for d in domains})
        return redirect("delivery:case", pk=case.pk)
    return render(request, "delivery/assessment.html", {"case": case, "form": form},
                  status=400 if form.errors else 200)


# --- Police side: compliance and the breach decision.
@policy.rule(policy.POLICE_WORK)
def compliance_page(request: AuthenticatedHttpRequest) -> HttpResponse:
    return render(request, "delivery/compliance.html", {
        "lists": compliance.compliance_lists(request.user),
        "deadline_days": compliance.deadline_warning_days(),
        "limit_days": compliance.time_limit_warning_days(), "today": timezone.localdate()})


@policy.rule(policy.POLICE_WORK)
def progress(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    case = policy.get_visible_or_404(request, Case, pk=pk)
    bookings = selectors.police_progress(request.user, case)
    referral = policy.visible(request.user, Referral).filter(case=case).first()
    definition = booking_rules.definition_for(case) if referral else None
    names = {s.id: s.name for s in definition.sessions} if definition else {}
    rows = [(names.get(b.session_id, b.session_id), b) for b in bookings]
    decisions = policy.visible(request.user, BreachDecision).filter(case=case)
    today = timezone.localdate()
    return render(request, "delivery/progress.html", {
        "case": case, "rows": rows, "decisions": decisions,
        "one_to_ones": selectors.police_one_to_ones(request.user, case, definition),
        "prosecution_refusal": compliance.prosecution_refusal(case, today)
        if hasattr(case, "disposal") else None,
        "max_deadline": compliance.max_deadline(case) if hasattr(case, "disposal") else None,
        "form": forms.BreachForm(initial={"version": case.version})})


@require_POST
@policy.rule(policy.POLICE_WORK)
def decide(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    case = policy.get_visible_or_404(request, Case, pk=pk)
    form = forms.BreachForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            compliance.decide_breach(request.user, case, choice=data["choice"],
                                     rationale=data["rationale"],
                                     new_deadline=data["new_deadline"],
                                     expected_version=data["version"])
        except compliance.DecisionRefused as refused:
            field = "new_deadline" if "deadline" in str(refused) else "choice"
            form.add_error(field, str(refused))
        except StaleCase as stale:
            form.add_error(None, str(stale))
        else:
            messages.success(request, "Breach decision recorded")
            return redirect("delivery:progress", pk=case.pk)
    bookings = selectors.police_progress(request.user, case)
    definition = booking_rules.definition_for(case)
    names = {s.id: s.name for s in definition.sessions}
    today = timezone.localdate()
    return render(request, "delivery/progress.html", {
        "case": case, "rows": [(names.get(b.session_id, b.session_id), b) for b in bookings],
        "one_to_ones": selectors.police_one_to_ones(request.user, case, definition),
        "decisions": policy.visible(request.user, BreachDecision).filter(case=case),
        "prosecution_refusal": compliance.prosecution_refusal(case, today),
        "max_deadline": compliance.max_deadline(case), "form": form}, status=400)
