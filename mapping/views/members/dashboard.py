"""Reads of the members' pages: the "My organisation" dashboard and the public member list.

Each is one QuerySet built from the domain's rules (publication, upcoming, on the board);
the pending-revision flag is an EXISTS, so no list multiplies rows or runs a query per row.
"""

import datetime
from dataclasses import dataclass

from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import CharField, Count, Exists, OuterRef, QuerySet, Subquery
from django.db.models.functions import Cast, Coalesce
from django.utils import timezone

from mapping import directory
from mapping.models import (
    Activity,
    Document,
    Membership,
    OpenCall,
    Organization,
    Revision,
    Service,
    published_q,
)
from mapping.models.activity import upcoming_q

DASHBOARD_LIMIT = 50  # rows per list on the dashboard; an organisation has a few dozen at most


def pending_revision(model: type[models.Model]) -> Exists:
    """The row has a pending revision (a member's edit of a published record)."""
    return Exists(
        Revision.objects.pending().filter(
            content_type=ContentType.objects.get_for_model(model),
            object_id=Cast(OuterRef("pk"), CharField()),
        )
    )


def organizations_of_member(user: object) -> QuerySet:
    """The organisations ``user`` holds a membership in (any standing), by name."""
    return Organization.objects.filter(memberships__user=user).order_by("name")


@dataclass
class Dashboard:
    organization: Organization
    services: list[Service]
    activities: QuerySet
    calls: QuerySet
    documents: QuerySet
    memberships: QuerySet


def dashboard(organization: Organization, *, now: datetime.datetime | None = None) -> Dashboard:
    """Everything the organisation keeps, in the states its editors need to see."""
    now = now or timezone.now()
    services = list(
        Service.objects.filter(organization=organization)
        .annotate(has_pending_revision=pending_revision(Service))
        .only(
            "id",
            "name",
            "status",
            "publication",
            "moderation_comment",
            "assured_date",
            "organization_id",
        )
        .order_by("name")[:DASHBOARD_LIMIT]
    )
    for service in services:
        service.is_stale = directory.is_stale(service)
    # Past published activities are history; drafts and returned ones stay until dealt with.
    activities = (
        Activity.objects.filter(organization=organization)
        .filter(upcoming_q(now) | ~published_q())
        .annotate(has_pending_revision=pending_revision(Activity))
        .order_by("starts_at")[:DASHBOARD_LIMIT]
    )
    return Dashboard(
        organization=organization,
        services=services,
        activities=activities,
        calls=OpenCall.objects.filter(organization=organization)
        .on_board(timezone.localdate(now))
        .order_by("expires_on")[:DASHBOARD_LIMIT],
        documents=Document.objects.filter(organization=organization).order_by("-created_at")[
            :DASHBOARD_LIMIT
        ],
        memberships=Membership.objects.filter(organization=organization)
        .select_related("user")
        .order_by("user__email"),
    )


def _count_per_organization(rows: QuerySet) -> Coalesce:
    """A correlated COUNT of ``rows`` of each organisation (0 when none), so two counts do not
    multiply each other's joins."""
    counted = (
        rows.filter(organization=OuterRef("pk"))
        .order_by()
        .values("organization")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(counted, output_field=models.IntegerField()), 0)


def public_activities(now: datetime.datetime | None = None) -> QuerySet:
    """Published activities with an occurrence still to come."""
    return Activity.objects.filter(published_q(), upcoming_q(now or timezone.now()))


def member_list() -> QuerySet:
    """Approved member organisations with their public services and upcoming activities
    counted."""
    return (
        Organization.objects.members()
        .annotate(
            service_count=_count_per_organization(Service.objects.active()),
            activity_count=_count_per_organization(public_activities()),
        )
        .only("id", "name", "organization_type", "website", "member_since")
        .order_by("name")
    )
