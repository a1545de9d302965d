from __future__ import annotations

import csv
from typing import cast

from django.contrib import messages
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.views.decorators.http import require_POST

from diversion.accounts import policy
from diversion.accounts.models import Organisation
from diversion.administration.models import RECEIVER_KINDS, DataSharingAgreement, in_force
from diversion.audit.models import Operation
from diversion.audit.services import record
from diversion.core import pdf
from diversion.core.paging import paginate
from diversion.core.spreadsheet import safe_row
from diversion.evaluation import report
from diversion.evaluation.forms import EvaluationDefinitionForm, HeadlineForm
from diversion.evaluation.models import EvaluationRun, HeadlineSignOff
from diversion.evaluation.selectors import runs_for
from diversion.evaluation.services import (
    PooledRunRefused,
    SignOffRefused,
    approve_headline,
    define_run,
    minimum_cohort,
    propose_headline,
)
from diversion.evaluation.stylesheet import inline_css


@policy.rule(policy.ANALYSIS)
def home(request: HttpRequest) -> HttpResponse:
    """Evaluations: the landing page for this role."""
    runs = paginate(runs_for(request.user).order_by("-created_at", "-id"), request.GET)
    return render(request, "evaluation/home.html", {"runs": runs})


def _pool_from(request: HttpRequest):
    """The forces an analyst of a PCC office or research partner may pool (those sharing with
    their organisation under an agreement in force); None for a force's analyst."""
    org = request.user.organisation  # type: ignore[union-attr]
    if org is None or org.kind not in RECEIVER_KINDS:
        return None
    shared = (policy.visible(request.user, DataSharingAgreement)
              .filter(in_force(), receiver_id=org.pk).values("force_id"))
    return policy.visible(request.user, Organisation).filter(
        pk__in=shared, kind="police_force").order_by("name")


@policy.rule(policy.ANALYSIS)
def run_new(request: HttpRequest) -> HttpResponse:
    form = EvaluationDefinitionForm(request.POST or None, pool_from=_pool_from(request))
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        forces = list(data.pop("forces", None) or [])
        try:
            run = define_run(request.user, data, forces=forces)
        except PooledRunRefused as refusal:
            form.add_error("forces", str(refusal))
        else:
            return redirect("evaluation:run_detail", pk=run.pk)
    return render(request, "evaluation/run_new.html",
                  {"form": form, "minimum": minimum_cohort(),
                   "minimum_match_rate": round(100 * report.minimum_match_rate())})


def _visible_run(request: HttpRequest, pk: int) -> EvaluationRun:
    """The run, when the user may see it (else a logged 404)."""
    return cast(EvaluationRun, policy.get_visible_or_404(request, EvaluationRun, pk=pk))


def _context(run: EvaluationRun) -> dict:
    done = run.status == EvaluationRun.Status.DONE
    return {"run": run, "done": done, "minimum": minimum_cohort(),
            "tables": report.tables(run) if done else [],
            "figures": report.figures(run) if done else {},
            "verdict": report.verdict_words(run) if done else "",
            "no_verdict": report.no_verdict_reason(run) if done else "",
            "rerun": report.needs_rerun(run) if done else "",
            "definitions": report.definitions(run), "pooled": report.pooled_forces(run)}


@policy.rule(policy.ANALYSIS)
def run_detail(request: HttpRequest, pk: int) -> HttpResponse:
    run = _visible_run(request, pk)
    return render(request, "evaluation/run_detail.html",
                  {**_context(run), **_headline(request, run)})


def _headline(request: HttpRequest, run: EvaluationRun, form: HeadlineForm | None = None,
              problem: str = "") -> dict:
    sign_off = policy.visible(request.user, HeadlineSignOff).filter(run=run) \
        .select_related("proposed_by", "approved_by").first()
    return {"sign_off": sign_off, "headline_form": form or HeadlineForm(),
            "headline_problem": problem,
            "may_approve": bool(sign_off and not sign_off.approved
                                and sign_off.proposed_by_id != request.user.pk)}


@policy.rule(policy.ANALYSIS)
@require_POST
def run_headline(request: HttpRequest, pk: int) -> HttpResponse:
    """Propose the run as the programme's headline, or approve another analyst's proposal."""
    run = _visible_run(request, pk)
    form = HeadlineForm(request.POST)
    try:
        if request.POST.get("action") == "approve":
            approve_headline(request.user, run)
            messages.success(request, "Approved: this run is now the headline on the "
                                      "commissioner's dashboard")
        elif form.is_valid():
            propose_headline(request.user, run, reason=form.cleaned_data["reason"])
            messages.success(request, "Proposed as the headline: a second analyst must "
                                      "approve it")
        else:
            return render(request, "evaluation/run_detail.html",
                          {**_context(run), **_headline(request, run, form,
                                                        str(form.errors["reason"][0]))},
                          status=400)
    except SignOffRefused as refusal:
        return render(request, "evaluation/run_detail.html",
                      {**_context(run), **_headline(request, run, form, str(refusal))},
                      status=400)
    return redirect("evaluation:run_detail", pk=run.pk)


def _disclose(request: HttpRequest, run: EvaluationRun, what: str) -> None:
    record(actor=request.user, operation=Operation.DISCLOSURE, obj=run,
           justification=f"Download of evaluation run {run.pk}: {what} (aggregates only)",
           recipient=f"{request.user.username} (download)")


@policy.rule(policy.ANALYSIS)
def run_report_html(request: HttpRequest, pk: int) -> HttpResponse:
    """The report as one self-contained HTML file: inline CSS, inline SVG, no links out."""
    run = _visible_run(request, pk)
    if run.status != EvaluationRun.Status.DONE:
        raise Http404
    with transaction.atomic():
        _disclose(request, run, "report (HTML)")
        body = render_to_string("evaluation/report_file.html",
                                {**_context(run), "css": inline_css()})
    response = HttpResponse(body, content_type="text/html; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="evaluation-{run.pk}.html"'
    return response


@policy.rule(policy.ANALYSIS)
def run_report_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    """The report as a tagged PDF, with the same charts and tables, made on the server."""
    run = _visible_run(request, pk)
    if run.status != EvaluationRun.Status.DONE:
        raise Http404
    try:
        body = pdf.render(render_to_string("evaluation/report_pdf.html", _context(run)))
    except pdf.PdfUnavailable:
        return pdf.unavailable(request, alternative="Download the report as HTML instead.",
                               back=reverse("evaluation:run_detail", args=[run.pk]))
    with transaction.atomic():
        _disclose(request, run, "report (PDF)")
    return pdf.response(body, f"evaluation-{run.pk}.pdf")


@policy.rule(policy.ANALYSIS)
def run_table_csv(request: HttpRequest, pk: int, table: str) -> HttpResponse:
    run = _visible_run(request, pk)
    if run.status != EvaluationRun.Status.DONE:
        raise Http404
    found = next((t for t in report.tables(run) if t.slug == table), None)
    if found is None:
        raise Http404
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="evaluation-{run.pk}-{table}.csv"'
    with transaction.atomic():
        _disclose(request, run, f"table {table} (CSV)")
        writer = csv.writer(response)
        writer.writerow(safe_row(found.headers))
        writer.writerows(safe_row(row) for row in found.rows)
    return response
