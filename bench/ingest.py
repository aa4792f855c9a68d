"""Sensor ingest: HTTP batches to durable rows, against one raw COPY of the same rows.

1 M readings from 2,000 sensors are POSTed to /api/sensors/readings/ in batches of 10,000 by
several concurrent clients (gunicorn + Celery workers on PostgreSQL, a private Redis), until
every row is committed in ``sensors_reading``. Then the table is emptied and the same rows are
COPYed in one stream into the same indexed table. Prints both rates and the ratio (target
>= 50 %).

    .venv/bin/python bench/ingest.py [--rows 1000000] [--clients 4]

Needs PostgreSQL (``CIVIC_BENCH_DATABASE_URL``, default a ``civic_bench_sensors`` database on
127.0.0.1, dropped and recreated) and ``redis-server`` on the PATH (started on a free port).
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import socket
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import psycopg

ROOT = Path(__file__).resolve().parent.parent
SERVER = ROOT / ".venv" / "bin"
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/civic_bench_sensors"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def recreate_database(url: str) -> None:
    base, name = url.rsplit("/", 1)
    with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def wait_port(port: int, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return
        except OSError:
            time.sleep(0.2)
    sys.exit(f"nothing listens on {port}")


def make_rows(sensors: int, total: int) -> list[tuple[str, str, datetime, float]]:
    rng = random.Random(42)
    per_sensor = total // sensors
    start = datetime.now(UTC).replace(second=0, microsecond=0) - timedelta(minutes=per_sensor + 5)
    return [
        (f"bench-{s:04d}", "pm25", start + timedelta(minutes=i), round(rng.uniform(1, 80), 2))
        for s in range(sensors)
        for i in range(per_sensor)
    ]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--sensors", type=int, default=2_000)
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--batch", type=int, default=10_000)
    parser.add_argument("--workers", type=int, default=2, help="Celery worker processes")
    args = parser.parse_args()

    url = os.environ.get("CIVIC_BENCH_DATABASE_URL", DEFAULT_URL)
    recreate_database(url)
    tmp = Path(tempfile.mkdtemp(prefix="civic-bench-ingest-"))
    redis_port, web_port = free_port(), free_port()
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "REDIS_URL": f"redis://127.0.0.1:{redis_port}/0",
        "CIVIC_VAR_DIR": str(tmp),
        "CIVIC_CHECKOUT_ID": "bench-ingest",
        "DEBUG": "0",
        "LOG_LEVEL": "WARNING",
    }
    processes: list[subprocess.Popen[bytes]] = []

    def spawn(*command: str) -> None:
        log = (tmp / f"{Path(command[0]).name}-{len(processes)}.log").open("wb")
        processes.append(
            subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
        )

    try:
        spawn("redis-server", "--port", str(redis_port), "--save", "", "--appendonly", "no")
        wait_port(redis_port)
        manage = [str(SERVER / "python"), "manage.py"]
        subprocess.run([*manage, "migrate", "-v0"], cwd=ROOT, env=env, check=True)
        rows = make_rows(args.sensors, args.rows)
        setup = f"""
from civic.actors import Actor
from civic.services import api_client_create
from sensors.models import Sensor
Sensor.objects.bulk_create([Sensor(device_id=f"bench-{{i:04d}}", device_format="native",
    kind="air_quality", quantities=["pm25"], latitude=47.39, longitude=0.689)
    for i in range({args.sensors})])
print(api_client_create(actor=Actor.system(), name="bench", scopes=["sensors"])[1])
"""
        key = (
            subprocess.run(
                [*manage, "shell", "-c", setup], cwd=ROOT, env=env, check=True, capture_output=True
            )
            .stdout.decode()
            .strip()
            .splitlines()[-1]
        )
        spawn(
            str(SERVER / "gunicorn"),
            "civic.wsgi",
            "-b",
            f"127.0.0.1:{web_port}",
            "-w",
            "2",
            "--threads",
            "2",
            "--log-level",
            "warning",
        )
        spawn(
            str(SERVER / "celery"),
            "-A",
            "civic",
            "worker",
            f"--concurrency={args.workers}",
            "--without-gossip",
            "--without-mingle",
            "--loglevel=WARNING",
        )
        wait_port(web_port)
        time.sleep(2)

        bodies = [
            json.dumps(
                [
                    {"sensor": s, "time": t.isoformat(), "quantity": q, "value": v}
                    for s, q, t, v in rows[i : i + args.batch]
                ]
            ).encode()
            for i in range(0, len(rows), args.batch)
        ]
        pending = list(enumerate(bodies))
        lock = threading.Lock()
        failures: list[str] = []

        def client() -> None:
            conn = http.client.HTTPConnection("127.0.0.1", web_port, timeout=120)
            while True:
                with lock:
                    if not pending:
                        return
                    _index, body = pending.pop()
                conn.request(
                    "POST",
                    "/api/sensors/readings/",
                    body,
                    {"Authorization": f"Api-Key {key}", "Content-Type": "application/json"},
                )
                response = conn.getresponse()
                response.read()
                if response.status != 202:
                    failures.append(str(response.status))

        with psycopg.connect(url, autocommit=True) as db:
            started = time.perf_counter()
            threads = [threading.Thread(target=client) for _ in range(args.clients)]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            accepted = time.perf_counter() - started
            while True:
                count = db.execute("SELECT count(*) FROM sensors_reading").fetchone()[0]  # type: ignore[index]
                if count >= len(rows) or failures:
                    break
                time.sleep(0.2)
            http_seconds = time.perf_counter() - started
            if failures:
                sys.exit(f"refused requests: {failures[:5]} (logs in {tmp})")

            db.execute("TRUNCATE sensors_reading")
            ids: dict[str, int] = dict(
                db.execute("SELECT device_id, id FROM sensors_sensor").fetchall()
            )
            started = time.perf_counter()
            with (
                db.transaction(),
                db.cursor() as cursor,
                cursor.copy(
                    "COPY sensors_reading (sensor_id, quantity, time, value) FROM STDIN"
                ) as copy,
            ):
                # The fastest way to feed COPY from Python: big blocks of text lines.
                for i in range(0, len(rows), 5000):
                    copy.write(
                        "".join(
                            f"{ids[s]}\t{q}\t{t.isoformat()}\t{v!r}\n"
                            for s, q, t, v in rows[i : i + 5000]
                        )
                    )
            copy_seconds = time.perf_counter() - started
    finally:
        for process in reversed(processes):
            process.terminate()
        for process in processes:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()

    http_rate, copy_rate = len(rows) / http_seconds, len(rows) / copy_seconds
    print(
        f"rows: {len(rows):,} from {args.sensors:,} sensors, {len(bodies)} requests, "
        f"{args.clients} clients, {args.workers} workers"
    )
    print(f"HTTP accepted (202) in {accepted:.1f} s; committed in {http_seconds:.1f} s")
    print(f"HTTP batches -> durable rows: {http_rate:,.0f} rows/s")
    print(f"one COPY stream:              {copy_rate:,.0f} rows/s")
    print(f"ratio: {100 * http_rate / copy_rate:.0f} % (target >= 50 %)")


if __name__ == "__main__":
    main()
