"""A local fake of the police.uk API, serving API-shaped JSON built from the bundled months.

Stdlib ``http.server`` on 127.0.0.1 in a thread. It answers ``crimes-street-dates``,
``crime-last-updated`` and ``crimes-street/all-crime`` (GET or POST, ``poly`` and
``date``) like the real API: crimes whose point lies inside the polygon, HTTP 503 when
more than ``limit`` crimes would be returned (the real limit is 10,000; tests lower it
so the polygon must be split), HTTP 404 for a month not published. Faults to inject,
each once, in order on crimes requests: ``"429"``, ``"500"``, ``"truncated"`` (a body
cut short of its Content-Length) and ``"hang:<month>"`` (sleeps until stopped: for
killing a fetch mid-way).

Month 2024-04 used by the tests is MADE UP from the bundled 2024-03 file (see
:func:`derived_month`): same rows, Month changed to 2024-04, Crime IDs re-hashed.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING

import numpy as np
import shapely

from hotspots.data.fetch import CATEGORY_NAMES

if TYPE_CHECKING:
    from pathlib import Path

SLUGS = {name: slug for slug, name in CATEGORY_NAMES.items()}


def derived_month(text: str, month: str) -> str:
    """A street CSV for ``month`` made from another month's: Month replaced, Crime IDs
    re-hashed (so they do not collide with the original's). Test data, not real.
    """
    rows = list(csv.reader(io.StringIO(text)))
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\n")
    w.writerow(rows[0])
    for r in rows[1:]:
        if r[0]:
            r[0] = hashlib.sha256((r[0] + month).encode()).hexdigest()
        r[1] = month
        w.writerow(r)
    return out.getvalue()


def crimes_from_csv(text: str, first_id: int = 1) -> list[dict]:
    """API-shaped crimes from a street CSV's text (one per row)."""
    out = []
    for i, r in enumerate(csv.DictReader(io.StringIO(text))):
        if not r["Longitude"]:
            continue  # no location: the API has these under crimes-no-location only
        outcome = r["Last outcome category"]
        out.append(
            {
                "category": SLUGS[r["Crime type"]],
                "location_type": "Force",
                "location": {
                    "latitude": r["Latitude"],
                    "street": {"id": 1000 + i, "name": r["Location"]},
                    "longitude": r["Longitude"],
                },
                "context": r["Context"],
                "outcome_status": {"category": outcome, "date": r["Month"]} if outcome else None,
                "persistent_id": r["Crime ID"],
                "id": first_id + i,
                "location_subtype": "",
                "month": r["Month"],
            },
        )
    return out


class FakePoliceApi:
    """The fake server's state; ``url`` is its API root."""

    def __init__(self, months: dict[str, list[dict]], *, limit: int = 10_000):
        self.months = dict(months)
        self.limit = limit
        self.faults: list[str] = []
        self.files: dict[str, bytes] = {}  # served at /archive/<name> (monthly archive zips)
        self.crime_requests = 0
        self.other_requests = 0
        self.last_updated = "2024-04-30"
        self._pts = {}
        self._stop = threading.Event()
        for m in self.months:
            self._index(m)
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/api"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def _index(self, month: str) -> None:
        c = self.months[month]
        lon = np.array([float(x["location"]["longitude"]) for x in c])
        lat = np.array([float(x["location"]["latitude"]) for x in c])
        self._pts[month] = (lon, lat)

    def publish(self, month: str, crimes: list[dict]) -> None:
        self.months[month] = crimes
        self._index(month)

    def close(self) -> None:
        self._stop.set()
        self.server.shutdown()
        self.server.server_close()

    def inside(self, month: str, poly: str) -> list[dict]:
        ring = [tuple(map(float, p.split(","))) for p in poly.split(":")]
        geom = shapely.Polygon([(lng, lat) for lat, lng in ring])
        lon, lat = self._pts[month]
        ok = shapely.contains_xy(geom, lon, lat)
        crimes = self.months[month]
        return [crimes[i] for i in np.flatnonzero(ok)]

    def _handler(self):
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):  # quiet
                pass

            def _send(self, code: int, body: bytes, length: int | None = None, headers=()):
                self.send_response(code)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(length if length is not None else len(body)))
                for k, v in headers:
                    self.send_header(k, v)
                self.end_headers()
                self.wfile.write(body)
                self.wfile.flush()

            def _answer(self, params: dict) -> None:
                path = urllib.parse.urlsplit(self.path).path
                if path == "/api/crimes-street-dates":
                    fake.other_requests += 1
                    dates = [{"date": m, "stop-and-search": []} for m in sorted(fake.months)[::-1]]
                    return self._send(200, json.dumps(dates).encode())
                if path == "/api/crime-last-updated":
                    fake.other_requests += 1
                    return self._send(200, json.dumps({"date": fake.last_updated}).encode())
                if path.startswith("/archive/") and path[9:] in fake.files:
                    fake.other_requests += 1
                    return self._send(200, fake.files[path[9:]])
                if path != "/api/crimes-street/all-crime":
                    return self._send(404, b"{}")
                fake.crime_requests += 1
                month = params.get("date", "")
                if fake.faults:
                    fault = fake.faults[0]
                    if fault.startswith("hang:") and fault[5:] == month:
                        fake._stop.wait(60)
                        return self._send(500, b"{}")
                    if fault == "429":
                        fake.faults.pop(0)
                        return self._send(429, b"", headers=[("Retry-After", "0")])
                    if fault == "500":
                        fake.faults.pop(0)
                        return self._send(500, b"{}")
                if month not in fake.months:
                    return self._send(404, b"")
                found = fake.inside(month, params["poly"])
                if len(found) > fake.limit:
                    return self._send(503, b"")
                body = json.dumps(found).encode()
                if fake.faults and fake.faults[0] == "truncated":
                    fake.faults.pop(0)
                    return self._send(200, body[: len(body) // 2], length=len(body))
                return self._send(200, body)

            def do_GET(self):
                q = urllib.parse.parse_qs(urllib.parse.urlsplit(self.path).query)
                self._answer({k: v[0] for k, v in q.items()})

            def do_POST(self):
                n = int(self.headers.get("Content-Length") or 0)
                q = urllib.parse.parse_qs(self.rfile.read(n).decode())
                self._answer({k: v[0] for k, v in q.items()})

        return Handler


def bundled_fake(geodata: Path, months=("2024-01", "2024-02", "2024-03"), **kw) -> FakePoliceApi:
    """A fake serving the bundled street files of ``months`` (ids unique across months)."""
    data = {}
    first = 1
    for m in months:
        text = (geodata / "police_uk" / f"{m}-dorset-street.csv").read_text(encoding="utf-8")
        data[m] = crimes_from_csv(text, first)
        first += len(data[m])
    return FakePoliceApi(data, **kw)


def wait_for(cond, timeout: float = 60.0) -> bool:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if cond():
            return True
        time.sleep(0.1)
    return False
