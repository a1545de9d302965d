from __future__ import annotations

from typing import NoReturn

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from diversion.accounts import mfa, policy
from diversion.accounts.http import AuthenticatedHttpRequest
from diversion.accounts.models import Organisation, User
from diversion.accounts.roles import OrganisationKind
from diversion.administration import services
from diversion.administration.forms import (
    AgreementForm,
    UserCreateForm,
    UserEditForm,
    WithdrawAgreementForm,
)
from diversion.administration.models import RECEIVER_KINDS, DataSharingAgreement


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


# --- data-sharing agreements ------------------------------------------------------------------

def _is_force(request: AuthenticatedHttpRequest) -> bool:
    org = request.user.organisation
    return org is not None and org.kind == OrganisationKind.POLICE_FORCE


def _refuse(request: AuthenticatedHttpRequest, reason: str) -> NoReturn:
    policy.access_denied.send(sender=DataSharingAgreement, request=request, status=403,
                              reason=reason)
    raise PermissionDenied(reason)


@policy.rule(policy.USER_ADMIN)
def agreement_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    agreements = services.list_agreements(actor=request.user)
    own = _is_force(request)
    return render(request, "administration/agreement_list.html", {
        "given": [a for a in agreements if a.force_id == request.user.organisation_id],
        "received": [a for a in agreements if a.receiver_id == request.user.organisation_id],
        "is_force": own})


@policy.rule(policy.USER_ADMIN)
def agreement_create(request: AuthenticatedHttpRequest) -> HttpResponse:
    if not _is_force(request):
        _refuse(request, "only a police force records data-sharing agreements")
    receivers = policy.visible(request.user, Organisation).filter(
        kind__in=RECEIVER_KINDS).order_by("name")
    form = AgreementForm(request.POST or None, receivers=receivers)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        agreement = services.record_agreement(
            actor=request.user, receiver=data["receiver"], agreed_by=data["agreed_by"],
            starts_on=data["starts_on"], ends_on=data["ends_on"],
            document_reference=data["document_reference"])
        messages.success(request, f"Agreement with {agreement.receiver} recorded")
        return redirect("administration:agreement_list")
    return render(request, "administration/agreement_form.html", {"form": form})


@policy.rule(policy.USER_ADMIN)
def agreement_withdraw(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    agreement = policy.get_visible_or_404(request, DataSharingAgreement, pk=pk)
    if agreement.force_id != request.user.organisation_id:
        _refuse(request, "only the force's administrators withdraw its agreements")
    form = WithdrawAgreementForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        services.withdraw_agreement(actor=request.user, agreement=agreement,
                                    reason=form.cleaned_data["reason"])
        messages.success(request, f"Agreement with {agreement.receiver} withdrawn")
        return redirect("administration:agreement_list")
    return render(request, "administration/agreement_withdraw.html",
                  {"form": form, "agreement": agreement})
