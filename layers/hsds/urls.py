"""HSDS 3.0 API routes, mounted at /hsds/ (no language prefix). Paths are the HSDS ones, without
a trailing slash; ids are checked by the views, so a malformed one is a JSON 404 too."""

from django.urls import path

from layers.hsds import views

urlpatterns = [
    path("", views.RootView.as_view(), name="hsds-root"),
    path("services", views.ServiceListView.as_view(), name="hsds-services"),
    path("services/<str:id>", views.ServiceView.as_view(), name="hsds-service"),
    path(
        "service_at_locations",
        views.ServiceAtLocationListView.as_view(),
        name="hsds-service-at-locations",
    ),
    path(
        "service_at_locations/<str:id>",
        views.ServiceAtLocationView.as_view(),
        name="hsds-service-at-location",
    ),
    path("organizations", views.OrganizationListView.as_view(), name="hsds-organizations"),
    path("organizations/<str:id>", views.OrganizationView.as_view(), name="hsds-organization"),
    path("taxonomies", views.TaxonomyListView.as_view(), name="hsds-taxonomies"),
    path("taxonomies/<str:id>", views.TaxonomyView.as_view(), name="hsds-taxonomy"),
    path("taxonomy_terms", views.TaxonomyTermListView.as_view(), name="hsds-taxonomy-terms"),
    path("taxonomy_terms/<str:id>", views.TaxonomyTermView.as_view(), name="hsds-taxonomy-term"),
]
