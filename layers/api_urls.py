"""Planning API routes, mounted under /api/ by the project URLconf."""

from django.urls import path

from layers import api

urlpatterns = [
    path("coverage/", api.CoverageView.as_view(), name="coverage-api"),
    path(
        "services/<uuid:pk>/catchment/",
        api.ServiceCatchmentView.as_view(),
        name="service-catchment-api",
    ),
]
