"""Reading a GTFS feed (a zip or a folder) into checked rows, before anything is written.

Feeds in the wild carry byte-order marks, CRLF line endings, files GTFS does not define, and the
odd file in Latin-1; all are read. Anything GTFS forbids (a missing required column, a bad time,
a reference to an unknown trip) stops the import with the file and line that caused it.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path, PurePosixPath

from django.db import models
from django.utils.translation import gettext as _

from civic.errors import InvalidInput
from density.models import Agency, Route, Stop, StopTime, Trip

BOM = "\ufeff"
TIME = re.compile(r"^(\d{1,3}):([0-5]\d):([0-5]\d)$")
COLOR = re.compile(r"^[0-9A-Fa-f]{6}$")
MAX_INTEGER = 2**31 - 1  # PostgreSQL's integer
# Where each text column is stored: a value longer than its field is refused with its file and
# line, rather than by the database (PostgreSQL enforces lengths, SQLite does not).
COLUMN_FIELDS: dict[str, tuple[type[models.Model], str]] = {
    "agency_id": (Agency, "gtfs_id"),
    "agency_name": (Agency, "name"),
    "agency_url": (Agency, "url"),
    "agency_timezone": (Agency, "timezone"),
    "agency_lang": (Agency, "lang"),
    "agency_phone": (Agency, "phone"),
    "stop_id": (Stop, "gtfs_id"),
    "stop_code": (Stop, "code"),
    "stop_name": (Stop, "name"),
    "parent_station": (Stop, "gtfs_id"),
    "platform_code": (Stop, "platform_code"),
    "route_id": (Route, "gtfs_id"),
    "route_short_name": (Route, "short_name"),
    "route_long_name": (Route, "long_name"),
    "service_id": (Trip, "service_id"),
    "trip_id": (Trip, "gtfs_id"),
    "trip_headsign": (Trip, "headsign"),
    "trip_short_name": (Trip, "short_name"),
    "block_id": (Trip, "block_id"),
    "shape_id": (Trip, "shape_id"),
    "stop_headsign": (StopTime, "headsign"),
}
LENGTHS: dict[str, int] = {
    column: model._meta.get_field(name).max_length  # type: ignore[union-attr,misc]
    for column, (model, name) in COLUMN_FIELDS.items()
}
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


class GtfsError(InvalidInput):
    """A feed GTFS forbids. ``file`` and ``line`` (1 is the header, 0 the whole file) say where."""

    def __init__(self, file: str, line: int, detail: str) -> None:
        where = {"file": file, "line": line, "detail": detail}
        if line:
            super().__init__(_("%(file)s, line %(line)d: %(detail)s") % where)
        else:
            super().__init__(_("%(file)s: %(detail)s") % where)
        self.file = file
        self.line = line
        self.detail = detail


@dataclass
class AgencyRow:
    gtfs_id: str
    name: str
    url: str
    timezone: str
    lang: str
    phone: str


@dataclass
class RouteRow:
    gtfs_id: str
    agency_id: str
    short_name: str
    long_name: str
    route_type: int
    color: str
    text_color: str
    sort_order: int | None


@dataclass
class StopRow:
    gtfs_id: str
    code: str
    name: str
    latitude: float | None
    longitude: float | None
    location_type: int
    parent_id: str
    platform_code: str


@dataclass
class CalendarRow:
    service_id: str
    weekdays: tuple[bool, bool, bool, bool, bool, bool, bool]
    start_date: date
    end_date: date


@dataclass
class CalendarDateRow:
    service_id: str
    date: date
    exception_type: int


@dataclass
class TripRow:
    gtfs_id: str
    route_id: str
    service_id: str
    headsign: str
    short_name: str
    direction_id: int
    block_id: str
    shape_id: str


@dataclass
class StopTimeRow:
    trip_id: str
    stop_id: str
    stop_sequence: int
    arrival: int | None
    departure: int | None
    headsign: str
    pickup_type: int
    drop_off_type: int


@dataclass
class FrequencyRow:
    trip_id: str
    start: int
    end: int
    headway: int
    exact_times: bool


@dataclass
class GtfsFeed:
    agencies: list[AgencyRow] = field(default_factory=list)
    routes: list[RouteRow] = field(default_factory=list)
    stops: list[StopRow] = field(default_factory=list)
    calendars: list[CalendarRow] = field(default_factory=list)
    calendar_dates: list[CalendarDateRow] = field(default_factory=list)
    trips: list[TripRow] = field(default_factory=list)
    stop_times: list[StopTimeRow] = field(default_factory=list)
    frequencies: list[FrequencyRow] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def parse_time(value: str) -> int:
    """GTFS HH:MM:SS (hours may pass 24) as seconds since the service day's midnight."""
    match = TIME.match(value)
    if match is None:
        raise ValueError(value)
    hours, minutes, seconds = (int(part) for part in match.groups())
    return hours * 3600 + minutes * 60 + seconds


