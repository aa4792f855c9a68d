from django.urls import path

from consent import views

app_name = "consent"
urlpatterns = [
    path("my-data/", views.my_data, name="my_data"),
    path("my-data/consents/<slug:code>/", views.consent_choice, name="consent_choice"),
    path("my-data/receipts/<int:seq>.json", views.receipt_json, name="receipt_json"),
    path("my-data/receipts/<int:seq>/", views.receipt_page, name="receipt"),
    path("my-data/export/", views.export_request, name="export_request"),
    path(
        "my-data/export/<uuid:archive_id>/download/",
        views.export_download,
        name="export_download",
    ),
    path("my-data/private-mode/", views.private_mode, name="private_mode"),
    path("my-data/delete/", views.account_delete, name="account_delete"),
    path("my-data/deleted/", views.account_deleted, name="account_deleted"),
    path(
        "staff/people/<int:user_id>/export/",
        views.staff_person_export,
        name="staff_person_export",
    ),
    path("privacy/register/", views.processing_register, name="processing_register"),
    path("privacy/algorithms/", views.algorithm_register, name="algorithm_register"),
    path("privacy/ledger/", views.ledger_heads, name="ledger"),
]
