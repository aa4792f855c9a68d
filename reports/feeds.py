"""Atom feeds: the city's new reports, a district's, and one report's public updates."""

from __future__ import annotations

from typing import Any

from django.contrib.syndication.views import Feed
from django.db.models import QuerySet
from django.http import Http404, HttpRequest
from django.shortcuts import get_object_or_404
from django.utils.feedgenerator import Atom1Feed
from django.utils.translation import gettext as _

from civic.city import city
from civic.models import District
from reports.models import Report, Update
from reports.renderers import xml_text

FEED_SIZE = 50


def _clean(value: Any) -> Any:
    return xml_text(value) if isinstance(value, str) else value


class XmlSafeAtomFeed(Atom1Feed):
    """Atom that never breaks on a stored character XML forbids (a vertical tab pasted into a
    description years ago): such characters are dropped from every text written."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*(_clean(a) for a in args), **{k: _clean(v) for k, v in kwargs.items()})

    def add_item(self, *args: Any, **kwargs: Any) -> None:
        super().add_item(*(_clean(a) for a in args), **{k: _clean(v) for k, v in kwargs.items()})


def _published() -> QuerySet[Report]:
    return Report.objects.public().select_related("category").order_by("-confirmed_at", "-id")


class CityReportsFeed(Feed):
    feed_type = XmlSafeAtomFeed

    def title(self) -> str:
        return _("New reports in %(city)s") % {"city": city().name}

    def link(self) -> str:
        return "/reports/"

    def subtitle(self) -> str:
        return _("Problems reported by residents, as published.")

    def items(self) -> QuerySet[Report]:
        return _published()[:FEED_SIZE]

    def item_title(self, item: Report) -> str:
        return f"#{item.pk} {item.category.display_name} ({item.get_status_display()})"

    def item_description(self, item: Report) -> str:
        return item.description

    def item_pubdate(self, item: Report) -> Any:
        return item.confirmed_at or item.created_at

    def item_updateddate(self, item: Report) -> Any:
        return item.updated_at


class DistrictReportsFeed(CityReportsFeed):
    def get_object(self, request: HttpRequest, code: str) -> District:
        return get_object_or_404(District, code=code)

    def title(self, obj: District) -> str:  # type: ignore[override]
        return _("New reports in %(district)s") % {"district": obj.name}

    def link(self, obj: District) -> str:  # type: ignore[override]
        return f"/reports/?district={obj.pk}"

    def items(self, obj: District) -> QuerySet[Report]:  # type: ignore[override]
        return _published().filter(district=obj)[:FEED_SIZE]


class ReportUpdatesFeed(Feed):
    feed_type = XmlSafeAtomFeed

    def get_object(self, request: HttpRequest, pk: int) -> Report:
        report = Report.objects.public().select_related("category").filter(pk=pk).first()
        if report is None:
            raise Http404
        return report

    def title(self, obj: Report) -> str:
        return _("Report #%(id)s: %(name)s") % {"id": obj.pk, "name": obj.category.display_name}

    def link(self, obj: Report) -> str:
        return obj.get_absolute_url()

    def items(self, obj: Report) -> QuerySet[Update]:
        return obj.updates.filter(is_public=True).order_by("-created_at")[:FEED_SIZE]

    def item_title(self, item: Update) -> str:
        return item.status_label or _("Update")

    def item_description(self, item: Update) -> str:
        return item.display_text

    def item_link(self, item: Update) -> str:
        return f"{item.report.get_absolute_url()}#update-{item.pk}"

    def item_pubdate(self, item: Update) -> Any:
        return item.created_at
