"""The demo city's network (``manage.py seed_demo``): a tram and two buses around the map centre.

Written as a GTFS feed and loaded by the importer a real city uses, so the demo runs the same
code path and needs no file from outside the repository. The tram runs by frequencies (as many
tram timetables are published), the buses by explicit trips; the tram's last runs pass midnight.
"""

from __future__ import annotations

import csv
import math
import random
import tempfile
from collections.abc import Iterable
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import IO

from django.utils import timezone

from civic.actors import Actor, Channel
from civic.city import city
from density.cells import cell_key, day_type_and_slot
from density.daytypes import DayType, day_type, french_public_holidays
from density.forecast import device_id
from density.gtfs import format_time
from density.models import CounterLink, CrowdReport, Feed, Route, RoutePattern, Stop
from density.selectors import route_direction_stops
from density.services import device_hash_of, forecast_rebuild, gtfs_import
from sensors.services import sensor_register
from sensors.storage import readings_write

FEED_CODE = "demo-city"
AGENCY = ("civic-mobilites", "Civic Mobilités", "https://civic.example/mobilites", "fr")

# stop id -> name, (north, east) offset from the map centre in degrees
STOPS = {
    "PONT": ("Pont de Loire", (-0.004, -0.040)),
    "VPORT": ("Vieux-Port", (-0.006, -0.028)),
    "MARIN": ("Quai des Mariniers", (-0.005, -0.017)),
    "HDV": ("Hôtel de Ville", (-0.002, -0.006)),
    "HALLES": ("Les Halles", (0.000, 0.004)),
    "MARCHE": ("Place du Marché", (-0.001, 0.014)),
    "GARE": ("Gare", (-0.003, 0.026)),
    "EXPO": ("Parc des Expositions", (-0.002, 0.040)),
    "COTEAUX": ("Les Coteaux", (0.018, -0.012)),
    "LYCEE": ("Lycée Descartes", (0.013, -0.010)),
    "TANNEURS": ("Rue des Tanneurs", (0.007, -0.008)),
    "CATHEDRALE": ("Cathédrale", (-0.007, -0.004)),
    "HOPITAL": ("Hôpital", (-0.011, -0.003)),
    "PLAISANCE": ("Plaisance", (-0.015, -0.001)),
    "STMARTIN": ("Saint-Martin", (-0.019, 0.001)),
    "REPUBLIQUE": ("Avenue de la République", (0.003, 0.027)),
    "MEDIATHEQUE": ("Médiathèque", (0.008, 0.024)),
    "STADE": ("Stade", (0.012, 0.019)),
    "UNIVERSITE": ("Université", (0.016, 0.012)),
    "CITESCO": ("Cité scolaire", (0.018, 0.004)),
    "ZA": ("Zone d'activités", (0.019, -0.004)),
}

# route id, short name, long name, GTFS type, colour, stops (direction 0), minutes between stops
LINES = [
    ("T1", "T1", "Pont de Loire - Parc des Expositions", 0, "C8102E",
     ["PONT", "VPORT", "MARIN", "HDV", "HALLES", "MARCHE", "GARE", "EXPO"], 2),
    ("B2", "2", "Les Coteaux - Saint-Martin", 3, "0072CE",
     ["COTEAUX", "LYCEE", "TANNEURS", "HDV", "CATHEDRALE", "HOPITAL", "PLAISANCE", "STMARTIN"], 3),
    ("B5", "5", "Gare - Les Coteaux", 3, "00965E",
     ["GARE", "REPUBLIQUE", "MEDIATHEQUE", "STADE", "UNIVERSITE", "CITESCO", "ZA", "COTEAUX"], 3),
]  # fmt: skip

