"""The demo city's network (``manage.py seed_demo``): a tram and two buses around the map centre.

Written as a GTFS feed and loaded by the importer a real city uses, so the demo runs the same
code path and needs no file from outside the repository. The tram runs by frequencies (as many
tram timetables are published), the buses by explicit trips; the tram's last runs pass midnight.
"""

from __future__ import annotations

import csv
import tempfile
from collections.abc import Iterable
from datetime import date
from pathlib import Path
from typing import IO

from django.utils import timezone

from civic.actors import Actor
from civic.city import city
from density.daytypes import french_public_holidays
from density.gtfs import format_time
from density.services import gtfs_import

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
