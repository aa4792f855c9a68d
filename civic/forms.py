"""Map widgets for plain latitude/longitude and GeoJSON columns (no spatial database).

django-leaflet's widget expects GeoDjango geometries; these give it GeoJSON values instead.
"""

from __future__ import annotations

import json
from typing import Any

from leaflet.forms.widgets import LeafletWidget


class _GeoJSON:
    srid = None

    def __init__(self, data: dict[str, Any]) -> None:
        self.data = data

    @property
    def geojson(self) -> str:
        return json.dumps(self.data)


class GeoJSONMapWidget(LeafletWidget):
    """Draw or paste a GeoJSON geometry stored in a JSONField."""

    include_media = True
    display_raw = True
    geom_type = "GEOMETRY"

    def deserialize(self, value: Any) -> _GeoJSON | None:
        if isinstance(value, dict):
            return _GeoJSON(value)
        try:
            data = json.loads(value)
        except (TypeError, ValueError):
            return None
        return _GeoJSON(data) if isinstance(data, dict) else None

    def serialize(self, value: Any) -> str:
        if isinstance(value, dict):
            return json.dumps(value)
        return value.geojson if value else ""
