"""PDF downloads made on the server with WeasyPrint: tagged (PDF/UA-1: structure tree, document
title and language from the HTML), and with no network access: the only URLs it may fetch are
the app's own static files (`/assets/...`), read from disk.

WeasyPrint needs Pango at run time (Debian: libpango-1.0-0, libpangoft2-1.0-0); without it
`render` raises `PdfUnavailable`, which the download views turn into a page saying so.
"""

from __future__ import annotations

import mimetypes
from pathlib import Path
from urllib.parse import unquote, urlsplit

from django.conf import settings
from django.contrib.staticfiles import finders
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render as render_page

# A base address that is never fetched: it only lets "/assets/..." resolve to a full URL.
BASE_URL = "https://diversion.invalid/"


class PdfUnavailable(Exception):
    """The PDF library cannot run on this server (its system libraries are missing)."""


def _static_path(url: str) -> Path | None:
    parts = urlsplit(url)
    prefix = settings.STATIC_URL
    if f"{parts.scheme}://{parts.netloc}/" != BASE_URL or not parts.path.startswith(prefix):
        return None
    relative = unquote(parts.path[len(prefix):])
    if ".." in Path(relative).parts:
        return None
    found = finders.find(relative)
    if found:
        return Path(found if isinstance(found, str) else found[0])
    if settings.STATIC_ROOT:
        candidate = Path(settings.STATIC_ROOT) / relative
        return candidate if candidate.is_file() else None
    return None


def render(html: str) -> bytes:
    """The HTML (with <title> and lang set) as a tagged PDF."""
    try:
        from weasyprint import HTML
        from weasyprint.urls import URLFetcher, URLFetcherResponse
    except (OSError, ImportError) as exc:  # cffi could not load Pango, or not installed
        raise PdfUnavailable(str(exc)) from exc

    class StaticOnly(URLFetcher):
        """Serves the app's static files and refuses every other URL (no network)."""

        def fetch(self, url, headers=None):
            path = _static_path(url)
            if path is None:
                raise ValueError("only the app's own static files may be used in a PDF")
            kind = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
            return URLFetcherResponse(url, path.read_bytes(), {"Content-Type": kind})

    return HTML(string=html, base_url=BASE_URL, url_fetcher=StaticOnly()).write_pdf(
        pdf_variant="pdf/ua-1")


def response(body: bytes, filename: str) -> HttpResponse:
    answer = HttpResponse(body, content_type="application/pdf")
    answer["Content-Disposition"] = f'attachment; filename="{filename}"'
    return answer


def unavailable(request: HttpRequest, *, alternative: str, back: str) -> HttpResponse:
    """The answer when the PDF cannot be made: a page that says why (503), not an error."""
    return render_page(request, "pdf/unavailable.html", {"alternative": alternative, "back": back},
                  status=503)
