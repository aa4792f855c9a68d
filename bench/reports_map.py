"""The public map over 1 M reports: GeoJSON tiles against a bare Django view, same server, same
run (target: >= 40 % of the bare view's requests/s, p99 < 150 ms).

    .venv/bin/python bench/reports_map.py [--rows 1000000] [--tiles 10000] [--seconds 30]

Needs PostgreSQL (``CIVIC_BENCH_DATABASE_URL``, default a ``civic_bench_reports_map`` database
on 127.0.0.1, dropped and recreated) and Redis for the shared tile cache
(``CIVIC_BENCH_REDIS_URL``, default db 13). The server is gunicorn with the project's WSGI
application; the load is 16 keep-alive connections (Python threads: no wrk on the machine),
each picking tiles at random among ``--tiles`` distinct tiles at zoom 12-17, after a cold
pass that requests each tile once (its figures are printed too: a map in use is warm, but
the cost of a miss is worth knowing).
"""

from __future__ import annotations

import argparse
import http.client
import math
import os
import random
import subprocess
import sys
import tempfile
import threading
import time
from datetime import timedelta
from pathlib import Path

import psycopg

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/civic_bench_reports_map"
DEFAULT_REDIS = "redis://127.0.0.1:6379/13"
PORT = 8931
CONNECTIONS = 16
# Reports spread over a box around the demo city large enough for 10,000 tiles at zoom 17.
CENTER = (47.39, 0.689)
HALF_LAT, HALF_LON = 0.12, 0.2

# A bare view in the same server: a URLconf wrapping the project's, written at run time.
BENCH_SETTINGS = """
from civic.settings import *  # noqa: F403
ROOT_URLCONF = "bench_reports_map_urls"
DEBUG = False
"""
BENCH_URLS = """
from django.http import HttpResponse
from django.urls import include, path


def bare(request):
    return HttpResponse(b'{"type":"FeatureCollection","features":[]}',
                        content_type="application/geo+json")


urlpatterns = [path("bench/bare", bare), path("", include("civic.urls"))]
"""


def tile_xy(lat: float, lon: float, z: int) -> tuple[int, int]:
    n = 2**z
    r = math.radians(lat)
    return int((lon + 180) / 360 * n), int((1 - math.asinh(math.tan(r)) / math.pi) / 2 * n)


def tiles(count: int) -> list[str]:
    found = []
    for z in range(12, 18):
        x0, y0 = tile_xy(CENTER[0] + HALF_LAT, CENTER[1] - HALF_LON, z)
        x1, y1 = tile_xy(CENTER[0] - HALF_LAT, CENTER[1] + HALF_LON, z)
        found += [
            f"/reports/map/{z}/{x}/{y}.geojson"
            for x in range(x0, x1 + 1)
            for y in range(y0, y1 + 1)
        ]
    rng = random.Random(12)
    rng.shuffle(found)
    return found[:count]


