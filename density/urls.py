from django.urls import URLPattern, URLResolver, path

from density import api

app_name = "density"
urlpatterns: list[URLPattern | URLResolver] = [
    path("api/density/forecast/", api.ForecastApi.as_view(), name="api_forecast"),
    path("api/density/reports/", api.CrowdReportCreateApi.as_view(), name="api_reports"),
]
