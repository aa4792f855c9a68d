"""Staff in the admin: reports per line, and excluding an abusive device's reports."""

from __future__ import annotations

from io import StringIO

import pytest
from django.test import Client
from django.utils import timezone

from civic.actors import Actor, Channel
from density import services
from density.models import CrowdReport, ExcludedDevice, Route, RouteStop
from density.seed import seed_density

pytestmark = pytest.mark.django_db


def test_it_lets_staff_exclude_a_prankster_device(admin_client: Client) -> None:
    seed_density(stdout=StringIO())
    tram = Route.objects.get(gtfs_id="T1")
    stop = RouteStop.objects.filter(pattern__route=tram, pattern__direction_id=0)[1].stop
    for token, level in (("prankster", 5), ("commuter", 2)):
        services.crowd_report_submit(
            actor=Actor(channel=Channel.WEB),
            route=tram,
            direction=0,
            stop=stop,
            level=level,
            observed_at=timezone.now(),
            device_token=token,
        )
    prank = CrowdReport.objects.get(level=5)

    listing = admin_client.get("/admin/density/crowdreport/", {"route__id__exact": tram.pk})
    response = admin_client.post(
        "/admin/density/crowdreport/",
        {"action": "exclude_devices", "_selected_action": [prank.pk]},
    )

    assert listing.status_code == 200 and response.status_code == 302
    assert list(CrowdReport.objects.values_list("level", flat=True)) == [2]
    assert ExcludedDevice.objects.get().device_hash == services.device_hash_of("prankster")
