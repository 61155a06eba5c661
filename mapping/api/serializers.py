"""Serializers for the full service detail (nested, read-only)."""

from rest_framework import serializers

from mapping.api.geojson import point_geometry
from mapping.localize import localized
from mapping.models import (
    TRANSLATED_FIELDS,
    Language,
    Location,
    Organization,
    Phone,
    RequiredDocument,
    Schedule,
    Service,
    ServiceAtLocation,
    ServiceTranslation,
    TaxonomyTerm,
)


class TermSerializer(serializers.ModelSerializer):
    theme = serializers.CharField(source="theme.code", read_only=True)

    class Meta:
        model = TaxonomyTerm
        fields = ["code", "name", "theme"]


class LanguageSerializer(serializers.ModelSerializer):
    class Meta:
        model = Language
        fields = ["code", "name", "native_name"]


class OrganizationSerializer(serializers.ModelSerializer):
    class Meta:
        model = Organization
        fields = ["id", "name", "organization_type", "description", "website", "email", "is_demo"]


class ScheduleSerializer(serializers.ModelSerializer):
    class Meta:
        model = Schedule
        fields = [
            "weekday",
            "byday",
            "opens_at",
            "closes_at",
            "valid_from",
            "valid_to",
            "description",
        ]


class LocationSerializer(serializers.ModelSerializer):
    geometry = serializers.SerializerMethodField()
    district = serializers.IntegerField(source="district.number", default=None)
    neighbourhood = serializers.CharField(source="neighbourhood.slug", default=None)

    class Meta:
        model = Location
        fields = [
            "id",
            "name",
            "address_1",
            "postal_code",
            "city",
            "accessibility",
            "transportation",
            "district",
            "neighbourhood",
            "geometry",
        ]

    def get_geometry(self, location: Location) -> dict | None:
        return point_geometry(location.point)


class ServiceAtLocationSerializer(serializers.ModelSerializer):
    location = LocationSerializer()
    schedules = ScheduleSerializer(many=True)

    class Meta:
        model = ServiceAtLocation
        fields = ["id", "location", "schedules", "description"]


class PhoneSerializer(serializers.ModelSerializer):
    class Meta:
        model = Phone
        fields = ["number", "extension", "type", "description"]


class RequiredDocumentSerializer(serializers.ModelSerializer):
    class Meta:
        model = RequiredDocument
        fields = ["document", "uri"]


class ServiceTranslationSerializer(serializers.ModelSerializer):
    class Meta:
        model = ServiceTranslation
        fields = ["language", *TRANSLATED_FIELDS]


class ServiceDetailSerializer(serializers.ModelSerializer):
    """The service with its text in the request's language (see mapping.localize): the
    translated fields hold the best available text, ``text_languages`` says which language
    each is in, ``translations`` lists every version."""

    organization = OrganizationSerializer()
    categories = TermSerializer(many=True)
    target_groups = TermSerializer(many=True)
    languages = LanguageSerializer(many=True)
    phones = PhoneSerializer(many=True)
    required_documents = RequiredDocumentSerializer(many=True)
    schedules = ScheduleSerializer(many=True)
    service_at_locations = ServiceAtLocationSerializer(many=True)
    translations = ServiceTranslationSerializer(many=True)

    class Meta:
        model = Service
        fields = [
            "id",
            "name",
            "alternate_name",
            "description",
            "status",
            "organization",
            "categories",
            "target_groups",
            "languages",
            "eligibility_description",
            "minimum_age",
            "maximum_age",
            "application_process",
            "is_free",
            "fees_description",
            "interpretation_services",
            "required_documents",
            "alert",
            "url",
            "email",
            "phones",
            "schedules",
            "service_at_locations",
            "assured_date",
            "last_modified",
            "source",
            "source_licence",
            "is_demo",
            "language",
            "translations",
        ]

    def to_representation(self, instance: Service) -> dict:
        data = super().to_representation(instance)
        text = localized(instance)
        data.update(text.values)
        data["text_languages"] = text.languages
        return data
