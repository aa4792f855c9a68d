"""Hourly roll-ups over 1 M readings, against one equivalent SQL GROUP BY (target: within 2 x).

The roll-up is the production path (``sensors.rollups.aggregates_refresh``): per-sensor hours,
then per-district hours and the days built from them. The baseline is a single GROUP BY of the
readings into a new table of hourly figures per sensor and quantity.

    .venv/bin/python bench/aggregate.py [--rows 1000000] [--sensors 2000]

Needs PostgreSQL (``CIVIC_BENCH_DATABASE_URL``, default a ``civic_bench_aggregate`` database on
127.0.0.1, dropped and recreated).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

import psycopg

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/civic_bench_aggregate"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--sensors", type=int, default=2_000)
    args = parser.parse_args()
    url = os.environ.get("CIVIC_BENCH_DATABASE_URL", DEFAULT_URL)
    base, name = url.rsplit("/", 1)
    with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    os.environ.update({"DATABASE_URL": url, "CIVIC_CHECKOUT_ID": "bench-aggregate"})
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "-v0"], cwd=ROOT, check=True, env=os.environ
    )
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "civic.settings")
    import django

    django.setup()
    if os.environ.get("CIVIC_BENCH_VERBOSE"):
        import logging

        logging.getLogger("sensors.rollups").setLevel(logging.DEBUG)
    from civic.seed import seed_city
    from sensors.rollups import aggregates_refresh

    seed_city(stdout=open(os.devnull, "w"))  # noqa: SIM115 - districts for the district roll-up
    per_sensor = args.rows // args.sensors
    with psycopg.connect(url, autocommit=True) as db:
        # Sensors spread over the six districts; one reading a minute each, pm2.5.
        db.execute(
            "INSERT INTO sensors_sensor (device_id, name, kind, quantities, device_format, "
            "latitude, longitude, district_id, payload_map, secret_hash, is_active, created_at) "
            "SELECT 'bench-' || i, '', 'air_quality', '[]', 'native', 47.39, 0.689, "
            "(SELECT id FROM civic_district ORDER BY id OFFSET i %% 6 LIMIT 1), '{}', '', true, "
            "now() FROM generate_series(1, %s) AS i",
            (args.sensors,),
        )
        db.execute(
            "INSERT INTO sensors_reading (sensor_id, quantity, time, value) "
            "SELECT s.id, 'pm25', date_trunc('hour', now()) - interval '1 day' "
            "+ m * interval '1 minute', (random() * 80)::numeric(6, 2) "
            "FROM sensors_sensor s, generate_series(0, %s - 1) AS m",
            (per_sensor,),
        )
        # Set hint bits and statistics first, so neither side pays for the load.
        db.execute("VACUUM ANALYZE sensors_reading")
        db.execute(
            "INSERT INTO sensors_pendingrollup (sensor_id, quantity, hour) "
            "SELECT DISTINCT sensor_id, quantity, date_trunc('hour', time) FROM sensors_reading"
        )
        count = db.execute("SELECT count(*) FROM sensors_reading").fetchone()[0]  # type: ignore[index]
        hours = db.execute("SELECT count(*) FROM sensors_pendingrollup").fetchone()[0]  # type: ignore[index]

        started = time.perf_counter()
        while aggregates_refresh():
            pass
        rollup_seconds = time.perf_counter() - started

        started = time.perf_counter()
        db.execute(
            "CREATE TABLE bench_hourly AS SELECT sensor_id, quantity, "
            "date_trunc('hour', time) AS hour, avg(value), min(value), max(value), "
            "sum(value), count(value) FROM sensors_reading GROUP BY 1, 2, 3"
        )
        group_by_seconds = time.perf_counter() - started
        checked = db.execute(
            "SELECT count(*) FROM bench_hourly b JOIN sensors_aggregate a ON a.period = 'hour' "
            "AND a.sensor_id = b.sensor_id AND a.start = b.hour AND a.count = b.count"
        ).fetchone()[0]  # type: ignore[index]

    print(f"readings: {count:,}; sensor-hours: {hours:,} (matching the GROUP BY: {checked:,})")
    print(f"roll-up (sensor hours + district hours + days): {rollup_seconds:.2f} s")
    print(f"one SQL GROUP BY into a table:                  {group_by_seconds:.2f} s")
    print(f"ratio: {rollup_seconds / group_by_seconds:.2f} x (target <= 2 x)")


if __name__ == "__main__":
    main()
