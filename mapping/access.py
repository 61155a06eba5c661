"""Who may do what: the domain's permission rules, shared by pages, API, admin and actions.

Rules are plain functions of a user (and a record) and ``Q`` builders for querysets, so a
list shows exactly the rows its actions would accept. Row-level: an organisation's editors
and admins change that organisation's records and nothing of another organisation; centre
moderators and site admins change anything.
"""

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.core.exceptions import PermissionDenied
from django.db.models import Exists, OuterRef, Q
from django.utils.translation import gettext as _

from mapping.models import MODERATORS_GROUP, MemberRole, Membership, Organization

User = AbstractBaseUser | AnonymousUser


def _in_group(user: User, name: str) -> bool:
    if not user.is_authenticated:
        return False
    cache = user.__dict__.setdefault("_hartis_groups", None)
    if cache is None:
        cache = set(user.groups.values_list("name", flat=True))
        user.__dict__["_hartis_groups"] = cache
    return name in cache


def is_site_admin(user: User) -> bool:
    return bool(user.is_authenticated and user.is_active and user.is_superuser)


def is_moderator(user: User) -> bool:
    """Centre moderator (or site admin): approves, edits anything, sees the dashboards."""
    return is_site_admin(user) or (user.is_active and _in_group(user, MODERATORS_GROUP))


def organizations_of(user: User) -> "Organization.objects":
    """The organisations whose records ``user`` may keep (every one for moderators)."""
    return Organization.objects.filter(editable_by_q(user, organization_field="pk"))


def role_in(user: User, organization: Organization) -> str | None:
    """``user``'s role in ``organization`` (``"editor"``/``"admin"``), or None."""
    if not user.is_authenticated or not user.is_active:
        return None
    return (
        Membership.objects.filter(user_id=user.pk, organization=organization)
        .values_list("role", flat=True)
        .first()
    )


def can_edit_for(user: User, organization: Organization | None) -> bool:
    """May ``user`` create and change ``organization``'s records?"""
    if organization is None:
        return is_moderator(user)
    return is_moderator(user) or role_in(user, organization) is not None


def can_manage_members(user: User, organization: Organization) -> bool:
    return is_moderator(user) or role_in(user, organization) == MemberRole.ADMIN


def owner_of(record: object) -> Organization | None:
    """The organisation a member's record belongs to (services, activities, calls, …)."""
    if isinstance(record, Organization):
        return record
    return getattr(record, "organization", None)


def can_edit(user: User, record: object) -> bool:
    return can_edit_for(user, owner_of(record))


def require_member_organization(user: User, organization: Organization) -> None:
    """The members' spaces (support board, toolkit): ``user`` keeps ``organization``'s
    records and it is an approved member of the centre; PermissionDenied otherwise."""
    require(
        can_edit_for(user, organization),
        _("You may only act for organisations you are a member of."),
    )
    require(
        Organization.objects.members().filter(pk=organization.pk).exists(),
        _("Only the centre's member organisations can do this."),
    )


def require(allowed: bool, message: str) -> None:
    """Raise PermissionDenied (403 on pages and in the API) with ``message`` unless allowed."""
    if not allowed:
        raise PermissionDenied(message)


def editable_by_q(
    user: User, *, organization_field: str = "organization_id", roles: tuple[str, ...] = ()
) -> Q:
    """Rows ``user`` may change: those whose ``organization_field`` names an organisation
    ``user`` belongs to (with one of ``roles``, default any), or every row for moderators.
    An EXISTS over memberships, so it never multiplies rows."""
    if is_moderator(user):
        return Q()
    if not user.is_authenticated or not user.is_active:
        return Q(pk__in=[])
    memberships = Membership.objects.filter(
        organization_id=OuterRef(organization_field), user_id=user.pk
    )
    if roles:
        memberships = memberships.filter(role__in=roles)
    return Q(Exists(memberships))
