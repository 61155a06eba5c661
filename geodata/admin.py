"""Admin for the geography: browse and correct areas on a map."""

from django.contrib import admin
from leaflet.admin import LeafletGeoAdmin

from geodata.models import CensusTract, District, Municipality, Neighbourhood


@admin.register(Municipality)
class MunicipalityAdmin(LeafletGeoAdmin):
    list_display = ["name", "name_en", "code", "population_2011", "population_2021"]
    search_fields = ["name", "name_en", "code"]


@admin.register(District)
class DistrictAdmin(LeafletGeoAdmin):
    list_display = ["number", "name", "name_en", "municipality"]
    list_filter = ["municipality"]


@admin.register(Neighbourhood)
class NeighbourhoodAdmin(LeafletGeoAdmin):
    list_display = ["name", "name_en", "slug", "district"]
    list_filter = ["municipality", "district"]
    list_select_related = ["district"]
    search_fields = ["name", "name_en", "slug"]


@admin.register(CensusTract)
class CensusTractAdmin(LeafletGeoAdmin):
    list_display = ["code", "population_2011", "migrant_share", "district", "neighbourhood"]
    list_filter = ["municipality", "district"]
    list_select_related = ["district", "neighbourhood"]
    search_fields = ["code"]
