"""Sign-in, sign-out, the role router and the service's public pages."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.db import DEFAULT_DB_ALIAS, connections
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from diversion.accounts import mfa, policy, sessions
from diversion.accounts.forms import ChangePasswordForm, CodeForm, SignInForm
from diversion.accounts.http import AuthenticatedHttpRequest
from diversion.accounts.passwords import password_changed


@policy.rule(policy.PUBLIC)
class SignInView(auth_views.LoginView):
    """The first step: username and password. The second (an authenticator code) follows."""

    template_name = "accounts/sign_in.html"
    authentication_form = SignInForm
    redirect_authenticated_user = True

    def form_valid(self, form):
        super().form_valid(form)
        return HttpResponseRedirect(mfa.second_step_url(self.request.user,
                                                        self.get_redirect_url()))


def _code_page(request: HttpRequest, template: str, device, context: dict) -> HttpResponse | None:
    """Shared by the second step and set-up: the page again, or None once the code is right."""
    form = CodeForm(request.POST or None)
    next_url = request.POST.get("next") or request.GET.get("next", "")
    if request.method == "POST" and form.is_valid():
        refusal = mfa.check_code(request, device, form.cleaned_data["code"])
        if refusal is None:
            return None
        form.add_error("code", refusal.message)
        mfa.second_step_event.send(sender=None, request=request, user=request.user,
                                   kind="second_step_failed", reason=refusal.reason)
    return render(request, template, {"form": form, "next": next_url, **context})


@policy.rule(policy.SECOND_STEP)
@never_cache
def second_step(request: HttpRequest) -> HttpResponse:
    """Enter the code from the authenticator app set up earlier."""
    if mfa.is_verified(request.user):
        return HttpResponseRedirect(mfa.safe_next(request, request.GET.get("next")))
    device = mfa.confirmed_device(request.user)
    if device is None:
        return HttpResponseRedirect(mfa.second_step_url(request.user, request.GET.get("next", "")))
    response = _code_page(request, "accounts/second_step.html", device, {})
    if response is not None:
        return response
    mfa.second_step_event.send(sender=None, request=request, user=request.user,
                               kind="second_step_passed", reason="")
    return HttpResponseRedirect(mfa.safe_next(request, request.POST.get("next")))


@policy.rule(policy.SECOND_STEP)
@never_cache
def set_up_authenticator(request: HttpRequest) -> HttpResponse:
    """First sign-in (or after a reset): link an authenticator app by QR code or key."""
    if mfa.confirmed_device(request.user) is not None:
        # Only someone with no authenticator may add one: a password alone cannot enrol.
        return HttpResponseRedirect(mfa.second_step_url(request.user, request.GET.get("next", "")))
    device = mfa.pending_device(request.user)
    response = _code_page(request, "accounts/set_up_authenticator.html", device, {
        "qr_svg": mfa.qr_code_svg(device), "secret": mfa.secret_for_display(device)})
    if response is not None:
        return response
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    mfa.second_step_event.send(sender=None, request=request, user=request.user,
                               kind="authenticator_set_up", reason="")
    return HttpResponseRedirect(mfa.safe_next(request, request.POST.get("next")))


@policy.rule(policy.PUBLIC)
class SignOutView(auth_views.LogoutView):
    pass


@policy.rule(policy.SIGNED_IN)
@never_cache
def change_password(request: HttpRequest) -> HttpResponse:
    """Any user changes their own password; their other sessions end (ASVS 6.2.2, 7.4.3)."""
    form = ChangePasswordForm(request.user, request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        user = form.save()
        update_session_auth_hash(request, user)  # this session stays signed in
        ended = sessions.end_sessions(user, keep=request.session.session_key)
        password_changed.send(sender=None, request=request, user=user,
                              reason=f"{ended} other session(s) ended")
        messages.success(request, "Your password has been changed. You have been signed out "
                                  "everywhere else.")
        return redirect("accounts:home")
    return render(request, "accounts/change_password.html", {"form": form},
                  status=400 if form.errors else 200)


@policy.rule(policy.SIGNED_IN)
@require_POST
def extend_session(request: HttpRequest) -> HttpResponse:
    """"Stay signed in": any request renews the idle limit (SESSION_SAVE_EVERY_REQUEST); the
    10-hour absolute limit still applies. The warning dialog calls this with fetch."""
    if request.headers.get("X-Requested-With") == "fetch":
        return HttpResponse(status=204)
    return HttpResponseRedirect(mfa.safe_next(request, request.POST.get("next")))


@policy.rule(policy.SIGNED_IN)
def home(request: AuthenticatedHttpRequest) -> HttpResponse:
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
