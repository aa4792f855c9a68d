from django.urls import path

from assist import views

app_name = "assist"
urlpatterns = [
    # Mediators (MFA like staff when required: civic.middleware.StaffMfaMiddleware).
    path("assist/", views.mediator_home, name="mediator_home"),
    path("assist/mandates/new/", views.mandate_new, name="mandate_new"),
    path("assist/mandates/<int:pk>/", views.mandate_detail, name="mandate_detail"),
    path("assist/mandates/<int:pk>/print/", views.mandate_print, name="mandate_print"),
    path(
        "assist/mandates/<int:pk>/confirm/",
        views.mandate_confirm_paper,
        name="mandate_confirm_paper",
    ),
    path("assist/mandates/<int:pk>/told/", views.mandate_told, name="mandate_told"),
    path("assist/requests/<uuid:request_id>/", views.mandate_request, name="mandate_request"),
    path(
        "assist/requests/<uuid:request_id>/resend/",
        views.mandate_request_resend,
        name="mandate_request_resend",
    ),
    path(
        "assist/mandates/<int:pk>/consents/<slug:code>/",
        views.mandate_consent,
        name="mandate_consent",
    ),
    path(
        "assist/mandates/<int:pk>/receipts/<int:seq>/",
        views.mandate_receipt,
        name="mandate_receipt",
    ),
    path("assist/mandates/<int:pk>/export/", views.mandate_export, name="mandate_export"),
    path(
        "assist/mandates/<int:pk>/exports/<uuid:archive_id>/download/",
        views.mandate_export_download,
        name="mandate_export_download",
    ),
    path("assist/mandates/<int:pk>/revoke/", views.mandate_revoke, name="mandate_revoke"),
    path("assist/mandates/<int:pk>/alerts/", views.mandate_alerts, name="mandate_alerts"),
    path(
        "assist/mandates/<int:pk>/reports/new/",
        views.mandate_report_new,
        name="mandate_report_new",
    ),
    path(
        "assist/mandates/<int:pk>/kiosk-code/", views.mandate_kiosk_code, name="mandate_kiosk_code"
    ),
    path(
        "assist/mandates/<int:pk>/vote/<int:budget_id>/",
        views.mandate_vote,
        name="mandate_vote",
    ),
    path(
        "assist/mandates/<int:pk>/ballot/<int:heading_id>/",
        views.mandate_ballot,
        name="mandate_ballot",
    ),
    # Residents.
    path("mandates/confirm/<str:token>/", views.mandate_confirm_link, name="mandate_confirm_link"),
    path("my-data/mandates/", views.my_mandates, name="my_mandates"),
    path("my-data/mandates/<int:pk>/revoke/", views.my_mandate_revoke, name="my_mandate_revoke"),
    path("my-data/mandates/<int:pk>/seen/", views.my_mandate_seen, name="my_mandate_seen"),
    # Kiosk terminals.
    path("kiosk/", views.kiosk_home, name="kiosk_home"),
    path("kiosk/my-data/", views.kiosk_my_data, name="kiosk_my_data"),
    path("kiosk/my-data/send-code/", views.kiosk_code_send, name="kiosk_code_send"),
    path("mediation/places/", views.help_places, name="help_places"),
    path("kiosk/consents/", views.kiosk_consents, name="kiosk_consents"),
    path("kiosk/consents/<slug:code>/", views.kiosk_consent_choice, name="kiosk_consent_choice"),
    path("kiosk/receipts/<int:seq>/", views.kiosk_receipt, name="kiosk_receipt"),
    path("kiosk/finish/", views.kiosk_finish, name="kiosk_finish"),
    path("kiosk/ping/", views.kiosk_ping, name="kiosk_ping"),
    path("kiosk/activate/<int:pk>/", views.kiosk_activate, name="kiosk_activate"),
]
