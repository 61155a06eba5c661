"""Template context every page gets: the reader's roles, for the navigation."""

from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from mapping import access


def roles(request: HttpRequest) -> dict[str, object]:
    """``is_moderator``, evaluated only if a template asks (one query at most)."""
    user = getattr(request, "user", None)
    return {
        "is_moderator": SimpleLazyObject(lambda: user is not None and access.is_moderator(user))
    }
