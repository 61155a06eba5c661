"""The planners' dashboard and its exports, mounted inside i18n_patterns as /<lang>/planning/
(the language prefix also sets the language of the HTML report)."""

from django.urls import path, re_path

from layers import views_planning

urlpatterns = [
    path("", views_planning.planning_dashboard, name="planning"),
    re_path(
        r"^export\.(?P<fmt>csv|geojson|gpkg|html)$",
        views_planning.planning_export,
        name="planning-export",
    ),
]
