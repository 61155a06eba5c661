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

__all__ = [
    "TARGET_GROUPS_TAXONOMY",
    "THEMES_TAXONOMY",
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
    "Taxonomy",
    "TaxonomyTerm",
    "Weekday",
]
