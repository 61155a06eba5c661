"""Hartis URLs. Public pages carry the language in the path (/el/, /ar/…); the API, the
admin and the health check do not."""

from django.conf.urls.i18n import i18n_patterns
from django.contrib import admin
from django.urls import include, path

from mapping.views import pages, system

urlpatterns = [
    path("healthz", system.healthz, name="healthz"),
    path("api/", include("mapping.api.urls")),
    path("api/", include("layers.api_urls")),
    path("api/layers/", include("layers.urls")),
    path("tiles/", include("layers.urls_tiles")),
    path("hsds/", include("layers.hsds.urls")),
    path("ogc/", include("layers.ogc.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
]
urlpatterns += i18n_patterns(
    path("", pages.map_page, name="home"),
    path("services/<uuid:pk>/", pages.service_page, name="service-page"),
    path("neighbourhoods/", pages.neighbourhood_index, name="neighbourhood-index"),
    path("neighbourhoods/<slug:slug>/", pages.neighbourhood_page, name="neighbourhood-page"),
    path("districts/<int:number>/", pages.district_page, name="district-page"),
    path("referral/", pages.referral_sheet, name="referral-sheet"),
    path("about/data/", system.about_data, name="about-data"),
    path("planning/", include("layers.urls_planning")),
    # Sign-up with e-mail verification, log-in, password reset (django-allauth).
    path("accounts/", include("allauth.urls")),
    path("members/", include("mapping.views.members.urls")),
    path("members/", include("mapping.views.editing.urls")),
    path("activities/", include("mapping.views.activities.urls")),
    path("", include("mapping.views.community.urls")),  # board/, toolkit/
    path("", include("mapping.views.public_feedback.urls")),  # in-numbers/, reports
)
