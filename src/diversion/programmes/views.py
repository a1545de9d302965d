from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from diversion.accounts import policy
from diversion.programmes.selectors import programme_versions
from diversion.programmes.services import sync_versions


@policy.rule(policy.PROGRAMME_ADMIN)
def programme_list(request: HttpRequest) -> HttpResponse:
    """Administrators: the loaded programmes and their versions."""
    sync_versions()
    return render(request, "programmes/list.html",
                  {"versions": programme_versions(request.user)})
