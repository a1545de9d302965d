"""The OpenAPI 3.1 document and the reference page (Swagger UI from drf-spectacular-sidecar,
served by the app: no CDN). The page's start-up script is a separate same-origin file, as the
CSP allows no inline script."""

from __future__ import annotations

from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from diversion.accounts import policy


@policy.rule(policy.API_REFERENCE)
class Schema(SpectacularAPIView):
    pass


@policy.rule(policy.API_REFERENCE)
class Reference(SpectacularSwaggerSplitView):
    template_name = "api/swagger_ui.html"
    url_name = "api:schema"
    title = "Diversion API reference"
