from django.urls import URLPattern, URLResolver, path, re_path

from reports import api, feeds, manage_links, open311, staff_views, views

app_name = "reports"
urlpatterns: list[URLPattern | URLResolver] = [
    path("reports/", views.report_list, name="list"),
    path("reports/new/", views.report_create, name="create"),
    path("reports/map/<int:z>/<int:x>/<int:y>.geojson", views.map_tile, name="map_tile"),
    path("reports/feed.atom", feeds.CityReportsFeed(), name="feed"),
    path(
        "reports/districts/<slug:code>/feed.atom",
        feeds.DistrictReportsFeed(),
        name="district_feed",
    ),
    path("reports/<int:pk>/feed.atom", feeds.ReportUpdatesFeed(), name="report_feed"),
    path("reports/<int:pk>/", views.report_detail, name="detail"),
    path("reports/<int:pk>/follow/", views.report_follow, name="follow"),
    path("reports/<int:pk>/support/", views.report_support, name="support"),
    path("reports/<int:pk>/author/", views.report_author_action, name="author_action"),
    path("reports/<int:pk>/edit/", views.report_edit, name="edit"),
    path("reports/alerts/", views.area_alerts, name="alerts"),
    path("reports/confirm/<str:token>/", views.report_confirm, name="confirm"),
    path("reports/manage/<str:token>/", views.report_manage, name="manage"),
    path("reports/links/", manage_links.manage_links_request, name="manage_links"),
    path("reports/links/sent/", manage_links.manage_links_sent, name="manage_links_sent"),
    path("reports/fixed/<str:token>/", views.fixed_question, name="fixed_question"),
    re_path(
        r"^reports/photos/(?P<pk>\d+)/(?P<kind>image|thumb)\.jpg$",
        views.photo_public,
        name="photo",
    ),
    path("reports/photos/<int:pk>/unblurred/", views.photo_original, name="photo_original"),
    path("reports/dashboard/", staff_views.dashboard, name="dashboard"),
    path("reports/exports/<str:name>", staff_views.export_download, name="export_download"),
    # Open311 GeoReport v2; the suffix names the format (reports.renderers.SuffixNegotiation).
    re_path(
        r"^open311/discovery\.(?P<fmt>json|xml)$",
        open311.DiscoveryApi.as_view(),
        name="open311_discovery",
    ),
    re_path(
        r"^open311/v2/services\.(?P<fmt>json|xml)$",
        open311.ServiceListApi.as_view(),
        name="open311_services",
    ),
    re_path(
        r"^open311/v2/services/(?P<code>[-\w]+)\.(?P<fmt>json|xml)$",
        open311.ServiceDefinitionApi.as_view(),
        name="open311_service",
    ),
    re_path(
        r"^open311/v2/requests\.(?P<fmt>json|xml)$",
        open311.RequestsApi.as_view(),
        name="open311_requests",
    ),
    re_path(
        r"^open311/v2/requests/(?P<pk>\d+)\.(?P<fmt>json|xml)$",
        open311.RequestDetailApi.as_view(),
        name="open311_request",
    ),
    path("api/reports/", api.ReportCreateApi.as_view(), name="api_create"),
]
