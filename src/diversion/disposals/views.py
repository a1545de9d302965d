"""The police case page and the caution step: consultation and consent, randomisation, the
caution, the date of the victim's statement and a supervisor's go-ahead against the victim's
view. The paths stay under /police/cases/<pk>/ beside the `cases` pages."""

from __future__ import annotations

from datetime import date

from django.contrib import messages
from django.forms import Form
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from diversion.accounts import policy
from diversion.accounts.http import AuthenticatedHttpRequest
from diversion.cases import lifecycle, regimes
from diversion.cases.forms import VersionedForm
from diversion.cases.models import Case
from diversion.cases.selectors import case_for, contact_recorded, latest_decision
from diversion.cases.services import CaseRefused, StaleCase
from diversion.cases.time_limits import prosecution_time_limit
from diversion.disposals import closure, forms, services
from diversion.disposals.selectors import (
    closure_for,
    has_disposal,
    victim_view_decision_for,
)
from diversion.programmes import registry
from diversion.trials.selectors import allocation_for
from diversion.victims.selectors import police_outcome


def _time_limit(case: Case) -> tuple[date | None, str]:
    if hasattr(case, "disposal"):
        return case.disposal.prosecution_last_day, case.disposal.time_limit_explanation
    offence = case.offence
    limit = prosecution_time_limit(offence_code=offence.offence_code_id,
                                   offence_date=offence.offence_date,
                                   domestic_abuse=offence.domestic_abuse,
                                   victim_statement_date=case.victim_statement_date)
    return limit.last_day, limit.explanation


@policy.rule(policy.POLICE_WORK)
def detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    case = case_for(request, pk, purpose="Police OOCR case page")
    return _detail_with(request, case, status=200)


def _refusal(form: Form, exc: Exception) -> None:
    form.add_error(None, str(exc))


