"""The HSDS 3.0 API under ``/hsds/``: parse the query, run one read, render HSDS JSON.

Lists are HSDS pages (``total_items``, ``total_pages``, ``page_number`` from 1, ``size``,
``first_page``, ``last_page``, ``empty``, ``contents``), ordered by id unless a search or a
distance orders them. Bad parameters are a 400 naming each, an unknown id a 404; both JSON.
"""

import math
import uuid
from collections.abc import Callable, Sequence

from django.db.models import QuerySet
from django.urls import reverse
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework.exceptions import NotFound
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.serializers import Serializer
from rest_framework.views import APIView

from layers.hsds import nested, reads, rows
from layers.hsds.filters import near_postcode
from layers.hsds.nested import JSONObject
from layers.hsds.params import (
    NoParams,
    OrganizationListParams,
    OrganizationParams,
    PageParams,
    SearchParams,
    ServiceAtLocationListParams,
    ServiceListParams,
    TaxonomyTermListParams,
)
from layers.hsds.terms import all_taxonomy_rows, all_term_rows, matches
from mapping.hsds import HSDS_OPENAPI_URL, HSDS_VERSION

SCHEMA_BASE = "https://raw.githubusercontent.com/openreferral/specification/3.0/schema/"


class HSDSNegotiation(DefaultContentNegotiation):
    """HSDS's ``format`` query parameter is validated by the view (400), not taken as DRF's
    renderer switch (which answers an unknown format with 404)."""

    def select_renderer(
        self, request: Request, renderers: Sequence[BaseRenderer], format_suffix: str | None = None
    ) -> tuple[BaseRenderer, str]:
        return renderers[0], renderers[0].media_type


class HSDSView(APIView):
    renderer_classes = [JSONRenderer]
    content_negotiation_class = HSDSNegotiation


def _params(serializer: type[Serializer], request: Request) -> Serializer:
    params = serializer(data=request.query_params)
    params.is_valid(raise_exception=True)
    return params


def page_body(total: int, page: PageParams, contents: list[JSONObject]) -> JSONObject:
    """An HSDS page: ``contents`` are the matches from ``(page_number - 1) * per_page`` on,
    of ``total``. A page past the last is empty, not an error."""
    number, per_page = page.validated_data["page"], page.validated_data["per_page"]
    total_pages = math.ceil(total / per_page)
    return {
        "total_items": total,
        "total_pages": total_pages,
        "page_number": number,
        "size": len(contents),
        "first_page": number == 1,
        "last_page": number >= total_pages,
        "empty": not contents,
        "contents": contents,
    }


def _window(page: PageParams) -> slice:
    number, per_page = page.validated_data["page"], page.validated_data["per_page"]
    return slice((number - 1) * per_page, number * per_page)


def paged_queryset(
    queryset: QuerySet, page: PageParams, render: Callable[[object], JSONObject]
) -> JSONObject:
    """One count and one page of ``queryset`` (plus its prefetches), rendered."""
    total = queryset.count()
    return page_body(total, page, [render(obj) for obj in queryset[_window(page)]])


def paged_rows(rows: list[JSONObject], page: PageParams) -> JSONObject:
    return page_body(len(rows), page, rows[_window(page)])


def _get_or_404(queryset: QuerySet, pk: str, message: str) -> object:
    """The object with id ``pk``; not a UUID or not published: 404."""
    try:
        return queryset.get(pk=uuid.UUID(pk))
    except (ValueError, queryset.model.DoesNotExist):
        raise NotFound(message) from None


def _schema(name: str) -> str:
    return f"HSDS 3.0 `{name}`: {SCHEMA_BASE}{name}.json"


def _responses(name: str) -> dict[int, OpenApiResponse]:
    return {
        200: OpenApiResponse(OpenApiTypes.OBJECT, description=_schema(name)),
        400: OpenApiResponse(OpenApiTypes.OBJECT, description="Bad parameters, with reasons"),
        404: OpenApiResponse(OpenApiTypes.OBJECT, description="No such object"),
    }


def _page_responses(item: str) -> dict[int, OpenApiResponse]:
    page = "HSDS Page: total_items, total_pages, page_number, size, first_page, last_page, "
    page += f"empty, and `contents`, items of {_schema(item)}"
    return {
        200: OpenApiResponse(OpenApiTypes.OBJECT, description=page),
        400: OpenApiResponse(OpenApiTypes.OBJECT, description="Bad parameters, with reasons"),
    }


