"""The local gazetteer: addresses imported from the Base Adresse Nationale, searched and reverse
geocoded here, so no resident's search or position is sent to a third-party geocoder.

The BAN publishes one CSV per département (``adresses-37.csv.gz``), ``;``-separated, with a
header naming its 23 columns; positions are read from ``lon``/``lat`` (WGS84), never from the
Lambert-93 ``x``/``y``. Files are read as a stream and written in batches of upserts keyed by the
BAN id, so a département (hundreds of thousands of rows) imports in seconds and a re-import
updates in place.
"""

from __future__ import annotations

import csv
import gzip
import io
import math
import re
import unicodedata
from collections.abc import Collection, Iterable, Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import IO

from django.db import connection, transaction
from django.db.models import Avg, Q, QuerySet

from civic.errors import InvalidInput
from civic.models import Address

BAN_COLUMNS = (
    "id",
    "id_fantoir",
    "numero",
    "rep",
    "nom_voie",
    "code_postal",
    "code_insee",
    "nom_commune",
    "code_insee_ancienne_commune",
    "nom_ancienne_commune",
    "x",
    "y",
    "lon",
    "lat",
    "type_position",
    "alias",
    "nom_ld",
    "libelle_acheminement",
    "nom_afnor",
    "source_position",
    "source_nom_voie",
    "certification_commune",
    "cad_parcelles",
)
REQUIRED_COLUMNS = ("id", "numero", "rep", "nom_voie", "code_postal", "code_insee", "nom_commune")
BATCH_SIZE = 5000
# The BAN numbers a place without a house number ("lieu-dit") 99999.
NO_NUMBER = 99999

# Words that say what kind of street it is, dropped (with the articles after them) from
# ``name_key`` so that "paix" finds "Rue de la Paix".
STREET_TYPES = frozenset(
    {
        "allee",
        "allees",
        "avenue",
        "av",
        "bd",
        "boulevard",
        "carrefour",
        "chaussee",
        "chemin",
        "cite",
        "clos",
        "cour",
        "cours",
        "esplanade",
        "faubourg",
        "hameau",
        "impasse",
        "lieu",
        "lotissement",
        "mail",
        "montee",
        "parvis",
        "passage",
        "place",
        "placette",
        "pont",
        "port",
        "promenade",
        "quai",
        "residence",
        "rond",
        "point",
        "route",
        "rte",
        "ruelle",
        "rue",
        "sentier",
        "square",
        "terrasse",
        "traverse",
        "venelle",
        "villa",
        "voie",
    }
)
ARTICLES = frozenset({"a", "au", "aux", "d", "de", "des", "du", "l", "la", "le", "les"})
LIGATURES = str.maketrans({"œ": "oe", "æ": "ae"})


def normalise(text: str) -> str:
    """Lower case, no accents, words separated by single spaces: "Rue de l'Église" → "rue de l
    eglise". Queries and stored keys go through the same function, so they compare as prefixes.
    """
    text = unicodedata.normalize("NFKD", text.casefold().translate(LIGATURES))
    text = "".join(char for char in text if not unicodedata.combining(char))
    return " ".join(re.sub(r"[^0-9a-z]+", " ", text).split())


def name_key(street_key: str) -> str:
    words = street_key.split()
    while len(words) > 1 and words[0] in STREET_TYPES:
        words.pop(0)
    while len(words) > 1 and words[0] in ARTICLES:
        words.pop(0)
    return " ".join(words)


def address_label(*, number: int | None, rep: str, street: str, postcode: str, commune: str) -> str:
    """How a resident reads an address: "12 bis rue de la Paix, 37000 Tours"."""
    place = " ".join(part for part in (postcode, commune) if part)
    if number is None or number == NO_NUMBER:
        return f"{street}, {place}"
    suffix = f" {rep.upper() if len(rep) == 1 else rep}" if rep else ""
    first, _space, rest = street.partition(" ")
    # After a number the street's type is written in lower case ("12 rue de la Paix").
    if normalise(first) in STREET_TYPES:
        street = f"{first.lower()} {rest}".strip()
    return f"{number}{suffix} {street}, {place}"


