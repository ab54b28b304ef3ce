"""Background map tiles for printed maps: fetched once, cached on disk, drawn under the vectors.

Where a deployment has a tile server (``HOTSPOTS_TILES``: a URL template with ``{z}``,
``{x}``, ``{y}`` and optionally ``{key}``; ``HOTSPOTS_TILES_ATTRIBUTION``; the key in
``HOTSPOTS_TILES_KEY``), the pack's map page and the patrol sheet draw its tiles under
the boundaries, streets and hotspots. :func:`fetch_background` works out the tiles a
map needs at the zoom that fits it, reads each from a disk cache (keyed by the URL
template, never the key, and z/x/y; bounded in size, oldest dropped first) or fetches
it once, and resamples the mosaic from Web Mercator onto the map's own EPSG:27700
extent, so the picture lines up with the vectors drawn in metres.

With no tile server set, or one that fails, the result carries no image and a note
saying why; the maps then use the offline street layer
(:mod:`hotspots.present.streets`), and with neither they say "No street map
available" (:data:`hotspots.present.streets.NO_STREET_MAP`). The API key is put
into the request URL only: it never reaches a cache path, a note, an error or a log.

References
----------
OpenStreetMap wiki, "Slippy map tilenames" (the z/x/y scheme of Web Mercator tiles).
OpenStreetMap Foundation, "Tile Usage Policy" (no bulk downloads, cache tiles, a
valid User-Agent, visible attribution).
"""

from __future__ import annotations

import contextlib
import hashlib
import html
import io
import logging
import math
import os
import re
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
from scipy import ndimage

from hotspots.present.map_geometry import TO_WGS84

if TYPE_CHECKING:  # map_assets imports folium, which a printed pack never needs
    from hotspots.present.map_assets import TileSpec

__all__ = [
    "TILE_PX",
    "Background",
    "TileCache",
    "choose_zoom",
    "fetch_background",
    "fit_extent",
    "pack_tiles",
    "plain_attribution",
    "redact",
    "tile_cache",
    "tile_key",
    "tile_range",
]

log = logging.getLogger(__name__)

TILE_PX = 256
_R = 6378137.0  # Web Mercator sphere radius, metres
USER_AGENT = "SaferBCP-hotspots (printed PCG pack and patrol sheet; caches tiles)"
DEFAULT_CACHE_MB = 200.0


@dataclass(frozen=True)
class Background:
    """A background picture for a printed map.

    Attributes
    ----------
    image : JPEG bytes covering ``bounds`` exactly (EPSG:27700, north up), or None
        when no tiles could be drawn (see ``note``).
    bounds : ``(x0, y0, x1, y1)`` metres covered by the image.
    size_px : the image's ``(width, height)`` in pixels.
    attribution : the provider's attribution as plain text (printed under the map).
    zoom : the tile zoom level used.
    fetched : tiles requested from the server by this call.
    cached : tiles read from the disk cache.
    note : empty when drawn; else why there is no background, for the page.
    latlng : with ``mercator``, the image's ``((south, west), (north, east))`` corners;
        the image is then the Web Mercator mosaic itself, not resampled to ``bounds``.
    """

    image: bytes | None
    bounds: tuple[float, float, float, float]
    size_px: tuple[int, int] = (0, 0)
    attribution: str = ""
    zoom: int = 0
    fetched: int = 0
    cached: int = 0
    note: str = field(default="")
    latlng: tuple[tuple[float, float], tuple[float, float]] | None = None

    @property
    def ok(self) -> bool:
        """Whether the picture was made (tiles were fetched)."""
        return self.image is not None

    def data_uri(self) -> str:
        """Return the image as a ``data:`` URI (for SVG ``<image>`` or a Leaflet overlay)."""
        import base64

        if self.image is None:
            return ""
        return "data:image/jpeg;base64," + base64.b64encode(self.image).decode("ascii")