def load(paths: list[str], seconds: float, *, once: bool = False) -> tuple[float, float, float]:
    """(requests/s, p99 in ms, share of responses saying X-Tile-Cache: hit). ``once``: each
    path exactly once (the cold pass), shared among the connections, instead of at random."""
    queue = list(paths) if once else []
    latencies: list[float] = []
    hits = [0]
    lock = threading.Lock()
    stop = time.perf_counter() + seconds

    def worker(seed: int) -> None:
        rng = random.Random(seed)
        conn = http.client.HTTPConnection("127.0.0.1", PORT, timeout=30)
        mine, my_hits = [], 0
        while once or time.perf_counter() < stop:
            if once:
                with lock:
                    if not queue:
                        break
                    path = queue.pop()
            else:
                path = rng.choice(paths)
            started = time.perf_counter()
            conn.request("GET", path)
            response = conn.getresponse()
            response.read()
            mine.append(time.perf_counter() - started)
            if response.status != 200:
                raise SystemExit(f"{path}: HTTP {response.status}")
            my_hits += response.getheader("X-Tile-Cache") == "hit"
        conn.close()
        with lock:
            latencies.extend(mine)
            hits[0] += my_hits

    started = time.perf_counter()
    threads = [threading.Thread(target=worker, args=(i,)) for i in range(CONNECTIONS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    latencies.sort()
    p99 = latencies[int(len(latencies) * 0.99) - 1] * 1000
    return len(latencies) / elapsed, p99, hits[0] / len(latencies)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--tiles", type=int, default=10_000)
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--workers", type=int, default=2 * (os.cpu_count() or 1) + 1)
    args = parser.parse_args()
    url = os.environ.get("CIVIC_BENCH_DATABASE_URL", DEFAULT_URL)
    redis_url = os.environ.get("CIVIC_BENCH_REDIS_URL", DEFAULT_REDIS)
    base, name = url.rsplit("/", 1)
    with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "REDIS_URL": redis_url,
        "CIVIC_CHECKOUT_ID": "bench-reports-map",
        "DEBUG": "0",
        "LOG_LEVEL": "WARNING",
    }
    subprocess.run([sys.executable, "manage.py", "migrate", "-v0"], cwd=ROOT, check=True, env=env)
    os.environ.update(env)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "civic.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.utils import timezone

    from reports.tiles import cell_of

    now = timezone.now()
    subprocess.run(
        [
            sys.executable,
            "-c",
            "import redis, sys; redis.from_url(sys.argv[1]).flushdb()",
            redis_url,
        ],
        check=True,
    )
    with psycopg.connect(url, autocommit=True) as db:
        department = db.execute(
            "INSERT INTO civic_department (code, name, email, is_active) "
            "VALUES ('voirie', 'Voirie', '', true) RETURNING id"
        ).fetchone()[0]  # type: ignore[index]
        category = db.execute(
            'INSERT INTO reports_category (service_code, name, name_en, "group", group_en, '
            "description, description_en, icon, department_id, nearby_radius_m, "
            'anonymous_allowed, questions, is_active, "order") '
            "VALUES ('nid-de-poule', 'Nid-de-poule', 'Pothole', 'Voirie', 'Roads', '', '', '', "
            "%s, 250, true, '[]', true, 0) RETURNING id",
            (department,),
        ).fetchone()[0]  # type: ignore[index]
        started = time.perf_counter()
        rng = random.Random(4)
        statuses = ["open", "acknowledged", "in_progress", "fixed"]
        columns = (
            "category_id, lat, lon, cell, address, description, answers, status, priority, "
            "channel, department_id, contact_email, contact_name, contact_phone, show_name, "
            "language, idempotency_key, client_media_url, hidden_reason, created_at, "
            "updated_at, confirmed_at"
        )
        with db.cursor().copy(f"COPY reports_report ({columns}) FROM STDIN") as copy:
            for i in range(args.rows):
                lat = CENTER[0] + rng.uniform(-HALF_LAT, HALF_LAT)
                lon = CENTER[1] + rng.uniform(-HALF_LON, HALF_LON)
                when = now - timedelta(days=rng.uniform(0, 200))
                copy.write_row(
                    (
                        category,
                        lat,
                        lon,
                        cell_of(lat, lon),
                        "",
                        "bench",
                        "{}",
                        statuses[i % 4],
                        2,
                        "web",
                        department,
                        "",
                        "",
                        "",
                        False,
                        "fr",
                        "",
                        "",
                        "",
                        when,
                        when,
                        when,
                    )
                )
        db.execute("VACUUM ANALYZE reports_report")
        loaded = time.perf_counter() - started
        count = db.execute("SELECT count(*) FROM reports_report").fetchone()[0]  # type: ignore[index]
    print(f"reports: {count:,} loaded in {loaded:.1f} s")

    with tempfile.TemporaryDirectory() as extra:
        Path(extra, "bench_reports_map_settings.py").write_text(BENCH_SETTINGS)
        Path(extra, "bench_reports_map_urls.py").write_text(BENCH_URLS)
        server = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "civic.wsgi:application",
                "--bind",
                f"127.0.0.1:{PORT}",
                "--workers",
                str(args.workers),
                "--worker-class",
                "gthread",
                "--threads",
                "2",
                "--keep-alive",
                "30",
                "--pythonpath",
                f"{ROOT},{extra}",
                "--log-level",
                "warning",
            ],
            cwd=ROOT,
            env={**env, "DJANGO_SETTINGS_MODULE": "bench_reports_map_settings"},
        )
        try:
            for _ in range(100):
                try:
                    http.client.HTTPConnection("127.0.0.1", PORT, timeout=1).request(
                        "GET", "/healthz"
                    )
                    break
                except OSError:
                    time.sleep(0.2)
            paths = tiles(args.tiles)
            load(["/bench/bare"], 3)  # warm the workers
            bare_rps, bare_p99, _ = load(["/bench/bare"], args.seconds)
            cold_rps, cold_p99, _ = load(paths, 0, once=True)
            tile_rps, tile_p99, hit_rate = load(paths, args.seconds)
        finally:
            server.terminate()
            server.wait(timeout=30)
    print(f"tiles: {len(paths):,} distinct, zoom 12-17, {CONNECTIONS} connections")
    print(f"bare view:            {bare_rps:8.0f} req/s   p99 {bare_p99:6.1f} ms")
    print(f"map tiles, cold pass: {cold_rps:8.0f} req/s   p99 {cold_p99:6.1f} ms   (each once)")
    print(
        f"map tiles, at random: {tile_rps:8.0f} req/s   p99 {tile_p99:6.1f} ms   "
        f"cache hits {hit_rate:.0%}"
    )
    ratio = tile_rps / bare_rps
    print(f"ratio (at random): {ratio:.0%} of the bare view (target >= 40 %; p99 < 150 ms)")


if __name__ == "__main__":
    main()
