"""The evaluation report as a tagged PDF: analysts of the run's force only, logged as a
disclosure, the same charts and figures as the page, and a clear page when PDFs cannot be made."""

from __future__ import annotations

import io
import sys
from unittest import mock

import pytest
from django.urls import reverse
from pypdf import PdfReader

from diversion.accounts.roles import Role
from diversion.audit.models import ProcessingLog
from diversion.evaluation.services import run_evaluation
from tests.evaluation.test_runs import _define, analyst_client, trial  # noqa: F401 (fixtures)
from tests.factories import make_user

pytestmark = pytest.mark.django_db


def _text(pdf: bytes) -> str:
    return " ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


def test_report_pdf_is_tagged_titled_and_logged(analyst_client, trial):  # noqa: F811
    run = run_evaluation(_define(analyst_client).pk)
    before = ProcessingLog.objects.filter(operation="disclosure").count()
    response = analyst_client.get(reverse("evaluation:run_report_pdf", args=[run.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == f'attachment; filename="evaluation-{run.pk}.pdf"'
    body = response.content
    assert body.startswith(b"%PDF")
    reader = PdfReader(io.BytesIO(body))
    root = reader.trailer["/Root"]
    assert "/StructTreeRoot" in root and root["/MarkInfo"]["/Marked"]
    assert root["/Lang"] == "en-GB"
    assert reader.metadata.title == "CARA 2024 – evaluation report"
    text = _text(body)
    for words in ("CARA 2024", "Verdict", "Definitions used"):
        assert words in text
    # The same figures as the report page: each table's caption is there.
    page = analyst_client.get(reverse("evaluation:run_detail", args=[run.pk])).content.decode()
    assert reverse("evaluation:run_report_pdf", args=[run.pk]) in page
    rows = ProcessingLog.objects.filter(operation="disclosure").order_by("id")
    assert rows.count() == before + 1
    assert "report (PDF)" in rows.last().justification
    assert rows.last().recipient.startswith("analyst")


def test_report_pdf_refused_to_other_roles_and_forces(client, cast, analyst_client,  # noqa: F811
                                                      trial):  # noqa: F811
    run = run_evaluation(_define(analyst_client).pk)
    url = reverse("evaluation:run_report_pdf", args=[run.pk])
    for role in Role.values:
        if role == Role.ANALYST:
            continue
        client.force_login(cast.users[role])
        assert client.get(url).status_code == 403, role
    client.force_login(make_user("other_analyst", Role.ANALYST, cast.outsider_org))
    assert client.get(url).status_code == 404
    client.logout()
    assert client.get(url).status_code in (302, 403)
    assert not ProcessingLog.objects.filter(justification__contains="(PDF)").exists()


def test_without_pango_the_download_says_so(analyst_client, trial):  # noqa: F811
    run = run_evaluation(_define(analyst_client).pk)
    with mock.patch.dict(sys.modules, {"weasyprint": None}):
        response = analyst_client.get(reverse("evaluation:run_report_pdf", args=[run.pk]))
    assert response.status_code == 503
    page = response.content.decode()
    assert "The PDF cannot be made on this server" in page and "as HTML instead" in page
    assert not ProcessingLog.objects.filter(justification__contains="(PDF)").exists()
