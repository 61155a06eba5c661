"""Django admin for the directory, with Leaflet map widgets for points and areas."""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from leaflet.admin import LeafletGeoAdminMixin
from modeltranslation.admin import TranslationAdmin
from simple_history.admin import SimpleHistoryAdmin

from geodata.models import District
from mapping import access
from mapping.actions import members as member_actions
from mapping.actions.hsds_import import InvalidHSDSPackage, import_hsds_package
from mapping.importers.hsds import read_hsds_stream
from mapping.models import (
    Activity,
    Contact,
    Invitation,
    Language,
    Location,
    Membership,
    MembershipStatus,
    OpenCall,
    Organization,
    Phone,
    ProblemReport,
    Publication,
    RequiredDocument,
    Schedule,
    Service,
    ServiceArea,
    ServiceAtLocation,
    ServiceSuggestion,
    ServiceTranslation,
    Taxonomy,
    TaxonomyTerm,
)

PROVENANCE_FIELDS = ("source", "source_url", "source_record_id", "source_licence", "is_demo")
PROVENANCE_FIELDSET = (_("Provenance"), {"fields": PROVENANCE_FIELDS, "classes": ["collapse"]})


class OrganizationRows:
    """The row-level rules of mapping.access in the admin. Staff who are not centre
    moderators see, change and delete only their organisations' rows (others are "not
    found", as if missing); moderators and site admins see every row.

    A published moderated record (service, activity) changes through the members' pages,
    where an edit waits as a pending revision for the moderators: in the admin it is
    read-only to the organisation's staff, or the admin would be a way round the review.
    Putting back an old version is :func:`mapping.actions.publishing.restore` on the record's
    history page (it keeps the publication state and the version count), so the history
    admin only reads."""

    # The path from a row to its organisation's id; None: rows of no organisation, which
    # only moderators see.
    organization_field: str | None = "organization_id"

    def owner(self, obj: object) -> Organization | None:
        return access.owner_of(obj)

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        queryset = super().get_queryset(request)
        if access.is_moderator(request.user):
            return queryset
        if self.organization_field is None:
            return queryset.none()
        rule = access.editable_by_q(request.user, organization_field=self.organization_field)
        return queryset.filter(rule)

    def get_object(self, request: HttpRequest, object_id: str, from_field: str | None = None):
        obj = super().get_object(request, object_id, from_field)
        if obj is None:
            # Django would redirect to the index saying the row does not exist; a 404 says
            # the same without a page that differs for rows of other organisations.
            raise Http404(_("No such record."))
        return obj

    def _sees(self, request: HttpRequest, obj: object | None) -> bool:
        if obj is None or access.is_moderator(request.user):
            return True
        if self.organization_field is None:
            return False
        return access.can_edit_for(request.user, self.owner(obj))

    def _changes(self, request: HttpRequest, obj: object | None) -> bool:
        if obj is None or access.is_moderator(request.user):
            return True
        published = getattr(obj, "publication", None) == Publication.PUBLISHED
        return self._sees(request, obj) and not published

    def has_view_permission(self, request: HttpRequest, obj: object | None = None) -> bool:
        return super().has_view_permission(request, obj) and self._sees(request, obj)

    def has_change_permission(self, request: HttpRequest, obj: object | None = None) -> bool:
        return super().has_change_permission(request, obj) and self._changes(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: object | None = None) -> bool:
        return super().has_delete_permission(request, obj) and self._changes(request, obj)

    def formfield_for_foreignkey(self, db_field, request: HttpRequest, **kwargs):
        if db_field.name == "organization" and not access.is_moderator(request.user):
            kwargs["queryset"] = access.organizations_of(request.user)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def save_model(self, request: HttpRequest, obj, form, change: bool) -> None:
        if change and hasattr(obj, "version"):
            # A save here is a new version too, so a member's form opened before it is
            # refused rather than silently overwriting it (optimistic locking).
            obj.version = (obj.version or 0) + 1
        super().save_model(request, obj, form, change)

    # simple-history: the list and each old version are readable; reverting is not offered.
    def revert_disabled(self, request: HttpRequest, obj: object | None = None) -> bool:
        return True

    def history_form_view(self, request: HttpRequest, object_id, version_id, extra_context=None):
        if request.method == "POST":
            raise PermissionDenied
        return super().history_form_view(request, object_id, version_id, extra_context)


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
class ServiceAdmin(OrganizationRows, SimpleHistoryAdmin):
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
class OrganizationAdmin(OrganizationRows, SimpleHistoryAdmin):
    organization_field = "pk"  # an organisation's staff keep its own row
    list_display = ["name", "organization_type", "membership_status", "website", "is_demo"]
    list_filter = ["membership_status", "organization_type", "is_demo"]
    search_fields = ["name", "alternate_name", "description"]
    actions = ["approve_applications"]

    @admin.action(description=_("Approve the selected membership applications"))
    def approve_applications(self, request: HttpRequest, queryset: QuerySet) -> None:
        """The members' action, so the admins are e-mailed as from the applications page."""
        approved = 0
        for organization in queryset.filter(membership_status=MembershipStatus.PENDING):
            member_actions.decide_application(
                by=request.user, organization=organization, approve=True
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
class LocationAdmin(OrganizationRows, LeafletGeoAdminMixin, SimpleHistoryAdmin):
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


@admin.register(Activity)
class ActivityAdmin(OrganizationRows, SimpleHistoryAdmin):
    list_display = ["title", "organization", "starts_at", "publication", "is_demo"]
    list_filter = ["publication", "is_demo"]
    list_select_related = ["organization"]
    search_fields = ["title", "description", "organization__name"]
    autocomplete_fields = ["organization", "location"]
    filter_horizontal = ["languages", "audience"]
    readonly_fields = ["publication", "moderation_comment"]  # decided on the review page


@admin.register(OpenCall)
class OpenCallAdmin(OrganizationRows, SimpleHistoryAdmin):
    list_display = ["title", "organization", "kind", "category", "expires_on", "closed_at"]
    list_filter = ["kind", "category"]
    list_select_related = ["organization"]
    search_fields = ["title", "description", "organization__name"]
    autocomplete_fields = ["organization"]
    raw_id_fields = ["created_by"]


@admin.register(ProblemReport)
class ProblemReportAdmin(OrganizationRows, admin.ModelAdmin):
    organization_field = "service__organization_id"
    list_display = ["service", "kind", "status", "created_at"]
    list_filter = ["status", "kind"]
    list_select_related = ["service"]
    raw_id_fields = ["service", "handled_by"]

    def owner(self, obj: ProblemReport) -> Organization:
        return obj.service.organization


@admin.register(ServiceSuggestion)
class ServiceSuggestionAdmin(OrganizationRows, admin.ModelAdmin):
    organization_field = None  # from the public, about no member: the moderators' own
    list_display = ["name", "organization_name", "status", "created_at"]
    list_filter = ["status"]
    search_fields = ["name", "organization_name"]
    raw_id_fields = ["handled_by"]
