"""sensor.community's airrohr firmware, "Send data to custom API", byte for byte."""

from __future__ import annotations

import json
from typing import Any

import pytest

from sensors.models import DeviceHealth, IngestBatch, Quarantine, Reading
from tests.sensors.conftest import basic

pytestmark = pytest.mark.django_db

# As airrohr-firmware NRZ-2020-133 builds it for the custom API: esp8266id first, values as
# strings, no timestamp.
FIRMWARE_BODY = (
    '{"esp8266id": "13463419", "software_version": "NRZ-2020-133", "sensordatavalues":['
    '{"value_type":"SDS_P1","value":"11.57"},{"value_type":"SDS_P2","value":"4.63"},'
    '{"value_type":"BME280_temperature","value":"8.21"},'
    '{"value_type":"BME280_pressure","value":"100645.16"},'
    '{"value_type":"BME280_humidity","value":"89.92"},'
    '{"value_type":"DNMS_noise_LAeq","value":"47.30"},'
    '{"value_type":"DNMS_noise_LA_min","value":"40.10"},'
    '{"value_type":"DNMS_noise_LA_max","value":"61.80"},'
    '{"value_type":"SPS30_P4","value":"6.02"},'
    '{"value_type":"samples","value":"5025138"},{"value_type":"min_micro","value":"28"},'
    '{"value_type":"max_micro","value":"20119"},{"value_type":"interval","value":"145000"},'
    '{"value_type":"signal","value":"-76"}]}'
)


def firmware_headers(device: Any, password: str | None = None) -> dict[str, str]:
    return {
        "X-Sensor": "esp8266-13463419",
        "X-MAC-ID": "esp8266-5ccf7f9a1b2c",
        "User-Agent": "NRZ-2020-133/13463419/5ccf7f9a1b2c",
        "Authorization": basic("esp8266-13463419", device.secret if password is None else password),
    }


def test_it_accepts_the_firmware_push_and_maps_its_value_types(
    airrohr_device: Any, push: Any
) -> None:
    airrohr_device.sensor.quantities = []  # any quantity: this one carries a noise module too
    airrohr_device.sensor.save()

    response = push("/api/sensors/push/airrohr/", FIRMWARE_BODY, **firmware_headers(airrohr_device))

    assert response.status_code == 202
    batch = IngestBatch.objects.get()
    assert batch.state == "done" and batch.body == FIRMWARE_BODY
    values = dict(Reading.objects.values_list("quantity", "value"))
    assert values == {
        "pm10": 11.57,
        "pm25": 4.63,
        "temperature": 8.21,
        "pressure": 1006.4516,  # Pa -> hPa
        "humidity": 89.92,
        "noise_laeq": 47.3,
        "noise_lamin": 40.1,
        "noise_lamax": 61.8,
    }
    # No timestamp in the body: the arrival time is the reading time.
    assert {reading.time for reading in Reading.objects.all()} == {batch.received_at}
    health = DeviceHealth.objects.get()
    assert (health.samples, health.min_micro, health.max_micro) == (5025138, 28, 20119)
    assert (health.interval_ms, health.signal_dbm) == (145000, -76)
    assert health.software_version == "NRZ-2020-133"
    assert health.extra == {"SPS30_P4": "6.02"}
    assert not Quarantine.objects.exists()


def test_it_quarantines_an_unknown_value_type_and_keeps_the_rest(
    airrohr_device: Any, push: Any
) -> None:
    body = json.dumps(
        {
            "esp8266id": "13463419",
            "software_version": "NRZ-2020-133",
            "sensordatavalues": [
                {"value_type": "SDS_P1", "value": "11.57"},
                {"value_type": "MHZ16_CO2", "value": "412"},
            ],
        }
    )

    assert (
        push("/api/sensors/push/airrohr/", body, **firmware_headers(airrohr_device)).status_code
        == 202
    )

    assert list(Reading.objects.values_list("quantity", flat=True)) == ["pm10"]
    quarantined = Quarantine.objects.get()
    assert quarantined.reason == "unknown_type" and "MHZ16_CO2" in quarantined.detail
    assert json.loads(quarantined.payload)["sensordatavalues"] == [
        {"value_type": "MHZ16_CO2", "value": "412"}
    ]
    assert quarantined.sensor == airrohr_device.sensor


@pytest.mark.parametrize(
    "headers",
    [
        {},  # the firmware sends no Authorization when no user is configured
        {"X-Sensor": "esp8266-13463419"},
        {"X-Sensor": "esp8266-13463419", "Authorization": basic("esp8266-13463419", "wrong")},
        {"X-Sensor": "esp8266-99999999", "Authorization": basic("esp8266-99999999", "x")},
    ],
)
def test_it_answers_401_without_the_right_basic_credentials(
    airrohr_device: Any, push: Any, headers: dict[str, str]
) -> None:
    response = push("/api/sensors/push/airrohr/", FIRMWARE_BODY, **headers)

    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Basic")
    assert set(response.json()["error"]) == {"code", "message", "fields"}
    assert not IngestBatch.objects.exists()


def test_it_refuses_a_username_other_than_the_sensor(airrohr_device: Any, push: Any) -> None:
    headers = firmware_headers(airrohr_device)
    headers["Authorization"] = basic("someone", airrohr_device.secret)

    assert push("/api/sensors/push/airrohr/", FIRMWARE_BODY, **headers).status_code == 401


def test_it_never_redirects_the_firmware(airrohr_device: Any, push: Any) -> None:
    response = push("/api/sensors/push/airrohr", FIRMWARE_BODY, **firmware_headers(airrohr_device))

    assert response.status_code == 202


def test_it_answers_400_to_a_body_of_another_shape(airrohr_device: Any, push: Any) -> None:
    response = push(
        "/api/sensors/push/airrohr/",
        '{"esp8266id": "13463419"}',
        **firmware_headers(airrohr_device),
    )

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "parse_error"
    assert not IngestBatch.objects.exists()
