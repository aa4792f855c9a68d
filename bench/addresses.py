"""Gazetteer: import a département-sized Base Adresse Nationale file, then search it.

Generates a 300,000-row BAN-format ``adresses-99.csv.gz`` (23 columns, 6,000 streets in 20
communes), then, on a fresh SQLite database and (when ``DATABASE_URL`` is set) on a fresh
PostgreSQL database beside it (``civic_bench_addresses``, dropped and recreated), times:
``import_addresses`` (first import, then a re-import that updates every row in place), and the
latency of ``addresses_search`` and ``address_nearest`` (median and 95th percentile over 300
calls each). Target: the import well under a minute.

    .venv/bin/python bench/addresses.py [--rows 300000]
"""

from __future__ import annotations

import argparse
import gzip
import os
import random
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psycopg

ROOT = Path(__file__).resolve().parent.parent
# The header exactly as the BAN writes it.
HEADER = (
    "id;id_fantoir;numero;rep;nom_voie;code_postal;code_insee;nom_commune;"
    "code_insee_ancienne_commune;nom_ancienne_commune;x;y;lon;lat;type_position;alias;nom_ld;"
    "libelle_acheminement;nom_afnor;source_position;source_nom_voie;certification_commune;"
    "cad_parcelles"
)
BAN_COLUMNS = HEADER.split(";")

TYPES = ["Rue", "Avenue", "Boulevard", "Place", "Allée", "Impasse", "Chemin", "Quai"]
NAMES = [
    "de la Paix",
    "Nationale",
    "Victor Hugo",
    "des Tanneurs",
    "du Commerce",
    "de l'Église",
    "Émile Zola",
    "des Écoles",
    "Jean Jaurès",
    "du Général de Gaulle",
    "des Lilas",
    "Saint-Martin",
    "de la République",
    "des Acacias",
    "du Château",
]

SEARCH_AND_NEAREST = """
import random, statistics, time
from civic.addresses import addresses_search, address_nearest, name_key, normalise
from civic.models import Address
rng = random.Random(7)
sample = list(Address.objects.order_by("?").values_list("number", "street", "lat", "lon")[:300])
def timed(calls):
    times = []
    for call in calls:
        start = time.perf_counter()
        call()
        times.append((time.perf_counter() - start) * 1000)
    times.sort()
    return statistics.median(times), times[int(len(times) * 0.95)]
queries = [f"{n} {street.lower()}" for n, street, _lat, _lon in sample]
prefixes = [name_key(normalise(street))[:5] for _n, street, _lat, _lon in sample]
found = sum(bool(addresses_search(q, 8)) for q in queries)
s50, s95 = timed([lambda q=q: addresses_search(q, 8) for q in queries])
p50, p95 = timed([lambda q=q: addresses_search(q, 8) for q in prefixes])
n50, n95 = timed([lambda a=a: address_nearest(a[2] + 0.0003, a[3] - 0.0003) for a in sample])
print(f"  search '12 rue …': median {s50:.1f} ms, p95 {s95:.1f} ms ({found}/300 found)")
print(f"  search street prefix: median {p50:.1f} ms, p95 {p95:.1f} ms")
print(f"  nearest: median {n50:.1f} ms, p95 {n95:.1f} ms")
"""


def generate(path: Path, rows: int) -> None:
    rng = random.Random(42)
    streets_per_commune = max(1, rows // 50 // 20)
    with gzip.open(path, "wt", encoding="utf-8", newline="") as out:
        out.write(HEADER + "\n")
        written = 0
        for commune in range(20):
            insee, name = f"99{commune + 100:03d}", f"Commune {commune + 1}"
            lat0, lon0 = 47.0 + commune * 0.05, 0.5 + commune * 0.05
            for street in range(streets_per_commune):
                voie = f"{rng.choice(TYPES)} {rng.choice(NAMES)} {street + 1}"
                fantoir = f"{insee}_{street:04d}"
                lat, lon = lat0 + rng.random() * 0.04, lon0 + rng.random() * 0.04
                for number in range(1, 51):
                    if written >= rows:
                        return
                    values = dict.fromkeys(BAN_COLUMNS, "")
                    values.update(
                        id=f"{fantoir}_{number:05d}",
                        id_fantoir=fantoir,
                        numero=str(number),
                        nom_voie=voie,
                        code_postal=f"99{commune:03d}",
                        code_insee=insee,
                        nom_commune=name,
                        x="525000.00",
                        y="6700000.00",
                        lon=f"{lon + number * 0.00005:.6f}",
                        lat=f"{lat:.6f}",
                        type_position="entrée",
                        libelle_acheminement=name.upper(),
                        nom_afnor=voie.upper(),
                        source_position="commune",
                        source_nom_voie="commune",
                        certification_commune="1",
                    )
                    out.write(";".join(values[column] for column in BAN_COLUMNS) + "\n")
                    written += 1


def manage(env: dict[str, str], *args: str) -> str:
    result = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        sys.exit(f"manage.py {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")
    return result.stdout


def run(label: str, env: dict[str, str], path: Path, rows: int) -> None:
    print(f"{label}:")
    manage(env, "migrate", "--no-input", "-v", "0")
    for step in ("import", "re-import"):
        start = time.monotonic()
        output = manage(env, "import_addresses", str(path))
        wall = time.monotonic() - start
        seconds = float(re.search(r"imported in ([0-9.]+) s", output).group(1))  # type: ignore[union-attr]
        print(
            f"  {step} of {rows:,} rows: {seconds:.1f} s ({rows / seconds:,.0f} rows/s; "
            f"{wall:.1f} s with the command's start-up)"
        )
    print(manage(env, "shell", "-v", "0", "-c", SEARCH_AND_NEAREST), end="")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=300_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="civic-bench-addresses-") as tmp:
        path = Path(tmp) / "adresses-99.csv.gz"
        start = time.monotonic()
        generate(path, args.rows)
        size = path.stat().st_size / 1e6
        print(f"generated {path.name}: {args.rows:,} rows, {size:.1f} MB gzipped")
        print(f"  in {time.monotonic() - start:.1f} s")
        base = {"PATH": os.environ.get("PATH", ""), "CIVIC_VAR_DIR": str(Path(tmp) / "var")}
        run("SQLite", base, path, args.rows)
        url = os.environ.get("DATABASE_URL")
        if url:
            server, _name = url.rsplit("/", 1)
            with psycopg.connect(f"{server}/postgres", autocommit=True) as conn:
                conn.execute('DROP DATABASE IF EXISTS "civic_bench_addresses" WITH (FORCE)')
                conn.execute('CREATE DATABASE "civic_bench_addresses"')
            run(
                "PostgreSQL",
                {**base, "DATABASE_URL": f"{server}/civic_bench_addresses"},
                path,
                args.rows,
            )
        else:
            print("PostgreSQL: skipped (set DATABASE_URL to a server to run it)")


if __name__ == "__main__":
    main()
