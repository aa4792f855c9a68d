"""Bar charts drawn on the server as SVG: readable without JavaScript, with a data table
(``templates/civic/_bar_chart.html``). Shared by every app that charts a series."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

WIDTH, HEIGHT = 640, 160
NEUTRAL = "#1d4e89"


@dataclass(frozen=True)
class Bar:
    label: str
    value: float | None
    display: str
    x: float
    y: float
    width: float
    height: float
    colour: str


def bar_chart(
    points: list[tuple[str, float | None, str]], *, maximum: float | None = None
) -> dict[str, Any]:
    """``points``: (label, value or None, colour or ''). Returns bars scaled to the SVG box."""
    values = [value for _label, value, _colour in points if value is not None]
    top = maximum or (max(values) if values else 1) or 1
    slot = WIDTH / max(len(points), 1)
    bars = []
    for index, (label, value, colour) in enumerate(points):
        height = 0.0 if value is None else HEIGHT * min(value, top) / top
        bars.append(
            Bar(
                label=label,
                value=value,
                display="—" if value is None else f"{value:g}",
                x=index * slot + slot * 0.1,
                y=HEIGHT - height,
                width=slot * 0.8,
                height=height,
                colour=colour or NEUTRAL,
            )
        )
    return {"bars": bars, "width": WIDTH, "height": HEIGHT, "maximum": top}
