"""The client's address: the one function that sign-in lockouts (axes), the two-step limits,
security events and the processing log all ask, so none of them can disagree.

Without TRUSTED_PROXIES it is the socket peer (REMOTE_ADDR), whatever headers say. With it,
X-Forwarded-For is read from the right only while each hop is a listed proxy: every proxy
appends the address it received the request from, so the right-most address that is not a
listed proxy is the first one no trusted party can vouch for past, i.e. the client. Anything a
client writes into the header itself sits to the left of that and is never read, so it can
neither escape a lockout nor frame another address (ASVS 4.1.3).
"""

from __future__ import annotations

import ipaddress
import logging

from django.conf import settings
from django.http import HttpRequest

logger = logging.getLogger("diversion.client_address")

_CACHE = "_diversion_client_address"  # computed once per request
_Address = ipaddress.IPv4Address | ipaddress.IPv6Address


def _parse(text: str | None) -> _Address | None:
    try:
        return ipaddress.ip_address((text or "").strip())
    except ValueError:
        return None


def _trusted(address: _Address) -> bool:
    mapped = getattr(address, "ipv4_mapped", None)  # ::ffff:10.0.0.1 is 10.0.0.1
    return any(address in network or (mapped is not None and mapped in network)
               for network in settings.TRUSTED_PROXIES)


def _resolve(request: HttpRequest) -> str | None:
    peer = _parse(request.META.get("REMOTE_ADDR"))
    if peer is None:
        return None
    if not settings.TRUSTED_PROXIES or not _trusted(peer):
        return str(peer)
    header = request.META.get("HTTP_X_FORWARDED_FOR", "")
    client = peer
    for hop in reversed(header.split(",") if header.strip() else []):
        address = _parse(hop)
        if address is None:
            # A trusted proxy should only ever append valid addresses: this is a misconfigured
            # proxy or a header passed through unchecked. Believe none of it.
            logger.warning("ignored a malformed X-Forwarded-For from trusted proxy %s: %r",
                           peer, header[:200])
            return str(peer)
        client = address
        if not _trusted(address):
            break
    # Every hop trusted (an internal caller): the left-most is the furthest we can vouch for.
    return str(client)


def client_address(request: HttpRequest) -> str | None:
    """The client's IP address in canonical form, or None (no usable socket peer)."""
    if not hasattr(request, _CACHE):
        setattr(request, _CACHE, _resolve(request))
    return getattr(request, _CACHE)
