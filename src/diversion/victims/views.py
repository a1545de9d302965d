"""Victim workers' pages. Thin: parse the form, call a service or selector, render."""

from __future__ import annotations

import logging
from functools import wraps
from typing import cast

from django.contrib import messages
from django.contrib.auth import authenticate
from django.db import DatabaseError
from django.db.models import Field
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from diversion.accounts import policy
from diversion.audit.services import ProcessingLogError
from diversion.core.paging import SearchForm
from diversion.victims import forms, selectors, services, stepup
from diversion.victims.models import CONTACT_FIELDS, CaseVictim, SafeguardingAlert, Victim

logger = logging.getLogger(__name__)

VICTIM_WORK = policy.VICTIM_WORK


def _posted(request):
    """The POST data, even when empty (an empty submit must show errors, not a blank form)."""
    return request.POST if request.method == "POST" else None


def _victim(request, pk: int) -> Victim:
    return policy.get_visible_or_404(request, Victim, pk=pk)


def _link(request, pk: int, case_pk: int) -> CaseVictim:
    return policy.get_visible_or_404(request, CaseVictim, victim_id=pk, case_id=case_pk)


def _render_about(request: HttpRequest, template: str, context: dict, *, purpose: str,
                  case=None) -> HttpResponse:
    """Render a page that shows `context["victim"]`, logging the read first (fail closed)."""
    selectors.victim_page_read(request.user, context["victim"], case=case, purpose=purpose)
    return render(request, template, context)


def unavailable(request: HttpRequest) -> HttpResponse:
    """Fail closed (security.md 18): a generic page, nothing shown or changed."""
    return render(request, "victims/unavailable.html", status=503)


