from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from diversion.accounts import policy
from diversion.delivery.selectors import referral_queue


@policy.rule(policy.PROVIDER_WORK)
def home(request: HttpRequest) -> HttpResponse:
    """Referral queue: the landing page for this role."""
    return render(request, "delivery/home.html",
                  {"referrals": referral_queue(request.user), "today": timezone.localdate()})
