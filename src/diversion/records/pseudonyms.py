"""Stable pseudonyms for identifying values, so an analyst can compare without reading them.

The same value always gives the same short token (a keyed hash: HMAC-SHA256 with the
site's secret key), so equal tokens mean equal values; the token cannot be reversed or
recomputed without the key.
"""

from __future__ import annotations

import base64
import hashlib
import hmac

from django.conf import settings


def token(field: str, value) -> str:
    if value in (None, ""):
        return "missing"
    text = value.isoformat() if hasattr(value, "isoformat") else str(value).strip().lower()
    digest = hmac.new(settings.SECRET_KEY.encode(), f"{field}:{text}".encode(),
                      hashlib.sha256).digest()
    return base64.b32encode(digest)[:6].decode()
