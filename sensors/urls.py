from django.urls import URLPattern, URLResolver, path, re_path

from sensors import api, opendata, views

app_name = "sensors"
urlpatterns: list[URLPattern | URLResolver] = [
    path("sensors/", views.sensor_map, name="map"),
    path("sensors/districts/<slug:code>/", views.district_air, name="district_air"),
    path("sensors/alerts/", views.alert_subscriptions, name="alert_subscriptions"),
    path(
        "sensors/alerts/unsubscribe/<str:token>/",
        views.alert_unsubscribe,
        name="alert_unsubscribe",
    ),
    # Open data
    path("api/sensors/", opendata.SensorListApi.as_view(), name="api_sensors"),
    path("api/sensors/data/readings/", opendata.ReadingListApi.as_view(), name="api_data_readings"),
    path(
        "api/sensors/data/aggregates/",
        opendata.AggregateListApi.as_view(),
        name="api_data_aggregates",
    ),
    path(
        "api/sensors/data/air-quality/",
        opendata.AirQualityListApi.as_view(),
        name="api_data_air_quality",
    ),
    # Device push
    path("api/sensors/readings/", api.NativeReadingsApi.as_view(), name="api_readings"),
    # Device push paths answer with or without the final slash: firmware follows no redirect.
    re_path(r"^api/sensors/push/airrohr/?$", api.AirrohrPushApi.as_view(), name="push_airrohr"),
    re_path(r"^api/sensors/push/ttn/?$", api.TtnUplinkApi.as_view(), name="push_ttn"),
]