ID = OpenApiParameter("id", OpenApiTypes.UUID, OpenApiParameter.PATH)
TAGS = ["HSDS 3.0"]


class RootView(HSDSView):
    """HSDS API description. Profile: themes and target groups are taxonomies; districts,
    neighbourhoods and provenance (source, licence, demo) are generated taxonomies; terms link
    to services and locations by attributes (link_type theme, target_group, district,
    neighbourhood, provenance); opening hours are weekly schedules in Athens local time."""

    @extend_schema(
        operation_id="hsds_root",
        tags=TAGS,
        responses={200: OpenApiResponse(OpenApiTypes.OBJECT, description="version, profile")},
    )
    def get(self, request: Request) -> Response:
        _params(NoParams, request)
        return Response(
            {
                "version": HSDS_VERSION,
                "profile": request.build_absolute_uri(reverse("api-docs")),
                "openapi_url": HSDS_OPENAPI_URL,
            }
        )


class ServiceListView(HSDSView):
    """Published services: list items (with their organization), ``minimal`` or ``full``."""

    @extend_schema(
        operation_id="hsds_services_list",
        tags=TAGS,
        parameters=[ServiceListParams],
        responses=_page_responses("compiled/service_list"),
    )
    def get(self, request: Request) -> Response:
        params = _params(ServiceListParams, request)
        services = params.filters().services(reads.published_services())
        if params.validated_data["full"]:
            body = paged_queryset(reads.services_nested(services), params, nested.service_object)
        elif params.validated_data["minimal"]:
            minimal = services.only("id", "name", "status", "last_modified")
            body = paged_queryset(minimal, params, _minimal_service)
        else:
            body = paged_queryset(reads.service_items(services), params, nested.service_item)
        return Response(body)


def _minimal_service(service: object) -> JSONObject:
    """HSDS ``minimal``: id and last_modified, and name and status, which a list item needs."""
    return {
        "id": str(service.id),
        "name": service.name,
        "status": service.status,
        "last_modified": rows.datetime_text(service.last_modified),
    }


class ServiceView(HSDSView):
    """A published service, fully nested."""

    @extend_schema(
        operation_id="hsds_service",
        tags=TAGS,
        parameters=[ID],
        responses=_responses("service"),
    )
    def get(self, request: Request, id: str) -> Response:
        _params(NoParams, request)
        services = reads.services_nested(reads.published_services())
        return Response(nested.service_object(_get_or_404(services, id, _("No such service."))))


class ServiceAtLocationListView(HSDSView):
    """Published services at locations; ``postcode`` and ``proximity`` (metres) narrow by place."""

    @extend_schema(
        operation_id="hsds_service_at_locations_list",
        tags=TAGS,
        parameters=[ServiceAtLocationListParams],
        responses=_page_responses("compiled/service_at_location_list"),
    )
    def get(self, request: Request) -> Response:
        params = _params(ServiceAtLocationListParams, request)
        data = params.validated_data
        rows = params.filters().service_at_locations(reads.published_service_at_locations())
        if data.get("postcode", "").strip():
            rows = near_postcode(rows, data["postcode"], data.get("proximity"))
        if data["full"]:
            body = paged_queryset(
                reads.service_at_location_full(rows), params, nested.service_at_location_full
            )
        else:
            body = paged_queryset(
                reads.service_at_location_items(rows), params, nested.service_at_location_item
            )
        return Response(body)


class ServiceAtLocationView(HSDSView):
    """A published service at a location, fully nested, with its service's own fields."""

    @extend_schema(
        operation_id="hsds_service_at_location",
        tags=TAGS,
        parameters=[ID],
        responses=_responses("service_at_location"),
    )
    def get(self, request: Request, id: str) -> Response:
        _params(NoParams, request)
        rows = reads.service_at_location_full(reads.published_service_at_locations())
        row = _get_or_404(rows, id, _("No such service at location."))
        return Response(nested.service_at_location_full(row))


