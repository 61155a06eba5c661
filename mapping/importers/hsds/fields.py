"""How the HSDS tables the import keeps map onto our models: foreign keys, model fields and
the values a record gets when the package does not say (see mapping.hsds)."""

from django.db import models

from mapping.models import Contact, Location, Organization, Phone, Service, ServiceAtLocation

# HSDS foreign keys the import follows: table → column → table it points at.
FOREIGN_KEYS = {
    "service": {"organization_id": "organization"},
    "location": {"organization_id": "organization"},
    "service_at_location": {"service_id": "service", "location_id": "location"},
    "contact": {
        "organization_id": "organization",
        "service_id": "service",
        "service_at_location_id": "service_at_location",
        "location_id": "location",
    },
    "phone": {
        "organization_id": "organization",
        "service_id": "service",
        "service_at_location_id": "service_at_location",
        "location_id": "location",
        "contact_id": "contact",
    },
    "schedule": {
        "service_id": "service",
        "service_at_location_id": "service_at_location",
        "location_id": "location",
    },
    "service_area": {"service_id": "service"},
    "required_document": {"service_id": "service"},
    "language": {"service_id": "service", "location_id": "location", "phone_id": "phone"},
    "address": {"location_id": "location"},
    "accessibility": {"location_id": "location"},
}
MODELS: dict[str, type[models.Model]] = {
    "organization": Organization,
    "service": Service,
    "location": Location,
    "service_at_location": ServiceAtLocation,
    "contact": Contact,
    "phone": Phone,
}
# Parents are resolved before their children.
RESOLVE_ORDER = (
    "taxonomy",
    "taxonomy_term",
    "organization",
    "location",
    "service",
    "service_at_location",
    "contact",
    "phone",
    "schedule",
    "service_area",
    "required_document",
    "address",
    "accessibility",
    "language",
    "attribute",
)
PROVENANCE_DEFAULTS = {
    "source": "",
    "source_url": "",
    "source_record_id": "",
    "source_licence": "",
    "is_demo": False,
}
ADDRESS_DEFAULTS = {
    "address_1": "",
    "address_2": "",
    "city": "",
    "region": "",
    "postal_code": "",
    "country": "GR",
}
ORGANIZATION_FIELDS = ("name", "alternate_name", "description", "email", "website", "logo")
SERVICE_FIELDS = (
    "name",
    "alternate_name",
    "description",
    "url",
    "email",
    "status",
    "interpretation_services",
    "application_process",
    "fees_description",
    "eligibility_description",
    "minimum_age",
    "maximum_age",
    "assured_date",
    "assurer_email",
    "alert",
)
LOCATION_FIELDS = ("location_type", "name", "alternate_name", "description", "transportation")


# Our foreign-key name → the table it points at.
FK_TABLE = {
    "organization": "organization",
    "service": "service",
    "location": "location",
    "service_at_location": "service_at_location",
    "contact": "contact",
    "phone": "phone",
}