def format_time(seconds: int) -> str:
    """The inverse of ``parse_time``: 90600 is "25:10:00"."""
    return f"{seconds // 3600:02d}:{seconds % 3600 // 60:02d}:{seconds % 60:02d}"


class _Source:
    """The .txt files of a feed folder or zip (at its root or in its one top folder)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.files: dict[str, bytes] = {}
        if path.is_dir():
            for child in path.iterdir():
                if child.is_file() and child.suffix == ".txt":
                    self.files[child.name] = child.read_bytes()
        elif zipfile.is_zipfile(path):
            with zipfile.ZipFile(path) as archive:
                members = [m for m in archive.infolist() if not m.is_dir()]
                for member in members:
                    name = PurePosixPath(member.filename)
                    if name.suffix == ".txt" and len(name.parts) <= 2:
                        self.files.setdefault(name.name, archive.read(member))
        else:
            raise InvalidInput(_("%(path)s is neither a folder nor a zip file.") % {"path": path})


class _Table:
    """One file's rows as dicts, with the physical line each came from."""

    def __init__(self, name: str, data: bytes, warnings: list[str]) -> None:
        self.name = name
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            text = data.decode("latin-1")
            warnings.append(
                _("%(file)s is not UTF-8: read as Latin-1, check its accented names.")
                % {"file": name}
            )
        self.reader = csv.reader(io.StringIO(text.removeprefix(BOM), newline=""))
        header = next(self.reader, [])
        self.columns = [column.strip().removeprefix(BOM) for column in header]

    def require(self, *columns: str) -> None:
        for column in columns:
            if column not in self.columns:
                raise GtfsError(
                    self.name, 1, _("required column %(column)s is missing.") % {"column": column}
                )

    def __iter__(self) -> Iterator[tuple[int, dict[str, str]]]:
        width = len(self.columns)
        for values in self.reader:
            if not any(value.strip() for value in values):
                continue
            values = values + [""] * (width - len(values))
            yield (
                self.reader.line_num,
                {
                    column: value.strip()
                    for column, value in zip(self.columns, values, strict=False)
                },
            )


