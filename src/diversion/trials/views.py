"""The trial manager's pages (analysts): the trials in the programme files and each one's
allocation log with the sequence check, and the log as CSV."""

from __future__ import annotations

import csv

from django.db import transaction
from django.http import Http404, HttpResponse
from django.shortcuts import render

from diversion.accounts import policy
from diversion.accounts.http import AuthenticatedHttpRequest
from diversion.audit.models import Operation
from diversion.audit.services import record
from diversion.core.spreadsheet import safe_row
from diversion.trials import log


@policy.rule(policy.ANALYSIS)
def trial_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    return render(request, "trials/list.html", {"trials": log.trials()})


def _trial(code: str) -> log.Trial:
    found = log.trial(code)
    if found is None:
        raise Http404("No such trial")
    return found


@policy.rule(policy.ANALYSIS)
def allocation_log(request: AuthenticatedHttpRequest, code: str) -> HttpResponse:
    trial = _trial(code)
    listing, rows = log.log_page(request.user, trial_code=code, params=request.GET)
    return render(request, "trials/log.html", {
        "trial": trial, "listing": listing, "rows": rows,
        "checks": log.sequence_check(code)})


@policy.rule(policy.ANALYSIS)
def allocation_log_csv(request: AuthenticatedHttpRequest, code: str) -> HttpResponse:
    _trial(code)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="allocation-log-{code}.csv"'
    with transaction.atomic():
        rows = log.all_rows(request.user, trial_code=code)
        record(actor=request.user, operation=Operation.DISCLOSURE,
               recipient=request.user.username,
               subjects=[("cases.Person", r.allocation.case.person_id) for r in rows],
               justification=f"Trial allocation log ({code}) downloaded as CSV, pseudonymised")
        writer = csv.writer(response)
        writer.writerow(["Sequence number", "Allocated at", "Stratum", "Block", "Place in block",
                         "Arm", "Person (pseudonym)", "Programme version", "Allocated by"])
        for row in rows:
            a = row.allocation
            writer.writerow(safe_row([a.pk, a.allocated_at.isoformat(), a.stratum,
                                      a.block.index + 1, a.position + 1, a.arm, row.person,
                                      a.programme_version, a.allocated_by.username]))
    return response