def fail_closed(view):
    """If a processing-log row (or the database) fails, the user sees only a generic page;
    the read or write it belonged to was rolled back with it."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        try:
            return view(request, *args, **kwargs)
        except (ProcessingLogError, DatabaseError):
            # Operators must see the outage; the log's formatter withholds the message of any
            # error that could quote data (core/logging.py).
            logger.exception("Victims page failed closed: %s", view.__name__)
            return unavailable(request)

    return wrapper


@policy.rule(VICTIM_WORK)
@fail_closed
def home(request: HttpRequest) -> HttpResponse:
    """Victims to contact: the landing page for this role."""
    search = SearchForm(request.GET, label="Search victims", hint="A name")
    queue = selectors.home_queue(request.user, params=request.GET, terms=search.terms())
    return render(request, "victims/home.html", {"queue": queue, "search": search,
                                                  "form": search},
                  status=400 if search.errors else 200)


@policy.rule(VICTIM_WORK)
@fail_closed
def case_search(request: HttpRequest) -> HttpResponse:
    """Find a case by its case or crime reference, within the forces the service works with."""
    form = forms.CaseSearchForm(request.GET or None)
    matches = None
    if form.is_bound and form.is_valid():
        matches = selectors.case_matches(request.user, form.cleaned_data["reference"])
    return render(request, "victims/case_search.html", {"form": form, "matches": matches})


@policy.rule(VICTIM_WORK)
@fail_closed
def victim_create(request: HttpRequest) -> HttpResponse:
    form = forms.VictimForm(_posted(request))
    if request.method == "POST" and form.is_valid():
        victim = services.create_victim(request.user, **form.cleaned_data)
        messages.success(request, f"{victim.full_name} recorded")
        return redirect("victims:victim", pk=victim.pk)
    return render(request, "victims/form.html",
                  {"form": form, "heading": "Record a victim", "button": "Record victim"})


@policy.rule(VICTIM_WORK)
@fail_closed
def victim_detail(request: HttpRequest, pk: int) -> HttpResponse:
    victim = _victim(request, pk)
    record = selectors.victim_record(request.user, victim)
    return render(request, "victims/victim.html", {"record": record, "victim": victim})


@policy.rule(VICTIM_WORK)
@fail_closed
def link_case(request: HttpRequest, pk: int) -> HttpResponse:
    victim = _victim(request, pk)
    form = forms.LinkCaseForm(_posted(request),
                              find_case=lambda ref: selectors.find_case(request.user, ref))
    if request.method == "POST" and form.is_valid():
        services.link_case(request.user, victim, form.case,
                           relationship=form.cleaned_data["relationship"])
        messages.success(request, f"Linked to case {form.case.reference}")
        return redirect("victims:victim", pk=victim.pk)
    return _render_about(request, "victims/form.html", {
        "form": form, "victim": victim, "heading": "Link to a case", "button": "Link case"},
        purpose="Victim worker linking a victim to a case")


def _step_up_redirect(request) -> HttpResponse:
    return redirect(f"{reverse('victims:step_up')}?next={request.path}")


@policy.rule(VICTIM_WORK)
@fail_closed
def contact_details(request: HttpRequest, pk: int) -> HttpResponse:
    """A reason first, a recent sign-in, then the details, each read logged with its reason."""
    victim = _victim(request, pk)
    if not stepup.recently_authenticated(request):
        return _step_up_redirect(request)
    form = forms.ReasonForm(_posted(request))
    details = None
    if request.method == "POST" and form.is_valid():
        details = selectors.contact_details(request.user, victim,
                                            justification=form.justification())
    rows = [] if details is None else [  # the contact fields are Victim's own columns
        (cast(Field, Victim._meta.get_field(name)).verbose_name.capitalize(),
         details.display(name))
        for name in CONTACT_FIELDS]
    context = {"victim": victim, "form": form, "details": details, "rows": rows}
    if details is not None:  # selectors.contact_details logged this read with its reason
        return render(request, "victims/contact_details.html", context)
    return _render_about(request, "victims/contact_details.html", context,
                         purpose="Victim worker opening a victim's contact details page")


@policy.rule(VICTIM_WORK)
@fail_closed
def contact_details_edit(request: HttpRequest, pk: int) -> HttpResponse:
    victim = _victim(request, pk)
    if not stepup.recently_authenticated(request):
        return _step_up_redirect(request)
    if request.method == "POST":
        form = forms.ContactDetailsForm(request.POST)
        if form.is_valid():
            services.update_contact_details(request.user, victim, form.cleaned_data)
            messages.success(request, "Contact details saved")
            return redirect("victims:victim", pk=victim.pk)
        selectors.victim_page_read(request.user, victim,
                                   purpose="Victim worker correcting a victim's contact details")
    else:
        current = selectors.contact_details(
            request.user, victim,
            justification="Victim contact details read: to check or update them")
        form = forms.ContactDetailsForm(initial=current.values)
    return render(request, "victims/form.html", {
        "form": form, "victim": victim, "heading": "Change contact details",
        "button": "Save contact details"})


@policy.rule(VICTIM_WORK)
@fail_closed
def step_up(request: HttpRequest) -> HttpResponse:
    """Ask for the password again before contact details are shown (security.md 6)."""
    return step_up_page(request, fallback=reverse("victims:home"))


def step_up_page(request: HttpRequest, *, fallback: str) -> HttpResponse:
    """The password prompt, then back to `next` (a local address only, else `fallback`).
    Also the prompt before a victim's subject-access export (retention)."""
    target = request.GET.get("next") or request.POST.get("next") or fallback
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        target = fallback
    form = forms.StepUpForm(_posted(request))
    if request.method == "POST" and form.is_valid():
        user = authenticate(request, username=request.user.get_username(),
                            password=form.cleaned_data["password"])
        if user is not None and user.pk == request.user.pk:
            stepup.mark_authenticated(request)
            return redirect(target)
        form.add_error("password", "Enter your correct password")
    return render(request, "victims/step_up.html", {"form": form, "next": target})


@policy.rule(VICTIM_WORK)
@fail_closed
def consultation(request: HttpRequest, pk: int, case_pk: int) -> HttpResponse:
    link = _link(request, pk, case_pk)
    victim, case = link.victim, link.case
    draft = selectors.consultation_draft(request.user, victim, case)
    completing = request.POST.get("action") == "complete"
    if request.method == "POST":
        form = forms.ConsultationForm(request.POST, completing=completing)
        if form.is_valid():
            services.save_consultation(request.user, victim=victim, case=case,
                                       values=form.values(), complete=completing)
            messages.success(request, "Consultation completed: police can now see the outcome"
                             if completing else "Consultation saved as a draft")
            return redirect("victims:victim", pk=victim.pk)
    else:
        initial = {}
        if draft is not None:
            initial = {name: getattr(draft, name) for name in forms.ConsultationForm.base_fields
                       if name != "consents_to_programme"}
            answers: dict[bool | None, str] = {True: "yes", False: "no"}
            initial["consents_to_programme"] = answers.get(draft.consents_to_programme, "")
        form = forms.ConsultationForm(initial=initial)
    return _render_about(request, "victims/consultation.html",
                         {"form": form, "victim": victim, "case": case, "draft": draft},
                         case=case, purpose="Victim worker reading a victim's consultation "
                                            "on a case" + (" (a saved draft)" if draft else ""))


