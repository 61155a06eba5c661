"""What the directory does when data it depends on changes.

The search document of a service reads its organisation, places and terms, so a change to
any of them rebuilds the affected services' documents — one set-based UPDATE each time, in
the same transaction, whichever entry point (admin, import, shell) made the change.
"""

from django.apps import AppConfig
from django.contrib.auth.models import Group, Permission
from django.db.models.signals import m2m_changed, post_delete, post_migrate, post_save
from django.dispatch import receiver

from geodata.models import Municipality
from geodata.signals import geography_loaded
from mapping.models import (
    MODERATORS_GROUP,
    Language,
    Location,
    Organization,
    Service,
    ServiceAtLocation,
    ServiceTranslation,
    TaxonomyTerm,
)
from mapping.vocabulary import forget_known_codes


@receiver(post_save, sender=TaxonomyTerm)
@receiver(post_delete, sender=TaxonomyTerm)
@receiver(post_save, sender=Language)
@receiver(post_delete, sender=Language)
def vocabulary_changed(sender: type, **kwargs: object) -> None:
    forget_known_codes()


@receiver(geography_loaded)
def reassign_location_areas(sender: type, municipality: Municipality, **kwargs: object) -> None:
    """Boundaries were reloaded: re-run the spatial join for every located place (one UPDATE),
    then the search documents, which hold neighbourhood and district names."""
    forget_known_codes(municipality.slug)
    Location.objects.filter(point__isnull=False).assign_areas()
    Service.objects.filter(service_at_locations__isnull=False).refresh_search_document()


@receiver(post_save, sender=Service)
def service_saved(sender: type, instance: Service, raw: bool = False, **kwargs: object) -> None:
    if not raw:
        Service.objects.filter(pk=instance.pk).refresh_search_document()


@receiver(post_save, sender=Organization)
def organization_saved(
    sender: type, instance: Organization, raw: bool = False, **kwargs: object
) -> None:
    if not raw:
        Service.objects.filter(organization=instance).refresh_search_document()


@receiver(post_save, sender=Location)
def location_saved(sender: type, instance: Location, raw: bool = False, **kwargs: object) -> None:
    if not raw:
        Service.objects.filter(service_at_locations__location=instance).refresh_search_document()


@receiver(post_save, sender=ServiceAtLocation)
@receiver(post_delete, sender=ServiceAtLocation)
@receiver(post_save, sender=ServiceTranslation)
@receiver(post_delete, sender=ServiceTranslation)
def service_part_changed(
    sender: type,
    instance: ServiceAtLocation | ServiceTranslation,
    raw: bool = False,
    **kwargs: object,
) -> None:
    if not raw:
        Service.objects.filter(pk=instance.service_id).refresh_search_document()


@receiver(m2m_changed, sender=Service.categories.through)
@receiver(m2m_changed, sender=Service.target_groups.through)
def service_terms_changed(
    sender: type, instance: object, action: str, reverse: bool, pk_set: set | None, **kwargs: object
) -> None:
    if not action.startswith("post_"):
        return
    if reverse:  # a term gained or lost services
        services = Service.objects.filter(pk__in=pk_set or ())
    else:
        services = Service.objects.filter(pk=instance.pk)
    services.refresh_search_document()


@receiver(post_migrate)
def fill_missing_search_documents(sender: AppConfig, **kwargs: object) -> None:
    """Rows written before the search document existed get one after ``migrate``."""
    if sender.name == "mapping":
        Service.objects.filter(search_vector__isnull=True).refresh_search_document()


@receiver(post_migrate)
def ensure_moderators_group(sender: AppConfig, **kwargs: object) -> None:
    """The centre moderators' group, with every permission on the directory's records (they
    may also use the admin). Idempotent; runs after Django has created the permissions."""
    if sender.name != "mapping":
        return
    group, _created = Group.objects.get_or_create(name=MODERATORS_GROUP)
    group.permissions.add(*Permission.objects.filter(content_type__app_label="mapping"))
