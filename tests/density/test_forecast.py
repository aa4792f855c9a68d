"""The forecast engine: incremental equals full, robustness, privacy, "now" and counters."""

from __future__ import annotations

import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from density.forecast import (
    DECAY_EPOCH,
    Calibration,
    CellKey,
    CounterReading,
    ForecastEngine,
    ForecastSettings,
    Network,
    Report,
    occupancy_status,
)

DAY = 86_400.0
MONDAY = DECAY_EPOCH + 400 * DAY  # some Monday-ish moment well after the decay epoch
STOPS = ["gare", "mairie", "halles", "port", "lycee", "stade"]
LINES = {("T1", 0): STOPS, ("T1", 1): STOPS[::-1], ("B7", 0): ["gare", "port", "zac"]}


def cell(stop: str = "halles", slot: int = 32, route: str = "T1", direction: int = 0) -> CellKey:
    return CellKey(route, direction, stop, "weekday", slot)


def reports(
    where: CellKey, levels: list[int], *, devices: int | None = None, at: float = MONDAY
) -> list[Report]:
    """One report per level, from ``devices`` distinct devices (one each by default)."""
    count = devices or len(levels)
    return [
        Report(where, at - i * 600.0, level, f"{where.stop}-{where.slot}-device-{i % count}")
        for i, level in enumerate(levels)
    ]


def engine(**settings: object) -> ForecastEngine:
    return ForecastEngine(
        network=Network(LINES),
        settings=ForecastSettings(**settings),  # type: ignore[arg-type]
        capacities={"T1": 200.0, "B7": 80.0},
        reliability={"apc-broken": 0.2},
    )