@policy.rule(policy.POLICE_WORK)
def statement(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    case = case_for(request, pk, purpose="Recording the date of the victim's statement")
    form = forms.StatementForm(request.POST or None, case=case)
    if request.method == "POST" and form.is_valid():
        try:
            services.record_statement_date(
                actor=request.user, case=case, expected_version=form.cleaned_data["version"],
                statement_date=form.cleaned_data["victim_statement_date"])
        except (StaleCase, CaseRefused) as exc:
            _refusal(form, exc)
        else:
            messages.success(request, "Date of the victim's statement saved")
            return redirect("disposals:detail", pk=case.pk)
    return render(request, "disposals/statement.html", {"case": case, "form": form})


@policy.rule(policy.POLICE_WORK)
def victim_view_decision(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    case = case_for(request, pk, purpose="Supervisor's decision on the victim's view")
    form = forms.VictimViewDecisionForm(request.POST or None,
                                        initial={"version": case.version})
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            services.record_victim_view_decision(
                actor=request.user, case=case, expected_version=d["version"],
                supervisor_name=d["supervisor_name"], supervisor_rank=d["supervisor_rank"],
                reasons=d["reasons"])
        except (StaleCase, CaseRefused) as exc:
            _refusal(form, exc)
        else:
            messages.success(request, "Supervisor's decision recorded")
            return redirect("disposals:detail", pk=case.pk)
    return render(request, "disposals/victim_view.html", {
        "case": case, "form": form, "consultation": police_outcome(case)})


@policy.rule(policy.POLICE_WORK)
@require_POST
def consultation(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    case = case_for(request, pk, purpose="Recording the victim consultation outcome")
    form = forms.ConsultationForm(request.POST)
    if form.is_valid():
        try:
            services.confirm_consultation(actor=request.user, case=case,
                                          expected_version=form.cleaned_data["version"],
                                          person_consents=True)
        except (StaleCase, CaseRefused, lifecycle.InvalidTransition) as exc:
            _refusal(form, exc)
        else:
            messages.success(request, "Victim consultation and consent recorded")
            return redirect("disposals:detail", pk=case.pk)
    return _detail_with(request, case, consult_form=form)


def _detail_with(request: AuthenticatedHttpRequest, case: Case, status: int = 400,
                 **extra: object) -> HttpResponse:
    last_day, explanation = _time_limit(case)
    trial, definition = services.trial_for(case)
    context = {
        "case": case, "definition": definition, "trial": trial,
        "decision": latest_decision(request.user, case), "consultation": police_outcome(case),
        "allocation": allocation_for(request.user, case), "time_limit": last_day,
        "victim_view_decision": victim_view_decision_for(request.user, case),
        "closure": closure_for(request.user, case),
        "time_limit_explanation": explanation,
        "days_left": (last_day - timezone.localdate()).days if last_day else None,
        "next_statuses": [lifecycle.label(s) for s in sorted(lifecycle.allowed(case.status))],
        "consult_form": forms.ConsultationForm(initial={"version": case.version}),
        # when the contact details were recorded, not the details (no read of them here)
        "contact_recorded": contact_recorded(request.user, person=case.person),
    }
    context.update(extra)
    context["form"] = extra.get("consult_form") or extra.get("action_form")
    return render(request, "disposals/detail.html", context, status=status)


@policy.rule(policy.POLICE_WORK)
@require_POST
def randomise(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    case = case_for(request, pk, purpose="Trial randomisation")
    form = VersionedForm(request.POST)
    if form.is_valid():
        try:
            allocation = services.randomise(actor=request.user, case=case,
                                            expected_version=form.cleaned_data["version"])
        except (StaleCase, CaseRefused, lifecycle.InvalidTransition) as exc:
            _refusal(form, exc)
        else:
            messages.success(request, f"Allocated to {allocation.arm}")
            return redirect("disposals:detail", pk=case.pk)
    return _detail_with(request, case, action_form=form)


@policy.rule(policy.POLICE_WORK)
def close(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    case = case_for(request, pk, purpose="Closing the case")
    if case.status == lifecycle.Status.CLOSED:
        messages.success(request, "The case is already closed")
        return redirect("disposals:detail", pk=case.pk)
    reasons = closure.reasons_for(request.user, case)
    form = forms.CloseCaseForm(request.POST or None, reasons=reasons,
                               initial={"version": case.version})
    if request.method == "POST" and not reasons:
        # Nothing can be chosen, so say why the case cannot close rather than "select a reason".
        form.is_valid()
        form.errors.clear()
        form.add_error(None, closure.why_not(request.user, case))
    elif request.method == "POST" and form.is_valid():
        try:
            services.close_case(actor=request.user, case=case,
                                expected_version=form.cleaned_data["version"],
                                reason=form.cleaned_data["reason"],
                                detail=form.cleaned_data["detail"])
        except services.ClosureRefused as exc:
            form.add_error(exc.field, str(exc))
        except (StaleCase, CaseRefused, lifecycle.InvalidTransition) as exc:
            _refusal(form, exc)
        else:
            messages.success(request, "Case closed")
            return redirect("disposals:detail", pk=case.pk)
    return render(request, "disposals/close.html", {
        "case": case, "form": form, "reasons": reasons,
        "breach": closure.breach_outcome(request.user, case)
        if case.status == lifecycle.Status.DECIDED else None},
        status=400 if form.errors else 200)


@policy.rule(policy.POLICE_WORK)
def caution(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    case = case_for(request, pk, purpose="Recording the caution")
    # A repeated submit, or the back button: the first caution stands, no second one.
    if has_disposal(request.user, case):
        messages.success(request, "The caution for this case is already recorded")
        return redirect("disposals:detail", pk=case.pk)
    definition = registry.current(case.programme_code)
    allocation = allocation_for(request.user, case)
    form = forms.CautionForm(request.POST or None, case=case,
                             default_weeks=definition.default_deadline_weeks)
    if request.method == "POST" and form.is_valid():
        try:
            services.caution(actor=request.user, case=case,
                             expected_version=form.cleaned_data["version"], **form.disposal())
        except (StaleCase, CaseRefused, lifecycle.InvalidTransition) as exc:
            _refusal(form, exc)
        else:
            messages.success(request, "Caution recorded" + (
                " and the case referred to the provider" if case.status == "referred" else ""))
            return redirect("disposals:detail", pk=case.pk)
    return render(request, "disposals/caution.html", {
        "case": case, "form": form, "definition": definition, "allocation": allocation,
        "commencement": regimes.commencement()})
