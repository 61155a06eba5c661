from django.urls import path

from layers import views

urlpatterns = [
    path("<slug:kind>.geojson", views.area_layer, name="area-layer"),
]
