"""Administrators' pages for their organisation's API clients (under Users)."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from diversion.accounts import policy
from diversion.accounts.http import AuthenticatedHttpRequest
from diversion.api import services
from diversion.api.forms import ClientForm
from diversion.api.models import ApiClient


@policy.rule(policy.USER_ADMIN)
def client_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    clients = services.list_clients(actor=request.user)
    return render(request, "api/client_list.html", {"clients": clients})


@policy.rule(policy.USER_ADMIN)
def client_create(request: AuthenticatedHttpRequest) -> HttpResponse:
    form = ClientForm(request.POST or None, organisation=request.user.organisation)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            client, token = services.create_client(
                actor=request.user, name=data["name"], role=data["role"],
                can_read="read" in data["scopes"], can_write="write" in data["scopes"],
                expires_on=data["expires_on"])
        except services.ClientRefused as refused:
            form.add_error(None, str(refused))
        else:
            # The token is in this response only: it is stored as a hash, never shown again.
            return render(request, "api/client_created.html", {"client": client,
                                                               "token": token})
    return render(request, "api/client_form.html", {"form": form},
                  status=400 if form.is_bound else 200)


@policy.rule(policy.USER_ADMIN)
def client_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    client = policy.get_visible_or_404(request, ApiClient, pk=pk)
    services.read_client(actor=request.user, client=client)
    return render(request, "api/client_detail.html", {"client": client})


@policy.rule(policy.USER_ADMIN)
@require_POST
def client_revoke(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    client = policy.get_visible_or_404(request, ApiClient, pk=pk)
    try:
        services.revoke_client(actor=request.user, client=client)
    except services.ClientRefused as refused:
        messages.error(request, str(refused))
    else:
        messages.success(request, f"API client {client.name} revoked: its token no longer "
                                  "works")
    return redirect("api_clients:detail", pk=client.pk)
