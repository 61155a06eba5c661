"""Keep the stored coverage of the default scenarios true to the directory, and keep the
planners group.

Any change to what coverage reads (services, their places, terms, languages, hours, drawn
areas) marks it stale; once the transaction commits, one refresh runs, however many rows
the transaction changed (an import is one refresh, not thousands).
"""

from django.apps import AppConfig
from django.contrib.auth.models import Group, Permission
from django.db import connection, transaction
from django.db.models.signals import m2m_changed, post_delete, post_migrate, post_save
from django.dispatch import receiver

from geodata.models import Municipality
from geodata.signals import geography_loaded
from layers.coverage import DEFAULT_MINUTES, refresh_stored, refresh_tract_shares
from layers.models import NetworkCatchment
from layers.streets import refresh_network_catchments, street_network_loaded
from mapping.models import Location, Schedule, Service, ServiceArea, ServiceAtLocation
from mapping.signals import directory_imported


def _refresh_if_stale() -> None:
    # Several changes register several callbacks: the first one refreshes, the others find
    # nothing stale. A rolled-back transaction leaves the mark; the next commit clears it.
    if not getattr(connection, "hartis_coverage_stale", False):
        return
    connection.hartis_coverage_stale = False
    if street_network_loaded():  # new or moved places walk the network first
        for minutes in DEFAULT_MINUTES:
            places = Location.objects.filter(point__isnull=False)
            refresh_network_catchments(
                [minutes], locations=places.exclude(network_catchments__minutes=minutes)
            )
    for city in Municipality.objects.values_list("slug", flat=True):
        refresh_stored(city)


def coverage_is_stale() -> None:
    """Mark the stored coverage stale and refresh it after the current transaction commits
    (at once outside a transaction). A failed refresh is logged, never undoes the change."""
    connection.hartis_coverage_stale = True
    transaction.on_commit(_refresh_if_stale, robust=True)


@receiver(post_save, sender=Service)
@receiver(post_delete, sender=Service)
@receiver(post_save, sender=Location)
@receiver(post_delete, sender=Location)
@receiver(post_save, sender=ServiceAtLocation)
@receiver(post_delete, sender=ServiceAtLocation)
@receiver(post_save, sender=ServiceArea)
@receiver(post_delete, sender=ServiceArea)
@receiver(post_save, sender=Schedule)
@receiver(post_delete, sender=Schedule)
def directory_row_changed(sender: type, raw: bool = False, **kwargs: object) -> None:
    if not raw:
        coverage_is_stale()


@receiver(post_save, sender=Location)
def place_saved(sender: type, instance: Location, raw: bool = False, **kwargs: object) -> None:
    """A place that moved walks from its new spot: its isochrones are dropped here and made
    again after commit (see _refresh_if_stale)."""
    if not raw:
        NetworkCatchment.objects.filter(location=instance).delete()


@receiver(m2m_changed, sender=Service.categories.through)
@receiver(m2m_changed, sender=Service.languages.through)
@receiver(m2m_changed, sender=Service.target_groups.through)
def service_terms_changed(sender: type, action: str, **kwargs: object) -> None:
    if action.startswith("post_"):
        coverage_is_stale()


@receiver(directory_imported)
def directory_imported_in_bulk(sender: type, **kwargs: object) -> None:
    coverage_is_stale()


@receiver(geography_loaded)
def geography_reloaded(sender: type, municipality: Municipality, **kwargs: object) -> None:
    """New boundaries or tracts: new tract shares, then fresh coverage."""
    refresh_tract_shares(municipality)
    coverage_is_stale()


PLANNERS_GROUP = "Planners"


@receiver(post_migrate)
def ensure_planners_group(sender: AppConfig, **kwargs: object) -> None:
    """A "Planners" group holding the permission to see tract-level and migrant figures, so
    an administrator only has to add people to it."""
    if sender.name != "layers":
        return
    permission = Permission.objects.filter(
        codename="view_detailed_coverage", content_type__app_label="layers"
    ).first()
    if permission is not None:  # created by auth's post_migrate, which runs first
        Group.objects.get_or_create(name=PLANNERS_GROUP)[0].permissions.add(permission)