# --- settings -------------------------------------------------------------------------
def pack_tiles(tiles: str | TileSpec | None = "auto") -> TileSpec:
    """Return the tile setting of printed maps.

    ``"auto"`` reads ``HOTSPOTS_TILES`` and, unlike the screen map, means no tiles when
    it is unset: a pack is a bulk download of tiles, which the OpenStreetMap tile
    policy asks not to do from its servers, so printing uses tiles only where a
    deployment names a server.
    """
    from hotspots.present.map_assets import resolve_tiles

    if tiles == "auto":
        tiles = os.environ.get("HOTSPOTS_TILES") or "none"
    return resolve_tiles(tiles)


def tile_cache(root: str | Path | None = None, max_mb: float | None = None) -> TileCache:
    """Pick the disk cache: ``root``, ``HOTSPOTS_TILE_CACHE``, else ``<store root>/.tile-cache``.

    Its size bound is ``max_mb`` (else ``HOTSPOTS_TILE_CACHE_MB``, default 200 MiB).
    """
    if root is None:
        env = os.environ.get("HOTSPOTS_TILE_CACHE")
        if env:
            root = Path(env).expanduser()
        else:
            from hotspots.data.store_layout import store_root

            root = store_root() / ".tile-cache"
    if max_mb is None:
        max_mb = float(os.environ.get("HOTSPOTS_TILE_CACHE_MB", DEFAULT_CACHE_MB))
    return TileCache(Path(root), int(max_mb * 2**20))


def plain_attribution(spec: TileSpec) -> str:
    """Return the attribution of ``spec`` as plain text (tags removed, entities decoded)."""
    return html.unescape(re.sub(r"<[^>]+>", "", spec.attribution or "")).strip()


def redact(text: str, key: str | None) -> str:
    """``text`` with the API key replaced by ``***`` (for notes, errors and logs)."""
    if not key:
        return text
    from urllib.parse import quote

    return text.replace(key, "***").replace(quote(key, safe=""), "***")


def tile_key(template: str) -> str:
    """Return the cache folder of a URL template.

    A hash of the template itself (with its ``{key}`` placeholder, never the key), so two servers
    never share tiles.
    """
    return hashlib.sha256(template.encode("utf-8")).hexdigest()[:20]


# --- the cache -----------------------------------------------------------------------
class TileCache:
    """Tiles on disk under ``root/<tile_key(template)>/z/x/y``, at most ``max_bytes`` in all.

    Writes are atomic (a temporary file renamed), so a build killed mid-write leaves
    no half tile. When the cache grows past ``max_bytes`` the least recently used
    files (by modification time, touched on each read) go first.
    """

    def __init__(self, root: Path, max_bytes: int = int(DEFAULT_CACHE_MB * 2**20)) -> None:
        self.root = Path(root)
        self.max_bytes = int(max_bytes)

    def path(self, template: str, z: int, x: int, y: int) -> Path:
        """Return the cache file of tile ``z/x/y`` of ``template``."""
        return self.root / tile_key(template) / str(z) / str(x) / f"{y}.tile"

    def get(self, template: str, z: int, x: int, y: int) -> bytes | None:
        """Return the cached tile, or None when it is not cached (or unreadable)."""
        p = self.path(template, z, x, y)
        try:
            data = p.read_bytes()
        except OSError:
            return None
        with contextlib.suppress(OSError):
            os.utime(p)  # recently used: kept longest by prune()
        return data

    def put(self, template: str, z: int, x: int, y: int, data: bytes) -> None:
        """Store a tile (written to a temporary file, then renamed into place)."""
        p = self.path(template, z, x, y)
        p.parent.mkdir(parents=True, exist_ok=True)
        tmp = p.with_name(f".{p.name}.{os.getpid()}.tmp")
        tmp.write_bytes(data)
        os.replace(tmp, p)

    def size_bytes(self) -> int:
        """Total size of the cached tiles in bytes."""
        return sum(f.stat().st_size for f in self.root.rglob("*.tile")) if self.root.is_dir() else 0

    def prune(self) -> int:
        """Drop the least recently used tiles until the cache fits; returns files removed."""
        if not self.root.is_dir():
            return 0
        files = [(f.stat().st_mtime, f.stat().st_size, f) for f in self.root.rglob("*.tile")]
        total = sum(s for _, s, _ in files)
        removed = 0
        for _, size, f in sorted(files, key=lambda t: t[0]):
            if total <= self.max_bytes:
                break
            f.unlink(missing_ok=True)
            total -= size
            removed += 1
        return removed


