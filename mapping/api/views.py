"""JSON API views: parse the query, run one search or one read, render."""

from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework.exceptions import NotFound
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from mapping import directory
from mapping.api.geojson import RenderedJSON, feature_collection, search_features
from mapping.api.params import ServiceSearchParams
from mapping.api.serializers import ServiceDetailSerializer
from mapping.models import Service


def _page_url(request: Request, page: int) -> str:
    query = request.query_params.copy()
    query["page"] = str(page)
    return request.build_absolute_uri(f"{request.path}?{query.urlencode()}")


class _PassesRenderedJSON:
    """A JSON renderer that sends a body already written as JSON as it is."""

    def render(
        self,
        data: object,
        accepted_media_type: str | None = None,
        renderer_context: dict | None = None,
    ) -> bytes:
        if isinstance(data, RenderedJSON):
            return data
        return super().render(data, accepted_media_type, renderer_context)


class PlainJSONRenderer(_PassesRenderedJSON, JSONRenderer):
    """``application/json``."""


class GeoJSONRenderer(_PassesRenderedJSON, JSONRenderer):
    """JSON served as ``application/geo+json`` (RFC 7946), for clients that ask for it."""

    media_type = "application/geo+json"
    format = "geojson"


class ServiceListView(APIView):
    """Search the directory; nearest first with ``near``."""

    renderer_classes = [GeoJSONRenderer, PlainJSONRenderer]

    @extend_schema(
        operation_id="services_search",
        parameters=[ServiceSearchParams],
        responses={
            200: OpenApiResponse(OpenApiTypes.OBJECT, description="GeoJSON FeatureCollection"),
            400: OpenApiResponse(OpenApiTypes.OBJECT, description="Bad parameters, with reasons"),
        },
    )
    def get(self, request: Request) -> Response:
        params = ServiceSearchParams(data=request.query_params)
        params.is_valid(raise_exception=True)
        page = search_features(params.criteria())
        number = page.criteria.page
        body = feature_collection(
            page,
            next_url=_page_url(request, number + 1) if page.has_next else None,
            previous_url=_page_url(request, number - 1) if number > 1 else None,
        )
        return Response(body)


class ServiceDetailView(APIView):
    """One service with everything the directory knows about it."""

    @extend_schema(responses={200: ServiceDetailSerializer})
    def get(self, request: Request, pk: str) -> Response:
        try:
            service = directory.service_for_page(pk)  # the same read as the service page
        except Service.DoesNotExist:
            raise NotFound(_("No such service.")) from None
        return Response(ServiceDetailSerializer(service).data)
