"""`manage.py import_gtfs`: the three shared feeds as they are, re-imports, and faulty feeds."""

from __future__ import annotations

import re
import zipfile
from collections import Counter
from collections.abc import Callable
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from density.models import (
    Agency,
    Calendar,
    CalendarDate,
    CounterLink,
    Feed,
    Frequency,
    Route,
    RouteStop,
    Stop,
    StopTime,
    Trip,
)
from sensors.models import Sensor
from tests.density.feeds import FEEDS, GTFS_DIR, copy_feed, rows, seconds

pytestmark = pytest.mark.django_db

DTA = "demo-transit-authority"
ATB = "atb-region-nord-v2"
CALTRAIN = "caltrain-2017-07-24"


def import_gtfs(path: Path, *args: str) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command("import_gtfs", str(path), *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def summary(out: str) -> dict[str, int]:
    """The counts per table the command prints, one "  table  count  (…)" line each."""
    return {match[1]: int(match[2]) for match in re.finditer(r"^  ([a-z ]+?) +(\d+)", out, re.M)}


def test_it_finds_the_three_shared_feeds() -> None:
    assert {DTA, ATB, CALTRAIN} <= set(FEEDS)


@pytest.mark.parametrize("name", [DTA, ATB, CALTRAIN])
def test_it_imports_every_row_of_a_shared_feed(name: str) -> None:
    folder = GTFS_DIR / name

    out, _err = import_gtfs(folder)

    feed = Feed.objects.get(code=name)
    expected = {
        Agency: "agency.txt",
        Route: "routes.txt",
        Stop: "stops.txt",
        Trip: "trips.txt",
        Calendar: "calendar.txt",
        CalendarDate: "calendar_dates.txt",
    }
    for model, file in expected.items():
        assert model.objects.filter(feed=feed).count() == len(rows(folder, file)), file
    stop_times = len(rows(folder, "stop_times.txt"))
    assert StopTime.objects.filter(trip__feed=feed).count() == stop_times
    frequencies = len(rows(folder, "frequencies.txt"))
    assert Frequency.objects.filter(trip__feed=feed).count() == frequencies
    printed = summary(out)
    assert printed["stop times"] == stop_times
    assert printed["trips"] == len(rows(folder, "trips.txt"))
    assert printed["stops"] == len(rows(folder, "stops.txt"))


def test_it_keeps_times_after_midnight_on_the_same_service_day() -> None:
    folder = GTFS_DIR / CALTRAIN
    late = next(row for row in rows(folder, "stop_times.txt") if row["departure_time"] >= "24")

    import_gtfs(folder)

    call = StopTime.objects.get(
        trip__gtfs_id=late["trip_id"], stop_sequence=int(late["stop_sequence"])
    )
    assert call.departure == seconds(late["departure_time"]) >= 24 * 3600
    assert call.stop.gtfs_id == late["stop_id"]


def test_it_reads_latin_1_stops_with_a_warning() -> None:
    folder = GTFS_DIR / ATB
    accented = next(row for row in rows(folder, "stops.txt") if not row["stop_name"].isascii())

    _out, err = import_gtfs(folder)

    assert "stops.txt" in err and "Latin-1" in err
    assert Stop.objects.get(gtfs_id=accented["stop_id"]).name == accented["stop_name"]


def test_it_reads_calendar_dates_without_a_calendar() -> None:
    folder = GTFS_DIR / ATB
    assert not (folder / "calendar.txt").exists()

    import_gtfs(folder)

    services = {row["service_id"] for row in rows(folder, "calendar_dates.txt")}
    assert set(Trip.objects.values_list("service_id", flat=True)) <= services


def test_it_loads_the_frequency_based_trips_of_demo_transit_authority() -> None:
    folder = GTFS_DIR / DTA
    frequencies = rows(folder, "frequencies.txt")

    import_gtfs(folder)

    loaded = {
        (f.trip.gtfs_id, f.start, f.end, f.headway)
        for f in Frequency.objects.select_related("trip")
    }
    assert loaded == {
        (
            row["trip_id"],
            seconds(row["start_time"]),
            seconds(row["end_time"]),
            int(row["headway_secs"]),
        )
        for row in frequencies
    }
    template = {row["trip_id"] for row in frequencies}
    assert all(StopTime.objects.filter(trip__gtfs_id=trip).exists() for trip in template)


def test_it_reads_a_zip_with_crlf_line_endings_and_byte_order_marks(tmp_path: Path) -> None:
    folder = GTFS_DIR / DTA
    archive = tmp_path / "dta.zip"
    with zipfile.ZipFile(archive, "w") as zipped:
        for path in folder.iterdir():
            text = path.read_text("utf-8").replace("\r\n", "\n").replace("\n", "\r\n")
            zipped.writestr(f"dta/{path.name}", "\ufeff" + text)
        zipped.writestr("dta/notes.txt", "not,a,gtfs,file\r\n")

    import_gtfs(archive)

    feed = Feed.objects.get(code="dta")
    assert Stop.objects.filter(feed=feed).count() == len(rows(folder, "stops.txt"))
    assert StopTime.objects.filter(trip__feed=feed).count() == len(rows(folder, "stop_times.txt"))
    assert set(Stop.objects.filter(feed=feed).values_list("gtfs_id", flat=True)) == {
        row["stop_id"] for row in rows(folder, "stops.txt")
    }


def test_it_orders_each_route_direction_from_its_most_common_trip_pattern() -> None:
    folder = GTFS_DIR / CALTRAIN
    trips = {row["trip_id"]: row for row in rows(folder, "trips.txt")}
    calls: dict[str, list[tuple[int, str]]] = {}
    for row in rows(folder, "stop_times.txt"):
        calls.setdefault(row["trip_id"], []).append((int(row["stop_sequence"]), row["stop_id"]))
    patterns: dict[tuple[str, int], Counter[tuple[str, ...]]] = {}
    for trip_id, trip_calls in calls.items():
        key = (trips[trip_id]["route_id"], int(trips[trip_id]["direction_id"] or 0))
        patterns.setdefault(key, Counter())[tuple(stop for _s, stop in sorted(trip_calls))] += 1

    import_gtfs(folder)

    for (route_id, direction_id), counter in patterns.items():
        stored = list(
            RouteStop.objects.filter(
                pattern__route__gtfs_id=route_id, pattern__direction_id=direction_id
            )
            .order_by("position")
            .values_list("stop__gtfs_id", flat=True)
        )
        assert set(stored) == {stop for pattern in counter for stop in pattern}
        assert len(stored) == len(set(stored))
        most_common = counter.most_common(1)[0][0]
        positions = [stored.index(stop) for stop in most_common]
        assert positions == sorted(positions), (route_id, direction_id)


def test_it_reimports_without_duplicating_or_renumbering() -> None:
    folder = GTFS_DIR / CALTRAIN
    import_gtfs(folder)
    before = {
        model: sorted(model.objects.values_list("pk", flat=True))
        for model in (Agency, Route, Stop, Trip, Calendar, CalendarDate)
    }
    stop_times = StopTime.objects.count()

    out, _err = import_gtfs(folder)

    after = {model: sorted(model.objects.values_list("pk", flat=True)) for model in before}
    assert after == before
    assert StopTime.objects.count() == stop_times
    assert "(0 new, 0 removed)" in out


def test_it_updates_a_changed_stop_in_place_and_removes_a_dropped_trip(tmp_path: Path) -> None:
    folder = copy_feed(DTA, tmp_path)
    import_gtfs(folder)
    stop = Stop.objects.get(gtfs_id="BULLFROG")
    stops = folder / "stops.txt"
    stops.write_text(stops.read_text().replace("Bullfrog (Demo)", "Bullfrog Junction"))
    dropped = rows(folder, "trips.txt")[-1]["trip_id"]
    for name in ("trips.txt", "stop_times.txt"):
        path = folder / name
        lines = path.read_text().splitlines()
        path.write_text("\n".join(line for line in lines if dropped not in line.split(",")))

    import_gtfs(folder)

    renamed = Stop.objects.get(gtfs_id="BULLFROG")
    assert (renamed.pk, renamed.name) == (stop.pk, "Bullfrog Junction")
    assert not Trip.objects.filter(gtfs_id=dropped).exists()
    assert Trip.objects.count() == len(rows(folder, "trips.txt"))


def _bad_time(path: Path) -> int:
    lines = path.read_text().splitlines()
    number = next(n for n, line in enumerate(lines, 1) if line.startswith("CITY1,"))
    fields = lines[number - 1].split(",")
    fields[2] = "6:61:00"
    lines[number - 1] = ",".join(fields)
    path.write_text("\n".join(lines) + "\n")
    return number


def _unknown_trip(path: Path) -> int:
    lines = path.read_text().splitlines()
    lines.append("GHOST,6:00:00,6:00:00,STAGECOACH,1,,,,")
    path.write_text("\n".join(lines) + "\n")
    return len(lines)


def _missing_column(path: Path) -> int:
    lines = [line.split(",") for line in path.read_text().splitlines()]
    index = lines[0].index("route_type")
    path.write_text("\n".join(",".join(v for i, v in enumerate(f) if i != index) for f in lines))
    return 1


def _long_name(path: Path) -> int:
    lines = path.read_text().splitlines()
    fields = lines[2].split(",")
    fields[1] = "Furnace Creek " * 20
    lines[2] = ",".join(fields)
    path.write_text("\n".join(lines))
    return 3


def _missing_file(path: Path) -> int:
    path.unlink()
    return 0


@pytest.mark.parametrize(
    ("file", "damage"),
    [
        ("stops.txt", _missing_file),
        ("routes.txt", _missing_column),
        ("stop_times.txt", _bad_time),
        ("stop_times.txt", _unknown_trip),
        ("stops.txt", _long_name),
    ],
    ids=["missing-file", "missing-column", "bad-time", "unknown-trip", "name-too-long"],
)
def test_it_imports_nothing_from_a_faulty_feed_and_says_where(
    tmp_path: Path, file: str, damage: Callable[[Path], int]
) -> None:
    folder = copy_feed(DTA, tmp_path)
    line = damage(folder / file)

    with pytest.raises(CommandError) as refused:
        import_gtfs(folder)

    assert (f"{file}, line {line}:" if line else f"{file}:") in str(refused.value)
    assert not Feed.objects.exists()
    assert not Stop.objects.exists()


def test_it_leaves_the_previous_import_whole_when_a_reimport_fails_midway(tmp_path: Path) -> None:
    folder = copy_feed(DTA, tmp_path)
    import_gtfs(folder)
    route = Route.objects.get(gtfs_id="AAMV")
    counter = Sensor.objects.create(
        device_id="apc-bus-12",
        kind="passenger_counter",
        device_format="native",
        latitude=36.9,
        longitude=-116.8,
    )
    CounterLink.objects.create(sensor=counter, route=route, vehicle="bus 12")
    trips = Trip.objects.filter(route=route).count()
    stops = folder / "stops.txt"
    stops.write_text(stops.read_text().replace("Bullfrog (Demo)", "Bullfrog Junction"))
    for name in ("routes.txt", "trips.txt", "stop_times.txt"):
        path = folder / name
        path.write_text(
            "\n".join(line for line in path.read_text().splitlines() if "AAMV" not in line)
        )

    with pytest.raises(CommandError) as refused:
        import_gtfs(folder)

    assert "apc-bus-12" in str(refused.value)
    assert Stop.objects.get(gtfs_id="BULLFROG").name == "Bullfrog (Demo)"
    assert Trip.objects.filter(route=route).count() == trips > 0


def test_it_keeps_two_feeds_apart_even_with_the_same_gtfs_ids() -> None:
    folder = GTFS_DIR / DTA

    import_gtfs(folder, "--feed", "north")
    import_gtfs(folder, "--feed", "south")

    stops = len(rows(folder, "stops.txt"))
    assert Stop.objects.filter(feed__code="north").count() == stops
    assert Stop.objects.filter(feed__code="south").count() == stops
    assert Stop.objects.filter(gtfs_id="BULLFROG").count() == 2
