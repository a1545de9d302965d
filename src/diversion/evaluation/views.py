from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from diversion.accounts import policy


@policy.rule(policy.ANALYSIS)
def home(request: HttpRequest) -> HttpResponse:
    """Evaluations: the landing page for this role."""
    return render(request, "evaluation/home.html")
