"""Reads of the density domain."""

from __future__ import annotations

from datetime import date

from django.db.models import QuerySet

from density.daytypes import services_running
from density.models import Calendar, CalendarDate, Feed, RouteStop, Trip


def feed_services_on(*, feed: Feed, day: date) -> set[str]:
    """The service ids of ``feed`` that run on ``day`` (its calendar and exceptions)."""
    calendars = [
        (calendar.service_id, calendar.weekdays, calendar.start_date, calendar.end_date)
        for calendar in Calendar.objects.filter(feed=feed, start_date__lte=day, end_date__gte=day)
    ]
    exceptions = CalendarDate.objects.filter(feed=feed, date=day).values_list(
        "service_id", "date", "exception_type"
    )
    return services_running(day, calendars=calendars, exceptions=exceptions)


def trips_on(*, feed: Feed, day: date) -> QuerySet[Trip]:
    """The trips of ``feed`` that run on ``day``."""
    return Trip.objects.filter(feed=feed, service_id__in=feed_services_on(feed=feed, day=day))


def route_direction_stops(*, route_id: int, direction_id: int) -> QuerySet[RouteStop]:
    """The stops of a route in one direction, in the order a passenger meets them."""
    return (
        RouteStop.objects.filter(pattern__route_id=route_id, pattern__direction_id=direction_id)
        .select_related("stop")
        .order_by("position")
    )
