"""The stored forecast's rebuild through the database: a full one from 1 M crowd reports (target
< 60 s) and an incremental one after 10,000 new reports (target < 5 s), on PostgreSQL.

This is the production path (``density.services.forecast_rebuild``, what the Celery task runs):
reports read from the database, per-cell statistics and forecasts written back. The network is a
shared GTFS feed imported by the importer; reports are spread over its lines, stops and the last
80 days (service hours, busier at peaks), from 20,000 devices. The incremental run is timed for a
realistic batch (10,000 reports of the last two hours or so) and for the worst case (10,000
reports spread over the 80 days); then a full rebuild checks that both give the same forecasts.

    .venv/bin/python bench/density_rebuild.py [--reports 1000000] [--new 10000]
        [--feed ../shared/data/gtfs/caltrain-2017-07-24]

Needs PostgreSQL (``CIVIC_BENCH_DATABASE_URL``, default a ``civic_bench_density`` database on
127.0.0.1, dropped and recreated).
"""

from __future__ import annotations

import argparse
import io
import os
import subprocess
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path

import numpy as np
import psycopg

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/civic_bench_density"
DEFAULT_FEED = ROOT.parent / "shared" / "data" / "gtfs" / "caltrain-2017-07-24"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--reports", type=int, default=1_000_000)
    parser.add_argument("--new", type=int, default=10_000)
    parser.add_argument("--feed", type=Path, default=DEFAULT_FEED)
    parser.add_argument("--seed", type=int, default=13)
    args = parser.parse_args()
    url = os.environ.get("CIVIC_BENCH_DATABASE_URL", DEFAULT_URL)
    base, name = url.rsplit("/", 1)
    with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    os.environ.update({"DATABASE_URL": url, "CIVIC_CHECKOUT_ID": "bench-density"})
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "-v0"], cwd=ROOT, check=True, env=os.environ
    )
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "civic.settings")
    import django

    django.setup()
    from django.utils import timezone

    from civic.actors import Actor
    from density.services import forecast_rebuild, gtfs_import

    summary = gtfs_import(actor=Actor.system(), path=args.feed.resolve())
    print(f"network: {args.feed.name}, {summary.counts['stops of lines'].total} line stops")
    rng = np.random.default_rng(args.seed)
    now = timezone.now().replace(microsecond=0)

    started = time.perf_counter()
    load(url, rng, count=args.reports, until=now - timedelta(hours=3), days=80)
    print(f"loaded {args.reports:,} reports in {time.perf_counter() - started:.1f} s (COPY)")
    with psycopg.connect(url, autocommit=True) as db:
        db.execute("VACUUM ANALYZE density_crowdreport")

    started = time.perf_counter()
    full = forecast_rebuild(full=True)
    full_seconds = time.perf_counter() - started
    print(
        f"full rebuild: {full_seconds:.1f} s for {args.reports:,} reports, "
        f"{full.run.forecasts:,} forecast cells (target < 60 s)"
    )

    load(url, rng, count=args.new, until=now, days=0.1)
    started = time.perf_counter()
    incremental = forecast_rebuild()
    incremental_seconds = time.perf_counter() - started
    print(
        f"incremental rebuild after {args.new:,} new reports: {incremental_seconds:.2f} s, "
        f"{incremental.touched:,} cells touched, {incremental.run.cells_recomputed:,} recomputed "
        f"(target < 5 s)"
    )
    # The worst case: as many new reports, spread over the whole 80 days (every cell touched).
    load(url, rng, count=args.new, until=now, days=80)
    started = time.perf_counter()
    spread = forecast_rebuild()
    spread_seconds = time.perf_counter() - started
    print(
        f"incremental rebuild after {args.new:,} reports spread over 80 days: "
        f"{spread_seconds:.2f} s, {spread.touched:,} cells touched, "
        f"{spread.run.cells_recomputed:,} recomputed"
    )
    from density.models import Forecast

    after_incremental = list(
        Forecast.objects.order_by("cell").values_list("cell", "level", "confidence", "samples")
    )
    forecast_rebuild(full=True)
    same = after_incremental == list(
        Forecast.objects.order_by("cell").values_list("cell", "level", "confidence", "samples")
    )
    print(f"incremental equals full: {same}")
    print(
        f"targets: full {'met' if full_seconds < 60 else 'MISSED'}, "
        f"incremental {'met' if incremental_seconds < 5 else 'MISSED'}"
    )


def load(url: str, rng: np.random.Generator, *, count: int, until: datetime, days: float) -> None:
    """``count`` reports over the ``days`` before ``until``, written with COPY."""
    from density.cells import DAY_TYPE_BITS, DAY_TYPES, SLOT_BITS, STOP_BITS, service_moment
    from density.daytypes import day_type
    from density.forecast import device_id
    from density.models import RouteStop

    line_stops = np.array(
        RouteStop.objects.values_list("pattern__route_id", "pattern__direction_id", "stop_id"),
        np.int64,
    )
    # Busier at the morning and evening peaks: hours of the day drawn from a two-peak mixture.
    seconds_back = rng.uniform(0, days * 86_400, count)
    peak = rng.choice([8.0, 17.5, 13.0], count, p=[0.4, 0.4, 0.2])
    moments = []
    for back, hour in zip(seconds_back, peak, strict=True):
        moment = until - timedelta(seconds=float(back))
        if days >= 1:
            target = float(np.clip(rng.normal(hour, 2.0), 6.0, 23.5))
            local = moment.astimezone()
            moment = local.replace(hour=int(target), minute=int(target % 1 * 60), second=0)
            moment = min(moment, until)
        moments.append(moment)
    chosen = line_stops[rng.integers(0, len(line_stops), count)]
    levels = np.clip(np.round(rng.normal(2.6, 1.1, count)), 1, 5).astype(int)
    devices = rng.integers(0, 20_000, count)
    hashes = {d: f"{d:064x}" for d in np.unique(devices).tolist()}
    numbers = {d: device_id(h) for d, h in hashes.items()}
    kinds: dict[object, int] = {}
    buffer = io.StringIO()
    created = datetime.now().astimezone().isoformat()
    for (route, direction, stop), level, device, moment in zip(
        chosen.tolist(), levels.tolist(), devices.tolist(), moments, strict=True
    ):
        day, seconds = service_moment(moment)
        if day not in kinds:
            kinds[day] = DAY_TYPES.index(day_type(day))
        slot = min(seconds // 900, 127)
        cell = (
            (((route << 1 | direction) << STOP_BITS | stop) << DAY_TYPE_BITS | kinds[day])
            << SLOT_BITS
        ) | slot
        buffer.write(
            f"{route}\t{direction}\t{stop}\t{level}\t{moment.isoformat()}\tapi\t"
            f"{hashes[device]}\t{numbers[device]}\t{cell}\t{created}\n"
        )
    buffer.seek(0)
    with (
        psycopg.connect(url, autocommit=True) as db,
        db.cursor() as cursor,
        cursor.copy(
            "COPY density_crowdreport (route_id, direction_id, stop_id, level, observed_at, "
            "channel, device_hash, device, cell, created_at) FROM STDIN"
        ) as copy,
    ):
        while chunk := buffer.read(1 << 20):
            copy.write(chunk)


if __name__ == "__main__":
    main()