class OrganizationListView(HSDSView):
    """Published organizations; ``full`` nests them, ``full_service`` their services too."""

    @extend_schema(
        operation_id="hsds_organizations_list",
        tags=TAGS,
        parameters=[OrganizationListParams],
        responses=_page_responses("compiled/organization_list"),
    )
    def get(self, request: Request) -> Response:
        params = _params(OrganizationListParams, request)
        data = params.validated_data
        organizations = reads.published_organizations()
        if data.get("search", "").strip():
            matching = reads.published_services().search(data["search"])
            organizations = organizations.filter(pk__in=matching.values("organization_id"))
        organizations = organizations.order_by("pk")
        if data["full"] or data["full_service"]:
            full_services = data["full_service"]
            nested_organizations = reads.organizations_nested(
                organizations, full_services=full_services
            )
            body = paged_queryset(
                nested_organizations, params, _organization_renderer(full_services)
            )
        else:
            body = paged_queryset(organizations, params, nested.organization_item)
        return Response(body)


def _organization_renderer(full_services: bool) -> Callable[[object], JSONObject]:
    service = nested.service_object if full_services else nested.service_item

    def render(organization: object) -> JSONObject:
        services = [service(s) for s in organization.services.all()]
        return nested.organization_full(organization, services)

    return render


class OrganizationView(HSDSView):
    """A published organization, nested, with its services (in full with ``full_service``)."""

    @extend_schema(
        operation_id="hsds_organization",
        tags=TAGS,
        parameters=[ID, OrganizationParams],
        responses=_responses("organization"),
    )
    def get(self, request: Request, id: str) -> Response:
        params = _params(OrganizationParams, request)
        full_services = params.validated_data["full_service"]
        organizations = reads.organizations_nested(
            reads.published_organizations(), full_services=full_services
        )
        organization = _get_or_404(organizations, id, _("No such organization."))
        return Response(_organization_renderer(full_services)(organization))


class TaxonomyListView(HSDSView):
    """Our taxonomies and the generated ones (districts, neighbourhoods, provenance)."""

    @extend_schema(
        operation_id="hsds_taxonomies_list",
        tags=TAGS,
        parameters=[SearchParams],
        responses=_page_responses("taxonomy"),
    )
    def get(self, request: Request) -> Response:
        params = _params(SearchParams, request)
        text = params.validated_data.get("search", "")
        found = [
            nested.as_json("taxonomy", row) for row in all_taxonomy_rows() if matches(row, text)
        ]
        return Response(paged_rows(found, params))


class TaxonomyView(HSDSView):
    @extend_schema(
        operation_id="hsds_taxonomy",
        tags=TAGS,
        parameters=[ID],
        responses=_responses("taxonomy"),
    )
    def get(self, request: Request, id: str) -> Response:
        _params(NoParams, request)
        for row in all_taxonomy_rows():
            if row["id"] == id.lower():
                return Response(nested.as_json("taxonomy", row))
        raise NotFound(_("No such taxonomy."))


class TaxonomyTermListView(HSDSView):
    """Every term, ours and generated; ``taxonomy_id``, ``parent_id`` and ``top_only`` narrow."""

    @extend_schema(
        operation_id="hsds_taxonomy_terms_list",
        tags=TAGS,
        parameters=[TaxonomyTermListParams],
        responses=_page_responses("taxonomy_term"),
    )
    def get(self, request: Request) -> Response:
        params = _params(TaxonomyTermListParams, request)
        data = params.validated_data
        taxonomies = {row["id"]: row for row in all_taxonomy_rows()}
        wanted = {
            key: str(data[key]) for key in ("taxonomy_id", "parent_id") if data.get(key) is not None
        }
        found = [
            nested.taxonomy_term_object(row, taxonomies[row["taxonomy_id"]])
            for row in all_term_rows()
            if all(row[key] == value for key, value in wanted.items())
            and not (data["top_only"] and row["parent_id"])
            and matches(row, data.get("search", ""))
        ]
        return Response(paged_rows(found, params))


class TaxonomyTermView(HSDSView):
    @extend_schema(
        operation_id="hsds_taxonomy_term",
        tags=TAGS,
        parameters=[ID],
        responses=_responses("taxonomy_term"),
    )
    def get(self, request: Request, id: str) -> Response:
        _params(NoParams, request)
        for row in all_term_rows():
            if row["id"] == id.lower():
                taxonomies = {taxonomy["id"]: taxonomy for taxonomy in all_taxonomy_rows()}
                return Response(nested.taxonomy_term_object(row, taxonomies[row["taxonomy_id"]]))
        raise NotFound(_("No such taxonomy term."))