class _Row:
    """Typed access to one row's fields, raising GtfsError with the file and line."""

    def __init__(self, table: str, line: int, values: dict[str, str]) -> None:
        self.table, self.line, self.values = table, line, values

    def fail(self, detail: str) -> GtfsError:
        return GtfsError(self.table, self.line, detail)

    def text(self, column: str, *, required: bool = False) -> str:
        value = self.values.get(column, "")
        if required and not value:
            raise self.fail(_("%(column)s is empty.") % {"column": column})
        limit = LENGTHS.get(column)
        if limit is not None and len(value) > limit:
            raise self.fail(
                _("%(column)s is longer than %(limit)d characters.")
                % {"column": column, "limit": limit}
            )
        return value

    def invalid(self, column: str, value: str) -> GtfsError:
        return self.fail(_("invalid %(column)s: %(value)r.") % {"column": column, "value": value})

    def integer(
        self, column: str, *, default: int | None = None, choices: tuple[int, ...] = ()
    ) -> int:
        value = self.text(column, required=default is None)
        if not value:
            assert default is not None
            return default
        try:
            number = int(value)
        except ValueError:
            raise self.invalid(column, value) from None
        if not 0 <= number <= MAX_INTEGER or (choices and number not in choices):
            raise self.invalid(column, value)
        return number

    def optional_integer(self, column: str) -> int | None:
        return self.integer(column) if self.text(column) else None

    def coordinate(self, column: str, limit: float, *, required: bool) -> float | None:
        value = self.text(column, required=required)
        if not value:
            return None
        try:
            number = float(value)
        except ValueError:
            raise self.invalid(column, value) from None
        if not -limit <= number <= limit:
            raise self.invalid(column, value)
        return number

    def time(self, column: str, *, required: bool = False) -> int | None:
        value = self.text(column, required=required)
        if not value:
            return None
        try:
            return parse_time(value)
        except ValueError:
            raise self.invalid(column, value) from None

    def day(self, column: str) -> date:
        value = self.text(column, required=True)
        try:
            if len(value) != 8:
                raise ValueError(value)
            return date(int(value[:4]), int(value[4:6]), int(value[6:]))
        except ValueError:
            raise self.invalid(column, value) from None

    def color(self, column: str) -> str:
        value = self.text(column)
        if value and not COLOR.match(value):
            raise self.invalid(column, value)
        return value.upper()

    def unknown(self, column: str) -> GtfsError:
        return self.fail(
            _("%(column)s %(value)r is not defined in the feed.")
            % {"column": column, "value": self.values.get(column, "")}
        )


def _rows(table: _Table) -> Iterator[_Row]:
    for line, values in table:
        yield _Row(table.name, line, values)


def read_feed(path: Path) -> GtfsFeed:
    """Every row of the feed at ``path``, checked. Raises GtfsError at the first fault."""
    source = _Source(path)
    feed = GtfsFeed()

    def optional(name: str, *columns: str) -> _Table | None:
        data = source.files.get(name)
        if data is None:
            return None
        table = _Table(name, data, feed.warnings)
        table.require(*columns)
        return table

    def required(name: str, *columns: str) -> _Table:
        table = optional(name, *columns)
        if table is None:
            raise GtfsError(name, 0, _("the file is missing."))
        return table

    agencies = required("agency.txt", "agency_name", "agency_url", "agency_timezone")
    stops = required("stops.txt", "stop_id")
    routes = required("routes.txt", "route_id", "route_type")
    trips = required("trips.txt", "route_id", "service_id", "trip_id")
    stop_times = required("stop_times.txt", "trip_id", "stop_id", "stop_sequence")
    calendar = optional("calendar.txt", "service_id", *WEEKDAYS, "start_date", "end_date")
    calendar_dates = optional("calendar_dates.txt", "service_id", "date", "exception_type")
    frequencies = optional("frequencies.txt", "trip_id", "start_time", "end_time", "headway_secs")
    if calendar is None and calendar_dates is None:
        raise GtfsError(
            "calendar.txt", 0, _("the feed has neither calendar.txt nor calendar_dates.txt.")
        )

    _read_agencies(agencies, feed)
    _read_stops(stops, feed)
    _read_routes(routes, feed)
    services = set()
    if calendar is not None:
        _read_calendar(calendar, feed)
        services |= {row.service_id for row in feed.calendars}
    if calendar_dates is not None:
        _read_calendar_dates(calendar_dates, feed)
        services |= {row.service_id for row in feed.calendar_dates}
    _read_trips(trips, feed, services)
    _read_stop_times(stop_times, feed)
    if frequencies is not None:
        _read_frequencies(frequencies, feed)
    return feed


