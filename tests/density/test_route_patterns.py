"""Times and stop sequences, checked on generated inputs rather than the three feeds alone."""

from __future__ import annotations

from collections import Counter

import pytest
from hypothesis import given
from hypothesis import strategies as st

from density.gtfs import GtfsFeed, StopRow, StopTimeRow, TripRow, format_time, parse_time
from density.services import route_directions

STOP_IDS = [f"S{n}" for n in range(12)]
patterns = st.lists(
    st.lists(st.sampled_from(STOP_IDS), min_size=2, max_size=8, unique=True),
    min_size=1,
    max_size=6,
)


@given(st.integers(min_value=0, max_value=999 * 3600 + 3599))
def test_it_reads_back_every_time_it_writes(seconds: int) -> None:
    assert parse_time(format_time(seconds)) == seconds


@pytest.mark.parametrize("value", ["6:61:00", "24:00", "ab:00:00", "-1:00:00", "1:00:60", ""])
def test_it_refuses_a_time_gtfs_does_not_allow(value: str) -> None:
    with pytest.raises(ValueError):
        parse_time(value)


def feed_of(trip_patterns: list[list[str]]) -> GtfsFeed:
    feed = GtfsFeed(stops=[StopRow(s, "", s, 0.0, 0.0, 0, "", "") for s in STOP_IDS])
    for number, pattern in enumerate(trip_patterns):
        trip_id = f"T{number}"
        feed.trips.append(TripRow(trip_id, "R", "S", "", "", 0, "", ""))
        feed.stop_times += [
            StopTimeRow(trip_id, stop, sequence * 10, None, None, "", 0, 0)
            for sequence, stop in enumerate(pattern)
        ]
    return feed


@given(patterns)
def test_it_lists_every_stop_once_in_the_order_of_the_most_common_pattern(
    trip_patterns: list[list[str]],
) -> None:
    direction = route_directions(feed_of(trip_patterns))[("R", 0)]

    served = {stop for pattern in trip_patterns for stop in pattern}
    assert sorted(direction.stops) == sorted(served)
    counts = Counter(tuple(pattern) for pattern in trip_patterns)
    top = max(counts.values())
    most_common = [pattern for pattern, count in counts.items() if count == top]
    assert any(
        [direction.stops.index(stop) for stop in pattern]
        == sorted(direction.stops.index(stop) for stop in pattern)
        for pattern in most_common
    )
    assert direction.trip_count == len(trip_patterns)
    assert all(
        direction.calls[stop] == sum(stop in pattern for pattern in trip_patterns)
        for stop in served
    )


def test_it_slots_a_branch_stop_after_the_stop_it_follows() -> None:
    main, short_turn = ["S0", "S1", "S2", "S3"], ["S0", "S1", "S9", "S2"]

    direction = route_directions(feed_of([main, main, short_turn]))[("R", 0)]

    assert direction.stops == ["S0", "S1", "S9", "S2", "S3"]
    assert direction.calls["S9"] == 1
