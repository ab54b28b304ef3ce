"""Where the map's web assets are: vendored Leaflet files, our own scripts, tiles, standalone HTML.

Everything a map loads is served by the app itself from the package's ``static``
folder (:func:`hotspots.resources.static_dir`), which Streamlit serves at
``/app/static`` (``[server] enableStaticServing``):

* ``static/vendor/``: Leaflet 1.9.4 and Leaflet.fullscreen (see ``static/README.md``);
* ``static/js/``: the JavaScript of our own Leaflet elements
  (:mod:`hotspots.present.map_elements`).

:func:`map_html` renders a map page; with ``inline_assets`` it writes the files of
both folders into the page so that it opens with no server and no internet.
Tiles are a setting (:func:`resolve_tiles`).
"""

from __future__ import annotations

import base64
import html
import os
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from hotspots import resources
from hotspots.errors import InputError

if TYPE_CHECKING:
    from pathlib import Path

    import folium

__all__ = [
    "FULLSCREEN_DIR",
    "FULLSCREEN_VERSION",
    "INLINE_FOLDERS",
    "JS_DIR",
    "LEAFLET_DIR",
    "LEAFLET_VERSION",
    "NO_TILES",
    "OSM_TILES",
    "TileSpec",
    "map_html",
    "resolve_tiles",
    "script_path",
    "script_url",
    "static_url",
    "vendor_path",
    "vendor_url",
]

LEAFLET_VERSION = "1.9.4"
LEAFLET_DIR = f"vendor/leaflet-{LEAFLET_VERSION}"
FULLSCREEN_VERSION = "5.3.3"
FULLSCREEN_DIR = f"vendor/leaflet.fullscreen-{FULLSCREEN_VERSION}"
JS_DIR = "js"
# Folders of static/ whose files map_html(inline_assets=True) may write into a page.
INLINE_FOLDERS = ("vendor", JS_DIR)


def static_url() -> str:
    """URL prefix of the app's static folder (``HOTSPOTS_STATIC_URL``, default ``/app/static``)."""
    return os.environ.get("HOTSPOTS_STATIC_URL", "/app/static").rstrip("/")


def vendor_url(name: str, *, package: str = LEAFLET_DIR) -> str:
    """URL of a vendored file, e.g. ``vendor_url("leaflet.js")`` (Leaflet by default)."""
    return f"{static_url()}/{package}/{name}"


def vendor_path(name: str, *, package: str = LEAFLET_DIR) -> Path:
    """Path on disk of a vendored file (Leaflet by default)."""
    return resources.static_dir() / package / name


def script_url(name: str) -> str:
    """URL of one of our scripts in ``static/js/``, e.g. ``script_url("hotspots-map.js")``."""
    return f"{static_url()}/{JS_DIR}/{name}"


def script_path(name: str) -> Path:
    """Path on disk of one of our scripts in ``static/js/``."""
    return resources.static_dir() / JS_DIR / name


# --- tiles ------------------------------------------------------------------------
@dataclass(frozen=True)
class TileSpec:
    """A tile layer: URL template (None: no tiles), attribution HTML, zoom limit and name."""

    url: str | None
    attribution: str | None
    max_zoom: int = 19
    name: str = "none"


OSM_TILES = TileSpec(
    "https://tile.openstreetmap.org/{z}/{x}/{y}.png",
    '&copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a> contributors',
    19,
    "OpenStreetMap",
)
NO_TILES = TileSpec(None, None, 19, "none")


def resolve_tiles(
    tiles: str | TileSpec | None = "auto",
    attribution: str | None = None,
) -> TileSpec:
    """Turn the ``tiles`` setting into a :class:`TileSpec`.

    Parameters
    ----------
    tiles : ``"auto"`` (read ``HOTSPOTS_TILES``, default ``"osm"``), ``"osm"``,
        ``"none"`` / ``None`` (no tiles: offline), or a URL template containing
        ``{z}``, ``{x}`` and ``{y}`` (``http(s)://...`` or a path on this server).
    attribution : required with a URL template (else ``HOTSPOTS_TILES_ATTRIBUTION``);
        plain text, HTML-escaped.
    """
    if isinstance(tiles, TileSpec):
        return tiles
    if tiles == "auto":
        tiles = os.environ.get("HOTSPOTS_TILES", "osm")
    if tiles is None or str(tiles).strip().lower() in ("", "none", "off", "offline"):
        return NO_TILES
    text = str(tiles).strip()
    if text.lower() in ("osm", "openstreetmap"):
        return OSM_TILES
    if not (re.match(r"^https?://", text) or text.startswith("/")) or not all(
        k in text for k in ("{z}", "{x}", "{y}")
    ):
        raise InputError(
            "tiles",
            text,
            '"osm", "none" or a tile URL template with {z}, {x} and {y}',
            "For example https://tiles.example.org/{z}/{x}/{y}.png (set HOTSPOTS_TILES).",
        )
    attr = attribution if attribution is not None else os.environ.get("HOTSPOTS_TILES_ATTRIBUTION")
    if not attr or not attr.strip():
        raise InputError(
            "tiles attribution",
            attr,
            "the attribution the tile provider requires",
            "Set HOTSPOTS_TILES_ATTRIBUTION, e.g. '© OpenStreetMap contributors'.",
        )
    return TileSpec(text, html.escape(attr.strip()), 19, "custom tiles")


# --- the page -----------------------------------------------------------------------
def map_html(m: folium.Map, *, inline_assets: bool = False) -> str:
    """Return the full HTML page of a map.

    With ``inline_assets`` the scripts and stylesheets the page loads from
    ``static/vendor/`` and ``static/js/`` (Leaflet, its plugin, our elements; the
    stylesheets' images as data URIs) are written into the page, so the file opens
    anywhere with no server and no internet (about 190 KiB more).
    """
    out = m.get_root().render()
    if not inline_assets:
        return out
    static = resources.static_dir()
    prefix = re.escape(static_url() + "/")
    folders = "|".join(re.escape(f) for f in INLINE_FOLDERS)

    def read(rel: str) -> str:
        path = (static / rel).resolve()
        if not any(path.is_relative_to((static / f).resolve()) for f in INLINE_FOLDERS):
            raise InputError("asset", rel, "a file under static/vendor/ or static/js/")
        return path.read_text(encoding="utf-8")

    def script(match: re.Match[str]) -> str:
        return "<script>" + read(match.group(1)).replace("</script", "<\\/script") + "</script>"

    def style(match: re.Match[str]) -> str:
        rel = match.group(1)
        folder = (static / rel).parent

        def data_uri(img: re.Match[str]) -> str:
            data = base64.b64encode((folder / img.group(1)).read_bytes()).decode("ascii")
            return f"url(data:image/png;base64,{data})"

        css = re.sub(r"url\((images/[A-Za-z0-9_.-]+\.png)\)", data_uri, read(rel))
        return f"<style>{css}</style>"

    out = re.sub(rf'<script src="{prefix}((?:{folders})/[^"]+\.js)"></script>', script, out)
    return re.sub(
        rf'<link rel="stylesheet" href="{prefix}((?:{folders})/[^"]+\.css)"/>',
        style,
        out,
    )
