"""Keep the vector tiles true to the data: a change to what a tile family reads starts a new
generation of that family once the transaction commits (layers.tiles.cache.data_changed).

- ``services`` tiles read services and their names, themes, languages, target groups,
  organisations, hours, places and service areas; bulk imports say so with
  ``directory_imported``.
- ``areas`` tiles read the geography; a reload (``geography_loaded``) also re-runs the
  places' spatial join, which the district and neighbourhood filters of ``services`` read.
- the stored clusters of unfiltered ``services`` tiles (layers.tiles.clusters) read which
  services are active and where their places are: a change counts in the writing
  transaction, and they are rebuilt after commit.
- ``coverage`` tiles need no receiver: their cache key holds the stored run's
  ``computed_at``, which every refresh of the stored coverage changes.
"""

from django.db.models import Model
from django.db.models.signals import m2m_changed, post_delete, post_save, pre_save
from django.dispatch import receiver

from geodata.signals import geography_loaded
from layers.tiles import clusters
from layers.tiles.cache import data_changed
from mapping.models import (
    Language,
    Location,
    Organization,
    Schedule,
    Service,
    ServiceArea,
    ServiceAtLocation,
    ServiceTranslation,
    TaxonomyTerm,
)
from mapping.signals import directory_imported

SERVICE_DATA = (
    Service,
    ServiceTranslation,
    Organization,
    Location,
    ServiceAtLocation,
    Schedule,
    ServiceArea,
    TaxonomyTerm,
    Language,
)


CLUSTER_DATA = (Service, Location, ServiceAtLocation)  # status, places
# What the stored clusters read of an existing row; any other edit leaves them current.
CLUSTER_FIELDS = {Service: "status", Location: "point"}
_CHANGES_CLUSTERS = "_hartis_changes_tile_clusters"


@receiver(pre_save, sender=Service)
@receiver(pre_save, sender=Location)
def note_cluster_change(sender: type, instance: Model, raw: bool = False, **kwargs: object) -> None:
    """Whether this save changes what the stored clusters read: editing a description must
    not rebuild them (seconds for a directory of a million services). One primary-key read."""
    if raw or instance._state.adding:
        setattr(instance, _CHANGES_CLUSTERS, True)
        return
    field = CLUSTER_FIELDS[sender]
    before = sender._default_manager.filter(pk=instance.pk).values_list(field, flat=True)
    setattr(instance, _CHANGES_CLUSTERS, list(before) != [getattr(instance, field)])


def services_row_changed(
    sender: type, instance: Model, raw: bool = False, **kwargs: object
) -> None:
    if raw:  # fixtures being loaded: the loader says when it is done
        return
    if sender in CLUSTER_DATA and getattr(instance, _CHANGES_CLUSTERS, True):
        clusters.directory_changed()
    data_changed("services")


for model in SERVICE_DATA:
    post_save.connect(services_row_changed, sender=model, dispatch_uid=f"tiles-save-{model}")
    post_delete.connect(services_row_changed, sender=model, dispatch_uid=f"tiles-del-{model}")


@receiver(m2m_changed, sender=Service.categories.through)
@receiver(m2m_changed, sender=Service.languages.through)
@receiver(m2m_changed, sender=Service.target_groups.through)
def service_links_changed(sender: type, action: str, **kwargs: object) -> None:
    if action.startswith("post_"):
        data_changed("services")


@receiver(directory_imported)
def services_imported(sender: type, **kwargs: object) -> None:
    clusters.directory_changed()
    data_changed("services")


@receiver(geography_loaded)
def geography_reloaded(sender: type, **kwargs: object) -> None:
    data_changed("areas", "services")