# service -> (Monday-first weekdays, [(from, to, headway in minutes)])
SERVICES = {
    "semaine": (
        (1, 1, 1, 1, 1, 0, 0),
        [("05:30", "07:00", 12), ("07:00", "09:30", 6), ("09:30", "16:30", 10),
         ("16:30", "19:30", 6), ("19:30", "24:30", 15)],
    ),
    "samedi": ((0, 0, 0, 0, 0, 1, 0), [("06:00", "10:00", 12), ("10:00", "20:00", 8),
                                       ("20:00", "24:30", 15)]),
    "dimanche": ((0, 0, 0, 0, 0, 0, 1), [("07:00", "24:00", 15)]),
}  # fmt: skip
BUS_HEADWAY_FACTOR = 2  # buses run half as often as the tram


def _minutes(text: str) -> int:
    hours, minutes = text.split(":")
    return int(hours) * 60 + int(minutes)


def _write(folder: Path, name: str, header: list[str], rows: Iterable[Iterable[object]]) -> None:
    with (folder / name).open("w", newline="", encoding="utf-8") as file:
        writer = csv.writer(file)
        writer.writerow(header)
        writer.writerows(rows)


def demo_feed(folder: Path, *, today: date) -> None:
    """Write the demo network as GTFS files into ``folder``, valid from last year to next."""
    lat0, lon0 = city().map_center
    start, end = date(today.year - 1, 1, 1), date(today.year + 1, 12, 31)
    _write(
        folder,
        "agency.txt",
        ["agency_id", "agency_name", "agency_url", "agency_timezone", "agency_lang"],
        [[*AGENCY[:3], city().time_zone, AGENCY[3]]],
    )
    _write(
        folder,
        "stops.txt",
        ["stop_id", "stop_name", "stop_lat", "stop_lon"],
        (
            [stop_id, name, round(lat0 + north, 6), round(lon0 + east, 6)]
            for stop_id, (name, (north, east)) in STOPS.items()
        ),
    )
    _write(
        folder,
        "routes.txt",
        ["route_id", "agency_id", "route_short_name", "route_long_name", "route_type",
         "route_color", "route_text_color", "route_sort_order"],
        (
            [route_id, AGENCY[0], short, long, kind, color, "FFFFFF", order]
            for order, (route_id, short, long, kind, color, _stops, _gap) in enumerate(LINES)
        ),
    )  # fmt: skip
    _write(
        folder,
        "calendar.txt",
        ["service_id", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday",
         "sunday", "start_date", "end_date"],
        (
            [service, *days, f"{start:%Y%m%d}", f"{end:%Y%m%d}"]
            for service, (days, _windows) in SERVICES.items()
        ),
    )  # fmt: skip
    exceptions = []
    for year in range(start.year, end.year + 1):
        for holiday in sorted(french_public_holidays(year)):
            usual = "samedi" if holiday.weekday() == 5 else "semaine"
            if holiday.weekday() != 6:
                exceptions += [
                    [usual, f"{holiday:%Y%m%d}", 2],
                    ["dimanche", f"{holiday:%Y%m%d}", 1],
                ]
    _write(folder, "calendar_dates.txt", ["service_id", "date", "exception_type"], exceptions)

    trips, stop_times, frequencies = [], [], []
    for route_id, _short, _long, kind, _color, stops, gap in LINES:
        for direction, calls in enumerate((stops, stops[::-1])):
            headsign = STOPS[calls[-1]][0]
            for service, (_days, windows) in SERVICES.items():
                if kind == 0:  # the tram: one template trip, repeated by frequencies.txt
                    departures = [_minutes(windows[0][0])]
                    trip_ids = [f"{route_id}-{direction}-{service}"]
                    frequencies += [
                        [trip_ids[0], f"{begin}:00", f"{until}:00", headway * 60]
                        for begin, until, headway in windows
                    ]
                else:
                    departures = [
                        minute
                        for begin, until, headway in windows
                        for minute in range(
                            _minutes(begin), _minutes(until), headway * BUS_HEADWAY_FACTOR
                        )
                    ]
                    trip_ids = [f"{route_id}-{direction}-{service}-{m:04d}" for m in departures]
                for trip_id, departure in zip(trip_ids, departures, strict=True):
                    trips.append([route_id, service, trip_id, headsign, direction])
                    for sequence, stop_id in enumerate(calls, 1):
                        moment = format_time((departure + (sequence - 1) * gap) * 60)
                        stop_times.append([trip_id, moment, moment, stop_id, sequence])
    _write(
        folder,
        "trips.txt",
        ["route_id", "service_id", "trip_id", "trip_headsign", "direction_id"],
        trips,
    )
    _write(
        folder,
        "stop_times.txt",
        ["trip_id", "arrival_time", "departure_time", "stop_id", "stop_sequence"],
        stop_times,
    )
    _write(
        folder,
        "frequencies.txt",
        ["trip_id", "start_time", "end_time", "headway_secs"],
        frequencies,
    )


