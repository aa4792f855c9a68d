"""Form pieces every app shares: photos kept between attempts under a form's token, and map
widgets for plain latitude/longitude and GeoJSON columns (no spatial database; django-leaflet's
widget expects GeoDjango geometries, these give it GeoJSON values instead).
"""

from __future__ import annotations

import json
import re
import secrets
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _
from leaflet.forms.widgets import LeafletWidget

DRAFT_RE = re.compile(r"^[A-Za-z0-9_-]{20,64}$")


def draft_token(value: str | None) -> str:
    """The form's token for photos kept between attempts; a fresh one when absent or odd."""
    if value and DRAFT_RE.match(value):
        return value
    return secrets.token_urlsafe(24)


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class PhotosField(forms.FileField):
    """Several files; the view cleans each one (``civic.photos.photo_clean``) and keeps it."""

    widget = MultipleFileInput

    def clean(self, data: Any, initial: Any = None) -> Any:
        return None


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


def point_geojson(lat: float | None, lon: float | None) -> str:
    if lat is None or lon is None:
        return ""
    return json.dumps({"type": "Point", "coordinates": [float(lon), float(lat)]})


class LatLonMapFormMixin(forms.ModelForm):
    """A map to place a point, stored in plain ``latitude``/``longitude`` columns.

    The two number fields stay in the form, so the location can be typed without JavaScript;
    a point drawn on the map, when moved, wins over them.
    """

    lat_field = "latitude"
    lon_field = "longitude"

    location = forms.CharField(
        label=_("Location on the map"),
        required=False,
        widget=GeoJSONMapWidget(attrs={"geom_type": "POINT"}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["location"].widget.display_raw = False
        self.initial.setdefault(
            "location",
            point_geojson(
                getattr(self.instance, self.lat_field, None),
                getattr(self.instance, self.lon_field, None),
            ),
        )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        raw = cleaned.get("location")
        if raw and "location" in self.changed_data:
            try:
                point = json.loads(raw)
                lon, lat = (float(v) for v in point["coordinates"][:2])
            except (ValueError, TypeError, KeyError, IndexError):
                self.add_error("location", _("Place a single point on the map."))
                return cleaned
            if point.get("type") != "Point" or not (-90 <= lat <= 90 and -180 <= lon <= 180):
                self.add_error("location", _("Place a single point on the map."))
                return cleaned
            cleaned[self.lat_field] = round(lat, 6)
            cleaned[self.lon_field] = round(lon, 6)
        return cleaned


def form_with_map_nonce(form_class: type[forms.BaseForm], nonce: str) -> type[forms.BaseForm]:
    """The form class, with the request's CSP nonce on its map widgets' inline scripts.

    Set on each form instance's own (deep-copied) fields, never on the shared class fields.
    """

    class WithMapNonce(form_class):  # type: ignore[valid-type,misc]
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            for field in self.fields.values():
                if isinstance(field.widget, GeoJSONMapWidget):
                    field.widget.csp_nonce = nonce

    WithMapNonce.__name__ = form_class.__name__
    return WithMapNonce