# --- geometry --------------------------------------------------------------------------
def fit_extent(
    bounds: tuple[float, float, float, float],
    w: float,
    h: float,
) -> tuple[float, float, float, float]:
    """Return the extent a ``w`` × ``h`` box shows when ``bounds`` is fitted into it.

    Aspect kept and centred, as :func:`hotspots.present.pack_draw.project` draws.
    """
    x0, y0, x1, y1 = bounds
    s = min(w / (x1 - x0), h / (y1 - y0))
    cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
    hw, hh = w / s / 2, h / s / 2
    return cx - hw, cy - hh, cx + hw, cy + hh


def _lonlat_to_tile(lon: np.ndarray, lat: np.ndarray, z: int) -> tuple[np.ndarray, np.ndarray]:
    """Fractional tile coordinates (slippy-map scheme) of WGS84 points at zoom ``z``."""
    n = 2**z
    r = np.radians(lat)
    tx = (np.asarray(lon) + 180.0) / 360.0 * n
    ty = (1.0 - np.log(np.tan(r) + 1.0 / np.cos(r)) / math.pi) / 2.0 * n
    return tx, ty


def _corners_lonlat(bounds: tuple[float, float, float, float]) -> tuple[np.ndarray, np.ndarray]:
    x0, y0, x1, y1 = bounds
    xs = np.array([x0, x1, x1, x0, (x0 + x1) / 2, (x0 + x1) / 2, x0, x1])
    ys = np.array([y0, y0, y1, y1, y0, y1, (y0 + y1) / 2, (y0 + y1) / 2])
    lon, lat = TO_WGS84.transform(xs, ys)
    return np.asarray(lon), np.asarray(lat)


def tile_range(bounds: tuple[float, float, float, float], z: int) -> tuple[int, int, int, int]:
    """``(x_min, x_max, y_min, y_max)`` of the tiles covering ``bounds`` (EPSG:27700) at ``z``."""
    lon, lat = _corners_lonlat(bounds)
    tx, ty = _lonlat_to_tile(lon, lat, z)
    n = 2**z - 1
    return (
        max(0, math.floor(tx.min())),
        min(n, math.floor(tx.max())),
        max(0, math.floor(ty.min())),
        min(n, math.floor(ty.max())),
    )


def choose_zoom(
    bounds: tuple[float, float, float, float], width_px: int, *, max_zoom: int = 19,
    max_tiles: int = 64,
) -> int:  # fmt: skip
    """Return the zoom whose tile pixels are at least as fine as the picture's pixels.

    The picture is ``width_px`` across ``bounds``; the zoom is lowered until at most ``max_tiles``
    tiles cover it.
    """
    x0, _, x1, _ = bounds
    _lon, lat = _corners_lonlat(bounds)
    m_per_px = (x1 - x0) / max(width_px, 1)
    lat_c = float(np.radians(lat.mean()))
    # ground metres per tile pixel at zoom z: 2πR cos(lat) / (256 · 2^z)
    z = math.ceil(math.log2(2 * math.pi * _R * math.cos(lat_c) / (TILE_PX * m_per_px)))
    z = max(0, min(int(max_zoom), z))
    while z > 0:
        a, b, c, d = tile_range(bounds, z)
        if (b - a + 1) * (d - c + 1) <= max_tiles:
            break
        z -= 1
    return z


# --- fetching ----------------------------------------------------------------------------
def _url(template: str, z: int, x: int, y: int, key: str | None) -> str:
    url = template.replace("{z}", str(z)).replace("{x}", str(x)).replace("{y}", str(y))
    url = url.replace("{s}", "a").replace("{r}", "")  # Leaflet's subdomain and retina marks
    if "{key}" in url:
        from urllib.parse import quote

        url = url.replace("{key}", quote(key or "", safe=""))
    return url


def _get(url: str, timeout_s: float) -> bytes:
    req = urllib.request.Request(url, headers={"User-Agent": USER_AGENT})
    with urllib.request.urlopen(req, timeout=timeout_s) as r:
        return r.read()


