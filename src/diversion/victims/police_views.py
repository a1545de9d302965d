"""What police decision makers see of the victim service: outcomes and dated alerts only."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from diversion.accounts import policy
from diversion.cases.models import Case
from diversion.victims import selectors, services
from diversion.victims.models import SafeguardingAlert
from diversion.victims.views import fail_closed


@policy.rule(policy.POLICE_WORK)
@fail_closed
def alerts(request: HttpRequest) -> HttpResponse:
    return render(request, "victims/police_alerts.html",
                  {"alerts": selectors.police_alerts(request.user)})


@policy.rule(policy.POLICE_WORK)
@fail_closed
def case_outcome(request: HttpRequest, case_pk: int) -> HttpResponse:
    """The consultation outcome and risk flag for one of the force's cases."""
    case = policy.get_visible_or_404(request, Case, pk=case_pk)
    return render(request, "victims/police_case.html", {
        "case": case, "outcome": selectors.police_case_outcome(request.user, case),
        "alerts": selectors.police_alerts(request.user, case=case)})


@policy.rule(policy.POLICE_WORK)
@fail_closed
@require_POST
def acknowledge(request: HttpRequest, pk: int) -> HttpResponse:
    alert = policy.get_visible_or_404(request, SafeguardingAlert, pk=pk)
    services.acknowledge_alert(request.user, alert)
    messages.success(request, f"Alert on case {alert.case.reference} acknowledged")
    return redirect("victims:police_alerts")
