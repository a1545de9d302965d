from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from diversion.accounts import policy


@policy.rule(policy.COMMISSIONING)
def home(request: HttpRequest) -> HttpResponse:
    """Performance and outcomes: the landing page for this role."""
    return render(request, "commissioning/home.html")
