"""Analysts' pages: upload extracts, map columns, follow imports, review probable links."""

from __future__ import annotations

import csv

from django.contrib import messages
from django.core.files.uploadedfile import UploadedFile
from django.http import HttpRequest, HttpResponse, QueryDict, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from diversion.accounts import policy
from diversion.core.spreadsheet import safe_row
from diversion.records import context, selectors, services
from diversion.records.forms import ContextPeriodForm, DecisionForm, MappingForm, UploadForm
from diversion.records.models import ImportBatch, LinkageRun, LinkCandidate
from diversion.records.readers import ExtractError


@policy.rule(policy.ANALYSIS)
def home(request: HttpRequest) -> HttpResponse:
    user = request.user
    return render(request, "records/home.html", {
        "imports": selectors.imports(user),
        "runs": selectors.linkage_runs(user),
        "pending": policy.visible(user, LinkCandidate)
        .filter(decision=LinkCandidate.Decision.PENDING).count(),
        **_crime_context(request),
    })


def _crime_context(request: HttpRequest) -> dict:
    """The domestic-abuse context figure for a financial year or quarter chosen on the page
    (records/context.py); by default the financial year of the latest recorded crime."""
    today = timezone.localdate()
    data: QueryDict | dict[str, str] = request.GET
    if "year" not in request.GET:
        latest = selectors.latest_recorded_date(request.user)
        data = {"year": str(context.financial_year_of(latest or today)), "quarter": ""}
    form = ContextPeriodForm(data, today=today)
    found = None
    if form.is_valid():
        start, end = form.period()
        found = {"counts": selectors.crime_context(request.user, start=start, end=end),
                 "label": context.period_label(start, end)}
    return {"period_form": form, "crime": found, "definitions": context.DEFINITIONS,
            "no_records": context.NO_RECORDS}


@policy.rule(policy.ANALYSIS)
@require_http_methods(["GET", "POST"])
def upload(request: HttpRequest) -> HttpResponse:
    sources = selectors.sources(request.user)
    posted = request.method == "POST"
    form = UploadForm(request.POST if posted else None, request.FILES if posted else None,
                      sources=sources)
    if posted and not form.is_valid():
        sent = request.FILES.get("extract")
        if form.refused and isinstance(sent, UploadedFile):  # the file was refused: logged
            services.log_refused_form_upload(request.user, form.refused, sent.chunks())
    elif posted:
        chosen = form.cleaned_data["source"]
        source = (form.sources[chosen] if chosen
                  else services.get_or_create_source(request.user,
                                                     form.cleaned_data["new_source"]))
        upload = form.cleaned_data["extract"]
        try:
            batch = services.queue_upload(request.user, source, upload.name, upload.chunks())
        except ExtractError as exc:
            form.add_error("extract", str(exc))
        else:
            return redirect("records:batch", pk=batch.pk)
    return render(request, "records/upload.html", {"form": form})


@policy.rule(policy.ANALYSIS)
@require_http_methods(["GET", "POST"])
def mapping(request: HttpRequest, pk: int) -> HttpResponse:
    batch = policy.get_visible_or_404(request, ImportBatch, pk=pk)
    if batch.status != ImportBatch.Status.NEEDS_MAPPING:
        return redirect("records:batch", pk=batch.pk)
    if not batch.headers:
        services.reread(batch)
        return redirect("records:batch", pk=batch.pk)
    headers = batch.headers
    from diversion.records.fields import guess_mapping

    initial = {**guess_mapping(headers), **{k: v for k, v in batch.mapping.items()
                                            if v in headers}}
    form = MappingForm(request.POST if request.method == "POST" else None, headers=headers,
                       initial_mapping=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.apply_mapping(request.user, batch, form.mapping())
        except (ExtractError, services.ImportRefused) as exc:
            for message in getattr(exc, "messages", [str(exc)]):
                form.add_error(None, message)
        else:
            messages.success(request, f"Column mapping saved for {batch.source.name}")
            return redirect("records:batch", pk=batch.pk)
    return render(request, "records/mapping.html", {"form": form, "batch": batch})


@policy.rule(policy.ANALYSIS)
def batch(request: HttpRequest, pk: int) -> HttpResponse:
    found = policy.get_visible_or_404(request, ImportBatch, pk=pk)
    return render(request, "records/batch.html", {
        "batch": found,
        "rejections": selectors.rejection_summary(request.user, found),
        "runs": found.linkage_runs.all(),
    })


@policy.rule(policy.ANALYSIS)
def rejections_csv(request: HttpRequest, pk: int) -> StreamingHttpResponse:
    found = policy.get_visible_or_404(request, ImportBatch, pk=pk)
    rows = selectors.rejections(request.user, found).values_list("row_number", "field", "reason")
    selectors.log_rejections_download(request.user, found)

    class Echo:
        def write(self, value):
            return value

    writer = csv.writer(Echo())

    def lines():
        yield writer.writerow(["row_number", "field", "reason"])
        for row in rows.iterator(chunk_size=5000):
            yield writer.writerow(safe_row(row))  # a reason may quote the rejected value

    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="import-{found.pk}-rejected.csv"'
    return response


@policy.rule(policy.ANALYSIS)
def linkage_run(request: HttpRequest, pk: int) -> HttpResponse:
    run = policy.get_visible_or_404(request, LinkageRun, pk=pk)
    return render(request, "records/run.html", {"run": run,
                                                 "parameters": _parameters(run.model_settings)})


def _parameters(model: dict) -> list[dict]:
    rows = []
    for comparison in model.get("comparisons", []):
        for level in comparison.get("comparison_levels", []):
            if level.get("is_null_level"):
                continue
            rows.append({"comparison": comparison.get("output_column_name", ""),
                         "level": level.get("label_for_charts", ""),
                         "m": level.get("m_probability"), "u": level.get("u_probability")})
    return rows


@policy.rule(policy.ANALYSIS)
def review_queue(request: HttpRequest) -> HttpResponse:
    return render(request, "records/review_queue.html",
                  {"pairs": selectors.review_queue(request.user)})


@policy.rule(policy.ANALYSIS)
@require_http_methods(["GET", "POST"])
def review(request: HttpRequest, pk: int) -> HttpResponse:
    pair = policy.get_visible_or_404(request, LinkCandidate, pk=pk)
    form = DecisionForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and pair.decision == LinkCandidate.Decision.PENDING \
            and form.is_valid():
        try:
            services.decide(request.user, pair, form.cleaned_data["decision"])
        except ValueError as exc:
            form.add_error("decision", str(exc))
        else:
            verb = "linked" if form.cleaned_data["decision"] == "accepted" else "kept apart"
            messages.success(request, f"Crime record {pair.record.crime_reference} {verb}")
            return redirect("records:review_queue")
    return render(request, "records/review.html", {
        "pair": pair, "form": form, "fields": selectors.side_by_side(request.user, pair),
        "context": selectors.person_context(request.user, pair)})
