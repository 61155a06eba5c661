"""Django admin for the directory, with Leaflet map widgets for points and areas."""

from django.contrib import admin
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _
from leaflet.admin import LeafletGeoAdmin, LeafletGeoAdminMixin
from modeltranslation.admin import TranslationAdmin

from geodata.models import District
from mapping.models import (
    Contact,
    Language,
    Location,
    Organization,
    Phone,
    RequiredDocument,
    Schedule,
    Service,
    ServiceArea,
    ServiceAtLocation,
    ServiceTranslation,
    Taxonomy,
    TaxonomyTerm,
)

PROVENANCE_FIELDS = ("source", "source_url", "source_record_id", "source_licence", "is_demo")
PROVENANCE_FIELDSET = (_("Provenance"), {"fields": PROVENANCE_FIELDS, "classes": ["collapse"]})


class ThemeFilter(admin.SimpleListFilter):
    title = _("theme")
    parameter_name = "theme"

    def lookups(self, request, model_admin):
        return [(term.code, term.name) for term in TaxonomyTerm.objects.themes()]

    def queryset(self, request, queryset: QuerySet) -> QuerySet:
        return queryset.in_theme(self.value()) if self.value() else queryset


class DistrictFilter(admin.SimpleListFilter):
    title = _("municipal district")
    parameter_name = "district"

    def lookups(self, request, model_admin):
        return [
            (str(d.number), str(d))
            for d in District.objects.filter(municipality__slug="athens").defer("geom")
        ]

    def queryset(self, request, queryset: QuerySet) -> QuerySet:
        return queryset.in_district(int(self.value())) if self.value() else queryset


class ServiceAtLocationInline(admin.TabularInline):
    model = ServiceAtLocation
    extra = 0
    autocomplete_fields = ["location"]


class ScheduleInline(admin.TabularInline):
    model = Schedule
    fk_name = "service"
    extra = 0
    fields = ["weekday", "opens_at", "closes_at", "valid_from", "valid_to", "description"]


class PhoneInline(admin.TabularInline):
    model = Phone
    fk_name = "service"
    extra = 0
    fields = ["number", "extension", "type", "description"]


class RequiredDocumentInline(admin.TabularInline):
    model = RequiredDocument
    extra = 0


class ServiceTranslationInline(admin.StackedInline):
    model = ServiceTranslation
    extra = 0
    verbose_name_plural = _("translations of the text above")


class ServiceAreaInline(LeafletGeoAdminMixin, admin.StackedInline):
    model = ServiceArea
    extra = 0


@admin.register(Service)
class ServiceAdmin(admin.ModelAdmin):
    list_display = ["name", "organization", "status", "is_free", "assured_date", "is_demo"]
    list_filter = [
        ThemeFilter,
        DistrictFilter,
        "organization__organization_type",
        "status",
        "is_demo",
    ]
    list_select_related = ["organization"]
    search_fields = ["name", "alternate_name", "description", "organization__name"]
    autocomplete_fields = ["organization"]
    filter_horizontal = ["categories", "target_groups", "languages"]
    inlines = [
        ServiceTranslationInline,
        ServiceAtLocationInline,
        ScheduleInline,
        PhoneInline,
        RequiredDocumentInline,
        ServiceAreaInline,
    ]
    fieldsets = [
        (
            None,
            {
                "fields": [
                    "organization",
                    "name",
                    "alternate_name",
                    "description",
                    "language",
                    "status",
                    "alert",
                ]
            },
        ),
        (_("Who and what"), {"fields": ["categories", "target_groups", "languages"]}),
        (
            _("Access"),
            {
                "fields": [
                    "eligibility_description",
                    ("minimum_age", "maximum_age"),
                    "application_process",
                    ("is_free", "fees_description"),
                    "interpretation_services",
                    "url",
                    "email",
                ]
            },
        ),
        (_("Verification"), {"fields": ["assured_date", "assurer_email"]}),
        PROVENANCE_FIELDSET,
    ]


@admin.register(Organization)
class OrganizationAdmin(admin.ModelAdmin):
    list_display = ["name", "organization_type", "website", "is_demo"]
    list_filter = ["organization_type", "is_demo"]
    search_fields = ["name", "alternate_name", "description"]
    fieldsets = [
        (
            None,
            {
                "fields": [
                    "name",
                    "alternate_name",
                    "organization_type",
                    "description",
                    "website",
                    "email",
                    "logo",
                ]
            },
        ),
        PROVENANCE_FIELDSET,
    ]


class LocationServiceInline(admin.TabularInline):
    model = ServiceAtLocation
    extra = 0
    autocomplete_fields = ["service"]
    verbose_name_plural = _("services at this location")


@admin.register(Location)
class LocationAdmin(LeafletGeoAdmin):
    list_display = ["__str__", "address_1", "district", "neighbourhood", "is_demo"]
    list_filter = ["location_type", "district", "is_demo"]
    list_select_related = ["district", "neighbourhood"]
    search_fields = ["name", "address_1", "postal_code"]
    autocomplete_fields = ["organization"]
    readonly_fields = ["municipality", "district", "neighbourhood"]
    inlines = [LocationServiceInline]
    fieldsets = [
        (
            None,
            {"fields": ["organization", "location_type", "name", "alternate_name", "description"]},
        ),
        (_("Position"), {"fields": ["point", ("municipality", "district", "neighbourhood")]}),
        (
            _("Address and access"),
            {
                "fields": [
                    "address_1",
                    "address_2",
                    ("postal_code", "city"),
                    ("region", "country"),
                    "accessibility",
                    "transportation",
                ]
            },
        ),
        PROVENANCE_FIELDSET,
    ]


@admin.register(Taxonomy)
class TaxonomyAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "version"]


@admin.register(TaxonomyTerm)
class TaxonomyTermAdmin(TranslationAdmin):
    list_display = ["name", "code", "parent", "taxonomy"]
    list_filter = ["taxonomy"]
    list_select_related = ["parent", "taxonomy"]
    search_fields = ["code", "name"]


@admin.register(Language)
class LanguageAdmin(TranslationAdmin):
    list_display = ["code", "name", "native_name", "is_rtl"]
    search_fields = ["code", "name", "native_name"]


@admin.register(Contact)
class ContactAdmin(admin.ModelAdmin):
    list_display = ["__str__", "organization", "service", "email"]
    search_fields = ["name", "department", "email"]
    raw_id_fields = ["organization", "service", "service_at_location", "location"]


@admin.register(Phone)
class PhoneAdmin(admin.ModelAdmin):
    list_display = ["number", "type", "organization", "service"]
    search_fields = ["number"]
    raw_id_fields = ["organization", "service", "service_at_location", "location", "contact"]


@admin.register(Schedule)
class ScheduleAdmin(admin.ModelAdmin):
    list_display = ["__str__", "service", "service_at_location"]
    list_filter = ["weekday"]
    raw_id_fields = ["service", "service_at_location"]
