"""How a service's edit is written: the *changes* dict of the members' service form, kept as
is in a pending revision until a moderator approves it.

Keys (all optional; a missing key leaves that part alone):

- ``fields``: the service's own columns by name (``name``, ``description``, ``is_free``…);
- ``categories``, ``target_groups``: taxonomy term codes; ``languages``: ISO 639 codes;
- ``place``: the service's main place — ``{"name", "address_1", "postal_code", "point":
  [lon, lat]}`` in EPSG:4326 — or None for a service without a place;
- ``hours``: weekly opening hours of the service, ``[[weekday 1–7, "HH:MM", "HH:MM"], …]``
  in Europe/Athens local time (a closing time before the opening runs past midnight);
- ``catchment``: the area it serves as a GeoJSON (Multi)Polygon in EPSG:4326, or None;
- ``translations``: ``{language: {"name", "description", …}}`` of the interface languages.
"""

import datetime
import json
from typing import Any

from django.contrib.gis.geos import GEOSGeometry, MultiPolygon, Point

from geodata.spatial import STORAGE_SRID
from mapping.actions.publishing import Changes, register_editor
from mapping.models import (
    TRANSLATED_FIELDS,
    Language,
    Location,
    LocationType,
    Schedule,
    Service,
    ServiceArea,
    ServiceAtLocation,
    ServiceTranslation,
    TaxonomyTerm,
)

# The service's own columns a member may edit (provenance, status of moderation and the
# verification date are the centre's).
EDITABLE_FIELDS = (
    "name",
    "alternate_name",
    "description",
    "language",
    "url",
    "email",
    "status",
    "eligibility_description",
    "minimum_age",
    "maximum_age",
    "application_process",
    "fees_description",
    "is_free",
    "interpretation_services",
    "alert",
)
PLACE_FIELDS = ("name", "address_1", "postal_code")
CATCHMENT_NAME = "catchment"


def _time(text: str) -> datetime.time:
    return datetime.time.fromisoformat(text)


class ServiceEditor:
    """Reads and writes a service's changes dict (see the module docstring)."""

    def snapshot(self, service: Service) -> Changes:
        place = self._main_place(service)
        area = service.service_areas.filter(name=CATCHMENT_NAME).first()
        return {
            "fields": {name: getattr(service, name) for name in EDITABLE_FIELDS},
            "categories": sorted(service.categories.values_list("code", flat=True)),
            "target_groups": sorted(service.target_groups.values_list("code", flat=True)),
            "languages": sorted(service.languages.values_list("code", flat=True)),
            "place": None
            if place is None
            else {
                **{name: getattr(place, name) for name in PLACE_FIELDS},
                "point": None if place.point is None else list(place.point.coords),
            },
            "hours": [
                [s.weekday, s.opens_at.strftime("%H:%M"), s.closes_at.strftime("%H:%M")]
                for s in service.schedules.filter(valid_to__isnull=True)
            ],
            "catchment": None
            if area is None or area.extent is None
            else json.loads(area.extent.geojson),
            "translations": {
                t.language: {name: getattr(t, name) for name in TRANSLATED_FIELDS}
                for t in service.translations.all()
            },
        }

    def apply(self, service: Service, changes: Changes) -> None:
        for name, value in changes.get("fields", {}).items():
            if name in EDITABLE_FIELDS:
                setattr(service, name, value)
        service.full_clean(exclude=["organization", "search_vector"])
        service.save()
        terms = TaxonomyTerm.objects
        if "categories" in changes:
            service.categories.set(terms.categories().filter(code__in=changes["categories"]))
        if "target_groups" in changes:
            chosen = terms.target_groups().filter(code__in=changes["target_groups"])
            service.target_groups.set(chosen)
        if "languages" in changes:
            service.languages.set(Language.objects.filter(code__in=changes["languages"]))
        if "place" in changes:
            self._write_place(service, changes["place"])
        if "hours" in changes:
            self._write_hours(service, changes["hours"])
        if "catchment" in changes:
            self._write_catchment(service, changes["catchment"])
        if "translations" in changes:
            self._write_translations(service, changes["translations"])

    @staticmethod
    def _main_place(service: Service) -> Location | None:
        link = service.service_at_locations.select_related("location").order_by("created_at")
        first = link.first()
        return None if first is None else first.location

    def _write_place(self, service: Service, place: dict[str, Any] | None) -> None:
        current = self._main_place(service)
        if place is None:
            if current is not None:
                ServiceAtLocation.objects.filter(service=service, location=current).delete()
            return
        location = current or Location(
            organization=service.organization, location_type=LocationType.PHYSICAL
        )
        for name in PLACE_FIELDS:
            setattr(location, name, place.get(name, "") or "")
        lon_lat = place.get("point")
        location.point = None if lon_lat is None else Point(*lon_lat, srid=STORAGE_SRID)
        location.full_clean(exclude=["organization"])
        location.save()
        ServiceAtLocation.objects.get_or_create(service=service, location=location)

    @staticmethod
    def _write_hours(service: Service, hours: list[list[Any]]) -> None:
        service.schedules.all().delete()
        for weekday, opens, closes in hours:
            schedule = Schedule(
                service=service, weekday=weekday, opens_at=_time(opens), closes_at=_time(closes)
            )
            schedule.full_clean()
            schedule.save()

    @staticmethod
    def _write_catchment(service: Service, geometry: dict[str, Any] | None) -> None:
        service.service_areas.filter(name=CATCHMENT_NAME).delete()
        if geometry is None:
            return
        shape = GEOSGeometry(json.dumps(geometry), srid=STORAGE_SRID)
        if shape.geom_type == "Polygon":
            shape = MultiPolygon(shape, srid=STORAGE_SRID)
        ServiceArea.objects.create(service=service, name=CATCHMENT_NAME, extent=shape)

    @staticmethod
    def _write_translations(service: Service, translations: dict[str, dict[str, str]]) -> None:
        for language, texts in translations.items():
            values = {name: texts.get(name, "") or "" for name in TRANSLATED_FIELDS}
            if any(values.values()):
                ServiceTranslation.objects.update_or_create(
                    service=service, language=language, defaults=values
                )
            else:
                service.translations.filter(language=language).delete()


register_editor(Service, ServiceEditor())