@policy.rule(VICTIM_WORK)
@fail_closed
def contact_log_create(request: HttpRequest, pk: int) -> HttpResponse:
    victim = _victim(request, pk)
    form = forms.ContactLogForm(_posted(request))
    if request.method == "POST" and form.is_valid():
        services.add_contact(request.user, victim, **form.cleaned_data)
        messages.success(request, "Contact logged")
        return redirect("victims:victim", pk=victim.pk)
    return _render_about(request, "victims/form.html", {
        "form": form, "victim": victim, "heading": "Log a contact", "button": "Save contact"},
        purpose="Victim worker logging a contact with a victim")


def _case_record_form(request: HttpRequest, link, form, save, *, done: str, heading: str,
                      button: str) -> HttpResponse:
    """One record about a victim on a case: show the form, or save it through `save`."""
    if request.method == "POST" and form.is_valid():
        save(request.user, victim=link.victim, case=link.case, **form.cleaned_data)
        messages.success(request, done)
        return redirect("victims:victim", pk=link.victim_id)
    return _render_about(request, "victims/form.html", {
        "form": form, "victim": link.victim, "case": link.case,
        "heading": heading, "button": button},
        case=link.case, purpose=f"Victim worker on a victim's case: {heading.lower()}")


@policy.rule(VICTIM_WORK)
@fail_closed
def follow_up_create(request: HttpRequest, pk: int, case_pk: int) -> HttpResponse:
    link = _link(request, pk, case_pk)
    initial = {"point": request.GET.get("point", "")}
    form = forms.FollowUpForm(_posted(request), case=link.case, initial=initial)
    return _case_record_form(request, link, form, services.record_follow_up,
                             done="Follow-up recorded", heading="Record a follow-up contact",
                             button="Save follow-up")


@policy.rule(VICTIM_WORK)
@fail_closed
def safeguarding_create(request: HttpRequest, pk: int, case_pk: int) -> HttpResponse:
    link = _link(request, pk, case_pk)
    return _case_record_form(
        request, link, forms.SafeguardingForm(_posted(request)), services.raise_alert,
        done="Safeguarding alert raised: police have been told a risk was raised, without details",
        heading="Raise a safeguarding concern", button="Raise alert")


@policy.rule(VICTIM_WORK)
@fail_closed
@require_POST
def lift_pause(request: HttpRequest, alert_pk: int) -> HttpResponse:
    alert = policy.get_visible_or_404(request, SafeguardingAlert, pk=alert_pk)
    services.lift_pause(request.user, alert)
    messages.success(request, f"Workshop bookings on case {alert.case.reference} resumed")
    return redirect("victims:victim", pk=alert.victim_id)


@policy.rule(VICTIM_WORK)
@fail_closed
def information_create(request: HttpRequest, pk: int, case_pk: int) -> HttpResponse:
    link = _link(request, pk, case_pk)
    return _case_record_form(
        request, link, forms.InformationEventForm(_posted(request)), services.record_information,
        done="Information event recorded", heading="Record what the victim was told",
        button="Save")


@policy.rule(VICTIM_WORK)
@fail_closed
def disclosure_create(request: HttpRequest, pk: int) -> HttpResponse:
    victim = _victim(request, pk)
    form = forms.DisclosureForm(_posted(request))
    if request.method == "POST" and form.is_valid():
        services.record_disclosure(request.user, victim, **form.cleaned_data)
        messages.success(request, "Disclosure recorded")
        return redirect("victims:victim", pk=victim.pk)
    return _render_about(request, "victims/form.html", {
        "form": form, "victim": victim, "heading": "Record a disclosure outside the service",
        "button": "Record disclosure"},
        purpose="Victim worker recording a disclosure about a victim")
