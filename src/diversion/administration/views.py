from __future__ import annotations

from django.contrib import messages
from django.db import transaction
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from diversion.accounts import mfa, policy
from diversion.accounts.http import AuthenticatedHttpRequest
from diversion.accounts.models import User
from diversion.administration import services
from diversion.administration.forms import UserCreateForm, UserEditForm


@policy.rule(policy.USER_ADMIN)
def user_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    users = services.list_users(actor=request.user)
    return render(request, "administration/user_list.html", {"users": users})


@policy.rule(policy.USER_ADMIN)
def user_create(request: AuthenticatedHttpRequest) -> HttpResponse:
    form = UserCreateForm(request.POST or None, organisation=request.user.organisation)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        user = services.create_user(
            actor=request.user, username=data["username"], first_name=data["first_name"],
            last_name=data["last_name"], email=data["email"], role=data["role"],
            password=data["password"])
        messages.success(request, f"Account created for {user.display_name}")
        return redirect("administration:user_list")
    return render(request, "administration/user_form.html",
                  {"form": form, "heading": "Add a user", "button": "Add user"})


@policy.rule(policy.USER_ADMIN)
def user_edit(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    target = policy.get_visible_or_404(request, User, pk=pk)
    form = UserEditForm(request.POST or None, instance=target)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        services.update_user(
            actor=request.user, user=target, first_name=data["first_name"],
            last_name=data["last_name"], email=data["email"], role=data["role"],
            is_active=data["is_active"])
        messages.success(request, f"Changes saved for {target.display_name}")
        return redirect("administration:user_list")
    services.read_user(actor=request.user, user=target)
    return render(request, "administration/user_form.html",
                  {"form": form, "heading": f"Change {target.display_name}",
                   "button": "Save changes", "target": target,
                   "has_authenticator": mfa.confirmed_device(target) is not None})


@policy.rule(policy.USER_ADMIN)
@require_POST
def reset_authenticator(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    target = policy.get_visible_or_404(request, User, pk=pk)
    with transaction.atomic():  # the reset, its log row and its security event together
        services.reset_authenticator(actor=request.user, user=target)
        mfa.second_step_event.send(sender=None, request=request, user=target,
                                   kind="authenticator_reset",
                                   reason=f"reset by {request.user.username}")
    messages.success(request, f"Two-step verification reset for {target.display_name}. "
                              "They will set up an authenticator app when they next sign in.")
    return redirect("administration:user_edit", pk=target.pk)


@policy.rule(policy.USER_ADMIN)
@require_POST
def sign_out_everywhere(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    target = policy.get_visible_or_404(request, User, pk=pk)
    ended = services.sign_out_everywhere(actor=request.user, user=target)
    messages.success(request, f"{target.display_name} has been signed out everywhere "
                              f"({ended} session{'s' if ended != 1 else ''} ended)")
    return redirect("administration:user_edit", pk=target.pk)
