"""What a tile server's URL template allows in the Content-Security-Policy (read by settings,
so it imports nothing from Django)."""

from __future__ import annotations

from urllib.parse import urlsplit

# Leaflet's default subdomains, for a {s} that is not the host's first label.
LEAFLET_SUBDOMAINS = ("a", "b", "c")


def tile_img_sources(url_template: str) -> list[str]:
    """The img-src sources a tile URL template needs: its origin, with ``{s}`` as a wildcard
    first label (``https://*.tile.openstreetmap.org``). A path of this site needs none ('self')."""
    if not url_template or (url_template.startswith("/") and not url_template.startswith("//")):
        return []
    parts = urlsplit(url_template)
    scheme = f"{parts.scheme}://" if parts.scheme else ""
    host = parts.netloc.rsplit("@", 1)[-1]
    first, dot, rest = host.partition(".")
    if "{" in first and dot:
        return [f"{scheme}*.{rest}"]
    if "{s}" in host:
        return [f"{scheme}{host.replace('{s}', sub)}" for sub in LEAFLET_SUBDOMAINS]
    return [f"{scheme}{host}"]
