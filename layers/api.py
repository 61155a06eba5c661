"""Planning API: coverage of a scenario by area, and one service's catchment."""

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import exceptions, serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from layers.catchments import service_catchments
from layers.coverage import MAX_MINUTES, MIGRANT_FIGURES, MIN_MINUTES, Scenario
from layers.coverage_layer import can_see_detail, coverage_feature_collection
from layers.models import CoverageLevel
from mapping.api.params import StrictParams, check_known
from mapping.api.views import GeoJSONRenderer
from mapping.models import Service
from mapping.vocabulary import known_codes


class CoverageParams(StrictParams):
    """``GET /api/coverage/`` parameters."""

    theme = serializers.SlugField(help_text="Theme or subcategory code.")
    minutes = serializers.IntegerField(
        min_value=MIN_MINUTES, max_value=MAX_MINUTES, default=15, help_text="Walk time."
    )
    level = serializers.ChoiceField(
        choices=CoverageLevel.choices, default=CoverageLevel.NEIGHBOURHOOD
    )
    language = serializers.CharField(required=False, max_length=8, help_text="ISO 639 code.")
    target_group = serializers.SlugField(required=False)
    weekends = serializers.BooleanField(default=False, help_text="Open on Saturday or Sunday.")
    free = serializers.BooleanField(default=False)
    migrants = serializers.BooleanField(
        default=False, help_text="Add migrant-weighted figures (planners only)."
    )

    def validate_theme(self, value: str) -> str:
        return check_known(known_codes()["theme"], gettext_lazy("theme"), value)

    def validate_language(self, value: str) -> str:
        return check_known(known_codes()["language"], gettext_lazy("language"), value)

    def validate_target_group(self, value: str) -> str:
        return check_known(known_codes()["target_group"], gettext_lazy("target group"), value)

    def scenario(self) -> Scenario:
        data = self.validated_data
        return Scenario(
            theme=data["theme"],
            minutes=data["minutes"],
            language=data.get("language", ""),
            target_group=data.get("target_group", ""),
            weekends=data["weekends"],
            free=data["free"],
        )

    def wants_detail(self) -> bool:
        """Tract level or migrant figures: planners only."""
        data = self.validated_data
        return data["level"] == CoverageLevel.TRACT or data["migrants"]


class CoverageView(APIView):
    """Coverage of the city by services of a theme within a walk time, per area."""

    renderer_classes = [GeoJSONRenderer]

    @extend_schema(
        parameters=[CoverageParams],
        responses={
            200: OpenApiResponse(OpenApiTypes.OBJECT, description="GeoJSON FeatureCollection"),
            400: OpenApiResponse(OpenApiTypes.OBJECT, description="Bad parameters, with reasons"),
            403: OpenApiResponse(OpenApiTypes.OBJECT, description="Planners only"),
        },
    )
    def get(self, request: Request) -> Response:
        params = CoverageParams(data=request.query_params)
        params.is_valid(raise_exception=True)
        detailed = can_see_detail(request.user)
        if params.wants_detail() and not detailed:
            raise exceptions.PermissionDenied(
                _("Tract-level and migrant figures are for planners; log in as one.")
            )
        body = coverage_feature_collection(
            params.scenario(), params.validated_data["level"], detailed=detailed
        )
        if not params.validated_data["migrants"]:
            for feature in body["features"]:
                for name in MIGRANT_FIGURES:
                    feature["properties"].pop(name, None)
        return Response(body)


class CatchmentParams(StrictParams):
    minutes = serializers.IntegerField(min_value=MIN_MINUTES, max_value=MAX_MINUTES, default=15)


class ServiceCatchmentView(APIView):
    """The area a service reaches: drawn by an editor, or walked from each of its places."""

    renderer_classes = [GeoJSONRenderer]

    @extend_schema(
        parameters=[CatchmentParams],
        responses={200: OpenApiResponse(OpenApiTypes.OBJECT, description="GeoJSON")},
    )
    def get(self, request: Request, pk: str) -> Response:
        params = CatchmentParams(data=request.query_params)
        params.is_valid(raise_exception=True)
        service = Service.objects.active().filter(pk=pk).first()
        if service is None:
            raise exceptions.NotFound(_("No such service."))
        return Response(service_catchments(service, params.validated_data["minutes"]))
