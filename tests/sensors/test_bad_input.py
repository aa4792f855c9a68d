"""Input a device can send but the city cannot store: refused in the request with a 400 (never
a 202 that fails later in the worker), and over MQTT quarantined without stopping the worker
(issue 11: integers that overflow a float, NUL and lone surrogates in ids)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.utils import timezone

from sensors.models import DeviceHealth, IngestBatch, Quarantine, Reading
from sensors.mqtt import message_store
from tests.sensors.test_push_airrohr import firmware_headers
from tests.sensors.test_push_ttn import uplink

pytestmark = pytest.mark.django_db

HUGE = "1" + "0" * 400  # a JSON integer no float can hold


def native_body(**row: str) -> str:
    fields = {
        "sensor": '"bin-0042"',
        "time": json.dumps(timezone.now().replace(microsecond=0).isoformat()),
        "quantity": '"fill_level"',
        "value": "40",
        **row,
    }
    return "[{" + ", ".join(f'"{name}": {value}' for name, value in fields.items()) + "}]"


NATIVE_BAD = {
    "huge_integer": {"value": HUGE},
    "huge_negative_integer": {"value": "-" + HUGE},
    "float_overflow": {"value": "1e400"},
    "nan": {"value": "NaN"},
    "infinity": {"value": "-Infinity"},
    "nul_in_sensor": {"sensor": '"bin-0042\\u0000"'},
    "nul_in_quantity": {"quantity": '"fill\\u0000level"'},
    "nul_in_time": {"time": '"2026-01-01T00:00:00\\u0000+00:00"'},
    "lone_surrogate_in_sensor": {"sensor": '"bin-\\ud800"'},
}


@pytest.mark.parametrize("case", sorted(NATIVE_BAD))
def test_it_refuses_unstorable_native_rows_in_the_request(
    native_device: Any, sensors_key: str, push: Any, case: str
) -> None:
    body = native_body(**NATIVE_BAD[case])
    response = push("/api/sensors/readings/", body, Authorization=f"Api-Key {sensors_key}")
    assert response.status_code == 400, response.content
    assert response.json()["error"]["code"] == "parse_error"
    assert not IngestBatch.objects.exists()


TTN_BAD = {
    "huge_integer": ("uplink_message", "decoded_payload", "level_cm", HUGE),
    "float_overflow": ("uplink_message", "decoded_payload", "level_cm", "1e400"),
    "nul_in_field_name": ("uplink_message", "decoded_payload", "le\x00vel", "1"),
    "nul_in_dev_eui": ("end_device_ids", None, "dev_eui", '"70B3D57ED0001234\\u0000"'),
    "nul_in_metadata": ("uplink_message", None, "frm_payload", '"AJ\\u0000YA3Q=="'),
}


def ttn_body(path: tuple[str, str | None, str, str]) -> str:
    top, middle, name, raw = path
    document = uplink(timezone.now())
    parent = document[top] if middle is None else document[top][middle]
    parent[name] = "@@RAW@@"
    return json.dumps(document).replace('"@@RAW@@"', raw)


@pytest.mark.parametrize("case", sorted(TTN_BAD))
def test_it_refuses_unstorable_ttn_uplinks_in_the_request(
    ttn_device: Any, sensors_key: str, push: Any, case: str
) -> None:
    body = ttn_body(TTN_BAD[case])
    response = push("/api/sensors/push/ttn/", body, Authorization=f"Bearer {sensors_key}")
    assert response.status_code == 400, response.content
    assert not IngestBatch.objects.exists()


AIRROHR_BAD = {
    "huge_integer": '{"value_type": "SDS_P1", "value": ' + HUGE + "}",
    "huge_diagnostic": '{"value_type": "samples", "value": "1e300"}',
    "nul_in_value_type": '{"value_type": "SDS\\u0000P1", "value": "1"}',
    "nul_in_kept_value": '{"value_type": "SPS30_P4", "value": "6\\u0000"}',
}


@pytest.mark.parametrize("case", sorted(AIRROHR_BAD))
def test_it_refuses_unstorable_airrohr_pushes_in_the_request(
    airrohr_device: Any, push: Any, case: str
) -> None:
    body = (
        '{"esp8266id": "13463419", "software_version": "NRZ-2020-133", "sensordatavalues": ['
        + AIRROHR_BAD[case]
        + "]}"
    )
    response = push("/api/sensors/push/airrohr/", body, **firmware_headers(airrohr_device))
    assert response.status_code == 400, response.content
    assert not IngestBatch.objects.exists()


def test_it_refuses_a_nul_in_the_airrohr_firmware_version(airrohr_device: Any, push: Any) -> None:
    body = '{"esp8266id": "13463419", "software_version": "NRZ\\u0000", "sensordatavalues": []}'
    response = push("/api/sensors/push/airrohr/", body, **firmware_headers(airrohr_device))
    assert response.status_code == 400, response.content
    assert not DeviceHealth.objects.exists()


@pytest.mark.parametrize(
    "payload",
    [
        native_body(value=HUGE).encode(),
        native_body(sensor='"bin-0042\\u0000"').encode(),
        native_body(quantity='"fill\\u0000level"').encode(),
        native_body(sensor='"bin-\\udfff"').encode(),
        b'[{"sensor": "bin-0042", "value": 1}]\x00\x00',
        b"\xff\xfe not even text \x00",
    ],
    ids=["huge", "nul_sensor", "nul_quantity", "surrogate", "nul_bytes", "binary"],
)
def test_it_quarantines_unstorable_mqtt_messages_without_failing(
    native_device: Any, run_on_commit: Any, tasks: Any, payload: bytes
) -> None:
    with run_on_commit():
        message_store(topic="city/sensors/bin-0042/readings", payload=payload)
    tasks.run()  # the worker's task: it must not raise
    batch = IngestBatch.objects.get()
    assert batch.state == IngestBatch.State.DONE
    assert batch.quarantined >= 1
    assert not Reading.objects.exists()
    assert Quarantine.objects.filter(batch=batch).exists()


def test_it_still_takes_a_good_mqtt_message(
    native_device: Any, run_on_commit: Any, tasks: Any
) -> None:
    with run_on_commit():
        message_store(topic="city/sensors/bin-0042/readings", payload=native_body().encode())
    tasks.run()
    assert Reading.objects.count() == 1


@pytest.mark.parametrize("url", ["/api/sensors/push/ttn/", "/api/sensors/push/airrohr/"])
def test_it_refuses_json_that_is_not_utf8(
    ttn_device: Any, airrohr_device: Any, sensors_key: str, push: Any, url: str
) -> None:
    headers = (
        {"Authorization": f"Bearer {sensors_key}"}
        if "ttn" in url
        else firmware_headers(airrohr_device)
    )
    body = json.dumps(uplink(timezone.now())).encode("utf-16")  # JSON, but not UTF-8
    response = push(url, body, **headers)
    assert response.status_code == 400, response.content
    assert not IngestBatch.objects.exists()
