"""Services (HSDS ``service``) and what hangs off them: required documents and service areas."""

from django.conf import settings
from django.contrib.gis.db import models
from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVectorField
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from geodata.spatial import STORAGE_SRID
from mapping.models.base import HSDSObject, Provenance
from mapping.models.language import Language
from mapping.models.moderation import Moderated
from mapping.models.organization import Organization
from mapping.models.queries import ServiceQuerySet
from mapping.models.taxonomy import TaxonomyTerm


class ServiceStatus(models.TextChoices):
    """HSDS 3.0 ``service.status`` values."""

    ACTIVE = "active", _("Active")
    INACTIVE = "inactive", _("Inactive")
    DEFUNCT = "defunct", _("Defunct")
    TEMPORARILY_CLOSED = "temporarily closed", _("Temporarily closed")


class Service(HSDSObject, Provenance, Moderated):
    """A service an organisation provides. It may have no physical location (phone, online,
    mobile): then it simply has no ServiceAtLocation."""

    organization = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="services"
    )
    name = models.CharField(_("name"), max_length=300)
    alternate_name = models.CharField(_("alternate name"), max_length=300, blank=True)
    description = models.TextField(_("description"), blank=True)
    language = models.CharField(
        _("language of this text"),
        max_length=8,
        choices=settings.LANGUAGES,
        default="el",
        help_text=_("The language the name and descriptions above are written in."),
    )
    url = models.URLField(_("web page"), blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    status = models.CharField(
        _("status"), max_length=20, choices=ServiceStatus.choices, default=ServiceStatus.ACTIVE
    )
    categories = models.ManyToManyField(
        TaxonomyTerm,
        related_name="services",
        blank=True,
        limit_choices_to={"taxonomy__slug": "hartis-themes"},
        verbose_name=_("themes and subcategories"),
    )
    target_groups = models.ManyToManyField(
        TaxonomyTerm,
        related_name="targeted_services",
        blank=True,
        limit_choices_to={"taxonomy__slug": "hartis-target-groups"},
        verbose_name=_("target groups"),
    )
    languages = models.ManyToManyField(
        Language, related_name="services", blank=True, verbose_name=_("languages spoken")
    )
    eligibility_description = models.TextField(_("eligibility"), blank=True)
    minimum_age = models.PositiveSmallIntegerField(_("minimum age (years)"), null=True, blank=True)
    maximum_age = models.PositiveSmallIntegerField(_("maximum age (years)"), null=True, blank=True)
    application_process = models.TextField(_("how to access"), blank=True)
    fees_description = models.TextField(_("fees"), blank=True)
    is_free = models.BooleanField(
        _("free of charge"), null=True, blank=True, help_text=_("Leave empty when unknown.")
    )
    interpretation_services = models.TextField(_("interpretation services"), blank=True)
    alert = models.TextField(
        _("alert"), blank=True, help_text=_("A short notice shown prominently (e.g. closures).")
    )
    assured_date = models.DateField(
        _("last verified"), null=True, blank=True, help_text=_("When the record was last checked.")
    )
    assurer_email = models.EmailField(_("verified by (e-mail)"), blank=True)
    # When the organisation's editors were last asked to confirm a stale record.
    reminded_at = models.DateTimeField(null=True, blank=True, editable=False)
    search_vector = SearchVectorField(null=True, editable=False)

    objects = ServiceQuerySet.as_manager()
    # The search document is derived (rebuilt from the record), so history leaves it out.
    history = HistoricalRecords(
        m2m_fields=[categories, target_groups, languages],
        excluded_fields=["search_vector", "reminded_at"],
    )

    class Meta:
        verbose_name = _("service")
        verbose_name_plural = _("services")
        ordering = ["name"]
        indexes = [
            models.Index(fields=["source", "source_record_id"]),
            GinIndex(fields=["search_vector"], name="service_search_vector_gin"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(minimum_age__isnull=True)
                | Q(maximum_age__isnull=True)
                | Q(minimum_age__lte=models.F("maximum_age")),
                name="service_age_range_ordered",
            ),
            models.CheckConstraint(
                condition=Q(status__in=ServiceStatus.values), name="service_status_known"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if (
            self.minimum_age is not None
            and self.maximum_age is not None
            and self.minimum_age > self.maximum_age
        ):
            raise ValidationError(
                {"maximum_age": _("The maximum age must not be below the minimum age.")}
            )


class RequiredDocument(HSDSObject):
    """A document a person must bring to use the service (HSDS ``required_document``)."""

    service = models.ForeignKey(
        Service, on_delete=models.CASCADE, related_name="required_documents"
    )
    document = models.CharField(_("document"), max_length=300)
    uri = models.URLField(_("link"), blank=True)

    class Meta:
        verbose_name = _("required document")
        verbose_name_plural = _("required documents")
        ordering = ["document"]

    def __str__(self) -> str:
        return self.document


class ServiceArea(HSDSObject):
    """The area a service covers (HSDS ``service_area``); ``extent`` is a MultiPolygon in
    EPSG:4326. Catchments are computed from these in the planning issue."""

    service = models.ForeignKey(Service, on_delete=models.CASCADE, related_name="service_areas")
    name = models.CharField(_("name"), max_length=200, blank=True)
    description = models.TextField(_("description"), blank=True)
    extent = models.MultiPolygonField(_("extent"), srid=STORAGE_SRID, null=True, blank=True)
    extent_type = models.CharField(_("extent type"), max_length=50, blank=True, default="geojson")
    uri = models.URLField(_("link (URI)"), blank=True)

    class Meta:
        verbose_name = _("service area")
        verbose_name_plural = _("service areas")

    def __str__(self) -> str:
        return self.name or str(self.service)
