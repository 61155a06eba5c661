"""Rate limits of public forms (django-ratelimit), and the 429 page they answer with.

Counted per client IP (``RATELIMIT_IP_META_KEY`` says which header holds it behind a proxy);
django-ratelimit keeps only a hashed counter in the default cache, so no address is stored.
Any public form may reuse these::

    @public_form_limit("my-form")
    def my_view(request):
        if request.limited:
            return too_many_requests(request, group="my-form")
"""

import math
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django_ratelimit.core import get_usage
from django_ratelimit.decorators import ratelimit

# Enough for someone reporting a few listings in a row; too few for a script.
PUBLIC_FORM_RATE = "5/10m"


def public_form_limit(group: str, rate: str = PUBLIC_FORM_RATE) -> Callable:
    """Count ``group``'s POSTs per client IP; over ``rate`` the view runs with
    ``request.limited`` set (it answers with :func:`too_many_requests`)."""
    return ratelimit(group=group, key="ip", rate=rate, method="POST", block=False)


def too_many_requests(
    request: HttpRequest, *, group: str, rate: str = PUBLIC_FORM_RATE
) -> HttpResponse:
    """HTTP 429 with ``Retry-After`` (seconds until ``group``'s window ends) and a page
    saying when to try again."""
    usage = get_usage(request, group=group, key="ip", rate=rate, method="POST", increment=False)
    seconds = max(1, usage["time_left"]) if usage else 60
    response = render(
        request,
        "mapping/public_feedback/too_many_requests.html",
        {"minutes": math.ceil(seconds / 60)},
        status=429,
    )
    response["Retry-After"] = str(seconds)
    return response
