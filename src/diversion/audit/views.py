from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from diversion.accounts import policy
from diversion.accounts.http import AuthenticatedHttpRequest
from diversion.audit import selectors, services
from diversion.audit.forms import LogQueryForm, SecurityQueryForm


@policy.rule(policy.AUDIT)
def processing_log(request: AuthenticatedHttpRequest) -> HttpResponse:
    form = LogQueryForm(request.GET or None)
    rows = None
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        rows = selectors.query_processing_log(
            actor=request.user, purpose=data["purpose"], operation=data["operation"],
            username=data["username"], subject=data["subject"], date_from=data["date_from"],
            date_to=data["date_to"])
    return render(request, "audit/processing_log.html",
                  {"form": form, "rows": rows, "page_size": selectors.PAGE_SIZE,
                   "checks": selectors.recent_integrity_checks(request.user)})


@policy.rule(policy.AUDIT)
@require_POST
def integrity_check(request: AuthenticatedHttpRequest) -> HttpResponse:
    services.request_integrity_check(request.user)
    messages.success(request, "Integrity check queued. Its result appears below when it finishes.")
    return redirect("audit:log")


@policy.rule(policy.AUDIT)
def security_events(request: AuthenticatedHttpRequest) -> HttpResponse:
    form = SecurityQueryForm(request.GET or None)
    rows = None
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        rows = selectors.query_security_events(
            actor=request.user, purpose=data["purpose"], kind=data["kind"],
            username=data["username"], date_from=data["date_from"], date_to=data["date_to"])
    return render(request, "audit/security_events.html",
                  {"form": form, "rows": rows, "page_size": selectors.PAGE_SIZE})
