from __future__ import annotations

import json

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone

from diversion.accounts import policy
from diversion.accounts.http import AuthenticatedHttpRequest
from diversion.retention import services
from diversion.retention.forms import EraseForm, KeepForm, RequestForm
from diversion.retention.models import RetentionReview, ReviewStatus, SubjectAccessRequest
from diversion.retention.schedule import SCHEDULE
from diversion.victims import stepup
from diversion.victims.views import step_up_page


@policy.rule(policy.RETENTION)
def reviews(request: AuthenticatedHttpRequest) -> HttpResponse:
    found = policy.visible(request.user, RetentionReview)
    return render(request, "retention/reviews.html", {
        "pending": found.filter(status=ReviewStatus.PENDING),
        "decided": found.exclude(status=ReviewStatus.PENDING).order_by("-decided_at")[:50],
        "schedule": SCHEDULE,
    })


@policy.rule(policy.RETENTION)
def review(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    item = policy.get_visible_or_404(request, RetentionReview, pk=pk)
    erase_form = EraseForm(prefix="erase")
    keep_form = KeepForm(prefix="keep")
    refusal = ""
    if request.method == "POST" and item.status == ReviewStatus.PENDING:
        try:
            if "erase" in request.POST:
                erase_form = EraseForm(request.POST, prefix="erase")
                if erase_form.is_valid():
                    services.erase(actor=request.user, review=item,
                                   explanation=erase_form.cleaned_data["explanation"])
                    messages.success(request, "The record has been deleted")
                    return redirect("retention:reviews")
            else:
                keep_form = KeepForm(request.POST, prefix="keep")
                if keep_form.is_valid():
                    data = keep_form.cleaned_data
                    services.keep(actor=request.user, review=item, reason=data["reason"],
                                  keep_until=data["keep_until"],
                                  explanation=data["explanation"])
                    messages.success(request, "The decision to keep the record has been saved")
                    return redirect("retention:reviews")
        except services.RetentionRefused as exc:
            refusal = str(exc)
    return render(request, "retention/review.html", {
        "item": item, "erase_form": erase_form, "keep_form": keep_form, "refusal": refusal,
        "rule": next(r for r in SCHEDULE if r.key == item.record_type)})


@policy.rule(policy.SUBJECT_ACCESS)
def requests(request: AuthenticatedHttpRequest) -> HttpResponse:
    return render(request, "retention/requests.html", {
        "requests": services.list_requests(
            actor=request.user,
            requests=policy.visible(request.user, SubjectAccessRequest)[:100]),
        "today": timezone.localdate()})


@policy.rule(policy.SUBJECT_ACCESS)
def request_create(request: AuthenticatedHttpRequest) -> HttpResponse:
    form = RequestForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            created = services.record_request(
                actor=request.user, subject_type=data["subject_type"],
                reference=data["reference"], received_on=data["received_on"],
                identity_checked=data["identity_checked"])
        except services.RetentionRefused as exc:
            form.add_error("reference", str(exc))
        else:
            messages.success(request, f"Request SAR-{created.pk} recorded: answer it by "
                                      f"{created.due_on:%d %B %Y}")
            return redirect("retention:request", pk=created.pk)
    return render(request, "retention/request_form.html", {"form": form})


@policy.rule(policy.SUBJECT_ACCESS)
def request_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    item = policy.get_visible_or_404(request, SubjectAccessRequest, pk=pk)
    services.read_request(actor=request.user, request=item)
    return render(request, "retention/request.html", {"item": item, "today": timezone.localdate()})


@policy.rule(policy.SUBJECT_ACCESS)
def request_export(request: AuthenticatedHttpRequest, pk: int, fmt: str) -> HttpResponse:
    item = policy.get_visible_or_404(request, SubjectAccessRequest, pk=pk)
    if fmt not in ("html", "json", "download"):
        raise Http404
    # A victim's export holds their safe contact details: the same recent sign-in as the
    # victim workers' contact-details page.
    if item.subject_type == "victim" and not stepup.recently_authenticated(request):
        return redirect(f"{reverse('retention:step_up')}?next={request.path}")
    try:
        body = services.export(actor=request.user, request=item, fmt=fmt)
    except services.RetentionRefused as exc:
        return render(request, "retention/request.html", {"item": item, "refusal": str(exc)},
                      status=409)
    if fmt == "json":
        response = HttpResponse(json.dumps(body, indent=2, ensure_ascii=False, default=str),
                                content_type="application/json; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="SAR-{item.pk}.json"'
        return response
    template = "retention/export_file.html" if fmt == "download" else "retention/export.html"
    page = render(request, template, {"item": item, "body": body})
    if fmt == "download":
        page["Content-Disposition"] = f'attachment; filename="SAR-{item.pk}.html"'
    return page



@policy.rule(policy.SUBJECT_ACCESS)
def step_up(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Ask for the password again before a victim's export (their contact details) is shown."""
    return step_up_page(request, fallback=reverse("retention:requests"))