def _duplicate(row: _Row, column: str) -> GtfsError:
    return row.fail(
        _("%(column)s %(value)r appears twice.") % {"column": column, "value": row.text(column)}
    )


def _read_agencies(table: _Table, feed: GtfsFeed) -> None:
    seen: set[str] = set()
    for row in _rows(table):
        gtfs_id = row.text("agency_id")
        if gtfs_id in seen:
            raise _duplicate(row, "agency_id")
        seen.add(gtfs_id)
        feed.agencies.append(
            AgencyRow(
                gtfs_id=gtfs_id,
                name=row.text("agency_name", required=True),
                url=row.text("agency_url", required=True),
                timezone=row.text("agency_timezone", required=True),
                lang=row.text("agency_lang"),
                phone=row.text("agency_phone"),
            )
        )
    if not feed.agencies:
        raise GtfsError(table.name, 2, _("the feed names no agency."))
    if len(feed.agencies) > 1 and "" in seen:
        raise GtfsError(table.name, 1, _("agency_id is required when there are several agencies."))


def _read_stops(table: _Table, feed: GtfsFeed) -> None:
    seen: set[str] = set()
    lines: dict[str, _Row] = {}
    for row in _rows(table):
        gtfs_id = row.text("stop_id", required=True)
        if gtfs_id in seen:
            raise _duplicate(row, "stop_id")
        seen.add(gtfs_id)
        location_type = row.integer("location_type", default=0, choices=(0, 1, 2, 3, 4))
        located = location_type <= 2
        stop = StopRow(
            gtfs_id=gtfs_id,
            code=row.text("stop_code"),
            name=row.text("stop_name", required=located),
            latitude=row.coordinate("stop_lat", 90, required=located),
            longitude=row.coordinate("stop_lon", 180, required=located),
            location_type=location_type,
            parent_id=row.text("parent_station"),
            platform_code=row.text("platform_code"),
        )
        feed.stops.append(stop)
        if stop.parent_id:
            lines[gtfs_id] = row
    for stop in feed.stops:
        if stop.parent_id and stop.parent_id not in seen:
            raise lines[stop.gtfs_id].unknown("parent_station")


def _read_routes(table: _Table, feed: GtfsFeed) -> None:
    agencies = {agency.gtfs_id for agency in feed.agencies}
    only_agency = feed.agencies[0].gtfs_id if len(feed.agencies) == 1 else None
    seen: set[str] = set()
    for row in _rows(table):
        gtfs_id = row.text("route_id", required=True)
        if gtfs_id in seen:
            raise _duplicate(row, "route_id")
        seen.add(gtfs_id)
        agency_id = row.text("agency_id")
        if agency_id not in agencies and (agency_id or only_agency is None):
            raise row.unknown("agency_id")
        if only_agency is not None and not agency_id:
            agency_id = only_agency
        feed.routes.append(
            RouteRow(
                gtfs_id=gtfs_id,
                agency_id=agency_id,
                short_name=row.text("route_short_name"),
                long_name=row.text("route_long_name"),
                route_type=row.integer("route_type"),
                color=row.color("route_color"),
                text_color=row.color("route_text_color"),
                sort_order=row.optional_integer("route_sort_order"),
            )
        )


def _read_calendar(table: _Table, feed: GtfsFeed) -> None:
    seen: set[str] = set()
    for row in _rows(table):
        service_id = row.text("service_id", required=True)
        if service_id in seen:
            raise _duplicate(row, "service_id")
        seen.add(service_id)
        flags = tuple(bool(row.integer(day, choices=(0, 1))) for day in WEEKDAYS)
        feed.calendars.append(
            CalendarRow(
                service_id=service_id,
                weekdays=flags,  # type: ignore[arg-type]
                start_date=row.day("start_date"),
                end_date=row.day("end_date"),
            )
        )


