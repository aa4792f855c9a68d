"""Open data: sensors, readings, aggregates and the air-quality index, as JSON or CSV.

No key needed (a key lifts the rate limit). ``?format=csv`` or ``Accept: text/csv`` for CSV.
"""

from __future__ import annotations

import csv
import io
from datetime import timedelta
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, extend_schema_serializer
from rest_framework import exceptions, serializers
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from civic.models import District
from sensors import selectors
from sensors.models import Aggregate, AqiScale, Sensor
from sensors.quantities import QUANTITIES, QUANTITY_CHOICES

MAX_WINDOW = timedelta(days=31)
MAX_ROWS = 100_000


class CSVRenderer(BaseRenderer):
    media_type = "text/csv"
    format = "csv"
    charset = "utf-8"

    def render(
        self, data: Any, accepted_media_type: Any = None, renderer_context: Any = None
    ) -> bytes:
        out = io.StringIO()
        if isinstance(data, list) and data:
            writer = csv.DictWriter(out, fieldnames=list(data[0]))
            writer.writeheader()
            writer.writerows(data)
        elif isinstance(data, dict):  # an error body
            writer_ = csv.writer(out)
            for key, value in data.items():
                writer_.writerow([key, value])
        return out.getvalue().encode()


class _OpenDataApi(APIView):
    renderer_classes = [JSONRenderer, CSVRenderer]


class WindowSerializer(serializers.Serializer):
    since = serializers.DateTimeField(required=False, help_text="Default: 24 hours ago.")
    until = serializers.DateTimeField(required=False, help_text="Default: now.")
    quantity = serializers.ChoiceField(choices=QUANTITY_CHOICES, required=False)
    sensor = serializers.CharField(required=False, help_text="A device id.")

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        attrs.setdefault("until", timezone.now())
        attrs.setdefault("since", attrs["until"] - timedelta(hours=24))
        if not attrs["since"] < attrs["until"] <= attrs["since"] + MAX_WINDOW:
            raise serializers.ValidationError(_("Ask for at most 31 days, since before until."))
        if "sensor" in attrs:
            sensor = Sensor.objects.filter(device_id=attrs["sensor"], is_active=True).first()
            if sensor is None:
                raise serializers.ValidationError({"sensor": _("Unknown sensor.")})
            attrs["sensor"] = sensor
        return attrs


class SensorListApi(_OpenDataApi):
    """Active sensors, positions of residents' sensors rounded to about 100 m."""

    @extend_schema_serializer(component_name="Sensor")
    class OutputSerializer(serializers.Serializer):
        device_id = serializers.CharField()
        kind = serializers.CharField()
        quantities = serializers.ListField(child=serializers.CharField())
        latitude = serializers.FloatField()
        longitude = serializers.FloatField()
        district = serializers.CharField(allow_null=True)

    @extend_schema(operation_id="sensors_list", responses=OutputSerializer(many=True))
    def get(self, request: Request) -> Response:
        rows = []
        for sensor in selectors.sensors_public():
            latitude, longitude = sensor.public_position
            rows.append(
                {
                    "device_id": sensor.device_id,
                    "kind": sensor.kind,
                    "quantities": sensor.quantities,
                    "latitude": latitude,
                    "longitude": longitude,
                    "district": sensor.district.code if sensor.district else None,
                }
            )
        return Response(self.OutputSerializer(rows, many=True).data)


class ReadingListApi(_OpenDataApi):
    """Raw readings over at most 31 days (at most 100,000 rows: narrow by sensor, quantity)."""

    @extend_schema_serializer(component_name="SensorReading")
    class OutputSerializer(serializers.Serializer):
        sensor = serializers.CharField()
        quantity = serializers.CharField()
        unit = serializers.CharField()
        time = serializers.DateTimeField()
        value = serializers.FloatField()

    @extend_schema(
        operation_id="sensors_readings_list",
        parameters=[WindowSerializer],
        responses=OutputSerializer(many=True),
    )
    def get(self, request: Request) -> Response:
        window = WindowSerializer(data=request.query_params)
        window.is_valid(raise_exception=True)
        params = window.validated_data
        readings = selectors.readings_between(
            since=params["since"],
            until=params["until"],
            sensor=params.get("sensor"),
            quantity=params.get("quantity"),
        ).values_list("sensor__device_id", "quantity", "time", "value")[: MAX_ROWS + 1]
        rows = [
            {"sensor": s, "quantity": q, "unit": QUANTITIES[q].unit, "time": t, "value": v}
            for s, q, t, v in readings
        ]
        if len(rows) > MAX_ROWS:
            raise exceptions.ValidationError(
                {"since": [_("More than 100,000 readings: narrow the window or the filters.")]}
            )
        return Response(self.OutputSerializer(rows, many=True).data)


