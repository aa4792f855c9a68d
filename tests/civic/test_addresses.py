"""The gazetteer: importing the Base Adresse Nationale's CSV, searching it, naming a position."""

from __future__ import annotations

import gzip
import json
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse
from playwright.sync_api import Browser, Page, ViewportSize, expect

from civic.addresses import BAN_COLUMNS, address_nearest, addresses_search
from civic.models import Address
from tests.a11y import assert_accessible
from tests.conftest import DESKTOP, PHONE

pytestmark = pytest.mark.django_db

TOURS, JOUE = "37261", "37122"


def ban_row(
    ban_id: str,
    numero: str,
    nom_voie: str,
    *,
    rep: str = "",
    insee: str = TOURS,
    commune: str = "Tours",
    postcode: str = "37000",
    lat: str = "47.3936",
    lon: str = "0.6892",
) -> str:
    values = dict.fromkeys(BAN_COLUMNS, "")
    values.update(
        id=ban_id,
        id_fantoir=f"{insee}_0001",
        numero=numero,
        rep=rep,
        nom_voie=nom_voie,
        code_postal=postcode,
        code_insee=insee,
        nom_commune=commune,
        # Lambert-93 x/y: never read, the position comes from lon/lat.
        x="525000.12",
        y="6700000.34",
        lon=lon,
        lat=lat,
        type_position="entrée",
        libelle_acheminement=commune.upper(),
        nom_afnor=nom_voie.upper(),
        source_position="commune",
        source_nom_voie="commune",
        certification_commune="1",
    )
    return ";".join(values[name] for name in BAN_COLUMNS)


ROWS = [
    ban_row("37261_0100_00012", "12", "Rue de la Paix", lat="47.39360", lon="0.68920"),
    ban_row("37261_0100_00012_bis", "12", "Rue de la Paix", rep="bis", lat="47.39363"),
    ban_row("37261_0100_00014", "14", "Rue de la Paix", lat="47.39370", lon="0.68935"),
    ban_row("37261_0200_00003", "3", "Place de l'Hôtel de Ville", lat="47.39000", lon="0.68800"),
    ban_row("37261_0300_00007", "7", "Avenue Grammont", lat="47.38000", lon="0.69300"),
    ban_row(
        "37122_0100_00012",
        "12",
        "Rue de la Paix",
        insee=JOUE,
        commune="Joué-lès-Tours",
        postcode="37300",
        lat="47.35000",
        lon="0.66000",
    ),
]


def write_ban(path: Path, rows: list[str], *, gzipped: bool = False) -> Path:
    text = ";".join(BAN_COLUMNS) + "\n" + "\n".join(rows) + "\n"
    if gzipped:
        path.write_bytes(gzip.compress(text.encode()))
    else:
        path.write_text(text, encoding="utf-8")
    return path


