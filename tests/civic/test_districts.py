"""Districts: point lookup on GeoJSON boundaries, admin map editing, boundary validation."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.utils import translation

from civic.models import District, User

pytestmark = pytest.mark.django_db

# The fixture's 3 x 2 grid: the south row spans lat 47.37-47.39, the north row 47.39-47.41;
# the columns lon 0.644-0.674, 0.674-0.704 and 0.704-0.734.
IN_VIEUX_PORT = (47.38, 0.66)
IN_GARE = (47.38, 0.72)
IN_SAINT_MARTIN = (47.40, 0.72)
OUTSIDE = (47.50, 0.69)

SQUARE = {
    "type": "Polygon",
    "coordinates": [[[0.0, 0.0], [1.0, 0.0], [1.0, 1.0], [0.0, 1.0], [0.0, 0.0]]],
}


def test_it_finds_the_district_holding_a_point(districts: list[District]) -> None:
    assert District.containing(*IN_VIEUX_PORT).code == "vieux-port"  # type: ignore[union-attr]
    assert District.containing(*IN_GARE).code == "gare"  # type: ignore[union-attr]
    assert District.containing(*IN_SAINT_MARTIN).code == "saint-martin"  # type: ignore[union-attr]


def test_it_finds_no_district_outside_the_city(districts: list[District]) -> None:
    assert District.containing(*OUTSIDE) is None


def test_it_finds_no_district_in_a_city_without_any() -> None:
    assert District.containing(*IN_GARE) is None


def test_it_sees_an_edited_boundary_at_the_next_lookup(districts: list[District]) -> None:
    assert District.containing(*OUTSIDE) is None
    gare = District.objects.get(code="gare")
    lat, lon = OUTSIDE
    gare.boundary = {
        "type": "Polygon",
        "coordinates": [
            [
                [lon - 0.01, lat - 0.01],
                [lon + 0.01, lat - 0.01],
                [lon, lat + 0.01],
                [lon - 0.01, lat - 0.01],
            ]
        ],
    }
    gare.full_clean()
    gare.save()
    assert District.containing(*OUTSIDE) == gare
    assert District.containing(*IN_GARE) is None


def test_it_sees_a_deleted_district_at_the_next_lookup(districts: list[District]) -> None:
    assert District.containing(*IN_GARE) is not None
    District.objects.filter(code="gare").delete()
    assert District.containing(*IN_GARE) is None


def test_it_looks_up_in_two_queries_once_warm(
    districts: list[District], django_assert_num_queries: Any
) -> None:
    District.containing(*IN_GARE)
    with django_assert_num_queries(2):
        District.containing(*IN_SAINT_MARTIN)


def test_it_accepts_a_polygon_and_a_multipolygon() -> None:
    District(code="a", name="A", boundary=SQUARE).full_clean()
    multi = {"type": "MultiPolygon", "coordinates": [SQUARE["coordinates"]]}
    District(code="b", name="B", boundary=multi).full_clean()


@pytest.mark.parametrize(
    ("boundary", "message"),
    [
        ({"type": "Point", "coordinates": [0.69, 47.39]}, "must be a GeoJSON Polygon"),
        ("not even a mapping", "must be a GeoJSON Polygon"),
        ({"type": "Polygon", "coordinates": [[[0, 0], [1, 1]]]}, "not valid GeoJSON"),
        ({"type": "Polygon", "coordinates": "nowhere"}, "not valid GeoJSON"),
        (
            {"type": "Polygon", "coordinates": [[[0, 0], [1, 1], [1, 0], [0, 1], [0, 0]]]},
            "crosses itself",
        ),
    ],
)
def test_it_refuses_an_invalid_boundary(boundary: Any, message: str) -> None:
    district = District(code="bad", name="Bad", boundary=boundary)
    with translation.override("en"):
        with pytest.raises(ValidationError) as caught:
            district.full_clean()
        assert message in " ".join(caught.value.message_dict["boundary"])


def admin_client(client: Client) -> Client:
    client.force_login(User.objects.create_superuser("root@example.org", "root password 1"))
    return client


def test_it_edits_a_boundary_on_a_map_in_the_admin(
    client: Client, districts: list[District]
) -> None:
    gare = districts[2]
    response = admin_client(client).get(f"/admin/civic/district/{gare.pk}/change/")
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="id_boundary-map"' in html
    assert "/static/leaflet/leaflet.js" in html
    assert "L.Map.djangoMap('id_boundary-map'" in html
    # The raw GeoJSON stays editable by hand, without JavaScript.
    assert 'name="boundary"' in html
    assert "0.704" in html


def test_it_gives_the_map_scripts_the_content_security_nonce(
    client: Client, districts: list[District]
) -> None:
    response = admin_client(client).get(f"/admin/civic/district/{districts[0].pk}/change/")
    nonces = set(re.findall(r'<script nonce="([^"]*)"', response.content.decode()))
    assert nonces, "the map widget renders inline scripts"
    [nonce] = nonces
    policy = (
        response.get("Content-Security-Policy") or response["Content-Security-Policy-Report-Only"]
    )
    assert f"'nonce-{nonce}'" in policy


def test_it_saves_a_boundary_posted_from_the_admin(
    client: Client, districts: list[District]
) -> None:
    gare = districts[2]
    response = admin_client(client).post(
        f"/admin/civic/district/{gare.pk}/change/",
        {
            "code": "gare",
            "name": "Gare",
            "population": "11300",
            "boundary": '{"type": "Polygon", '
            '"coordinates": [[[0, 0], [1, 0], [1, 1], [0, 1], [0, 0]]]}',
        },
    )
    assert response.status_code == 302
    gare.refresh_from_db()
    assert gare.boundary == SQUARE
    assert District.containing(0.5, 0.5) == gare


def test_it_refuses_an_invalid_boundary_in_the_admin(
    client: Client, districts: list[District]
) -> None:
    gare = districts[2]
    response = admin_client(client).post(
        f"/admin/civic/district/{gare.pk}/change/",
        {"code": "gare", "name": "Gare", "population": "", "boundary": '{"type": "Point"}'},
    )
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["boundary"]
    gare.refresh_from_db()
    assert gare.boundary["type"] == "Polygon"