def _read_calendar_dates(table: _Table, feed: GtfsFeed) -> None:
    seen: set[tuple[str, date]] = set()
    for row in _rows(table):
        service_id = row.text("service_id", required=True)
        day = row.day("date")
        if (service_id, day) in seen:
            raise row.fail(
                _("service %(service)s has two exceptions on %(date)s.")
                % {"service": service_id, "date": day.isoformat()}
            )
        seen.add((service_id, day))
        feed.calendar_dates.append(
            CalendarDateRow(
                service_id=service_id,
                date=day,
                exception_type=row.integer("exception_type", choices=(1, 2)),
            )
        )


def _read_trips(table: _Table, feed: GtfsFeed, services: set[str]) -> None:
    routes = {route.gtfs_id for route in feed.routes}
    seen: set[str] = set()
    for row in _rows(table):
        gtfs_id = row.text("trip_id", required=True)
        if gtfs_id in seen:
            raise _duplicate(row, "trip_id")
        seen.add(gtfs_id)
        if row.text("route_id", required=True) not in routes:
            raise row.unknown("route_id")
        if row.text("service_id", required=True) not in services:
            raise row.unknown("service_id")
        feed.trips.append(
            TripRow(
                gtfs_id=gtfs_id,
                route_id=row.text("route_id"),
                service_id=row.text("service_id"),
                headsign=row.text("trip_headsign"),
                short_name=row.text("trip_short_name"),
                direction_id=row.integer("direction_id", default=0, choices=(0, 1)),
                block_id=row.text("block_id"),
                shape_id=row.text("shape_id"),
            )
        )


def _read_stop_times(table: _Table, feed: GtfsFeed) -> None:
    trips = {trip.gtfs_id for trip in feed.trips}
    stops = {stop.gtfs_id for stop in feed.stops}
    seen: set[tuple[str, int]] = set()
    for row in _rows(table):
        trip_id = row.text("trip_id", required=True)
        if trip_id not in trips:
            raise row.unknown("trip_id")
        if row.text("stop_id", required=True) not in stops:
            raise row.unknown("stop_id")
        sequence = row.integer("stop_sequence")
        if (trip_id, sequence) in seen:
            raise row.fail(
                _("trip %(trip)s has stop_sequence %(sequence)d twice.")
                % {"trip": trip_id, "sequence": sequence}
            )
        seen.add((trip_id, sequence))
        arrival, departure = row.time("arrival_time"), row.time("departure_time")
        # GTFS lets a feed give only one of the two when they are equal.
        arrival = departure if arrival is None else arrival
        departure = arrival if departure is None else departure
        feed.stop_times.append(
            StopTimeRow(
                trip_id=trip_id,
                stop_id=row.text("stop_id"),
                stop_sequence=sequence,
                arrival=arrival,
                departure=departure,
                headsign=row.text("stop_headsign"),
                pickup_type=row.integer("pickup_type", default=0, choices=(0, 1, 2, 3)),
                drop_off_type=row.integer("drop_off_type", default=0, choices=(0, 1, 2, 3)),
            )
        )


def _read_frequencies(table: _Table, feed: GtfsFeed) -> None:
    trips = {trip.gtfs_id for trip in feed.trips}
    seen: set[tuple[str, int]] = set()
    for row in _rows(table):
        trip_id = row.text("trip_id", required=True)
        if trip_id not in trips:
            raise row.unknown("trip_id")
        start = row.time("start_time", required=True)
        end = row.time("end_time", required=True)
        assert start is not None and end is not None
        if end < start:
            raise row.fail(_("end_time is before start_time."))
        if (trip_id, start) in seen:
            raise _duplicate(row, "start_time")
        seen.add((trip_id, start))
        headway = row.integer("headway_secs")
        if headway == 0:
            raise row.invalid("headway_secs", "0")
        feed.frequencies.append(
            FrequencyRow(
                trip_id=trip_id,
                start=start,
                end=end,
                headway=headway,
                exact_times=bool(row.integer("exact_times", default=0, choices=(0, 1))),
            )
        )