# --- Import -----------------------------------------------------------------------------------


@dataclass
class AddressImport:
    """What an import did: rows written (new or updated), rows of other communes left aside, and
    the malformed rows skipped, each with its line number in the file."""

    created: int = 0
    updated: int = 0
    other_communes: int = 0
    skipped: list[tuple[int, str]] = field(default_factory=list)


def open_ban_file(path: Path) -> IO[str]:
    """The file as text, gunzipped when it is gzip (recognised by its content, not its name)."""
    with path.open("rb") as raw:
        gzipped = raw.read(2) == b"\x1f\x8b"
    if gzipped:
        return gzip.open(path, "rt", encoding="utf-8-sig", newline="")
    return path.open(encoding="utf-8-sig", newline="")


def _coordinate(value: str, limit: float) -> float | None:
    try:
        number = float(value)
    except ValueError:
        return None
    return number if math.isfinite(number) and -limit <= number <= limit else None


@lru_cache(maxsize=8192)
def _street_keys(street: str) -> tuple[str, str]:
    # A département has a few thousand street names over hundreds of thousands of rows.
    key = normalise(street)[:200]
    return key, name_key(key)[:200]


# The columns written, in the order of the tuples _parse returns.
COLUMNS = (
    "ban_id",
    "number",
    "rep",
    "street",
    "postcode",
    "insee_code",
    "commune",
    "lat",
    "lon",
    "street_key",
    "name_key",
)
Row = tuple[str, int, str, str, str, str, str, float, float, str, str]


def _parse(row: list[str], columns: dict[str, int], width: int) -> Row | str:
    """The values to write, or why the row is malformed."""
    if len(row) != width:
        return f"{len(row)} columns instead of {width}"
    value = {name: row[index].strip() for name, index in columns.items()}
    if not value["id"]:
        return "no id"
    if not value["numero"].isdigit():
        return f"numero {value['numero']!r} is not a number"
    if not value["nom_voie"]:
        return "no street name (nom_voie)"
    if not re.fullmatch(r"[0-9][0-9AB][0-9]{3}", value["code_insee"]):
        return f"code_insee {value['code_insee']!r} is not an INSEE code"
    if not value["nom_commune"]:
        return "no commune name (nom_commune)"
    lat, lon = _coordinate(value["lat"], 90), _coordinate(value["lon"], 180)
    if lat is None or lon is None:
        return f"lat/lon {value['lat']!r}/{value['lon']!r} is not a position"
    street = value["nom_voie"][:200]
    return (
        value["id"][:64],
        int(value["numero"]),
        value["rep"][:16],
        street,
        value["code_postal"][:5],
        value["code_insee"],
        value["nom_commune"][:100],
        lat,
        lon,
        *_street_keys(street),
    )


def _batches(
    lines: Iterable[str], result: AddressImport, communes: Collection[str]
) -> Iterator[list[Row]]:
    reader = csv.reader(lines, delimiter=";")
    header = next(reader, None)
    if header is None:
        raise InvalidInput("The file is empty.")
    wanted = (*REQUIRED_COLUMNS, "lon", "lat")
    missing = [name for name in wanted if name not in header]
    if missing:
        raise InvalidInput(f"Not a BAN address file: no column {', '.join(missing)}.")
    columns = {name: header.index(name) for name in wanted}
    insee = columns["code_insee"]
    # Keyed by BAN id: a file repeating an id keeps its last row (PostgreSQL refuses to upsert
    # the same row twice in one statement).
    batch: dict[str, Row] = {}
    for row in reader:
        if not row:
            continue
        if communes and (len(row) <= insee or row[insee].strip() not in communes):
            result.other_communes += 1
            continue
        parsed = _parse(row, columns, len(header))
        if isinstance(parsed, str):
            result.skipped.append((reader.line_num, parsed))
            continue
        batch[parsed[0]] = parsed
        if len(batch) >= BATCH_SIZE:
            yield list(batch.values())
            batch = {}
    if batch:
        yield list(batch.values())