def seed_density(*, stdout: IO[str]) -> None:
    """Import the demo city's network (idempotent: a second run updates it in place)."""
    with tempfile.TemporaryDirectory(prefix="civic-demo-gtfs-") as directory:
        folder = Path(directory) / FEED_CODE
        folder.mkdir()
        demo_feed(folder, today=timezone.localdate())
        summary = gtfs_import(actor=Actor.system(), path=folder, feed_code=FEED_CODE)
    counts = summary.counts
    stdout.write(
        f"Density: demo network of {counts['routes'].total} lines, {counts['stops'].total} stops, "
        f"{counts['trips'].total} trips\n"
    )


# A simulated month of crowd reports and counter readings -------------------------------------

SIMULATED_DAYS = 30
CONTRIBUTORS = 60
COUNTERS = [("demo-apc-t1-hdv", "T1", 0, "HDV"), ("demo-apc-t1-gare", "T1", 1, "GARE")]
TRAM_CAPACITY = 200.0
REPORTS_PER_DAY = {DayType.WEEKDAY: 70, DayType.SATURDAY: 35, DayType.SUNDAY_HOLIDAY: 18}


def true_level(*, kind: DayType, minutes: float, position: int, stops: int, tram: bool) -> float:
    """The demo's true crowding: commuting peaks on weekdays, a busy Saturday afternoon, a
    quiet Sunday; the middle of a line busier than its ends, the tram busier than the buses."""
    hour = minutes / 60
    if kind == DayType.WEEKDAY:
        base = (
            1.3
            + 2.6 * math.exp(-(((hour - 8.0) / 1.0) ** 2))
            + 2.1 * math.exp(-(((hour - 17.6) / 1.3) ** 2))
            + 0.6 * math.exp(-(((hour - 12.5) / 1.2) ** 2))
        )
    elif kind == DayType.SATURDAY:
        base = 1.2 + 1.8 * math.exp(-(((hour - 15.5) / 2.5) ** 2))
    else:
        base = 1.1 + 0.7 * math.exp(-(((hour - 16.0) / 2.5) ** 2))
    middle = 1 - abs(position - (stops - 1) / 2) / max((stops - 1) / 2, 1)
    level = base * (0.75 + 0.35 * middle) * (1.0 if tram else 0.85)
    return min(5.0, max(1.0, level))


