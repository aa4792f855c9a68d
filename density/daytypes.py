"""Day types: the forecast learns weekdays, Saturdays and Sundays-or-holidays apart.

French public holidays are computed (Easter by the Gregorian computus), so no table needs a
yearly update. Services run by the GTFS calendar, with its exceptions, are a separate question:
a feed may well run its Sunday service on a holiday, or not.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta
from typing import TYPE_CHECKING

from django.db import models
from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise


class DayType(models.TextChoices):
    WEEKDAY = "weekday", _("Weekday")
    SATURDAY = "saturday", _("Saturday")
    SUNDAY_HOLIDAY = "sunday", _("Sunday or public holiday")


def easter_sunday(year: int) -> date:
    """Easter Sunday of ``year`` in the Gregorian calendar (the anonymous algorithm)."""
    a = year % 19
    b, c = divmod(year, 100)
    d, e = divmod(b, 4)
    f = (b + 8) // 25
    g = (b - f + 1) // 3
    h = (19 * a + b - d - g + 15) % 30
    i, k = divmod(c, 4)
    el = (32 + 2 * e + 2 * i - h - k) % 7
    m = (a + 11 * h + 22 * el) // 451
    month, day = divmod(h + el - 7 * m + 114, 31)
    return date(year, month, day + 1)


def french_public_holidays(year: int) -> dict[date, StrOrPromise]:
    """The eleven public holidays of metropolitan France (Alsace-Moselle's two extra aside)."""
    easter = easter_sunday(year)
    return {
        date(year, 1, 1): _("New Year's Day"),
        easter + timedelta(days=1): _("Easter Monday"),
        date(year, 5, 1): _("Labour Day"),
        date(year, 5, 8): _("Victory in Europe Day"),
        easter + timedelta(days=39): _("Ascension Day"),
        easter + timedelta(days=50): _("Whit Monday"),
        date(year, 7, 14): _("Bastille Day"),
        date(year, 8, 15): _("Assumption"),
        date(year, 11, 1): _("All Saints' Day"),
        date(year, 11, 11): _("Armistice Day"),
        date(year, 12, 25): _("Christmas Day"),
    }


def day_type(day: date) -> DayType:
    """What day type ``day`` is: a holiday falling on a weekday counts as a Sunday."""
    if day.weekday() == 6 or day in french_public_holidays(day.year):
        return DayType.SUNDAY_HOLIDAY
    if day.weekday() == 5:
        return DayType.SATURDAY
    return DayType.WEEKDAY


def services_running(
    day: date,
    *,
    calendars: Iterable[tuple[str, tuple[bool, ...], date, date]],
    exceptions: Iterable[tuple[str, date, int]],
) -> set[str]:
    """The service ids that run on ``day``, by GTFS rules.

    ``calendars`` are (service id, Monday-first weekday flags, start date, end date) rows of
    calendar.txt, ``exceptions`` (service id, date, 1 added / 2 removed) rows of
    calendar_dates.txt; either may be empty, as in a feed with only calendar_dates.txt.
    """
    running = {
        service_id
        for service_id, weekdays, start, end in calendars
        if start <= day <= end and weekdays[day.weekday()]
    }
    for service_id, exception_day, exception_type in exceptions:
        if exception_day != day:
            continue
        if exception_type == 1:
            running.add(service_id)
        else:
            running.discard(service_id)
    return running
