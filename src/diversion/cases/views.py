from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from diversion.accounts import policy
from diversion.cases.selectors import recent_offences


@policy.rule(policy.POLICE_WORK)
def home(request: HttpRequest) -> HttpResponse:
    """The OOCR decision maker's work: domestic-abuse offences awaiting a disposal decision."""
    offences = recent_offences(request.user)
    return render(request, "cases/home.html", {"offences": offences})
