"""The OpenAPI 3.1 document and the reference page (Swagger UI from drf-spectacular-sidecar,
served by the app: no CDN). The page's start-up script is a separate same-origin file, as the
CSP allows no inline script."""

from __future__ import annotations

from csp.decorators import csp_update
from django.utils.decorators import method_decorator
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from diversion.accounts import policy


@policy.rule(policy.API_REFERENCE)
class Schema(SpectacularAPIView):
    pass


# Swagger UI's stylesheet draws its icons as data: SVG images; this page alone allows them.
@method_decorator(csp_update({"img-src": ["data:"]}), name="dispatch")
@policy.rule(policy.API_REFERENCE)
class Reference(SpectacularSwaggerSplitView):
    template_name = "api/swagger_ui.html"
    url_name = "api:schema"
    title = "Diversion API reference"
