"""Query parameters of the HSDS API, as the HSDS 3.0 OpenAPI names them; unknown or repeated
parameters and invalid values are refused with a reason (400)."""

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from layers.hsds.filters import ServiceFilters
from mapping.api.params import StrictParams

MAX_PER_PAGE = 1000
DEFAULT_PER_PAGE = 50


class PageParams(StrictParams):
    """``page``, ``per_page`` and ``format``, which every HSDS list takes."""

    page = serializers.IntegerField(
        required=False, min_value=1, max_value=1_000_000, default=1, help_text="From 1."
    )
    per_page = serializers.IntegerField(
        required=False,
        min_value=1,
        max_value=MAX_PER_PAGE,
        default=DEFAULT_PER_PAGE,
        help_text=f"Items per page, 1 to {MAX_PER_PAGE}.",
    )
    format = serializers.ChoiceField(
        choices=["json"],
        required=False,
        default="json",
        help_text="Only json: for everything at once, use the HSDS export (export_hsds).",
    )


class SearchParams(PageParams):
    search = serializers.CharField(
        required=False, allow_blank=True, max_length=200, help_text="Full-text search."
    )


class ServiceFilterParams(SearchParams):
    """The filters ``/services`` and ``/service_at_locations`` share."""

    taxonomy_term_id = serializers.UUIDField(
        required=False,
        help_text="Carrying this term (a theme also covers its subcategories; a district or "
        "neighbourhood term, a place in it).",
    )
    taxonomy_id = serializers.UUIDField(required=False, help_text="Carrying any of its terms.")
    organization_id = serializers.UUIDField(required=False, help_text="Provided by it.")
    modified_after = serializers.DateTimeField(
        required=False,
        help_text="Modified at or after this ISO 8601 time (no offset: Athens local time).",
    )
    full = serializers.BooleanField(required=False, default=False, help_text="Nest in full.")

    def filters(self) -> ServiceFilters:
        data = self.validated_data
        return ServiceFilters(
            search=data.get("search", "").strip(),
            taxonomy_term_id=data.get("taxonomy_term_id"),
            taxonomy_id=data.get("taxonomy_id"),
            organization_id=data.get("organization_id"),
            modified_after=data.get("modified_after"),
        )


class ServiceListParams(ServiceFilterParams):
    """``GET /hsds/services``."""

    minimal = serializers.BooleanField(
        required=False,
        default=False,
        help_text="Only id, name, status and last_modified (name and status: HSDS requires "
        "them of a list item).",
    )

    def validate(self, attrs: dict) -> dict:
        if attrs["minimal"] and attrs["full"]:
            raise serializers.ValidationError(_("Give minimal or full, not both."))
        return attrs


class ServiceAtLocationListParams(ServiceFilterParams):
    """``GET /hsds/service_at_locations``."""

    postcode = serializers.CharField(
        required=False,
        max_length=20,
        help_text="At this postcode; with proximity, near its centre instead.",
    )
    proximity = serializers.FloatField(
        required=False,
        min_value=1,
        max_value=100_000,
        help_text="Metres from the centre of postcode (the centroid of our places there); "
        "nearest first.",
    )

    def validate(self, attrs: dict) -> dict:
        if "proximity" in attrs and not attrs.get("postcode", "").strip():
            raise serializers.ValidationError(
                {"proximity": [_("Proximity is measured from a postcode's centre: give postcode.")]}
            )
        return attrs


class OrganizationListParams(SearchParams):
    """``GET /hsds/organizations``."""

    full = serializers.BooleanField(required=False, default=False, help_text="Nest in full.")
    full_service = serializers.BooleanField(
        required=False, default=False, help_text="Nest in full, with services nested in full."
    )


class OrganizationParams(StrictParams):
    """``GET /hsds/organizations/{id}``."""

    full_service = serializers.BooleanField(
        required=False, default=False, help_text="Nest its services in full."
    )


class TaxonomyTermListParams(SearchParams):
    """``GET /hsds/taxonomy_terms``."""

    taxonomy_id = serializers.UUIDField(required=False, help_text="Terms of this taxonomy.")
    parent_id = serializers.UUIDField(required=False, help_text="Children of this term.")
    top_only = serializers.BooleanField(
        required=False, default=False, help_text="Only terms without a parent."
    )


class NoParams(StrictParams):
    """A read that takes no query parameters: any one given is refused."""
