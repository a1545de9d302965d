"""The user's own email choices (/account/notifications/)."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render

from diversion.accounts import policy
from diversion.accounts.http import AuthenticatedHttpRequest
from diversion.notifications.forms import PreferencesForm
from diversion.notifications.models import KINDS_BY_ROLE, URGENT_KINDS, Notification, OptOut
from diversion.notifications.services import set_opt_outs


@policy.rule(policy.SIGNED_IN)
def preferences(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Choose the non-urgent emails; urgent ones (safeguarding) always go. Lists the kinds and
    states of the user's own recent emails, not their contents."""
    kinds = KINDS_BY_ROLE.get(request.user.role, ())
    optional = [(k.value, k.label) for k in kinds if k not in URGENT_KINDS]
    always = [k.label for k in kinds if k in URGENT_KINDS]
    opted_out = set(policy.visible(request.user, OptOut).values_list("kind", flat=True))
    form = PreferencesForm(
        request.POST if request.method == "POST" else None, kinds=optional,
        initial={"wanted": [k for k, _ in optional if k not in opted_out]})
    if request.method == "POST" and form.is_valid():
        wanted = set(form.cleaned_data["wanted"])
        set_opt_outs(request.user, unwanted=[k for k, _ in optional if k not in wanted])
        messages.success(request, "Your email choices have been saved")
        return redirect("notifications:preferences")
    recent = policy.visible(request.user, Notification).only(
        "kind", "status", "created_at", "sent_at", "attempts")[:10]
    return render(request, "notifications/preferences.html",
                  {"form": form, "optional": optional, "always": always, "recent": recent},
                  status=400 if form.errors else 200)
