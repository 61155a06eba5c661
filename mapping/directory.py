"""Reads the public pages need beyond search: one service in full, area summaries, nearby."""

import datetime

from django.contrib.gis.db.models import GeometryField
from django.contrib.gis.geos import GEOSGeometry
from django.db.models import Count, Prefetch, Q, QuerySet, Value
from django.utils import timezone

from geodata.spatial import STORAGE_SRID, AsGeography, WithinMetres
from mapping import access
from mapping.access import User
from mapping.conf import hartis_options
from mapping.models import (
    Language,
    Schedule,
    Service,
    ServiceAtLocation,
    TaxonomyTerm,
    published_q,
)
from mapping.models.queries import ServiceQuerySet, open_now_q, theme_q

NEARBY_METRES = 500


def viewable_q(viewer: User | None = None) -> Q:
    """Services ``viewer`` may see on a service's own page: published ones (any HSDS status,
    so a closed service still says so), and to the organisation's people and the moderators
    also their drafts, records in review and returned ones (a preview). No viewer: the public.
    """
    if viewer is not None and access.is_moderator(viewer):
        # Not ``published_q() | Q()``: Django drops an empty Q from an OR, which would leave
        # the moderators only the published records.
        return Q()
    if viewer is None:
        return published_q()
    return published_q() | access.editable_by_q(viewer)


def service_for_page(pk: str, *, viewer: User | None = None) -> Service:
    """A service with everything its page shows, in a fixed number of queries (raises
    Service.DoesNotExist, also for a record ``viewer`` may not see: see ``viewable_q``).
    ``is_open_now`` is annotated."""
    return (
        Service.objects.filter(viewable_q(viewer))
        .select_related("organization")
        .prefetch_related(
            Prefetch("categories", queryset=TaxonomyTerm.objects.select_related("parent")),
            "target_groups",
            "languages",
            "phones",
            "required_documents",
            "translations",
            Prefetch("schedules", queryset=Schedule.objects.order_by("weekday", "opens_at")),
            Prefetch(
                "service_at_locations",
                queryset=ServiceAtLocation.objects.select_related(
                    "location__district", "location__neighbourhood"
                ).prefetch_related(
                    Prefetch(
                        "schedules", queryset=Schedule.objects.order_by("weekday", "opens_at")
                    ),
                    Prefetch(
                        "location__service_at_locations",
                        queryset=ServiceAtLocation.objects.select_related("service")
                        .prefetch_related("service__translations")
                        .filter(service__in=Service.objects.active()),
                        to_attr="services_here",
                    ),
                ),
            ),
        )
        .annotate(is_open_now=Q(open_now_q()))
        .get(pk=pk)
    )


def months_since_verified(service: Service, today: datetime.date | None = None) -> int | None:
    """Whole months since ``assured_date`` (None when never verified)."""
    if service.assured_date is None:
        return None
    today = today or timezone.localdate()
    months = (
        (today.year - service.assured_date.year) * 12 + today.month - service.assured_date.month
    )
    return months - (today.day < service.assured_date.day)


def is_stale(service: Service, today: datetime.date | None = None) -> bool:
    """Not verified within HARTIS STALE_AFTER_DAYS (never verified counts as stale)."""
    if service.assured_date is None:
        return True
    today = today or timezone.localdate()
    return (today - service.assured_date).days > hartis_options().stale_after_days


def theme_counts(services: ServiceQuerySet) -> dict[str, int]:
    """Number of services per top-level theme code, in one query."""
    codes = list(TaxonomyTerm.objects.themes().values_list("code", flat=True))
    return services.aggregate(**{code: Count("pk", filter=theme_q(code)) for code in codes})


def located_rows(services: QuerySet) -> QuerySet:
    return (
        ServiceAtLocation.objects.filter(service__in=services, location__point__isnull=False)
        .select_related("service__organization", "location__neighbourhood", "location__district")
        .prefetch_related("service__translations")
        .order_by("service__name", "pk")
    )


def nearby_rows(area: GEOSGeometry, services: QuerySet, metres: float = NEARBY_METRES) -> QuerySet:
    """Located rows outside ``area`` (EPSG:4326) but within ``metres`` of it."""
    constant = AsGeography(Value(area, output_field=GeometryField(srid=STORAGE_SRID)))
    return (
        located_rows(services)
        .alias(close=WithinMetres(AsGeography("location__point"), constant, metres))
        .filter(close=True)
        .exclude(location__point__coveredby=area)
    )


def filter_vocabulary() -> dict[str, QuerySet]:
    """What filter panels offer: themes (with their subcategories), target groups and
    languages, for the map and the planners' dashboard alike."""
    return {
        "themes": TaxonomyTerm.objects.themes().prefetch_related("children"),
        "target_groups": TaxonomyTerm.objects.target_groups(),
        "languages": Language.objects.order_by("name"),
    }
