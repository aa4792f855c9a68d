from allauth.account.decorators import secure_admin_login
from csp.constants import SELF, UNSAFE_INLINE
from csp.decorators import csp_replace
from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from django.utils.translation import gettext_lazy as _
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView

from civic import api, views

# Redoc (the API docs page) injects style elements without a nonce and runs its search in a
# worker built from a blob: both allowed on this page only (a nonce in style-src would make
# browsers ignore 'unsafe-inline', hence the replaced directive), in whichever of the enforced
# or report-only policies is in force. Its hard-coded Redocly logo (a third-party image) stays
# blocked by img-src.
_REDOC_CSP = {"style-src": [SELF, UNSAFE_INLINE], "worker-src": [SELF, "blob:"]}
api_docs = csp_replace(_REDOC_CSP)(
    csp_replace(_REDOC_CSP, REPORT_ONLY=True)(SpectacularRedocView.as_view(url_name="api_schema"))
)

admin.site.login = secure_admin_login(admin.site.login)  # type: ignore[method-assign]
admin.site.site_header = _("Civic — city staff")
admin.site.site_title = _("Civic staff")
admin.site.index_title = _("Administration")

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("districts/", views.district_list, name="district_list"),
    path("legal/", views.legal_notice, name="legal_notice"),
    path("privacy/", views.privacy_notice, name="privacy_notice"),
    path("accessibility/", views.accessibility_statement, name="accessibility"),
    path("language/", views.language_switch, name="language_switch"),
    path("csp-report/", views.csp_report, name="csp_report"),
    path("accounts/", include("allauth.urls")),
    path("admin/", admin.site.urls),
    path("api/districts/", api.DistrictListApi.as_view(), name="api_districts"),
    path("api/schema/", SpectacularAPIView.as_view(), name="api_schema"),
    path("api/docs/", api_docs, name="api_docs"),
    # Each domain app owns its URLs (pages, API, device push), prefixes included.
    path("", include("civic.maps_urls")),
    path("", include("consent.urls")),
    path("", include("reports.urls")),
    path("", include("sensors.urls")),
    path("", include("assist.urls")),
    path("", include("density.urls")),
    path("", include("budgets.urls")),
]

if settings.DEBUG:
    from django.conf.urls.static import static

    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
