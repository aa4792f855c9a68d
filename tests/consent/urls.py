"""The project's URLs plus a test-only export view guarded by ``reason_required``."""

from __future__ import annotations

from django.contrib.admin.views.decorators import staff_member_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.urls import path

from civic.models import User
from civic.urls import urlpatterns as civic_urlpatterns
from consent.views import reason_required


def _owner(request: HttpRequest, user_id: int) -> User:
    return get_object_or_404(User, pk=user_id)


@staff_member_required
@reason_required(what="test export of a resident's data", person=_owner)
def fake_export(request: HttpRequest, user_id: int) -> HttpResponse:
    return HttpResponse(f"export for {user_id} because {request.access_reason}")  # type: ignore[attr-defined]


urlpatterns = [
    path("test-export/<int:user_id>/", fake_export, name="test_export"),
    *civic_urlpatterns,
]
