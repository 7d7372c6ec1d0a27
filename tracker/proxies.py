"""The client's address when the app runs behind a reverse proxy (nginx), for the login lockout."""
from __future__ import annotations

import ipaddress

from django.conf import settings
from django.http import HttpRequest


def client_ip_address(request: HttpRequest) -> str | None:
    """django-axes' AXES_CLIENT_IP_CALLABLE.

    Behind nginx every request comes from the proxy's own address, so keying the lockout on
    REMOTE_ADDR would let anyone lock a username out for everybody. With TRUSTED_PROXIES = n, each of
    the n proxies appends the address it was reached from to X-Forwarded-For: the n-th entry from the
    right was written by a proxy we trust, anything to its left by the client, who can write anything.
    With no proxy configured the header is the client's own words and is ignored.
    """
    remote = request.META.get("REMOTE_ADDR")
    hops = settings.TRUSTED_PROXIES
    if hops <= 0:
        return remote
    forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
    if not forwarded:
        return remote
    # Fewer entries than proxies: the request skipped the outer ones, and the left-most entry is still
    # the one the inner (trusted) proxy wrote.
    entry = forwarded[-hops] if len(forwarded) >= hops else forwarded[0]
    try:
        return str(ipaddress.ip_address(entry))
    except ValueError:  # not an address: a proxy misconfigured, not a reason to trust the header
        return remote