def import_addresses(path: Path, *communes: str) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    args = [arg for code in communes for arg in ("--commune", code)]
    call_command("import_addresses", str(path), *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


@pytest.fixture
def gazetteer(tmp_path: Path) -> None:
    import_addresses(write_ban(tmp_path / "adresses-37.csv", ROWS))


# --- Import -----------------------------------------------------------------------------------


def test_it_imports_a_gzipped_departement_file(tmp_path: Path) -> None:
    out, _err = import_addresses(write_ban(tmp_path / "adresses-37.csv.gz", ROWS, gzipped=True))
    assert "6 addresses imported" in out
    address = Address.objects.get(ban_id="37261_0100_00012_bis")
    assert (address.number, address.rep, address.street) == (12, "bis", "Rue de la Paix")
    assert (address.postcode, address.insee_code, address.commune) == ("37000", TOURS, "Tours")
    assert (address.lat, address.lon) == (47.39363, 0.6892)
    assert str(address) == "12 bis rue de la Paix, 37000 Tours"


def test_it_recognises_gzip_by_content_not_by_name(tmp_path: Path) -> None:
    import_addresses(write_ban(tmp_path / "adresses-37.csv", ROWS, gzipped=True))
    assert Address.objects.count() == len(ROWS)


def test_it_imports_only_the_communes_asked_for(tmp_path: Path) -> None:
    out, _err = import_addresses(write_ban(tmp_path / "adresses-37.csv", ROWS), TOURS)
    assert set(Address.objects.values_list("insee_code", flat=True)) == {TOURS}
    assert Address.objects.count() == 5
    assert "1 rows of other communes left aside" in out
    import_addresses(write_ban(tmp_path / "adresses-37.csv", ROWS), TOURS, JOUE)
    assert Address.objects.count() == 6


def test_it_updates_in_place_on_reimport(tmp_path: Path) -> None:
    import_addresses(write_ban(tmp_path / "v1.csv", ROWS))
    first_pk = Address.objects.get(ban_id="37261_0100_00014").pk
    moved = ban_row("37261_0100_00014", "14", "Rue de la Paix", lat="47.39400", lon="0.69000")
    renamed = ban_row("37261_0300_00007", "7", "Avenue de Grammont", lat="47.38", lon="0.693")
    out, _err = import_addresses(write_ban(tmp_path / "v2.csv", [moved, renamed]))
    assert "(0 new, 2 updated)" in out
    assert Address.objects.count() == len(ROWS)
    address = Address.objects.get(ban_id="37261_0100_00014")
    assert (address.pk, address.lat, address.lon) == (first_pk, 47.394, 0.69)
    assert Address.objects.get(ban_id="37261_0300_00007").street == "Avenue de Grammont"


def test_it_skips_a_malformed_row_reports_its_line_and_fails(tmp_path: Path) -> None:
    rows = [
        *ROWS[:2],
        ban_row("37261_0100_00016", "seize", "Rue de la Paix"),  # line 4
        ROWS[2],
        "37261_0100_00018;37261_0100;18;;Rue de la Paix",  # line 6: 5 columns
        ban_row("37261_0100_00020", "20", "Rue de la Paix", lat="north"),  # line 7
        *ROWS[3:],
    ]
    with pytest.raises(CommandError, match="3 malformed rows skipped") as failure:
        out, err = StringIO(), StringIO()
        call_command(
            "import_addresses", str(write_ban(tmp_path / "a.csv", rows)), stdout=out, stderr=err
        )
    assert failure.value.returncode != 0
    report = err.getvalue()
    assert "a.csv:4: skipped: numero 'seize' is not a number" in report
    assert "a.csv:6: skipped: 5 columns instead of 23" in report
    assert "a.csv:7: skipped: lat/lon 'north'/'0.6892' is not a position" in report
    # The good rows around them are in.
    assert Address.objects.count() == len(ROWS)
    assert not Address.objects.filter(number__in=[16, 18, 20]).exists()


def test_it_refuses_a_file_that_is_not_the_ban_format(tmp_path: Path) -> None:
    path = tmp_path / "other.csv"
    path.write_text("name,lat,lon\nTown hall,47.39,0.68\n", encoding="utf-8")
    with pytest.raises(CommandError, match="Not a BAN address file"):
        import_addresses(path)
    assert not Address.objects.exists()


# --- Search and nearest -----------------------------------------------------------------------


def labels(q: str, limit: int = 10) -> list[str]:
    return [hit.label for hit in addresses_search(q, limit)]


def test_it_finds_a_number_on_a_street(gazetteer: None) -> None:
    assert labels("12 rue de la paix") == [
        "12 rue de la Paix, 37000 Tours",
        "12 bis rue de la Paix, 37000 Tours",
        "12 rue de la Paix, 37300 Joué-lès-Tours",
    ]
    hit = addresses_search("14 Rue de la Paix")[0]
    assert (hit.lat, hit.lon, hit.ban_id) == (47.3937, 0.68935, "37261_0100_00014")


def test_it_ignores_accents_case_and_the_street_type(gazetteer: None) -> None:
    assert labels("3 PLACE DE L'HOTEL DE VILLE") == ["3 place de l'Hôtel de Ville, 37000 Tours"]
    assert labels("3 hôtel de vi") == ["3 place de l'Hôtel de Ville, 37000 Tours"]
    assert labels("12bis paix") == ["12 bis rue de la Paix, 37000 Tours"]


def test_it_narrows_by_postcode_or_commune(gazetteer: None) -> None:
    assert labels("12 rue de la paix, 37300") == ["12 rue de la Paix, 37300 Joué-lès-Tours"]
    assert labels("12 rue de la paix, joue") == ["12 rue de la Paix, 37300 Joué-lès-Tours"]


def test_it_offers_streets_without_a_number(gazetteer: None) -> None:
    hits = addresses_search("rue de la p")
    assert [hit.label for hit in hits] == [
        "Rue de la Paix, 37000 Tours",
        "Rue de la Paix, 37300 Joué-lès-Tours",
    ]
    assert hits[0].ban_id == ""
    assert 47.3936 <= hits[0].lat <= 47.3937
    # A number the street does not have still finds the street.
    assert labels("99 avenue grammont") == ["Avenue Grammont, 37000 Tours"]


def test_it_limits_and_refuses_too_short_a_query(gazetteer: None) -> None:
    assert len(labels("12 paix", limit=1)) == 1
    assert labels("12") == []
    assert labels("r") == []
    assert labels("boulevard nowhere") == []


def test_it_names_the_nearest_address(gazetteer: None) -> None:
    hit = address_nearest(47.39368, 0.68933)  # a few metres from number 14
    assert hit is not None
    assert hit.label == "14 rue de la Paix, 37000 Tours"
    assert hit.distance_m is not None and hit.distance_m < 5


def test_it_names_no_address_beyond_the_radius(gazetteer: None) -> None:
    assert address_nearest(47.3700, 0.7100) is None  # 2 km from any address
    assert address_nearest(47.39360, 0.69100, radius_m=100) is None  # 136 m east of number 12
    hit = address_nearest(47.39360, 0.69100, radius_m=200)
    assert hit is not None and hit.ban_id == "37261_0100_00014"


# --- Endpoints --------------------------------------------------------------------------------


def test_it_answers_autocomplete_in_json(gazetteer: None, client: Client) -> None:
    response = client.get(reverse("maps:address_search_json"), {"q": "12 bis paix"})
    assert response.status_code == 200
    assert response.json() == {
        "results": [
            {
                "label": "12 bis rue de la Paix, 37000 Tours",
                "lat": 47.39363,
                "lon": 0.6892,
                "id": "37261_0100_00012_bis",
            }
        ]
    }
    assert client.get(reverse("maps:address_search_json"), {"q": ""}).json() == {"results": []}


def test_it_names_a_dropped_pin_in_json(gazetteer: None, client: Client) -> None:
    url = reverse("maps:address_nearest_json")
    found = client.get(url, {"lat": "47.39368", "lon": "0.68933"}).json()
    assert found["result"]["label"] == "14 rue de la Paix, 37000 Tours"
    assert client.get(url, {"lat": "47.37", "lon": "0.71"}).json() == {"result": None}
    assert client.get(url, {"lat": "north", "lon": "0.71"}).status_code == 400


def test_it_offers_results_without_javascript(gazetteer: None, client: Client) -> None:
    response = client.get(
        reverse("maps:address_search"), {"q": "12 rue de la paix", "next": "/reports/new/"}
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert '<form method="get"' in html and 'name="q"' in html
    assert "12 bis rue de la Paix, 37000 Tours" in html
    assert "/reports/new/?lat=47.39363&amp;lon=0.6892&amp;address=12+bis+rue+de+la+Paix" in html


def test_it_never_sends_results_to_another_site(gazetteer: None, client: Client) -> None:
    response = client.get(
        reverse("maps:address_search"), {"q": "12 paix", "next": "https://evil.example/"}
    )
    html = response.content.decode()
    assert "12 rue de la Paix, 37000 Tours" in html
    assert 'href="https://evil.example' not in html
    assert "12 rue de la Paix, 37000 Tours</li>" in html  # listed, not linked


def test_it_says_when_nothing_matches_in_french(gazetteer: None, client: Client) -> None:
    client.cookies["civic_language"] = "fr"
    html = client.get(reverse("maps:address_search"), {"q": "rue inconnue"}).content.decode()
    assert "Aucune adresse ne correspond" in html
    client.cookies["civic_language"] = "en"
    html = client.get(reverse("maps:address_search"), {"q": "rue inconnue"}).content.decode()
    assert "No address matches" in html


def test_it_keeps_json_results_small(gazetteer: None, client: Client) -> None:
    response = client.get(reverse("maps:address_search_json"), {"q": "paix", "limit": "1000"})
    body = json.loads(response.content)
    assert len(body["results"]) == 2  # the two streets; the limit is capped, not refused


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_it_finds_an_address_without_javascript(
    gazetteer: None, browser: Browser, live_server: Any, viewport: ViewportSize
) -> None:
    context = browser.new_context(java_script_enabled=False, locale="fr-FR", viewport=viewport)
    page = context.new_page()
    page.goto(f"{live_server.url}{reverse('maps:address_search')}?next=/districts/")
    page.get_by_label("Adresse").fill("12 bis rue de la paix")
    page.get_by_role("button", name="Rechercher").click()
    page.get_by_role("link", name="12 bis rue de la Paix, 37000 Tours").click()
    assert page.url.startswith(f"{live_server.url}/districts/?lat=47.39363&lon=0.6892&address=")
    context.close()


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_it_lists_addresses_accessibly(
    gazetteer: None, page: Page, live_server: Any, viewport: ViewportSize
) -> None:
    page.set_viewport_size(viewport)
    page.goto(f"{live_server.url}{reverse('maps:address_search')}?q=12+paix&next=/")
    expect(page.get_by_role("link", name="12 bis rue de la Paix, 37000 Tours")).to_be_visible()
    assert_accessible(page)  # axe runs JavaScript: checked in a browser that has it