def _decode(data: bytes) -> np.ndarray:
    from PIL import Image

    with Image.open(io.BytesIO(data)) as im:
        rgb = im.convert("RGB")
        if rgb.size != (TILE_PX, TILE_PX):
            rgb = rgb.resize((TILE_PX, TILE_PX))
        return np.asarray(rgb)


def fetch_background(
    spec: TileSpec | str | None,
    bounds: tuple[float, float, float, float],
    size_px: tuple[int, int],
    *,
    cache: TileCache | None = None,
    api_key: str | None = None,
    timeout_s: float = 6.0,
    max_tiles: int = 64,
    workers: int = 4,
    wash: float = 0.25,
    mercator: bool = False,
) -> Background:
    """Return the tiles under ``bounds`` (EPSG:27700) as one picture of ``size_px`` pixels.

    Parameters
    ----------
    spec : the tile server (:func:`pack_tiles`); ``NO_TILES`` gives no image.
    bounds : the extent to cover, metres (use :func:`fit_extent` to match a box).
    size_px : ``(width, height)`` of the picture; the zoom is the one whose pixels
        are at least this fine (:func:`choose_zoom`).
    cache : default :func:`tile_cache`; each tile is fetched once, then read from it.
    api_key : put into the URL's ``{key}`` (default ``HOTSPOTS_TILES_KEY``); never
        written anywhere else.
    timeout_s : per request.
    max_tiles : the most tiles one picture may take (the zoom is lowered to fit).
    wash : how much white is mixed in (0-1), so the vectors on top stay readable.
    mercator : keep the tiles' own Web Mercator mosaic (for a Leaflet image overlay,
        placed by ``latlng``) instead of resampling onto ``bounds``.

    Returns
    -------
    :class:`Background`; on any failed tile the image is None and ``note`` says why
    (a partial background would hide streets without saying so).
    """
    spec = pack_tiles(spec) if spec is None or isinstance(spec, str) else spec
    if spec.url is None:
        return Background(None, bounds, note="")
    template = spec.url
    if template.startswith("/"):
        return Background(
            None, bounds, note="No background map: the tile server is a path on the app's "
            "own server, which a printed page cannot reach.",
        )  # fmt: skip
    key = api_key if api_key is not None else os.environ.get("HOTSPOTS_TILES_KEY")
    attribution = plain_attribution(spec)
    if "{key}" in template and not key:
        return Background(
            None, bounds, attribution=attribution,
            note="No background map: the tile server needs an API key (set HOTSPOTS_TILES_KEY).",
        )  # fmt: skip
    cache = cache or tile_cache()
    w_px, h_px = (int(v) for v in size_px)
    z = choose_zoom(bounds, w_px, max_zoom=spec.max_zoom, max_tiles=max_tiles)
    xa, xb, ya, yb = tile_range(bounds, z)
    tiles = [(x, y) for y in range(ya, yb + 1) for x in range(xa, xb + 1)]
    got: dict[tuple[int, int], bytes] = {}
    need = []
    for x, y in tiles:
        data = cache.get(template, z, x, y)
        if data is None:
            need.append((x, y))
        else:
            got[(x, y)] = data
    n_cached = len(got)
    errors: list[str] = []

    def one(xy: tuple[int, int]) -> tuple[tuple[int, int], bytes | None, str]:
        x, y = xy
        try:
            data = _get(_url(template, z, x, y, key), timeout_s)
            _decode(data)  # a tile that is not an image is a failure, not a picture
            return xy, data, ""
        except (urllib.error.URLError, OSError, ValueError) as exc:
            return xy, None, redact(f"{type(exc).__name__}: {exc}", key)
        except Exception as exc:  # PIL.UnidentifiedImageError and friends
            return xy, None, redact(f"{type(exc).__name__}: {exc}", key)

    if need:
        # one tile first: a server that is down fails once, not once per tile
        results = [one(need[0])]
        if results[0][1] is not None and len(need) > 1:
            with ThreadPoolExecutor(max_workers=max(1, min(workers, len(need) - 1))) as pool:
                results += list(pool.map(one, need[1:]))
        for xy, data, err in results:
            if data is None:
                errors.append(err)
            else:
                cache.put(template, z, *xy, data)
                got[xy] = data
        cache.prune()
        if errors and len(results) < len(need):
            errors.append(f"{len(need) - len(results)} not tried")
    if errors:
        msg = (
            f"No background map: the tile server did not give {len(tiles) - len(got)} "
            f"of {len(tiles)} tiles ({errors[0]}); drawn without it."
        )
        log.warning(redact(msg, key))
        return Background(
            None, bounds, attribution=attribution, zoom=z, fetched=len(results),
            cached=n_cached, note=redact(msg, key),
        )  # fmt: skip
    mosaic = np.full(((yb - ya + 1) * TILE_PX, (xb - xa + 1) * TILE_PX, 3), 255, dtype=np.uint8)
    for (x, y), data in got.items():
        r, c = (y - ya) * TILE_PX, (x - xa) * TILE_PX
        mosaic[r : r + TILE_PX, c : c + TILE_PX] = _decode(data)
    if mercator:
        # the mosaic as it is (Web Mercator, as Leaflet draws), with its corners
        washed = mosaic.astype(np.float32) * (1 - wash) + 255.0 * wash
        image = _jpeg(washed)
        n = 2**z

        def lat(ty: float) -> float:
            return math.degrees(math.atan(math.sinh(math.pi * (1 - 2 * ty / n))))

        latlng = ((lat(yb + 1), xa / n * 360 - 180), (lat(ya), (xb + 1) / n * 360 - 180))
        return Background(
            image, bounds, (mosaic.shape[1], mosaic.shape[0]), attribution, z,
            fetched=len(need), cached=n_cached, latlng=latlng,
        )  # fmt: skip
    image = _warp(mosaic, bounds, (w_px, h_px), z, xa, ya, wash)
    return Background(
        image,
        bounds,
        (w_px, h_px),
        attribution,
        z,
        fetched=len(need),
        cached=n_cached,
    )


