from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from diversion.accounts import policy


@policy.rule(policy.PROVIDER_WORK)
def home(request: HttpRequest) -> HttpResponse:
    """Referral queue: the landing page for this role."""
    return render(request, "delivery/home.html")
