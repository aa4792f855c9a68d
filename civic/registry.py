"""Registries that domain apps fill from ``AppConfig.ready()``: the core imports no domain app."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class HomeTile:
    key: str
    title: Any  # a lazy translation
    description: Any
    url_name: str
    icon: str = ""
    order: int = 100
    in_menu: bool = True  # also a link in every page's main menu


@dataclass(frozen=True)
class SeedStep:
    name: str
    run: Callable[..., None]  # run(*, stdout) adds the app's demo data, idempotently
    order: int = 100


_home_tiles: dict[str, HomeTile] = {}
_seed_steps: dict[str, SeedStep] = {}


def register_home_tile(tile: HomeTile) -> None:
    _home_tiles[tile.key] = tile


def home_tiles() -> list[HomeTile]:
    return sorted(_home_tiles.values(), key=lambda tile: (tile.order, tile.key))


def register_seed_step(step: SeedStep) -> None:
    _seed_steps[step.name] = step


def seed_steps() -> list[SeedStep]:
    return sorted(_seed_steps.values(), key=lambda step: (step.order, step.name))
