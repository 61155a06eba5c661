"""Keep the vector tiles true to the data.

Two things follow a change, both once the transaction commits:

- the **tile points** and their stored cluster counts (layers.tiles.points) are re-derived
  for the services the change touched: a service, its place links, its places, its
  organisation, its terms and languages (links, or the terms and languages themselves), the
  services a bulk import names (``directory_imported``; an import that names none counts as
  touching everything), and everything after a geography reload (``geography_loaded``: the
  places' districts and neighbourhoods). layers.tiles.changes turns the notes into service
  ids and refreshes them; hours, translations and service areas are not in the points.
- a new generation of the tile family starts (layers.tiles.cache.data_changed): ``services``
  tiles read services and their names, themes, languages, target groups, organisations, hours,
  places and service areas; ``areas`` tiles read the geography.

``coverage`` tiles need no receiver: their cache key holds the stored run's ``computed_at``,
which every refresh of the stored coverage changes.
"""

from django.db.models.signals import m2m_changed, post_delete, post_save, pre_delete
from django.dispatch import receiver

from geodata.signals import geography_loaded
from layers.tiles.cache import data_changed
from layers.tiles.changes import services_linked, touched
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


def services_row_changed(sender: type, raw: bool = False, **kwargs: object) -> None:
    if not raw:  # fixtures being loaded: the loader says when it is done
        data_changed("services")


for model in SERVICE_DATA:
    post_save.connect(services_row_changed, sender=model, dispatch_uid=f"tiles-save-{model}")
    post_delete.connect(services_row_changed, sender=model, dispatch_uid=f"tiles-del-{model}")


# --------------------------------------------------------------------------------------------
# Tile points: what each change touched


@receiver(post_save, sender=Service)
@receiver(post_delete, sender=Service)
def service_changed(sender: type, instance: Service, raw: bool = False, **kwargs: object) -> None:
    if not raw:
        touched(services=[instance.pk])


@receiver(post_save, sender=ServiceAtLocation)
@receiver(post_delete, sender=ServiceAtLocation)
def service_place_changed(
    sender: type, instance: ServiceAtLocation, raw: bool = False, **kwargs: object
) -> None:
    """A place link: also the delete of a place, or of a service, cascading to its links."""
    if not raw:
        touched(services=[instance.service_id])


@receiver(post_save, sender=Location)
def place_changed(sender: type, instance: Location, raw: bool = False, **kwargs: object) -> None:
    if not raw:  # resolved after commit, when the save has also set its districts
        touched(locations=[instance.pk])


@receiver(post_save, sender=Organization)
def organization_changed(
    sender: type, instance: Organization, raw: bool = False, **kwargs: object
) -> None:
    if not raw:
        touched(organizations=[instance.pk])


@receiver(post_save, sender=TaxonomyTerm)
def term_changed(sender: type, instance: TaxonomyTerm, raw: bool = False, **kwargs: object) -> None:
    if not raw:
        touched(terms=[instance.pk])


@receiver(post_save, sender=Language)
def language_changed(sender: type, instance: Language, raw: bool = False, **kwargs: object) -> None:
    if not raw:
        touched(languages=[instance.pk])


@receiver(pre_delete, sender=TaxonomyTerm)
@receiver(pre_delete, sender=Language)
def vocabulary_deleting(sender: type, instance: object, **kwargs: object) -> None:
    """Its links go with it, without signals: note its services while they are linked."""
    if isinstance(instance, TaxonomyTerm):
        touched(services=services_linked(terms=[instance.pk]))
    else:
        touched(services=services_linked(languages=[instance.pk]))


@receiver(m2m_changed, sender=Service.categories.through)
@receiver(m2m_changed, sender=Service.languages.through)
@receiver(m2m_changed, sender=Service.target_groups.through)
def service_links_changed(
    sender: type,
    instance: object,
    action: str,
    reverse: bool,
    pk_set: set | None,
    **kwargs: object,
) -> None:
    if action in ("post_add", "post_remove"):
        touched(services=pk_set if reverse else [instance.pk])
    elif action == "pre_clear":  # post_clear does not say which links went
        if not reverse:
            touched(services=[instance.pk])
        elif isinstance(instance, TaxonomyTerm):
            touched(services=services_linked(terms=[instance.pk]))
        else:
            touched(services=services_linked(languages=[instance.pk]))
    if action.startswith("post_"):
        data_changed("services")


@receiver(directory_imported)
def services_imported(sender: type, service_ids: object = None, **kwargs: object) -> None:
    """An import names the services it wrote; one that names none may have written any."""
    ids = list(service_ids or [])
    touched(services=ids, everything=not ids)
    data_changed("services")


@receiver(geography_loaded)
def geography_reloaded(sender: type, **kwargs: object) -> None:
    touched(everything=True)  # every place's district and neighbourhood may have changed
    data_changed("areas", "services")
