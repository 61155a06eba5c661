"""Django admin for the directory, with Leaflet map widgets for points and areas."""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from leaflet.admin import LeafletGeoAdmin, LeafletGeoAdminMixin
from modeltranslation.admin import TranslationAdmin

from geodata.models import District
from mapping.actions import members as member_actions
from mapping.actions.hsds_import import InvalidHSDSPackage, import_hsds_package
from mapping.importers.hsds import read_hsds_stream
from mapping.models import (
    Contact,
    Invitation,
    Language,
    Location,
    Membership,
    MembershipStatus,
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


HSDS_UPLOAD_MAX_MB = 20


class HSDSUploadForm(forms.Form):
    file = forms.FileField(
        label=_("HSDS file"), widget=forms.ClearableFileInput(attrs={"accept": ".zip,.json"})
    )
    skip_invalid = forms.BooleanField(
        label=_("Skip invalid records"),
        required=False,
        help_text=_(
            "Import the valid records and list the invalid ones (and the records that depend "
            "on them). Unticked, nothing is imported while any record has a problem."
        ),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Formatted per request, in the editor's language (a lazy string formatted at import
        # time would be frozen in one language).
        self.fields["file"].help_text = _(
            "A .zip of an HSDS 3.0 data package (datapackage.json and CSV files) or an HSDS "
            ".json file (one service, a list of services or an API page), at most %(mb)s MB."
        ) % {"mb": HSDS_UPLOAD_MAX_MB}

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if not upload.name.lower().endswith((".zip", ".json")):
            raise ValidationError(_("Upload a .zip data package or a .json file."))
        if upload.size > HSDS_UPLOAD_MAX_MB * 1024 * 1024:
            raise ValidationError(
                _("The file is larger than %(mb)s MB.") % {"mb": HSDS_UPLOAD_MAX_MB}
            )
        return upload


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

    def get_urls(self):
        upload = path(
            "import-hsds/",
            self.admin_site.admin_view(self.import_hsds_view),
            name="mapping_service_import_hsds",
        )
        return [upload, *super().get_urls()]

    def import_hsds_view(self, request: HttpRequest) -> HttpResponse:
        """Upload an HSDS package or JSON file: the same read and action as `import_hsds`."""
        if not (self.has_add_permission(request) and self.has_change_permission(request)):
            raise PermissionDenied
        form = HSDSUploadForm(request.POST or None, request.FILES or None)
        context = {"problems": [], "skipped": [], "notes": []}
        if request.method == "POST" and form.is_valid():
            upload = form.cleaned_data["file"]
            package = read_hsds_stream(upload.name, upload)
            context["notes"] = package.notes
            try:
                summary = import_hsds_package(
                    package=package, skip_invalid=form.cleaned_data["skip_invalid"]
                )
            except InvalidHSDSPackage as exc:
                context["problems"] = exc.problems
            else:
                lines = summary.lines() or [_("Nothing to import.")]
                self.message_user(request, "; ".join(lines), messages.SUCCESS)
                for note in summary.notes:
                    self.message_user(request, note, messages.INFO)
                if not summary.skipped:
                    return redirect(reverse("admin:mapping_service_changelist"))
                context["skipped"] = summary.skipped
        return TemplateResponse(
            request,
            "admin/mapping/service/import_hsds.html",
            {
                **self.admin_site.each_context(request),
                **context,
                "opts": self.opts,
                "title": _("Import HSDS data"),
                "form": form,
            },
        )


@admin.register(Organization)
class OrganizationAdmin(admin.ModelAdmin):
    list_display = ["name", "organization_type", "membership_status", "website", "is_demo"]
    list_filter = ["membership_status", "organization_type", "is_demo"]
    search_fields = ["name", "alternate_name", "description"]
    actions = ["approve_applications"]

    @admin.action(description=_("Approve the selected membership applications"))
    def approve_applications(self, request: HttpRequest, queryset: QuerySet) -> None:
        """The members' action, so the admins are e-mailed as from the applications page."""
        site_url = request.build_absolute_uri("/").rstrip("/")
        approved = 0
        for organization in queryset.filter(membership_status=MembershipStatus.PENDING):
            member_actions.decide_application(
                by=request.user, organization=organization, approve=True, site_url=site_url
            )
            approved += 1
        message = ngettext(
            "%(count)s application approved.", "%(count)s applications approved.", approved
        )
        self.message_user(request, message % {"count": approved}, messages.SUCCESS)

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


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "organization", "role", "created_at"]
    list_filter = ["role"]
    list_select_related = ["user", "organization"]
    search_fields = ["user__email", "organization__name"]
    raw_id_fields = ["user", "organization"]


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin):
    list_display = ["email", "organization", "role", "expires_at", "accepted_at"]
    list_select_related = ["organization"]
    search_fields = ["email", "organization__name"]
    raw_id_fields = ["organization", "invited_by"]
    readonly_fields = ["accepted_at"]


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
