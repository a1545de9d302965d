from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from diversion.accounts import policy


@policy.rule(policy.VICTIM_WORK)
def home(request: HttpRequest) -> HttpResponse:
    """Victims to contact: the landing page for this role."""
    return render(request, "victims/home.html")
