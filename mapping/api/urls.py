from django.urls import path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from mapping.api import views

urlpatterns = [
    path("services/", views.ServiceListView.as_view(), name="service-list-api"),
    path("services/<uuid:pk>/", views.ServiceDetailView.as_view(), name="service-detail-api"),
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    # Swagger UI with its set-up script as a second request and no inline style: the page
    # runs under the site's Content-Security-Policy unchanged.
    path(
        "docs/",
        SpectacularSwaggerSplitView.as_view(
            url_name="api-schema", template_name="mapping/security/swagger_ui.html"
        ),
        name="api-docs",
    ),
]
