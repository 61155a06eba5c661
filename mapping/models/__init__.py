"""The directory's models, HSDS 3.0 shaped: import them from here."""

from mapping.models.activity import Activity
from mapping.models.board import CallCategory, CallKind, CallResponse, OpenCall
from mapping.models.contact import Contact, Phone, PhoneType
from mapping.models.feedback import (
    FeedbackStatus,
    ProblemKind,
    ProblemReport,
    ServiceSuggestion,
)
from mapping.models.language import Language
from mapping.models.location import Location, LocationType, ServiceAtLocation
from mapping.models.members import (
    MODERATORS_GROUP,
    Invitation,
    MemberRole,
    Membership,
)
from mapping.models.moderation import Publication, Revision, RevisionStatus, published_q
from mapping.models.organization import MembershipStatus, Organization, OrganizationType
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
from mapping.models.toolkit import Document, DocumentKind
from mapping.models.translation import TRANSLATED_FIELDS, ServiceTranslation

__all__ = [
    "MODERATORS_GROUP",
    "TARGET_GROUPS_TAXONOMY",
    "THEMES_TAXONOMY",
    "TRANSLATED_FIELDS",
    "Activity",
    "CallCategory",
    "CallKind",
    "CallResponse",
    "Contact",
    "Document",
    "DocumentKind",
    "FeedbackStatus",
    "Invitation",
    "Language",
    "Location",
    "LocationType",
    "MemberRole",
    "Membership",
    "MembershipStatus",
    "OpenCall",
    "Organization",
    "OrganizationType",
    "Phone",
    "PhoneType",
    "ProblemKind",
    "ProblemReport",
    "Publication",
    "RequiredDocument",
    "Revision",
    "RevisionStatus",
    "Schedule",
    "Service",
    "ServiceArea",
    "ServiceAtLocation",
    "ServiceStatus",
    "ServiceSuggestion",
    "ServiceTranslation",
    "Taxonomy",
    "TaxonomyTerm",
    "Weekday",
    "published_q",
]
