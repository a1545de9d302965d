"""Every download is served as an attachment by a view that checks authorisation (security.md
16, ASVS 5.4.1): walked, not listed. The walk GETs every URL the resolver knows as each role
its rule admits, over the demo data (tests/read_logging.py's routes and samples); any answer
that is a file (a Content-Disposition header, or a type other than an HTML page or the API's
JSON) must be `attachment` with a file name, and a user of the same role in another
organisation gets a 404 for the same object."""

from __future__ import annotations

import re

from django.test import Client
from django.urls import reverse

from diversion.accounts.models import Organisation, User
from tests import read_logging

# Content types that are pages or API answers rather than files.
PAGES = ("text/html", "application/json", "application/problem+json")
# Files served inline on purpose, and why.
INLINE = {"api:schema": "the public OpenAPI document, read by the API reference page"}
# The downloads the walk must find (so a walk that reaches none of them cannot pass).
KNOWN = {
    "records:rejections_csv", "evaluation:run_report_html", "evaluation:run_report_pdf",
    "evaluation:run_table_csv", "trials:log_csv", "commissioning:dashboard_export",
    "commissioning:release_pdf", "statistics:export", "statistics:release_pdf",
    "retention:export",
}
ATTACHMENT = re.compile(r'^attachment; filename="[\w.-]+"$')


def _is_file(response) -> bool:
    kind = response.get("Content-Type", "").split(";")[0].strip()
    return response.has_header("Content-Disposition") or not kind.startswith(PAGES)


def _stranger(viewer: User) -> User:
    """A user of the viewer's role in another organisation of the same kind."""
    home = viewer.organisation
    elsewhere, _ = Organisation.objects.get_or_create(
        code=f"elsewhere-{home.kind}"[:20].replace("_", "-"),
        defaults={"name": f"Elsewhere {home.get_kind_display()}", "kind": home.kind})
    user, _ = User.objects.get_or_create(
        username=f"stranger.{viewer.role}", defaults={"organisation": elsewhere,
                                                       "role": viewer.role})
    return user


def _disposition_problems(name: str, url: str, response) -> list[str]:
    disposition = response.get("Content-Disposition", "")
    if _is_file(response) and not ATTACHMENT.match(disposition):
        return [f"{name}: GET {url} → Content-Disposition {disposition!r}"]
    return []


def _walk_downloads() -> dict[str, list[tuple[User | None, str, dict, object]]]:
    """route name -> [(viewer, url, sample kwargs, response)] for every file answer."""
    users = read_logging.demo_users()
    found: dict[str, list] = {}
    for route in read_logging.routes():
        if route.rule is None or route.rule.token or route.name in INLINE:
            continue  # no rule: refused (test_access_policy); the API answers JSON only
        viewers: list[User | None] = ([None] if route.rule.public else
                                      [users[r] for r in sorted(route.rule.roles) if r in users])
        samples = read_logging.SAMPLES.get(route.name)
        for viewer in viewers:
            client = Client()
            if viewer is not None:
                client.force_login(viewer)
            for sample in samples(viewer) if samples is not None else [{}]:
                kwargs = {k: v for k, v in sample.items() if k != "?"}
                url = reverse(route.name, kwargs=kwargs) + (
                    f"?{sample['?']}" if "?" in sample else "")
                response = client.get(url)
                if response.status_code == 200 and _is_file(response):
                    found.setdefault(route.name, []).append((viewer, url, kwargs, response))
    return found


def test_every_download_is_an_attachment_and_another_organisation_gets_404(db):
    read_logging.load_demo()
    downloads = _walk_downloads()
    assert set(downloads) >= KNOWN, f"the walk did not reach {sorted(KNOWN - set(downloads))}"
    problems = []
    for name, answers in sorted(downloads.items()):
        for viewer, url, kwargs, response in answers:
            problems += _disposition_problems(name, url, response)
            if viewer is None or "pk" not in kwargs:
                continue  # public releases; the viewer's own dashboard or trial (no object id)
            stranger = Client()
            stranger.force_login(_stranger(viewer))
            status = stranger.get(url).status_code
            if status != 404:
                problems.append(f"{name}: GET {url} as another organisation's "
                                f"{viewer.role} → {status}, not 404")
    assert problems == [], "\n" + "\n".join(problems)
    # The stranger check ran on the downloads that name an object.
    for name in ("records:rejections_csv", "evaluation:run_report_html",
                 "evaluation:run_report_pdf", "evaluation:run_table_csv",
                 "commissioning:release_pdf", "retention:export"):
        assert any("pk" in kwargs and viewer is not None
                   for viewer, _url, kwargs, _response in downloads[name]), name


def test_the_check_flags_a_file_served_inline_or_without_a_disposition():
    from django.http import HttpResponse

    inline = HttpResponse(b"a,b", content_type="text/csv")
    inline["Content-Disposition"] = 'inline; filename="x.csv"'
    bare_pdf = HttpResponse(b"%PDF", content_type="application/pdf")
    html_download = HttpResponse(b"<html>", content_type="text/html")
    html_download["Content-Disposition"] = "attachment"  # no file name
    good = HttpResponse(b"a,b", content_type="text/csv; charset=utf-8")
    good["Content-Disposition"] = 'attachment; filename="import-3-rejected.csv"'
    page = HttpResponse(b"<html>", content_type="text/html; charset=utf-8")
    assert [len(_disposition_problems("x", "/x", r)) for r in
            (inline, bare_pdf, html_download, good, page)] == [1, 1, 1, 0, 0]
