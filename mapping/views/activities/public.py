"""Public activity pages: the upcoming list, one activity, and the iCalendar feed."""

import datetime
import uuid

from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe
from icalendar import Calendar, Event, vRecur

from mapping import access
from mapping.conf import hartis_options
from mapping.models import Activity, MembershipStatus, Publication
from mapping.models.activity import (
    ATHENS_TZ,
    MAX_RECURRENCE_SPAN,
    ActivityQuerySet,
    scheduled_between,
)
from mapping.views.activities.filters import ActivityFilters

PER_PAGE = 20
DETAIL_DATES = 12


def _chosen(activities: ActivityQuerySet, filters: ActivityFilters) -> ActivityQuerySet:
    """``activities`` narrowed by the valid filters (an invalid one is left out)."""
    criteria = filters.criteria()
    if "theme" in criteria:
        activities = activities.in_theme(criteria["theme"])
    if "district" in criteria:
        activities = activities.in_district(criteria["district"])
    if "language" in criteria:
        activities = activities.speaking(criteria["language"])
    return activities


def _for_listing(activities: ActivityQuerySet) -> ActivityQuerySet:
    return (
        activities.select_related("organization", "theme", "location__district")
        .defer("location__point", "location__district__geom")
        .prefetch_related("languages")
        .order_by("starts_at", "pk")
    )


@require_safe
def activity_list(request: HttpRequest) -> HttpResponse:
    """Published activities taking place in the chosen period (the next 60 days by default),
    each with its next date there; filters that do not validate are shown and left out."""
    filters = ActivityFilters(request.GET or None)
    if filters.is_bound:
        filters.is_valid()
    start, end = filters.period(timezone.now())
    activities = _for_listing(_chosen(Activity.objects.published(), filters).between(start, end))
    page = Paginator(scheduled_between(activities, start, end), PER_PAGE).get_page(
        request.GET.get("page")
    )
    context = {
        "filters": filters,
        "page": page,
        "period": (start, end - datetime.timedelta(seconds=1)),
        "query": filters.as_query(),
        "member": MembershipStatus.APPROVED,
    }
    return render(request, "mapping/activities/list.html", context)


@require_safe
def activity_detail(request: HttpRequest, pk: uuid.UUID) -> HttpResponse:
    """A published activity; its organisation's editors and moderators also preview it
    before publication (everyone else gets 404: drafts are not public)."""
    activity = get_object_or_404(
        Activity.objects.select_related("organization", "theme", "location__district"), pk=pk
    )
    is_public = activity.publication == Publication.PUBLISHED
    if not is_public and not access.can_edit(request.user, activity):
        raise Http404
    now = timezone.now()
    dates = activity.occurrences(now, now + MAX_RECURRENCE_SPAN)
    place = activity.location
    context = {
        "activity": activity,
        "is_preview": not is_public,
        "dates": dates[:DETAIL_DATES],
        "more_dates": max(0, len(dates) - DETAIL_DATES),
        "can_edit": access.can_edit(request.user, activity),
        "member": MembershipStatus.APPROVED,
        "point": None if place is None or place.point is None else place.point.coords,
        "map_config": {"tiles": _tiles()},
    }
    return render(request, "mapping/activities/detail.html", context)


def _tiles() -> dict[str, str]:
    options = hartis_options()
    return {"url": options.basemap_tile_url, "attribution": options.basemap_attribution}


@require_safe
def activity_feed(request: HttpRequest) -> HttpResponse:
    """The list as an iCalendar feed (RFC 5545): one VEVENT per published activity, a
    repeating one with its RRULE, times with TZID Europe/Athens. Without a period, every
    upcoming activity; with ``from``/``to``, those taking place then."""
    filters = ActivityFilters(request.GET or None)
    if filters.is_bound and not filters.is_valid():
        problems = "\n".join(
            f"{name}: {' '.join(messages)}" for name, messages in filters.errors.items()
        )
        return HttpResponse(problems, status=400, content_type="text/plain; charset=utf-8")
    now = timezone.now()
    activities = _chosen(Activity.objects.published(), filters)
    if filters.has_period():
        start, end = filters.period(now)
        listed = [
            item.activity
            for item in scheduled_between(_for_listing(activities.between(start, end)), start, end)
        ]
    else:
        listed = list(_for_listing(activities.upcoming(now)))
    calendar = _calendar(request, listed)
    response = HttpResponse(calendar.to_ical(), content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="hartis-activities.ics"'
    return response


def _calendar(request: HttpRequest, activities: list[Activity]) -> Calendar:
    host = request.get_host().split(":")[0]
    calendar = Calendar()
    calendar.add("prodid", "-//Hartis//Activities//EN")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("x-wr-calname", _("Hartis activities"))
    calendar.add("x-wr-timezone", "Europe/Athens")
    for activity in activities:
        calendar.add_component(_event(request, host, activity))
    # One VTIMEZONE for Europe/Athens, with the clock changes of the years the events span.
    now = timezone.now()
    first = min((a.starts_at for a in activities), default=now)
    last = max(
        (a.last_occurs_at or a.starts_at + MAX_RECURRENCE_SPAN for a in activities), default=now
    )
    calendar.add_missing_timezones(_new_year(first), datetime.date(_new_year(last).year + 1, 1, 1))
    return calendar


def _new_year(moment: datetime.datetime) -> datetime.date:
    return datetime.date(moment.astimezone(ATHENS_TZ).year, 1, 1)


def _event(request: HttpRequest, host: str, activity: Activity) -> Event:
    event = Event()
    event.add("uid", f"{activity.pk}@{host}")
    event.add("dtstamp", activity.last_modified.astimezone(datetime.UTC))
    event.add("dtstart", activity.starts_at.astimezone(ATHENS_TZ))
    if activity.ends_at:
        event.add("dtend", activity.ends_at.astimezone(ATHENS_TZ))
    if activity.recurrence:
        event.add("rrule", vRecur.from_ical(activity.recurrence))
    event.add("summary", activity.title)
    url = request.build_absolute_uri(reverse("activity-detail", args=[activity.pk]))
    details = [activity.description, activity.organization.name]
    if activity.online_url:
        details.append(_("Online: %(url)s") % {"url": activity.online_url})
    if activity.registration_url:
        details.append(_("Registration: %(url)s") % {"url": activity.registration_url})
    event.add("description", "\n\n".join(text for text in details if text))
    place = activity.location
    if place is not None:
        parts = [place.name, place.address_1, place.postal_code]
        event.add("location", ", ".join(part for part in parts if part))
    elif activity.online_url:
        event.add("location", activity.online_url)
    event.add("url", url)
    return event
