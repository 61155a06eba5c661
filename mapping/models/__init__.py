"""The directory's models, HSDS 3.0 shaped: import them from here."""

from mapping.models.contact import Contact, Phone, PhoneType
from mapping.models.language import Language
from mapping.models.location import Location, LocationType, ServiceAtLocation
from mapping.models.organization import Organization, OrganizationType
from mapping.models.schedule import Schedule, Weekday
from mapping.models.service import (
    RequiredDocument,
    Service,
    ServiceArea,
    ServiceStatus,
)
from mapping.models.taxonomy import (
    TARGET_GROUPS_TAXONOMY,
    THEMES_TAXONOMY,
    Taxonomy,
    TaxonomyTerm,
)
from mapping.models.translation import TRANSLATED_FIELDS, ServiceTranslation

__all__ = [
    "TARGET_GROUPS_TAXONOMY",
    "THEMES_TAXONOMY",
    "TRANSLATED_FIELDS",
    "Contact",
    "Language",
    "Location",
    "LocationType",
    "Organization",
    "OrganizationType",
    "Phone",
    "PhoneType",
    "RequiredDocument",
    "Schedule",
    "Service",
    "ServiceArea",
    "ServiceAtLocation",
    "ServiceStatus",
    "ServiceTranslation",
    "Taxonomy",
    "TaxonomyTerm",
    "Weekday",
]
