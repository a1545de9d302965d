"""API tokens: 256 random bits behind a recognisable prefix, kept only as a SHA-256 hash.

A fast hash is enough (no salt, no stretching): the token is random and long, so there is no
dictionary to try, and a lookup by hash keeps each call to one indexed query.
"""

from __future__ import annotations

import hashlib
import secrets

PREFIX = "dvn_"  # lets secret scanners and people recognise a leaked Diversion token
SHOWN_CHARACTERS = 10  # of the token, kept to tell tokens apart on the page


def new_token() -> str:
    return PREFIX + secrets.token_urlsafe(32)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def shown_part(token: str) -> str:
    return token[:SHOWN_CHARACTERS]


def from_header(value: str) -> str | None:
    """The token in an `Authorization: Bearer <token>` header, or None if it is not one."""
    scheme, _, token = value.strip().partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token.startswith(PREFIX) or len(token) > 200:
        return None
    return token