def _upsert(rows: list[Row]) -> None:
    """Insert or update by BAN id, in raw SQL: the ORM's bulk_create spends most of an import
    building model instances and statements of a few dozen rows each."""
    table = connection.ops.quote_name(Address._meta.db_table)
    names = ", ".join(COLUMNS)
    updates = ", ".join(f"{name} = excluded.{name}" for name in COLUMNS[1:])
    with connection.cursor() as cursor:
        if connection.vendor != "postgresql":
            placeholders = ", ".join(["%s"] * len(COLUMNS))
            cursor.executemany(
                f"INSERT INTO {table} ({names}) VALUES ({placeholders}) "  # noqa: S608 - constants
                f"ON CONFLICT (ban_id) DO UPDATE SET {updates}",
                rows,
            )
            return
        # PostgreSQL: COPY into a scratch table, then one upsert that leaves unchanged rows
        # alone (a re-import of the same file writes nothing).
        cursor.execute(
            "CREATE TEMP TABLE IF NOT EXISTS civic_address_batch (ban_id varchar, number integer, "
            "rep varchar, street varchar, postcode varchar, insee_code varchar, commune varchar, "
            "lat double precision, lon double precision, street_key varchar, name_key varchar)"
        )
        with cursor.cursor.copy(f"COPY civic_address_batch ({names}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        changed = ", ".join(f"{table}.{name}" for name in COLUMNS[1:])
        incoming = ", ".join(f"excluded.{name}" for name in COLUMNS[1:])
        cursor.execute(
            f"INSERT INTO {table} ({names}) SELECT {names} FROM civic_address_batch "  # noqa: S608
            f"ON CONFLICT (ban_id) DO UPDATE SET {updates} "
            f"WHERE ({changed}) IS DISTINCT FROM ({incoming})"
        )
        cursor.execute("DROP TABLE civic_address_batch")


def addresses_import(*, lines: Iterable[str], communes: Collection[str] = ()) -> AddressImport:
    """Upsert the addresses of a BAN CSV (given as its lines), keyed by BAN id.

    Each batch commits on its own: a long import never holds the database's write lock for
    long (SQLite), and an interrupted one is finished by running it again. Malformed rows are
    skipped and listed with their line numbers; the caller decides what that means.
    """
    result = AddressImport()
    written = 0
    before = Address.objects.count()
    for batch in _batches(lines, result, frozenset(communes)):
        with transaction.atomic():
            _upsert(batch)
        written += len(batch)
    result.created = Address.objects.count() - before
    result.updated = written - result.created
    return result


def ban_csv(rows: Iterable[dict[str, str]]) -> Iterator[str]:
    """Lines of a BAN-format CSV with the given rows (missing columns empty): how the demo seed
    and the tests feed the same import path as a downloaded file."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\n")
    writer.writerow(BAN_COLUMNS)
    for row in rows:
        writer.writerow([row.get(name, "") for name in BAN_COLUMNS])
        if buffer.tell() > 1 << 16:
            yield from buffer.getvalue().splitlines(keepends=True)
            buffer.seek(0)
            buffer.truncate()
    yield from buffer.getvalue().splitlines(keepends=True)


# --- Search -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class AddressHit:
    """An address (or a whole street, with no ``ban_id``) and where to put the pin."""

    label: str
    lat: float
    lon: float
    ban_id: str = ""
    distance_m: float | None = None


QUERY = re.compile(r"^(?:(\d{1,5})\s*(bis|ter|quater|quinquies|[a-z])?\b)?\s*(.*)$")
MIN_PREFIX = 2


def _prefix(field_name: str, prefix: str) -> Q:
    condition = Q(**{f"{field_name}__startswith": prefix})
    if connection.vendor == "sqlite":
        # SQLite's LIKE is case-insensitive, so it cannot use a plain index: a range on the same
        # (already lower-case) key can. PostgreSQL reads LIKE from its varchar_pattern_ops index.
        upper = prefix[:-1] + chr(ord(prefix[-1]) + 1)
        condition &= Q(**{f"{field_name}__gte": prefix, f"{field_name}__lt": upper})
    return condition


def _street_matches(street: str) -> QuerySet[Address]:
    return Address.objects.filter(_prefix("street_key", street) | _prefix("name_key", street))


def addresses_search(q: str, limit: int = 10) -> list[AddressHit]:
    """Addresses for what a resident types: "12 rue de la paix", "12 bis paix", "rue de la p",
    optionally followed by ", postcode" or ", commune". Accents and case do not matter.

    With a number, the addresses with that number on the matching streets; without one (or when
    no street has that number), the matching streets themselves, pinned at their middle.
    """
    street_part, _comma, place = q.partition(",")
    match = QUERY.match(normalise(street_part))
    if match is None:
        return []
    number, rep, street = match.group(1), match.group(2) or "", match.group(3)
    if len(street) < MIN_PREFIX:
        return []
    place_key = normalise(place)
    postcode = re.match(r"\d{5}\b", place_key)
    commune_prefix = place_key[postcode.end() :].strip() if postcode else place_key
    candidates = _street_matches(street)
    if postcode:
        candidates = candidates.filter(postcode=postcode.group())

    def in_commune(commune: str) -> bool:
        return not commune_prefix or normalise(commune).startswith(commune_prefix)

    hits: list[AddressHit] = []
    if number:
        numbered = candidates.filter(number=int(number))
        if rep:
            numbered = numbered.filter(rep__iexact=rep)
        for address in numbered.order_by("street_key", "postcode", "commune", "rep")[: limit * 4]:
            if in_commune(address.commune) and len(hits) < limit:
                hits.append(
                    AddressHit(
                        label=str(address), lat=address.lat, lon=address.lon, ban_id=address.ban_id
                    )
                )
        if hits:
            return hits
    streets = (
        candidates.values("street_key", "street", "postcode", "commune")
        .annotate(lat=Avg("lat"), lon=Avg("lon"))
        .order_by("street_key", "postcode", "commune")
    )
    for row in streets[: limit * 4]:
        if in_commune(row["commune"]) and len(hits) < limit:
            label = address_label(
                number=None,
                rep="",
                street=row["street"],
                postcode=row["postcode"],
                commune=row["commune"],
            )
            hits.append(AddressHit(label=label, lat=row["lat"], lon=row["lon"]))
    return hits


EARTH_RADIUS_M = 6_371_008.8
NEAREST_RADIUS_M = 150.0


def distance_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance (haversine), in metres."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(h)))


def address_nearest(
    lat: float, lon: float, radius_m: float = NEAREST_RADIUS_M
) -> AddressHit | None:
    """The address closest to a point, if one lies within ``radius_m`` ("near 12 rue …").

    A bounding box on the (lat, lon) index narrows the candidates; exact distances pick one.
    """
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        return None
    dlat = math.degrees(radius_m / EARTH_RADIUS_M)
    dlon = dlat / max(math.cos(math.radians(lat)), 1e-6)
    box = Address.objects.filter(
        lat__gte=lat - dlat, lat__lte=lat + dlat, lon__gte=lon - dlon, lon__lte=lon + dlon
    )
    best: tuple[float, Address] | None = None
    for address in box.order_by():
        distance = distance_m(lat, lon, address.lat, address.lon)
        if distance <= radius_m and (best is None or distance < best[0]):
            best = (distance, address)
    if best is None:
        return None
    distance, address = best
    return AddressHit(
        label=str(address),
        lat=address.lat,
        lon=address.lon,
        ban_id=address.ban_id,
        distance_m=round(distance, 1),
    )
