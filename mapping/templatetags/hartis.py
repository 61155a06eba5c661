"""Template helpers for the directory's own text."""

from django import template

from mapping.localize import localized
from mapping.models import Service

register = template.Library()


@register.filter
def localized_name(service: Service) -> str:
    """The service's name in the active language (or its fallback); prefetch translations."""
    return localized(service).name