def _jpeg(rgb: np.ndarray) -> bytes:
    from PIL import Image

    buf = io.BytesIO()
    Image.fromarray(np.clip(rgb, 0, 255).astype(np.uint8)).save(buf, "JPEG", quality=85)
    return buf.getvalue()


def _warp(
    mosaic: np.ndarray,
    bounds: tuple[float, float, float, float],
    size_px: tuple[int, int],
    z: int,
    xa: int,
    ya: int,
    wash: float,
) -> bytes:
    """Resample the Web Mercator mosaic onto a north-up EPSG:27700 grid (bilinear), as JPEG."""
    w, h = size_px
    x0, y0, x1, y1 = bounds
    # exact transform on a coarse grid (every 16 px), bilinear in between: the
    # BNG -> Mercator map is smooth to far below a pixel over a map's extent
    gw, gh = max(2, w // 16 + 2), max(2, h // 16 + 2)
    gx = np.linspace(x0, x1, gw)
    gy = np.linspace(y1, y0, gh)
    mx, my = np.meshgrid(gx, gy)
    lon, lat = TO_WGS84.transform(mx.ravel(), my.ravel())
    tx, ty = _lonlat_to_tile(np.asarray(lon), np.asarray(lat), z)
    col = ((tx - xa) * TILE_PX).reshape(gh, gw)
    row = ((ty - ya) * TILE_PX).reshape(gh, gw)
    # pixel centres of the output in coarse-grid coordinates
    u = (np.arange(w) + 0.5) / w * (gw - 1)
    v = (np.arange(h) + 0.5) / h * (gh - 1)
    vv, uu = np.meshgrid(v, u, indexing="ij")
    src_c = ndimage.map_coordinates(col, [vv, uu], order=1) - 0.5
    src_r = ndimage.map_coordinates(row, [vv, uu], order=1) - 0.5
    out = np.empty((h, w, 3), dtype=np.float32)
    for k in range(3):
        out[..., k] = ndimage.map_coordinates(
            mosaic[..., k].astype(np.float32),
            [src_r, src_c],
            order=1,
            mode="nearest",
        )
    return _jpeg(out * (1 - wash) + 255.0 * wash)
