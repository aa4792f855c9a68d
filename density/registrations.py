"""What density brings to the rest of the site, declared through the core's registries."""

from __future__ import annotations

from civic.registry import SeedStep, register_seed_step


def register() -> None:
    from density.seed import seed_density

    # After the city (its map centre) and before the sensors that count passengers. Crowd reports
    # are anonymous by construction: no purpose to consent to (and none asked).
    register_seed_step(SeedStep(name="density", run=seed_density, order=40))