def random_data(
    rng: random.Random, n: int, start: float
) -> tuple[list[Report], list[CounterReading]]:
    all_cells = [
        CellKey(route, direction, stop, day_type, slot)
        for (route, direction), stops in LINES.items()
        for stop in stops
        for day_type in ("weekday", "saturday")
        for slot in range(30, 40)
    ]
    got = [
        Report(
            rng.choice(all_cells),
            start + rng.uniform(0, 30 * DAY),
            rng.randint(1, 5),
            f"device-{rng.randint(0, 40)}",
        )
        for _ in range(n)
    ]
    counts = [
        CounterReading(
            r.cell,
            r.observed_at,
            40.0 * r.level + rng.uniform(-10, 10),
            rng.choice(["apc-1", "apc-broken"]),
        )
        for r in got[: n // 4]
    ]
    return got, counts


@pytest.mark.parametrize("seed", [13, 14, 15])
def test_it_gives_exactly_the_full_rebuild_after_incremental_ones(seed: int) -> None:
    rng = random.Random(seed)
    first, first_counts = random_data(rng, 3000, MONDAY)
    # Later data, some of it arriving late (observed before the first batch's newest reports).
    second, second_counts = random_data(rng, 12, MONDAY + 20 * DAY)
    third = [
        Report(cell("port", 35), MONDAY + 60 * DAY, 5, "device-late"),
        Report(cell("gare", 39, "B7"), MONDAY - 3 * DAY, 1, "device-3"),
    ]
    incremental = engine()
    incremental.add_reports(first)
    incremental.add_counter_readings(first_counts)
    incremental.rebuild(full=True, recalibrate=True)
    incremental.add_reports(second)
    incremental.add_counter_readings(second_counts)
    summary = incremental.rebuild()
    incremental.add_reports(third)
    incremental.exclude_device("device-7")
    incremental.archive_reports_before(MONDAY + 10 * DAY)
    incremental.rebuild(recalibrate=True)
    unchanged = incremental.rebuild()

    full = engine()
    full.calibrations = dict(incremental.calibrations)
    full.add_reports(first + second + third)
    full.add_counter_readings(first_counts + second_counts)
    full.exclude_device("device-7")
    full.archive_reports_before(MONDAY + 10 * DAY)
    full.rebuild(full=True)

    assert incremental.calibrations["T1"].source == "reports"
    assert summary.cells_recomputed < summary.forecasts  # it did not recompute everything
    assert unchanged.cells_recomputed == 0
    assert incremental.forecasts() == full.forecasts()
    assert incremental.forecast(cell("port", 35)) == full.forecast(cell("port", 35))


SMALL_CELLS = [
    CellKey(route, direction, stop, "weekday", slot)
    for (route, direction), stops in LINES.items()
    for stop in stops[:4]
    for slot in (30, 31, 33)
]
report_rows = st.lists(
    st.tuples(
        st.sampled_from(SMALL_CELLS),
        st.floats(0, 200),  # days after MONDAY
        st.integers(1, 5),
        st.integers(0, 7),  # device
    ),
    min_size=1,
    max_size=60,
)


@settings(max_examples=30, deadline=None)
@given(rows=report_rows, cuts=st.lists(st.integers(0, 60), max_size=3))
def test_it_gives_the_full_rebuild_however_the_data_arrives(
    rows: list[tuple[CellKey, float, int, int]], cuts: list[int]
) -> None:
    data = [Report(c, MONDAY + days * DAY, level, f"d{d}") for c, days, level, d in rows]
    incremental = engine(k_anonymity=2)
    start = 0
    for cut in [*sorted(cuts), len(data)]:
        incremental.add_reports(data[start:cut])
        incremental.rebuild()
        start = max(start, cut)
    full = engine(k_anonymity=2)
    full.add_reports(data)
    full.rebuild(full=True)
    assert incremental.forecasts() == full.forecasts()


def test_it_weighs_recent_reports_more_whenever_it_runs() -> None:
    # Two months ago it was quiet; this week it is packed.
    old = reports(cell(), [1] * 6, at=MONDAY - 60 * DAY)
    new = reports(cell(), [4] * 6, at=MONDAY)
    forecasts = []
    for order in ([*old, *new], [*new, *old]):
        subject = engine()
        subject.add_reports(order)
        subject.rebuild(full=True)
        forecasts.append(subject.forecast(cell()))
    assert forecasts[0] == forecasts[1]
    assert forecasts[0] is not None
    assert forecasts[0].rounded == 4
    assert forecasts[0].samples == 12


def test_it_keeps_what_reports_taught_once_they_are_no_longer_kept() -> None:
    subject = engine()
    subject.add_reports(reports(cell(), [4, 4, 4, 5, 3, 4], at=MONDAY - 100 * DAY))
    subject.add_reports(reports(cell(), [2] * 5, at=MONDAY))
    subject.rebuild(full=True)
    before = subject.forecast(cell())

    subject.archive_reports_before(MONDAY - 90 * DAY)
    subject.rebuild()
    after = subject.forecast(cell())

    assert before is not None and after is not None
    assert after.level == pytest.approx(before.level)
    assert after.samples == before.samples == 11


def test_it_barely_moves_for_pranksters() -> None:
    honest = reports(cell(), [2] * 20)
    pranks = [Report(cell(), MONDAY - 30.0 * i, 5, f"prankster-{i}") for i in range(3)]
    subject = engine()
    subject.add_reports(honest + pranks)
    subject.rebuild(full=True)
    forecast = subject.forecast(cell())

    plain_mean = sum(r.level for r in honest + pranks) / 23
    assert forecast is not None
    assert plain_mean > 2.35
    assert forecast.level < 2.15
    assert forecast.rounded == 2


@pytest.mark.parametrize(("devices", "published"), [(4, False), (5, True)])
def test_it_leaves_out_a_cell_with_fewer_than_k_devices(devices: int, published: bool) -> None:
    subject = engine(k_anonymity=5)
    subject.add_reports(reports(cell(), [4] * 10, devices=devices))
    subject.rebuild(full=True)

    forecast = subject.forecast(cell())
    assert (forecast is not None) is published
    neighbour = subject.forecast(cell("port"))
    assert (neighbour is not None) is published


@pytest.mark.parametrize(("devices", "uses_own_reports"), [(4, False), (5, True)])
def test_it_falls_back_to_the_neighbours_pattern_below_k_devices(
    devices: int, uses_own_reports: bool
) -> None:
    subject = engine(k_anonymity=5)
    subject.add_reports(reports(cell("mairie"), [1] * 8) + reports(cell("port"), [1] * 8))
    subject.add_reports(reports(cell(), [5] * 10, devices=devices))
    subject.rebuild(full=True)

    forecast = subject.forecast(cell())
    assert forecast is not None
    if uses_own_reports:
        assert forecast.rounded >= 4
        assert forecast.samples == 10
    else:
        assert forecast.rounded == 1
        assert forecast.samples == 0  # the count itself is not published either


def test_it_says_now_from_the_last_20_minutes_when_there_are_enough_reports() -> None:
    subject = engine(k_anonymity=5)
    history = reports(cell(), [2] * 12, at=MONDAY - 7 * DAY)
    history += reports(cell("lycee"), [2] * 12, at=MONDAY - 7 * DAY)
    subject.add_reports(history)
    subject.rebuild(full=True)
    at = MONDAY + 8 * 3600
    packed = [Report(cell("lycee"), at - 60.0 * i, 5, f"rider-{i}") for i in range(5)]

    forecast = subject.forecast(cell())
    enough = subject.now(cell(), at, reports=packed)
    too_few = subject.now(cell(), at, reports=packed[:4])
    too_old = subject.now(cell(), at + 30 * 60, reports=packed)

    assert forecast is not None and forecast.rounded == 2
    assert enough is not None and enough.source == "recent" and enough.rounded >= 4
    assert too_few is not None and too_few.source == "forecast"
    assert too_few.level == forecast.level
    assert too_old is not None and too_old.source == "forecast"


def test_it_says_now_where_there_is_no_forecast_yet_from_enough_recent_reports() -> None:
    subject = engine(k_anonymity=5)
    subject.rebuild(full=True)
    at = MONDAY + 18 * 3600
    crowd = [
        Report(cell("port"), at - 60.0 * i, level, f"fan-{i}")
        for i, level in enumerate([4, 4, 5, 4, 1])
    ]
    elsewhere = [Report(cell("gare"), at - 60.0 * i, 5, f"other-{i}") for i in range(5)]

    assert subject.forecast(cell("port")) is None
    now = subject.now(cell("port"), at, reports=crowd + elsewhere)
    assert now is not None and now.source == "recent" and now.rounded == 4
    assert subject.now(cell("port"), at, reports=crowd[:4] + elsewhere) is None


def test_it_learns_what_counters_mean_from_cells_with_reports_too() -> None:
    subject = engine(calibration_min_cells=4)
    # 40 passengers per level above empty on T1: 1 + passengers / 40.
    for slot, level in zip(range(20, 28), [1, 2, 3, 4, 5, 2, 3, 4], strict=True):
        where = cell("gare", slot)
        subject.add_reports(reports(where, [level] * 5))
        subject.add_counter_readings(
            [CounterReading(where, MONDAY, 40.0 * (level - 1), "apc-1") for _ in range(3)]
        )
    # A stop only a counter covers, far from the others.
    counted = cell("stade", 60)
    subject.add_counter_readings([CounterReading(counted, MONDAY, 120.0, "apc-1")])
    subject.rebuild(full=True, recalibrate=True)

    learned = subject.calibrations["T1"]
    assert learned.source == "reports"
    assert learned.level(120.0) == pytest.approx(4.0, abs=0.1)
    forecast = subject.forecast(counted)
    assert forecast is not None and forecast.rounded == 4
    # B7 has no cell with both: its capacity (80) says 40 passengers is half full.
    assert "B7" not in subject.calibrations
    assert subject.effective_calibrations()["B7"] == Calibration.from_capacity(80.0)
    assert subject.effective_calibrations()["B7"].level(40.0) == 3.0


def test_it_trusts_an_unreliable_counter_less() -> None:
    subject = engine()
    where = cell("lycee", 50)
    subject.add_counter_readings(
        [
            CounterReading(where, MONDAY, 0.0, "apc-1"),  # empty: level 1 on capacity 200
            CounterReading(where, MONDAY, 200.0, "apc-broken"),  # full: 5, reliability 0.2
        ]
    )
    subject.rebuild(full=True)
    forecast = subject.forecast(where)
    assert forecast is not None
    assert forecast.level == pytest.approx((1 * 1.0 + 5 * 0.2) / 1.2)


def test_it_has_nothing_to_say_about_a_cell_without_data() -> None:
    subject = engine()
    subject.add_reports(reports(cell(slot=32), [3] * 6))
    subject.rebuild(full=True)

    assert subject.forecast(cell(slot=80)) is None
    assert subject.forecast(cell("zac", route="B7")) is None
    assert subject.now(cell(slot=80), MONDAY) is None
    assert subject.forecast(cell(slot=33)) is not None  # a neighbour of the data


def test_it_handles_a_loop_line_serving_a_stop_twice() -> None:
    subject = ForecastEngine(network=Network({("L", 0): ["gare", "parc", "musee", "gare"]}))
    at_gare = CellKey("L", 0, "gare", "weekday", 40)
    at_parc = CellKey("L", 0, "parc", "weekday", 40)
    subject.add_reports(reports(at_gare, [3] * 5))
    subject.rebuild(full=True)

    assert subject.forecast(at_gare) is not None
    assert subject.forecast(at_parc) is not None  # the stop after the first visit
    riders = [Report(at_parc, MONDAY - 60.0 * i, 5, f"rider-{i}") for i in range(5)]
    now = subject.now(at_gare, MONDAY, reports=riders)
    assert now is not None and now.source == "recent"


def test_it_names_levels_as_gtfs_realtime_does() -> None:
    assert [occupancy_status(level) for level in (1, 2, 3, 4, 5)] == [
        "MANY_SEATS_AVAILABLE",
        "FEW_SEATS_AVAILABLE",
        "STANDING_ROOM_ONLY",
        "CRUSHED_STANDING_ROOM_ONLY",
        "FULL",
    ]
    assert occupancy_status(3.6) == "CRUSHED_STANDING_ROOM_ONLY"
