"""The OpenAPI document and the reference page, served by the app under its CSP."""

from __future__ import annotations

import re

from django.test import Client


def test_schema_is_openapi_3_1_and_documents_every_api_url(db):
    response = Client().get("/api/v1/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    document = response.json()
    assert document["openapi"] == "3.1.0"
    assert document["components"]["securitySchemes"]["token"]["scheme"] == "bearer"
    paths = document["paths"]
    assert "/api/v1/police/offences/" in paths
    assert "/api/v1/provider/events/{id}/attendance/" in paths
    for path, operations in paths.items():
        for method, operation in operations.items():
            assert "401" in operation["responses"], (method, path)
            assert "application/problem+json" in operation["responses"]["401"]["content"]


def test_reference_page_runs_under_the_csp_with_no_inline_script_or_cdn(db):
    client = Client()
    page = client.get("/api/v1/docs/")
    assert page.status_code == 200
    csp = page["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    html = page.content.decode()
    assert "<style" not in html
    scripts = re.findall(r"<script([^>]*)>(.*?)</script>", html, re.S)
    assert scripts and all('src="' in attrs and not body.strip() for attrs, body in scripts)
    sources = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert all(src.startswith("/") for src in sources), sources  # same origin: no CDN
    for src in sources:
        assert client.get(src).status_code == 200, src
    init = client.get("/api/v1/docs/?script=")
    script = init.content.decode()
    assert "SwaggerUIBundle" in script and "/api/v1/schema/" in script
