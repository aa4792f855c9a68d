"""The Things Network v3 uplink webhook."""

from __future__ import annotations

import copy
import json
from datetime import datetime, timedelta
from typing import Any

import pytest
from django.utils import timezone

from sensors.models import IngestBatch, Quarantine, Reading

pytestmark = pytest.mark.django_db

URL = "/api/sensors/push/ttn/"


def uplink(received_at: datetime) -> dict[str, Any]:
    """An uplink message as TTN v3 posts it to a webhook (nanosecond times, Z zone)."""
    at = received_at.strftime("%Y-%m-%dT%H:%M:%S.%f") + "123Z"
    return {
        "end_device_ids": {
            "device_id": "eui-70b3d57ed0001234",
            "application_ids": {"application_id": "civic-water"},
            "dev_eui": "70B3D57ED0001234",
            "join_eui": "0000000000000000",
            "dev_addr": "260B1C2D",
        },
        "correlation_ids": ["as:up:01HXYZ", "gs:uplink:01HXYZ"],
        "received_at": at,
        "uplink_message": {
            "session_key_id": "AYxYZ==",
            "f_port": 2,
            "f_cnt": 1234,
            "frm_payload": "AJYA3Q==",
            "decoded_payload": {"level_cm": 150, "temp": 22.1},
            "rx_metadata": [
                {
                    "gateway_ids": {"gateway_id": "gw-mairie", "eui": "B827EBFFFE000001"},
                    "time": at,
                    "rssi": -97,
                    "channel_rssi": -97,
                    "snr": 7.5,
                    "uplink_token": "ChsK",
                }
            ],
            "settings": {
                "data_rate": {"lora": {"bandwidth": 125000, "spreading_factor": 7}},
                "frequency": "868100000",
            },
            "received_at": at,
            "consumed_airtime": "0.061696s",
        },
    }


@pytest.fixture
def received_at() -> datetime:
    return timezone.now().replace(microsecond=456000) - timedelta(minutes=3)


def test_it_maps_the_decoded_payload_of_an_uplink(
    ttn_device: Any, sensors_key: str, push: Any, received_at: datetime
) -> None:
    response = push(URL, json.dumps(uplink(received_at)), Authorization=f"Bearer {sensors_key}")

    assert response.status_code == 202
    readings = {reading.quantity: reading for reading in Reading.objects.all()}
    assert readings["water_level"].value == 150 and readings["temperature"].value == 22.1
    assert readings["water_level"].time == received_at
    assert readings["water_level"].sensor == ttn_device.sensor


def test_it_quarantines_an_undecoded_payload_with_its_frm_payload(
    ttn_device: Any, sensors_key: str, push: Any, received_at: datetime
) -> None:
    document = uplink(received_at)
    del document["uplink_message"]["decoded_payload"]

    assert push(URL, json.dumps(document), Authorization=f"Bearer {sensors_key}").status_code == 202

    assert not Reading.objects.exists()
    quarantined = Quarantine.objects.get()
    assert quarantined.reason == "undecoded" and "AJYA3Q==" in quarantined.detail
    assert json.loads(quarantined.payload)["uplink_message"]["frm_payload"] == "AJYA3Q=="


def test_it_quarantines_an_uplink_of_an_unknown_device(
    ttn_device: Any, sensors_key: str, push: Any, received_at: datetime
) -> None:
    document = copy.deepcopy(uplink(received_at))
    document["end_device_ids"]["dev_eui"] = "70B3D57ED000FFFF"

    assert push(URL, json.dumps(document), Authorization=f"Bearer {sensors_key}").status_code == 202

    assert set(Quarantine.objects.values_list("reason", flat=True)) == {"unknown_sensor"}


def test_it_refuses_a_webhook_without_a_sensors_key(
    ttn_device: Any, reports_key: str, push: Any, received_at: datetime
) -> None:
    body = json.dumps(uplink(received_at))

    assert push(URL, body).status_code == 401
    assert push(URL, body, Authorization=f"Bearer {ttn_device.secret}").status_code == 401
    assert push(URL, body, Authorization=f"Bearer {reports_key}").status_code == 403
    assert not IngestBatch.objects.exists()


def test_it_answers_400_to_a_message_that_is_not_an_uplink(
    ttn_device: Any, sensors_key: str, push: Any, received_at: datetime
) -> None:
    document = uplink(received_at)
    del document["uplink_message"]
    document["join_accept"] = {"session_key_id": "AYx"}

    response = push(URL, json.dumps(document), Authorization=f"Bearer {sensors_key}")

    assert response.status_code == 400
