"""Vector tile routes, mounted at /tiles/ by the project URLconf (no language prefix: the
names' language is the ``lang`` parameter). Signs are allowed in z/x/y so that a negative
number gets a 404 with its reason rather than the site's page-not-found."""

from django.urls import re_path

from layers.tiles import views

urlpatterns = [
    re_path(
        r"^(?P<layer>[\w-]+)/(?P<z>-?\d{1,6})/(?P<x>-?\d{1,9})/(?P<y>-?\d{1,9})\.mvt$",
        views.tile,
        name="tile",
    ),
]
