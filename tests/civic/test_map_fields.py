"""The admin's lat/lon map field: a point on the map fills plain latitude/longitude columns."""

from __future__ import annotations

import json
from typing import Any

from django.db import models
from django.test.utils import isolate_apps

from civic.forms import LatLonMapFormMixin, form_with_map_nonce


def place_form() -> Any:
    class Place(models.Model):  # noqa: DJ008 - a throwaway model, never shown
        latitude = models.FloatField()
        longitude = models.FloatField()

        class Meta:
            app_label = "civic"

    class PlaceForm(LatLonMapFormMixin):
        class Meta:
            model = Place
            fields = ("latitude", "longitude")

    return PlaceForm


@isolate_apps("civic")
def test_it_takes_the_point_drawn_on_the_map_over_the_typed_numbers() -> None:
    point = json.dumps({"type": "Point", "coordinates": [0.6891234567, 47.3912345678]})
    form = place_form()(data={"latitude": "1", "longitude": "2", "location": point})
    assert form.is_valid(), form.errors
    assert form.cleaned_data["latitude"] == 47.391235
    assert form.cleaned_data["longitude"] == 0.689123


@isolate_apps("civic")
def test_it_keeps_the_typed_numbers_without_javascript() -> None:
    form = place_form()(data={"latitude": "47.4", "longitude": "0.7", "location": ""})
    assert form.is_valid(), form.errors
    assert (form.cleaned_data["latitude"], form.cleaned_data["longitude"]) == (47.4, 0.7)


@isolate_apps("civic")
def test_it_refuses_a_shape_that_is_not_a_point() -> None:
    line = json.dumps({"type": "LineString", "coordinates": [[0, 0], [1, 1]]})
    form = place_form()(data={"latitude": "47.4", "longitude": "0.7", "location": line})
    assert not form.is_valid()
    assert form.errors["location"] == ["Placez un seul point sur la carte."]


@isolate_apps("civic")
def test_it_renders_the_map_with_the_current_point_and_the_request_nonce() -> None:
    form_class: Any = form_with_map_nonce(place_form(), "n0nce")
    instance = form_class._meta.model(latitude=47.39, longitude=0.689)
    html = str(form_class(instance=instance)["location"])
    assert '<script nonce="n0nce">' in html
    assert "[0.689, 47.39]" in html
