"""Rate limits shared by every worker process, and the one way Hartis says "too many requests".

Three libraries count requests: allauth (log-in, sign-up, password reset), DRF's throttles (the
JSON APIs, :mod:`mapping.api.throttling`) and django-ratelimit (public forms). All keep their
counters in the ``"ratelimit"`` cache alias, which every gunicorn worker shares (settings.CACHES):
counters kept per process would grant the allowance once per worker. Every refusal is a 429
with ``Retry-After``.
"""

import math
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.cache import caches
from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.locmem import LocMemCache
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django_ratelimit.core import get_usage
from django_ratelimit.decorators import ratelimit

# A client told to come back sooner than a window ends is refused again and told again; one
# minute is the window of most limits here (allauth's per-account log-in limit is five).
RETRY_AFTER_SECONDS = 60
SHARED_ALIAS = "ratelimit"
# allauth names its counters (and their locks) "allauth:rl:<app>:<action>:…".
SHARED_KEY_PREFIXES = ("allauth:rl:",)


class LocalCacheWithSharedRateLimits(LocMemCache):
    """The default cache: per process, except allauth's rate-limit keys, which go to the shared
    ``"ratelimit"`` alias (allauth reads and writes only the default cache)."""

    def _shared(self, key: str) -> Any:
        return caches[SHARED_ALIAS] if key.startswith(SHARED_KEY_PREFIXES) else None

    def add(
        self, key: str, value: Any, timeout: Any = DEFAULT_TIMEOUT, version: int | None = None
    ) -> bool:
        shared = self._shared(key)
        if shared is not None:
            return shared.add(key, value, timeout, version)
        return super().add(key, value, timeout, version)

    def get(self, key: str, default: Any = None, version: int | None = None) -> Any:
        shared = self._shared(key)
        if shared is not None:
            return shared.get(key, default, version)
        return super().get(key, default, version)

    def set(
        self, key: str, value: Any, timeout: Any = DEFAULT_TIMEOUT, version: int | None = None
    ) -> None:
        shared = self._shared(key)
        if shared is not None:
            return shared.set(key, value, timeout, version)
        return super().set(key, value, timeout, version)

    def touch(self, key: str, timeout: Any = DEFAULT_TIMEOUT, version: int | None = None) -> bool:
        shared = self._shared(key)
        if shared is not None:
            return shared.touch(key, timeout, version)
        return super().touch(key, timeout, version)

    def incr(self, key: str, delta: int = 1, version: int | None = None) -> int:
        shared = self._shared(key)
        if shared is not None:
            return shared.incr(key, delta, version)
        return super().incr(key, delta, version)

    def has_key(self, key: str, version: int | None = None) -> bool:
        shared = self._shared(key)
        if shared is not None:
            return shared.has_key(key, version)
        return super().has_key(key, version)

    def delete(self, key: str, version: int | None = None) -> bool:
        shared = self._shared(key)
        if shared is not None:
            return shared.delete(key, version)
        return super().delete(key, version)


def client_ip(request: HttpRequest) -> str:
    """The client's address as every rate limit counts it: REMOTE_ADDR, or with
    HARTIS_TRUSTED_PROXIES = n > 0 the n-th address from the end of X-Forwarded-For (the one
    our own outermost proxy saw; anything before it the client could have written)."""
    proxies = settings.TRUSTED_PROXIES
    forwarded = request.headers.get("x-forwarded-for", "")
    if proxies > 0 and forwarded:
        addresses = [address.strip() for address in forwarded.split(",")]
        return addresses[-min(proxies, len(addresses))]
    return request.META.get("REMOTE_ADDR", "")


def too_many_requests(
    request: HttpRequest,
    exception: Exception | None = None,
    *,
    retry_after: int = RETRY_AFTER_SECONDS,
) -> HttpResponse:
    """The 429 page with ``Retry-After`` in seconds (django-ratelimit's RATELIMIT_VIEW;
    allauth renders the same template)."""
    minutes = max(1, math.ceil(retry_after / 60))
    response = render(request, "429.html", {"minutes": minutes}, status=429)
    response["Retry-After"] = str(retry_after)
    return response


# Public forms (problem reports, suggestions): enough for someone reporting a few listings
# in a row; too few for a script.
PUBLIC_FORM_RATE = "5/10m"


def public_form_limit(group: str, rate: str = PUBLIC_FORM_RATE) -> Callable:
    """Count ``group``'s POSTs per client address; over ``rate`` the view runs with
    ``request.limited`` set and answers with :func:`public_form_refusal`."""
    return ratelimit(group=group, key="ip", rate=rate, method="POST", block=False)


def public_form_refusal(
    request: HttpRequest, *, group: str, rate: str = PUBLIC_FORM_RATE
) -> HttpResponse:
    """The 429 of a limited public form, with the seconds left in ``group``'s window."""
    usage = get_usage(request, group=group, key="ip", rate=rate, method="POST", increment=False)
    seconds = max(1, usage["time_left"]) if usage else RETRY_AFTER_SECONDS
    return too_many_requests(request, retry_after=seconds)


class RetryAfterMiddleware:
    """Adds ``Retry-After`` to a 429 that has none (allauth's)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if response.status_code == 429 and not response.has_header("Retry-After"):
            response["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return response
