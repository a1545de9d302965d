"""Sign-in, sign-out, the role router and the service's public pages."""

from __future__ import annotations

from django.contrib.auth import views as auth_views
from django.db import DEFAULT_DB_ALIAS, connections
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache

from diversion.accounts import policy
from diversion.accounts.forms import SignInForm


@policy.rule(policy.PUBLIC)
class SignInView(auth_views.LoginView):
    template_name = "accounts/sign_in.html"
    authentication_form = SignInForm
    redirect_authenticated_user = True


@policy.rule(policy.PUBLIC)
class SignOutView(auth_views.LogoutView):
    pass


@policy.rule(policy.SIGNED_IN)
def home(request: HttpRequest) -> HttpResponse:
    """Send each role to its own home page."""
    target = policy.ROLE_HOMES.get(request.user.role)
    if target is None:
        return render(request, "accounts/no_role.html", status=403)
    return redirect(target)


@policy.rule(policy.PUBLIC)
def privacy(request: HttpRequest) -> HttpResponse:
    return render(request, "accounts/privacy.html")


@policy.rule(policy.PUBLIC)
def accessibility(request: HttpRequest) -> HttpResponse:
    return render(request, "accounts/accessibility.html")


@policy.rule(policy.PUBLIC)
@never_cache
def health(request: HttpRequest) -> JsonResponse:
    """Opens a fresh database connection, so a dead database shows up (security.md 28)."""
    fresh = connections.create_connection(DEFAULT_DB_ALIAS)
    try:
        with fresh.cursor() as cursor:
            cursor.execute("SELECT 1")
    except Exception:
        return JsonResponse({"status": "unavailable"}, status=503)
    finally:
        fresh.close()
    return JsonResponse({"status": "ok"})


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    return render(request, "accounts/csrf_failure.html", status=403)
