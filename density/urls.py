from django.urls import URLPattern, URLResolver, path

from density import api, views

app_name = "density"
urlpatterns: list[URLPattern | URLResolver] = [
    path("density/", views.index, name="index"),
    path("density/report/", views.report, name="report"),
    path("density/lines/<int:pk>/", views.line, name="line"),
    path("density/lines/<int:pk>/favourite/", views.favourite, name="favourite"),
    path("density/stops/<int:pk>/", views.stop, name="stop"),
    path("density/method/", views.method, name="method"),
    path("api/density/forecast/", api.ForecastApi.as_view(), name="api_forecast"),
    path("gtfs-rt/occupancy.pb", views.gtfs_rt_occupancy, name="gtfs_rt_occupancy"),
    path("api/density/reports/", api.CrowdReportCreateApi.as_view(), name="api_reports"),
]
