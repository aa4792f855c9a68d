from django.urls import path

from civic import maps_views

app_name = "maps"

urlpatterns = [
    path("addresses/", maps_views.address_search, name="address_search"),
    path("addresses/search", maps_views.address_search_json, name="address_search_json"),
    path("addresses/nearest", maps_views.address_nearest_json, name="address_nearest_json"),
    path("basemap/<int:z>/<int:x>/<int:y>.png", maps_views.basemap_tile, name="basemap_tile"),
    path("basemap/city.pmtiles", maps_views.basemap_pmtiles, name="basemap_pmtiles"),
]
