from django.urls import path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from mapping.api import views

urlpatterns = [
    path("services/", views.ServiceListView.as_view(), name="service-list-api"),
    path("services/<uuid:pk>/", views.ServiceDetailView.as_view(), name="service-detail-api"),
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
]
