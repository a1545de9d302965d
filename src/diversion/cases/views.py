"""The police pages before the caution: the work queue, recording an offence, its facts and
eligibility, and the timeline. The case page and the caution step are in `disposals.views`."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from diversion.accounts import policy
from diversion.accounts.http import AuthenticatedHttpRequest
from diversion.cases import forms, lifecycle, services
from diversion.cases.selectors import (
    case_for,
    contact_details,
    contact_recorded,
    find_cases,
    latest_decision,
    recent_offences,
    timeline,
)
from diversion.cases.services import CaseRefused, StaleCase


@policy.rule(policy.POLICE_WORK)
def home(request: HttpRequest) -> HttpResponse:
    """The OOCR decision maker's work: domestic-abuse offences awaiting a disposal decision."""
    offences = recent_offences(request.user)
    search = forms.CaseSearchForm(request.GET)
    listing = find_cases(request.user, params=request.GET, terms=search.terms(),
                         status=search.status_value())
    return render(request, "cases/home.html",
                  {"offences": offences, "listing": listing, "search": search,
                   "form": search}, status=400 if search.errors else 200)


@policy.rule(policy.POLICE_WORK)
def record_offence(request: HttpRequest) -> HttpResponse:
    form = forms.RecordCaseForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        case, created = services.record_case(
            request.user, submission_key=form.cleaned_data["submission_key"],
            person=form.person(), offence=form.offence(),
            programme_code=form.cleaned_data["programme"], facts=form.facts())
        if created:
            messages.success(request, f"Case {case.reference} recorded")
        return redirect("disposals:detail", pk=case.pk)
    return render(request, "cases/record.html", {"form": form})


def _refusal(request, form, exc) -> None:
    form.add_error(None, str(exc))


@policy.rule(policy.POLICE_WORK)
def edit_facts(request: HttpRequest, pk: int) -> HttpResponse:
    case = case_for(request, pk, purpose="Changing eligibility facts")
    form = forms.FactsForm(request.POST or None, case=case)
    if request.method == "POST" and form.is_valid():
        try:
            services.update_facts(request.user, case,
                                  expected_version=form.cleaned_data["version"],
                                  facts=form.facts())
        except (StaleCase, CaseRefused) as exc:
            _refusal(request, form, exc)
        else:
            messages.success(request, "Eligibility facts saved")
            return redirect("disposals:detail", pk=case.pk)
    return render(request, "cases/facts.html", {"case": case, "form": form})


@policy.rule(policy.POLICE_WORK)
def eligibility(request: HttpRequest, pk: int) -> HttpResponse:
    case = case_for(request, pk, purpose="Eligibility check")
    definition, results, computed = services.evaluate(case)
    form = forms.EligibilityForm(request.POST or None, initial={"version": case.version})
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            services.decide_eligibility(
                request.user, case, expected_version=d["version"], override=d["override"],
                rationale=d["rationale"], supervisor_name=d["supervisor_name"],
                supervisor_rank=d["supervisor_rank"])
        except (StaleCase, CaseRefused, lifecycle.InvalidTransition) as exc:
            _refusal(request, form, exc)
        else:
            messages.success(request, f"Eligibility decided: {lifecycle.label(case.status)}")
            return redirect("disposals:detail", pk=case.pk)
    return render(request, "cases/eligibility.html", {
        "case": case, "definition": definition, "results": results, "computed": computed,
        "form": form, "decision": latest_decision(request.user, case)})


@policy.rule(policy.POLICE_WORK)
def case_timeline(request: HttpRequest, pk: int) -> HttpResponse:
    case = case_for(request, pk, purpose="Case timeline")
    return render(request, "cases/timeline.html",
                  {"case": case, "events": timeline(request.user, case)})


@policy.rule(policy.POLICE_WORK)
def contact(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Record or change the person's contact details, which the provider uses for first
    contact. Showing the form reads them, so it is logged like any read."""
    case = case_for(request, pk, purpose="Contact details of the person cautioned")
    # Only showing the form reads (and logs) the stored details; a submission replaces them.
    current = (contact_details(request.user, person=case.person,
                               purpose="Police: checking the person's contact details")
               if request.method != "POST"
               else contact_recorded(request.user, person=case.person))
    form = forms.ContactDetailsForm(request.POST or None, contact=current)
    if request.method == "POST" and form.is_valid():
        try:
            services.save_contact_details(request.user, case, **form.details())
        except CaseRefused as exc:
            _refusal(request, form, exc)
        else:
            messages.success(request, "Contact details saved")
            return redirect("disposals:detail", pk=case.pk)
    return render(request, "cases/contact.html", {"case": case, "form": form,
                                                  "contact": current},
                  status=400 if form.errors else 200)
