"""Fixtures for the presentation tests: toy boundaries, records and hotspots written out in full.

Coordinates are EPSG:27700 metres around Bournemouth (x 408,000, y 91,000). The
toy boundaries (two square wards) keep map tests fast; ``real_boundaries`` loads
the bundled ones (about 8 s, once per session) for the payload measurement.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from hotspots.data import schema as S
from hotspots.data.boundaries import Boundaries

XSS = "<img src=x onerror=alert(1)>"
XSS_ESCAPED = "&lt;img src=x onerror=alert(1)&gt;"


def make_records(
    rows: list[tuple[float, float, int, str]],
    *,
    category: str | list[str] = S.ASB,
    month: str | list[str] = "2024-01",
    ward: str | None = None,
    simulated: bool = False,
) -> pd.DataFrame:
    """Canonical records: ``count`` records at (x, y) with location text, per row."""
    counts = [r[2] for r in rows]
    n = sum(counts)

    def per_row(v):
        return np.repeat(
            np.array([v] * len(rows) if isinstance(v, str) else v, dtype=object), counts
        )

    df = pd.DataFrame(
        {
            S.RECORD_ID: [f"toy#{i}" for i in range(n)],
            S.SOURCE: S.SOURCE_SIMULATED if simulated else S.SOURCE_POLICE_UK,
            S.SOURCE_FILE: "toy.csv",
            S.SOURCE_ROW: np.arange(2, n + 2),
            S.MONTH: per_row(month),
            S.CATEGORY: per_row(category),
            S.X: np.repeat([float(r[0]) for r in rows], counts),
            S.Y: np.repeat([float(r[1]) for r in rows], counts),
            S.LOCATION: np.repeat(np.array([r[3] for r in rows], dtype=object), counts),
            S.WARD_NAME: ward,
            S.IN_BCP: True,
            S.SIMULATED: simulated,
        }
    )
    return S.conform(df)


@pytest.fixture
def records_factory():
    return make_records


@pytest.fixture(scope="session")
def toy_boundaries() -> Boundaries:
    """Two 2 km square wards side by side; the outline is their union."""
    west = shapely.box(406000, 90000, 408000, 92000)
    east = shapely.box(408000, 90000, 410000, 92000)
    wards = gpd.GeoDataFrame(
        {
            S.WARD_CODE: ["E05000001", "E05000002"],
            S.WARD_NAME: ["West & <Ward>", "East Ward"],
            S.TOWN: ["Poole", "Bournemouth"],
        },
        geometry=[west, east],
        crs=S.CRS_METRES,
    )
    empty = gpd.GeoDataFrame({"lsoa_code": [], "lsoa_name": []}, geometry=[], crs=S.CRS_METRES)
    gaz = gpd.GeoDataFrame({"place": [], "name": []}, geometry=[], crs=S.CRS_METRES)
    return Boundaries(
        outline=shapely.union_all([west, east]),
        wards=wards,
        lsoa11=empty,
        lsoa21=empty.copy(),
        gazetteer=gaz,
    )


@pytest.fixture(scope="session")
def real_boundaries() -> Boundaries:
    from hotspots.data.boundaries import load_boundaries

    return load_boundaries()


@pytest.fixture
def toy_hotspots() -> gpd.GeoDataFrame:
    """Two hotspots with every HOTSPOT_COLUMNS column; #2 has 3 records (suppressible)."""
    return gpd.GeoDataFrame(
        {
            S.HOTSPOT_ID: [11, 12],
            S.RANK: [1, 2],
            S.NAME: ["Lower Gardens", XSS],
            S.WARD_NAME: ["East Ward", "West & <Ward>"],
            S.COUNT: [250, 3],
            S.SHARE: [0.25, 0.003],
            S.AREA_KM2: [0.196, 0.071],
            S.DENSITY_PER_KM2: [1275.5, 42.3],
            S.TOP_CATEGORIES: [
                [("Violence and sexual offences", 100), ("Anti-social behaviour", 80)],
                "Drugs (3)",
            ],
            S.TOP_LOCATIONS: [["On or near Nightclub"], ["On or near " + XSS]],
        },
        geometry=[
            shapely.Point(409000, 91000).buffer(250),
            shapely.Point(407000, 91000).buffer(150),
        ],
        crs=S.CRS_METRES,
    )


class TileServer:
    """A local tile server (``http.server`` in a thread) serving generated PNG tiles.

    Each tile is a flat colour from its z/x/y with a dark 1-px frame, so a picture
    built from it can be checked pixel by pixel. It counts requests, answers 403 when
    ``key`` is set and the request's ``?key=`` differs, and 500 for every tile when
    ``fail`` is set.
    """

    def __init__(self, key: str | None = None):
        import http.server
        import io
        import threading
        import urllib.parse

        from PIL import Image

        self.key = key
        self.fail = False
        self.requests: list[str] = []
        srv = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802 (http.server's name)
                u = urllib.parse.urlparse(self.path)
                srv.requests.append(u.path)
                q = urllib.parse.parse_qs(u.query)
                parts = u.path.strip("/").split("/")
                if srv.fail:
                    self.send_error(500, "tile server down")
                    return
                if srv.key is not None and q.get("key") != [srv.key]:
                    self.send_error(403, "bad key")
                    return
                try:
                    z, x, y = int(parts[-3]), int(parts[-2]), int(parts[-1].split(".")[0])
                except (ValueError, IndexError):
                    self.send_error(404)
                    return
                im = Image.new("RGB", (256, 256), srv.colour(z, x, y))
                buf = io.BytesIO()
                im.save(buf, "PNG")
                data = buf.getvalue()
                self.send_response(200)
                self.send_header("Content-Type", "image/png")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *a):
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.httpd.server_address[1]
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    @staticmethod
    def colour(z: int, x: int, y: int) -> tuple[int, int, int]:
        return (40 + (x * 37) % 160, 40 + (y * 53) % 160, 40 + (z * 20) % 160)

    @property
    def template(self) -> str:
        q = "?key={key}" if self.key is not None else ""
        return f"http://127.0.0.1:{self.port}/tiles/{{z}}/{{x}}/{{y}}.png{q}"

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def tile_server():
    """A local tile server that needs the API key ``s3cret-KEY-42`` (see :class:`TileServer`)."""
    srv = TileServer(key="s3cret-KEY-42")
    yield srv
    srv.close()
