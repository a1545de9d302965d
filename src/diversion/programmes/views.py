from __future__ import annotations

from typing import Any, NoReturn

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone

from diversion.accounts import policy
from diversion.accounts.http import AuthenticatedHttpRequest
from diversion.accounts.roles import OrganisationKind
from diversion.programmes import registry
from diversion.programmes.forms import ProviderSettingForm
from diversion.programmes.models import ProgrammeProvider
from diversion.programmes.selectors import area_providers, programme_versions
from diversion.programmes.services import (
    ProviderRefused,
    list_settings,
    set_provider,
    sync_versions,
)


@policy.rule(policy.PROGRAMME_ADMIN)
def programme_list(request: HttpRequest) -> HttpResponse:
    """Administrators: the loaded programmes and their versions."""
    sync_versions()
    org = getattr(request.user, "organisation", None)
    return render(request, "programmes/list.html",
                  {"versions": programme_versions(request.user),
                   "is_force": org is not None and org.kind == OrganisationKind.POLICE_FORCE})


def _force_only(request: AuthenticatedHttpRequest) -> None:
    org = request.user.organisation
    if org is None or org.kind != OrganisationKind.POLICE_FORCE:
        _refuse(request, "only a police force's administrators set its programme providers")


def _refuse(request: AuthenticatedHttpRequest, reason: str) -> NoReturn:
    policy.access_denied.send(sender=ProgrammeProvider, request=request, status=403,
                              reason=reason)
    raise PermissionDenied(reason)


@policy.rule(policy.PROGRAMME_ADMIN)
def provider_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    """A force's administrators: which provider delivers each programme, and the history."""
    _force_only(request)
    settings = list_settings(actor=request.user)
    names = dict(registry.choices())
    today = timezone.localdate()
    rows: list[dict[str, Any]] = []
    for code, name in names.items():
        history = [s for s in settings if s.programme_code == code]
        current = next((s for s in history if s.covers(today)), None)
        rows.append({"code": code, "name": name, "current": current, "history": history})
    # Settings for a programme whose file has since gone stay visible as history.
    gone = sorted({s.programme_code for s in settings} - set(names))
    rows += [{"code": code, "name": code, "current": None, "gone": True,
              "history": [s for s in settings if s.programme_code == code]} for code in gone]
    return render(request, "programmes/providers.html", {"rows": rows})


@policy.rule(policy.PROGRAMME_ADMIN)
def provider_set(request: AuthenticatedHttpRequest) -> HttpResponse:
    """A force's administrators: record which provider delivers a programme from a date."""
    _force_only(request)
    providers = area_providers(request.user)
    initial = {"programme_code": request.GET.get("programme", "")}
    form = ProviderSettingForm(request.POST or None, providers=providers, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            setting = set_provider(
                actor=request.user, programme_code=data["programme_code"],
                provider=data["provider"], valid_from=data["valid_from"],
                valid_to=data["valid_to"])
        except ProviderRefused as refused:
            form.add_error(refused.field, str(refused))
        else:
            messages.success(
                request, f"{setting.provider} delivers "
                         f"{registry.current(setting.programme_code).name} for your force from "
                         f"{setting.valid_from:%-d %B %Y}")
            return redirect("programmes:providers")
    return render(request, "programmes/provider_form.html",
                  {"form": form, "has_providers": providers.exists()})