class AggregateWindowSerializer(WindowSerializer):
    period = serializers.ChoiceField(choices=Aggregate.Period.choices, default="hour")
    district = serializers.SlugRelatedField(
        slug_field="code", queryset=District.objects.all(), required=False
    )


class AggregateListApi(_OpenDataApi):
    """Hourly or daily mean, min, max, sum and count per sensor or per district."""

    @extend_schema_serializer(component_name="SensorAggregate")
    class OutputSerializer(serializers.Serializer):
        period = serializers.CharField()
        start = serializers.DateTimeField()
        quantity = serializers.CharField()
        sensor = serializers.CharField(allow_null=True)
        district = serializers.CharField(allow_null=True)
        mean = serializers.FloatField()
        minimum = serializers.FloatField()
        maximum = serializers.FloatField()
        total = serializers.FloatField()
        count = serializers.IntegerField()

    @extend_schema(
        operation_id="sensors_aggregates_list",
        parameters=[AggregateWindowSerializer],
        responses=OutputSerializer(many=True),
    )
    def get(self, request: Request) -> Response:
        window = AggregateWindowSerializer(data=request.query_params)
        window.is_valid(raise_exception=True)
        params = window.validated_data
        aggregates = selectors.aggregates_between(
            period=params["period"],
            since=params["since"],
            until=params["until"],
            sensor=params.get("sensor"),
            district=params.get("district"),
            quantity=params.get("quantity"),
        )[:MAX_ROWS]
        rows = [
            {
                "period": a.period,
                "start": a.start,
                "quantity": a.quantity,
                "sensor": a.sensor.device_id if a.sensor else None,
                "district": a.district.code if a.district else None,
                "mean": a.mean,
                "minimum": a.minimum,
                "maximum": a.maximum,
                "total": a.total,
                "count": a.count,
            }
            for a in aggregates
        ]
        return Response(self.OutputSerializer(rows, many=True).data)


class AirQualityWindowSerializer(serializers.Serializer):
    district = serializers.SlugRelatedField(slug_field="code", queryset=District.objects.all())
    scale = serializers.SlugRelatedField(
        slug_field="code", queryset=AqiScale.objects.all(), required=False
    )
    hours = serializers.IntegerField(min_value=1, max_value=24 * 31, default=24)


class AirQualityListApi(_OpenDataApi):
    """The European Air Quality Index of a district, hour by hour (default scale: EEA 2024)."""

    @extend_schema_serializer(component_name="AirQualityIndex")
    class OutputSerializer(serializers.Serializer):
        hour = serializers.DateTimeField()
        district = serializers.CharField()
        scale = serializers.CharField()
        level = serializers.IntegerField()
        pollutant = serializers.CharField()

    @extend_schema(
        operation_id="sensors_air_quality_list",
        parameters=[AirQualityWindowSerializer],
        responses=OutputSerializer(many=True),
    )
    def get(self, request: Request) -> Response:
        params_in = AirQualityWindowSerializer(data=request.query_params)
        params_in.is_valid(raise_exception=True)
        params = params_in.validated_data
        scale = params.get("scale") or selectors.default_scale()
        if scale is None:
            return Response([])
        indexes = selectors.district_air_quality(
            district=params["district"],
            scale=scale,
            since=timezone.now() - timedelta(hours=params["hours"]),
        )
        rows = [
            {
                "hour": index.hour,
                "district": params["district"].code,
                "scale": scale.code,
                "level": index.level,
                "pollutant": index.pollutant,
            }
            for index in indexes
        ]
        return Response(self.OutputSerializer(rows, many=True).data)
