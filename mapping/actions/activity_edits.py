"""How an activity's edit is written: the *changes* dict of the members' activity form, kept
as is in a pending revision until a moderator approves it.

Keys (all optional when editing; a missing key leaves that part alone):

- ``fields``: the activity's own columns — ``title``, ``description``, ``language`` (of the
  text), ``theme`` (a top-level theme code), ``starts_at`` and ``ends_at`` (ISO 8601 with
  an offset, shown in Europe/Athens; ``ends_at`` may be None), ``recurrence`` (an iCalendar
  ``RRULE`` value such as ``FREQ=WEEKLY;BYDAY=TU;UNTIL=20260630T205959Z``, or "" for once),
  ``online_url``, ``registration_url``, ``capacity`` (a number of places or None);
- ``languages``: ISO 639 codes it is held in; ``audience``: target-group codes;
- ``place``: None (online only); ``{"location": "<uuid>"}``, one of the organisation's places;
  or a new place ``{"name", "address_1", "postal_code", "point": [lon, lat]}`` in EPSG:4326.
  The snapshot gives the place's id *and* its values, so a reviewer reads them; when
  ``location`` is given the other keys are ignored.

``last_occurs_at`` is derived here on every write (see mapping.models.activity.last_end).
"""

import datetime
from typing import Any

from django.contrib.gis.geos import Point
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from geodata.spatial import STORAGE_SRID
from mapping.actions.publishing import Changes, register_editor
from mapping.models import Activity, Language, Location, LocationType, TaxonomyTerm
from mapping.models.activity import ATHENS_TZ, last_end

# The activity's own columns a member may edit (theme and times are converted below).
EDITABLE_FIELDS = (
    "title",
    "description",
    "language",
    "theme",
    "starts_at",
    "ends_at",
    "recurrence",
    "online_url",
    "registration_url",
    "capacity",
)
PLACE_FIELDS = ("name", "address_1", "postal_code")


def _moment(name: str, text: str | None) -> datetime.datetime | None:
    """An ISO 8601 text as an aware datetime (a time without offset is Athens time)."""
    if text in (None, ""):
        return None
    try:
        moment = datetime.datetime.fromisoformat(text)
    except (TypeError, ValueError):
        message = _("Not a date and time: %(value)s") % {"value": text}
        raise ValidationError({name: message}) from None
    return moment.replace(tzinfo=ATHENS_TZ) if moment.tzinfo is None else moment


def _iso(moment: datetime.datetime | None) -> str | None:
    return None if moment is None else moment.astimezone(ATHENS_TZ).isoformat()


def _write_fields(activity: Activity, fields: dict[str, Any]) -> None:
    for name, value in fields.items():
        if name not in EDITABLE_FIELDS:
            continue
        if name == "theme":
            theme = TaxonomyTerm.objects.themes().filter(code=value).first()
            if theme is None:
                raise ValidationError({"theme": _("Unknown theme: %(code)s") % {"code": value}})
            activity.theme = theme
        elif name in ("starts_at", "ends_at"):
            setattr(activity, name, _moment(name, value))
        else:
            setattr(activity, name, "" if value is None and name != "capacity" else value)
    if activity.starts_at and activity.ends_at and activity.ends_at < activity.starts_at:
        raise ValidationError({"ends_at": _("The activity cannot end before it starts.")})


class ActivityEditor:
    """Reads and writes an activity's changes dict (see the module docstring)."""

    def snapshot(self, activity: Activity) -> Changes:
        place = activity.location
        return {
            "fields": {
                "title": activity.title,
                "description": activity.description,
                "language": activity.language,
                "theme": activity.theme.code,
                "starts_at": _iso(activity.starts_at),
                "ends_at": _iso(activity.ends_at),
                "recurrence": activity.recurrence,
                "online_url": activity.online_url,
                "registration_url": activity.registration_url,
                "capacity": activity.capacity,
            },
            "languages": sorted(activity.languages.values_list("code", flat=True)),
            "audience": sorted(activity.audience.values_list("code", flat=True)),
            "place": None
            if place is None
            else {
                "location": str(place.pk),
                **{name: getattr(place, name) for name in PLACE_FIELDS},
                "point": None if place.point is None else list(place.point.coords),
            },
        }

    def apply(self, activity: Activity, changes: Changes) -> None:
        _write_fields(activity, changes.get("fields", {}))
        if "place" in changes:
            activity.location = self._place(activity, changes["place"])
        activity.last_occurs_at = last_end(
            activity.starts_at, activity.ends_at, activity.recurrence
        )
        activity.full_clean(exclude=["organization"])
        activity.save()
        if "languages" in changes:
            activity.languages.set(Language.objects.filter(code__in=changes["languages"]))
        if "audience" in changes:
            chosen = TaxonomyTerm.objects.target_groups().filter(code__in=changes["audience"])
            activity.audience.set(chosen)

    @staticmethod
    def _place(activity: Activity, place: dict[str, Any] | None) -> Location | None:
        if place is None:
            return None
        own_places = Location.objects.filter(organization=activity.organization)
        if place.get("location"):
            try:
                return own_places.get(pk=place["location"])
            except (Location.DoesNotExist, ValidationError):
                raise ValidationError(
                    {"location": _("Choose one of your organisation's places.")}
                ) from None
        lon_lat = place.get("point")
        values = {name: place.get(name, "") or "" for name in PLACE_FIELDS}
        point = None if lon_lat is None else Point(*lon_lat, srid=STORAGE_SRID)
        current = activity.location
        if (
            current is not None
            and current.point == point
            and all(getattr(current, name) == value for name, value in values.items())
        ):
            return current  # the same new place sent again: no duplicate
        location = Location(
            organization=activity.organization,
            location_type=LocationType.PHYSICAL,
            point=point,
            **values,
        )
        location.full_clean(exclude=["organization"])
        location.save()
        return location


register_editor(Activity, ActivityEditor())
