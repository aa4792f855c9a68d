"""Day types (weekday, Saturday, Sunday or French public holiday) and services running on a date."""

from __future__ import annotations

from datetime import date, timedelta
from io import StringIO

import pytest
from django.core.management import call_command

from density.daytypes import DayType, day_type, easter_sunday, french_public_holidays
from density.models import Feed
from density.selectors import feed_services_on, trips_on
from tests.density.feeds import GTFS_DIR, rows


@pytest.mark.parametrize(
    ("year", "easter"),
    [(2024, date(2024, 3, 31)), (2025, date(2025, 4, 20)), (2026, date(2026, 4, 5))],
)
def test_it_computes_easter(year: int, easter: date) -> None:
    assert easter_sunday(year) == easter


def test_it_puts_easter_on_a_sunday_between_march_22_and_april_25() -> None:
    for year in range(1900, 2200):
        easter = easter_sunday(year)
        assert easter.weekday() == 6
        assert date(year, 3, 22) <= easter <= date(year, 4, 25)


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (date(2026, 4, 6), DayType.SUNDAY_HOLIDAY),  # Easter Monday
        (date(2026, 5, 14), DayType.SUNDAY_HOLIDAY),  # Ascension, a Thursday
        (date(2026, 5, 25), DayType.SUNDAY_HOLIDAY),  # Whit Monday
        (date(2026, 7, 14), DayType.SUNDAY_HOLIDAY),  # a Tuesday
        (date(2026, 11, 11), DayType.SUNDAY_HOLIDAY),  # a Wednesday
        (date(2026, 5, 8), DayType.SUNDAY_HOLIDAY),  # a Friday
        (date(2026, 7, 15), DayType.WEEKDAY),
        (date(2026, 5, 15), DayType.WEEKDAY),  # the day after Ascension
        (date(2026, 7, 18), DayType.SATURDAY),
        (date(2026, 8, 15), DayType.SUNDAY_HOLIDAY),  # Assumption, a Saturday
        (date(2026, 7, 19), DayType.SUNDAY_HOLIDAY),  # a plain Sunday
    ],
)
def test_it_tells_the_day_type_of_a_date(day: date, expected: DayType) -> None:
    assert day_type(day) == expected


def test_it_knows_eleven_holidays_every_year_with_the_movable_ones_after_easter() -> None:
    for year in (2024, 2025, 2026, 2027):
        holidays = french_public_holidays(year)
        easter = easter_sunday(year)
        assert len(holidays) == 11
        assert {easter + timedelta(days=n) for n in (1, 39, 50)} <= holidays.keys()
        assert (easter + timedelta(days=39)).weekday() == 3  # Ascension is a Thursday


@pytest.mark.django_db
def test_it_tells_which_services_run_by_calendar_and_exceptions() -> None:
    folder = GTFS_DIR / "demo-transit-authority"
    call_command("import_gtfs", str(folder), stdout=StringIO())
    feed = Feed.objects.get()
    removed = next(
        row for row in rows(folder, "calendar_dates.txt") if row["exception_type"] == "2"
    )
    day = date(int(removed["date"][:4]), int(removed["date"][4:6]), int(removed["date"][6:]))
    weekend_only = {
        row["service_id"]
        for row in rows(folder, "calendar.txt")
        if row["saturday"] == row["sunday"] == "1" and row["monday"] == "0"
    }
    saturday = day + timedelta(days=(5 - day.weekday()) % 7)

    assert removed["service_id"] not in feed_services_on(feed=feed, day=day)
    assert removed["service_id"] in feed_services_on(feed=feed, day=day + timedelta(days=7))
    assert weekend_only <= feed_services_on(feed=feed, day=saturday)
    assert not weekend_only & feed_services_on(feed=feed, day=saturday + timedelta(days=2))
    assert not feed_services_on(feed=feed, day=date(2030, 1, 1))  # after the calendar ends
    assert set(trips_on(feed=feed, day=saturday).values_list("service_id", flat=True)) == (
        feed_services_on(feed=feed, day=saturday)
    )


@pytest.mark.django_db
def test_it_runs_a_service_only_on_its_added_dates_without_a_calendar() -> None:
    folder = GTFS_DIR / "atb-region-nord-v2"
    call_command("import_gtfs", str(folder), stdout=StringIO(), stderr=StringIO())
    feed = Feed.objects.get()
    added = [row for row in rows(folder, "calendar_dates.txt") if row["exception_type"] == "1"]
    first = added[0]
    day = date(int(first["date"][:4]), int(first["date"][4:6]), int(first["date"][6:]))
    running = {row["service_id"] for row in added if row["date"] == first["date"]}

    assert feed_services_on(feed=feed, day=day) == running