def seed_density_crowds(*, stdout: IO[str]) -> None:
    """Add a month of simulated crowd reports and passenger counts to the demo network, then
    rebuild the forecasts, so line pages, the API and the GTFS-Realtime feed have content.

    Idempotent: a network that already has reports gets none added (its forecast is rebuilt).
    """
    feed = Feed.objects.filter(code=FEED_CODE).first()
    if feed is None:
        return
    rng = random.Random(2026)
    now = timezone.now().replace(second=0, microsecond=0)
    lines = {
        (route_id, direction): [
            row.stop for row in route_direction_stops(route_id=route_id, direction_id=direction)
        ]
        for route_id, direction in RoutePattern.objects.filter(route__feed=feed).values_list(
            "route_id", "direction_id"
        )
    }
    types = dict(Route.objects.filter(feed=feed).values_list("pk", "route_type"))
    if not CrowdReport.objects.filter(route__feed=feed).exists():
        reports = []
        for back in range(SIMULATED_DAYS, -1, -1):
            day = timezone.localdate(now) - timedelta(days=back)
            kind = day_type(day)
            for (route_id, direction), stops in lines.items():
                for _ in range(REPORTS_PER_DAY[kind]):
                    minutes = rng.uniform(6 * 60, 23 * 60)
                    at = timezone.make_aware(
                        datetime.combine(day, time()) + timedelta(minutes=minutes)
                    )
                    if at > now:
                        continue
                    position = rng.randrange(len(stops))
                    truth = true_level(
                        kind=kind,
                        minutes=minutes,
                        position=position,
                        stops=len(stops),
                        tram=types[route_id] == 0,
                    )
                    level = min(5, max(1, round(truth + rng.gauss(0, 0.6))))
                    token = f"demo-device-{rng.randrange(CONTRIBUTORS)}"
                    reports.append(
                        _report(route_id, direction, stops[position].pk, level, at, token)
                    )
        CrowdReport.objects.bulk_create(reports, batch_size=2000)
        stdout.write(
            f"Density: {len(reports)} simulated crowd reports over {SIMULATED_DAYS} days\n"
        )
    _seed_counters(feed=feed, rng=rng, now=now, lines=lines)
    run = forecast_rebuild(full=True, recalibrate=True).run
    stdout.write(f"Density: {run.forecasts} forecast cells\n")


def _report(
    route_id: int, direction: int, stop_id: int, level: int, at: datetime, token: str
) -> CrowdReport:
    device_hash = device_hash_of(token)
    day, slot = day_type_and_slot(at)
    return CrowdReport(
        route_id=route_id,
        direction_id=direction,
        stop_id=stop_id,
        level=level,
        observed_at=at,
        channel=Channel.SYSTEM,
        device_hash=device_hash,
        device=device_id(device_hash),
        cell=cell_key(
            route_id=route_id, direction_id=direction, stop_id=stop_id, day_type=day, slot=slot
        ),
    )


def _seed_counters(
    *, feed: Feed, rng: random.Random, now: datetime, lines: dict[tuple[int, int], list[Stop]]
) -> None:
    """Two automatic passenger counters at tram stops, a reading every quarter hour."""
    for device, route_gtfs, direction, stop_gtfs in COUNTERS:
        route = Route.objects.get(feed=feed, gtfs_id=route_gtfs)
        stop = Stop.objects.get(feed=feed, gtfs_id=stop_gtfs)
        if CounterLink.objects.filter(route=route, stop=stop, direction_id=direction).exists():
            continue
        sensor, _secret = sensor_register(
            actor=Actor.system(),
            device_id=device,
            device_format="native",
            kind="passenger_counter",
            latitude=stop.latitude or 0.0,
            longitude=stop.longitude or 0.0,
            name=f"{route.short_name} {stop.name}",
        )
        CounterLink.objects.create(sensor=sensor, route=route, direction_id=direction, stop=stop)
        stops = lines[(route.pk, direction)]
        position = [s.pk for s in stops].index(stop.pk)
        rows = []
        for back in range(SIMULATED_DAYS, -1, -1):
            day = timezone.localdate(now) - timedelta(days=back)
            for quarter in range(6 * 4, 23 * 4):
                at = timezone.make_aware(
                    datetime.combine(day, time()) + timedelta(minutes=15 * quarter)
                )
                if at > now:
                    break
                truth = true_level(
                    kind=day_type(day),
                    minutes=15 * quarter,
                    position=position,
                    stops=len(stops),
                    tram=True,
                )
                passengers = max(0.0, TRAM_CAPACITY * (truth - 1) / 4 + rng.gauss(0, 8))
                rows.append((sensor.pk, "passengers", at, round(passengers)))
        readings_write(rows)
