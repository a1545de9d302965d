"""Tells drf-spectacular how the API authenticates, so the document names the scheme."""

from __future__ import annotations

from drf_spectacular.extensions import OpenApiAuthenticationExtension


class ClientTokenScheme(OpenApiAuthenticationExtension):
    target_class = "diversion.api.drf.ClientTokenAuthentication"
    name = "token"

    def get_security_definition(self, auto_schema):
        return {"type": "http", "scheme": "bearer",
                "description": "An API client's token (dvn_...), from your administrator"}


def closed_request_bodies(result, generator, request, public):
    """Request bodies refuse unknown fields (serializers.Strict): say so in the document."""
    for name, component in result.get("components", {}).get("schemas", {}).items():
        if name.endswith("Request") and component.get("type") == "object":
            component["additionalProperties"] = False
    return result
