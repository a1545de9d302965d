"""A statistics release as a tagged PDF: the office's commissioners for their own drafts and
releases, anyone for a published one; each download is a disclosure row."""

from __future__ import annotations

import io
import sys
from unittest import mock

import pytest
from django.urls import reverse
from pypdf import PdfReader

from diversion.accounts.roles import Role
from diversion.audit.models import ProcessingLog
from diversion.commissioning.models import StatisticsRelease
from tests.commissioning.helpers import other_office
from tests.commissioning.test_releases import filled, prepare, publish  # noqa: F401 (fixture)

pytestmark = pytest.mark.django_db


def _pdf_rows():
    return ProcessingLog.objects.filter(operation="disclosure",
                                        justification__contains="as PDF")


def test_commissioner_downloads_draft_as_tagged_pdf(filled, client):  # noqa: F811
    prepare(client, filled.users[Role.COMMISSIONER])
    release = StatisticsRelease.objects.get()
    page = client.get(reverse("commissioning:release_detail", args=[release.pk])).content.decode()
    url = reverse("commissioning:release_pdf", args=[release.pk])
    assert url in page
    response = client.get(url)
    assert response.status_code == 200 and response.content.startswith(b"%PDF")
    assert response["Content-Disposition"].startswith('attachment; filename="statistics-')
    reader = PdfReader(io.BytesIO(response.content))
    root = reader.trailer["/Root"]
    assert "/StructTreeRoot" in root and root["/MarkInfo"]["/Marked"]
    assert root["/Lang"] == "en-GB"
    assert reader.metadata.title == "Statistics: Apr to Jun 2026"
    text = " ".join(p.extract_text() for p in reader.pages)
    assert "Draft: not published" in text and "Headline figures" in text
    for figure in release.snapshot["headline"]:
        assert figure["label"] in text.replace("\n", " ")
    [row] = _pdf_rows()
    assert row.recipient.startswith(filled.users[Role.COMMISSIONER].username)
    assert row.object_id == str(release.pk)


def test_published_release_pdf_is_public_and_drafts_are_not(filled, client):  # noqa: F811
    prepare(client, filled.users[Role.COMMISSIONER])
    release = StatisticsRelease.objects.get()
    public_url = reverse("statistics:release_pdf", args=[release.pk])
    client.logout()
    assert client.get(public_url).status_code == 404  # a draft
    client.force_login(filled.users[Role.COMMISSIONER])
    publish(client, release)
    client.logout()
    assert public_url in client.get(reverse("statistics:release", args=[release.pk])
                                    ).content.decode()
    response = client.get(public_url)
    assert response.status_code == 200 and response.content.startswith(b"%PDF")
    assert "anonymous" in _pdf_rows().get().recipient


def test_release_pdf_refused_to_other_roles_and_offices(filled, client):  # noqa: F811
    prepare(client, filled.users[Role.COMMISSIONER])
    release = StatisticsRelease.objects.get()
    url = reverse("commissioning:release_pdf", args=[release.pk])
    for role in Role.values:
        if role == Role.COMMISSIONER:
            continue
        client.force_login(filled.users[role])
        assert client.get(url).status_code == 403, role
    client.force_login(other_office(filled))
    assert client.get(url).status_code == 404
    assert not _pdf_rows().exists()


def test_without_pango_the_release_pdf_says_so(filled, client):  # noqa: F811
    prepare(client, filled.users[Role.COMMISSIONER])
    release = StatisticsRelease.objects.get()
    with mock.patch.dict(sys.modules, {"weasyprint": None}):
        response = client.get(reverse("commissioning:release_pdf", args=[release.pk]))
    assert response.status_code == 503
    assert "The PDF cannot be made on this server" in response.content.decode()
    assert not _pdf_rows().exists()
