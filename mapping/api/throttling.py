"""Rate limits of the public JSON APIs: HARTIS["API_RATE_LIMIT"] requests per client address
(per account when signed in), counted in the shared "ratelimit" cache alias.

DRF views (/api/, /hsds/) use the throttle classes through REST_FRAMEWORK's
DEFAULT_THROTTLE_CLASSES; DRF answers 429 with Retry-After. The OGC API is plain Django views,
so :class:`PlainViewThrottleMiddleware` applies the same throttle to its path prefix.
"""

import math
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.cache import caches
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext as _
from rest_framework.throttling import AnonRateThrottle, UserRateThrottle

from mapping.ratelimits import SHARED_ALIAS


class _SettingsRate:
    """Reads the rate per request (not once at import, as DRF's THROTTLE_RATES is), so "off"
    and test settings apply at once; None allows every request."""

    @property
    def cache(self) -> Any:  # DRF reads self.cache; the alias is looked up when used
        return caches[SHARED_ALIAS]

    def get_rate(self) -> str | None:
        return settings.HARTIS.get("API_RATE_LIMIT")


class AnonApiThrottle(_SettingsRate, AnonRateThrottle):
    """Anonymous clients, counted per address (settings.TRUSTED_PROXIES decides which)."""

    scope = "api-anon"


class UserApiThrottle(_SettingsRate, UserRateThrottle):
    """Signed-in users, counted per account."""

    scope = "api-user"


class PlainViewThrottleMiddleware:
    """The API throttle for plain Django views under HARTIS["API_RATE_LIMITED_PATHS"]."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        prefixes = tuple(settings.HARTIS.get("API_RATE_LIMITED_PATHS", ()))
        if prefixes and request.path.startswith(prefixes):
            throttle = UserApiThrottle() if request.user.is_authenticated else AnonApiThrottle()
            if not throttle.allow_request(request, None):
                wait = math.ceil(throttle.wait() or 1)
                response = JsonResponse(
                    {
                        "code": "TooManyRequests",
                        "description": _(
                            "Too many requests. Please try again in %(seconds)s seconds."
                        )
                        % {"seconds": wait},
                    },
                    status=429,
                )
                response["Retry-After"] = str(wait)
                return response
        return self.get_response(request)
