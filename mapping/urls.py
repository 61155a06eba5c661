"""Hartis URLs. Public pages get language prefixes (/el/, /ar/…) in the search issue."""

from django.contrib import admin
from django.urls import include, path

from mapping import views

urlpatterns = [
    path("healthz", views.healthz, name="healthz"),
    path("", views.home, name="home"),
    path("about/data/", views.about_data, name="about-data"),
    path("api/", include("mapping.api.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
]
