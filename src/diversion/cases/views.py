from __future__ import annotations

from datetime import date

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from diversion.accounts import policy
from diversion.cases import forms, lifecycle, services
from diversion.cases.selectors import (
    case_for,
    latest_decision,
    open_cases,
    recent_offences,
    timeline,
    victim_view_decision_for,
)
from diversion.cases.services import CaseRefused, StaleCase
from diversion.cases.time_limits import prosecution_time_limit
from diversion.programmes import registry
from diversion.trials.selectors import allocation_for
from diversion.victims.selectors import police_outcome


@policy.rule(policy.POLICE_WORK)
def home(request: HttpRequest) -> HttpResponse:
    """The OOCR decision maker's work: domestic-abuse offences awaiting a disposal decision."""
    offences = recent_offences(request.user)
    return render(request, "cases/home.html",
                  {"offences": offences, "cases": open_cases(request.user)})


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
        return redirect("cases:detail", pk=case.pk)
    return render(request, "cases/record.html", {"form": form})


def _time_limit(case):
    if case_has_disposal(case):
        return case.disposal.prosecution_last_day, case.disposal.time_limit_explanation
    offence = case.offence
    limit = prosecution_time_limit(offence_code=offence.offence_code_id,
                                   offence_date=offence.offence_date,
                                   domestic_abuse=offence.domestic_abuse,
                                   victim_statement_date=case.victim_statement_date)
    return limit.last_day, limit.explanation


def case_has_disposal(case) -> bool:
    return hasattr(case, "disposal")


@policy.rule(policy.POLICE_WORK)
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    case = case_for(request, pk, purpose="Police OOCR case page")
    return _detail_with(request, case, status=200)


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
            return redirect("cases:detail", pk=case.pk)
    return render(request, "cases/facts.html", {"case": case, "form": form})


@policy.rule(policy.POLICE_WORK)
def statement(request: HttpRequest, pk: int) -> HttpResponse:
    case = case_for(request, pk, purpose="Recording the date of the victim's statement")
    form = forms.StatementForm(request.POST or None, case=case)
    if request.method == "POST" and form.is_valid():
        try:
            services.record_statement_date(
                request.user, case, expected_version=form.cleaned_data["version"],
                statement_date=form.cleaned_data["victim_statement_date"])
        except (StaleCase, CaseRefused) as exc:
            _refusal(request, form, exc)
        else:
            messages.success(request, "Date of the victim's statement saved")
            return redirect("cases:detail", pk=case.pk)
    return render(request, "cases/statement.html", {"case": case, "form": form})


@policy.rule(policy.POLICE_WORK)
def victim_view_decision(request: HttpRequest, pk: int) -> HttpResponse:
    case = case_for(request, pk, purpose="Supervisor's decision on the victim's view")
    form = forms.VictimViewDecisionForm(request.POST or None,
                                        initial={"version": case.version})
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            services.record_victim_view_decision(
                request.user, case, expected_version=d["version"],
                supervisor_name=d["supervisor_name"], supervisor_rank=d["supervisor_rank"],
                reasons=d["reasons"])
        except (StaleCase, CaseRefused) as exc:
            _refusal(request, form, exc)
        else:
            messages.success(request, "Supervisor's decision recorded")
            return redirect("cases:detail", pk=case.pk)
    return render(request, "cases/victim_view.html", {
        "case": case, "form": form, "consultation": police_outcome(case)})


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
            return redirect("cases:detail", pk=case.pk)
    return render(request, "cases/eligibility.html", {
        "case": case, "definition": definition, "results": results, "computed": computed,
        "form": form, "decision": latest_decision(request.user, case)})


@policy.rule(policy.POLICE_WORK)
@require_POST
def consultation(request: HttpRequest, pk: int) -> HttpResponse:
    case = case_for(request, pk, purpose="Recording the victim consultation outcome")
    form = forms.ConsultationForm(request.POST)
    if form.is_valid():
        try:
            services.confirm_consultation(request.user, case,
                                          expected_version=form.cleaned_data["version"],
                                          person_consents=True)
        except (StaleCase, CaseRefused, lifecycle.InvalidTransition) as exc:
            _refusal(request, form, exc)
        else:
            messages.success(request, "Victim consultation and consent recorded")
            return redirect("cases:detail", pk=case.pk)
    return _detail_with(request, case, consult_form=form)


def _detail_with(request, case, status: int = 400, **extra) -> HttpResponse:
    last_day, explanation = _time_limit(case)
    trial, definition = services.trial_for(case)
    context = {
        "case": case, "definition": definition, "trial": trial,
        "decision": latest_decision(request.user, case), "consultation": police_outcome(case),
        "allocation": allocation_for(request.user, case), "time_limit": last_day,
        "victim_view_decision": victim_view_decision_for(request.user, case),
        "time_limit_explanation": explanation,
        "days_left": (last_day - timezone.localdate()).days if last_day else None,
        "next_statuses": [lifecycle.label(s) for s in sorted(lifecycle.allowed(case.status))],
        "consult_form": forms.ConsultationForm(initial={"version": case.version}),
    }
    context.update(extra)
    context["form"] = extra.get("consult_form") or extra.get("action_form")
    return render(request, "cases/detail.html", context, status=status)


@policy.rule(policy.POLICE_WORK)
@require_POST
def randomise(request: HttpRequest, pk: int) -> HttpResponse:
    case = case_for(request, pk, purpose="Trial randomisation")
    form = forms.VersionedForm(request.POST)
    if form.is_valid():
        try:
            allocation = services.randomise(request.user, case,
                                            expected_version=form.cleaned_data["version"])
        except (StaleCase, CaseRefused, lifecycle.InvalidTransition) as exc:
            _refusal(request, form, exc)
        else:
            messages.success(request, f"Allocated to {allocation.arm}")
            return redirect("cases:detail", pk=case.pk)
    return _detail_with(request, case, action_form=form)


@policy.rule(policy.POLICE_WORK)
def caution(request: HttpRequest, pk: int) -> HttpResponse:
    case = case_for(request, pk, purpose="Recording the caution")
    # A repeated submit, or the back button: the first caution stands, no second one.
    if case_has_disposal_fresh(request.user, case):
        messages.success(request, "The caution for this case is already recorded")
        return redirect("cases:detail", pk=case.pk)
    definition = registry.current(case.programme_code)
    allocation = allocation_for(request.user, case)
    form = forms.CautionForm(request.POST or None, case=case,
                             default_weeks=definition.default_deadline_weeks)
    if request.method == "POST" and form.is_valid():
        try:
            services.caution(request.user, case, expected_version=form.cleaned_data["version"],
                             disposal=form.disposal())
        except (StaleCase, CaseRefused, lifecycle.InvalidTransition) as exc:
            _refusal(request, form, exc)
        else:
            messages.success(request, "Caution recorded" + (
                " and the case referred to the provider" if case.status == "referred" else ""))
            return redirect("cases:detail", pk=case.pk)
    return render(request, "cases/caution.html", {
        "case": case, "form": form, "definition": definition, "allocation": allocation,
        "commencement": _commencement()})


def case_has_disposal_fresh(user, case) -> bool:
    from diversion.cases.models import Disposal

    return policy.visible(user, Disposal).filter(case_id=case.pk).exists()


def _commencement() -> date:
    from diversion.cases.regimes import commencement

    return commencement()


@policy.rule(policy.POLICE_WORK)
def case_timeline(request: HttpRequest, pk: int) -> HttpResponse:
    case = case_for(request, pk, purpose="Case timeline")
    return render(request, "cases/timeline.html",
                  {"case": case, "events": timeline(request.user, case)})
