"""Public pages of the centre's members: the member list and an organisation's profile."""

import uuid

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_safe

from mapping.models import Organization, Service
from mapping.views.members import dashboard as reads


@require_safe
def member_list(request: HttpRequest) -> HttpResponse:
    return render(request, "mapping/members/list.html", {"organizations": reads.member_list()})


@require_safe
def member_profile(request: HttpRequest, pk: uuid.UUID) -> HttpResponse:
    """An approved member with its public services and upcoming activities (404 for any
    other organisation: an applicant or a source's record has no member profile)."""
    organization = get_object_or_404(Organization.objects.members(), pk=pk)
    context = {
        "organization": organization,
        "services": Service.objects.active().filter(organization=organization).order_by("name"),
        "activities": reads.public_activities()
        .filter(organization=organization)
        .order_by("starts_at"),
    }
    return render(request, "mapping/members/profile.html", context)
