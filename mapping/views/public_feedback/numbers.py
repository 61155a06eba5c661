"""/in-numbers/: the directory counted live, for the public and the centre's reports."""

import datetime
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_safe

from geodata.models import District
from mapping.conf import hartis_options
from mapping.models import (
    Activity,
    MembershipStatus,
    Organization,
    Service,
    TaxonomyTerm,
)
from mapping.models.activity import upcoming_q
from mapping.models.queries import district_q, remote_q, theme_q


@dataclass(frozen=True)
class InNumbers:
    """Counts of what is public now. ``themes`` and ``districts`` pair each area of the
    directory with its number of active services (a service may count in several)."""

    member_organizations: int
    active_services: int
    remote_services: int
    activities: int
    upcoming_activities: int
    registered_users: int
    themes: list[tuple[TaxonomyTerm, int]]
    districts: list[tuple[District, int]]


def in_numbers(now: datetime.datetime | None = None) -> InNumbers:
    """Count everything in six queries: themes, districts, one conditional aggregate over
    active services (total, remote, per theme by ``theme_q``, per district by
    ``district_q``), organisations, activities, users."""
    now = now or timezone.now()
    city = hartis_options().city_slug
    themes = list(TaxonomyTerm.objects.themes())
    districts = list(District.objects.filter(municipality__slug=city).defer("geom"))
    services = Service.objects.active().aggregate(
        total=Count("pk"),
        remote=Count("pk", filter=remote_q()),
        **{f"theme_{term.code}": Count("pk", filter=theme_q(term.code)) for term in themes},
        **{
            f"district_{district.number}": Count("pk", filter=district_q(district.number, city))
            for district in districts
        },
    )
    organizations = Organization.objects.aggregate(
        members=Count("pk", filter=Q(membership_status=MembershipStatus.APPROVED))
    )
    activities = Activity.objects.published().aggregate(
        total=Count("pk"), upcoming=Count("pk", filter=upcoming_q(now))
    )
    return InNumbers(
        member_organizations=organizations["members"],
        active_services=services["total"],
        remote_services=services["remote"],
        activities=activities["total"],
        upcoming_activities=activities["upcoming"],
        registered_users=get_user_model().objects.filter(is_active=True).count(),
        themes=[(term, services[f"theme_{term.code}"]) for term in themes],
        districts=[(district, services[f"district_{district.number}"]) for district in districts],
    )


@require_safe
def in_numbers_page(request: HttpRequest) -> HttpResponse:
    numbers = in_numbers()
    return render(
        request,
        "mapping/public_feedback/in_numbers.html",
        {
            "numbers": numbers,
            "largest_theme": max([count for _term, count in numbers.themes], default=0),
            "largest_district": max([count for _d, count in numbers.districts], default=0),
        },
    )
