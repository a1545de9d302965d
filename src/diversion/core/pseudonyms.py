"""Keyed pseudonyms (HMAC-SHA256 with the site's secret key): the same value always gives the
same token, and the token cannot be reversed or recomputed without the key.

Callers choose how the key and the message are framed and how the digest is shortened, so
the tokens they already store or compare across runs stay exactly as they were."""

from __future__ import annotations

import base64
import hashlib
import hmac
from typing import Literal

from django.conf import settings


def keyed_digest(message: str, *, key_prefix: str = "") -> bytes:
    """HMAC-SHA256 of the message under `key_prefix` followed by the secret key."""
    key = (key_prefix + settings.SECRET_KEY).encode()
    return hmac.new(key, message.encode(), hashlib.sha256).digest()


def pseudonym(message: str, *, length: int, key_prefix: str = "",
              encoding: Literal["hex", "base32"] = "hex") -> str:
    """The first `length` characters of the keyed digest, in lower-case hex or base32."""
    digest = keyed_digest(message, key_prefix=key_prefix)
    text = digest.hex() if encoding == "hex" else base64.b32encode(digest).decode()
    return text[:length]


def value_token(field: str, value: object) -> str:
    """A six-character token for an identifying value, so an analyst can compare two records
    without reading them: equal tokens mean equal values. Text is compared trimmed and in lower
    case, dates by their ISO form; an empty value is "missing"."""
    if value in (None, ""):
        return "missing"
    isoformat = getattr(value, "isoformat", None)
    text = isoformat() if isoformat is not None else str(value).strip().lower()
    return pseudonym(f"{field}:{text}", length=6, encoding="base32")


def person_pseudonym(person_id: int) -> str:
    """A person's stable pseudonym for analysts: the same in every evaluation run's cohort and
    the trial's allocation log, so the two can be compared without a name or reference."""
    return pseudonym(str(person_id), length=16, key_prefix="evaluation-pseudonym:")
