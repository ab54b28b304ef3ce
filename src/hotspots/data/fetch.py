"""Months from the police.uk API: street-level crimes for the BCP polygon, as street files.

The police.uk API (https://data.police.uk/docs/) answers, among others:

- ``GET  {root}/crimes-street-dates``: the months available, newest first
  (``[{"date": "2024-03", "stop-and-search": [...]}, ...]``);
- ``GET  {root}/crime-last-updated``: ``{"date": "2024-04-30"}``, when the data last changed;
- ``POST {root}/crimes-street/all-crime`` with form fields ``poly=lat,lng:lat,lng:...`` and
  ``date=YYYY-MM``: the street-level crimes inside the polygon in that month. A GET longer
  than 4,094 characters gets HTTP 400, so polygons are always POSTed. More than 10,000
  crimes in one answer is refused with HTTP 503: the polygon is then split in two along its
  longer side and each half asked for again (recursively). The rate limit is 15 requests
  a second with bursts of 30 (HTTP 429 beyond it).

Each crime is ``{"category": "violent-crime", "persistent_id": "<64 hex or ''>",
"location": {"latitude": "50.72", "longitude": "-1.88", "street": {"id": 1, "name":
"On or near X"}}, "location_type": "Force" | "BTP", "context": "", "outcome_status":
{"category": "...", "date": "YYYY-MM"} | null, "id": 116208998, "month": "2024-01"}``.

A month fetched is written as police.uk street CSVs (one per force: Dorset Police, and
British Transport Police for ``location_type`` BTP) with the street file's columns, so it
goes through the same reconciling import as a downloaded file and is known by the same
identity (``2024-01-dorset-street.csv``): fetching a month already imported from a street
file replaces it (a re-publication), never doubles it. Where the API differs from the
street CSV: categories are slugs (mapped by :data:`CATEGORY_NAMES`); there is no LSOA
code or name (assigned here from the bundled LSOA boundaries: 2021 LSOAs from
:data:`LSOA21_FROM`, 2011 before); no force (Dorset Police for the BCP polygon, British
Transport Police for BTP crimes); ``persistent_id`` is the Crime ID (empty for ASB, as in
the CSV); the outcome is ``outcome_status.category`` (null: empty, as in the CSV).

Everything here talks only to the API root it is given (``--api-url``, the environment
variable ``HOTSPOTS_POLICE_API``, else :data:`DEFAULT_API`).
"""

from __future__ import annotations

import contextlib
import csv
import hashlib
import http.client
import io
import json
import os
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import shapely
from pyproj import Transformer

from hotspots.data.police_uk import HEADER
from hotspots.errors import HotspotsError, InputError

if TYPE_CHECKING:
    from collections.abc import Callable

    from hotspots.data.store import Store


__all__ = [
    "CATEGORY_NAMES",
    "DEFAULT_API",
    "LSOA21_FROM",
    "FetchError",
    "PoliceApi",
    "RateLimiter",
    "api_root",
    "bcp_polygon",
    "crimes_to_street_csv",
    "fetch_month",
    "month_range",
    "poly_param",
    "split_piece",
]

DEFAULT_API = "https://data.police.uk/api"
# police.uk API category slugs -> the street files' "Crime type" names.
CATEGORY_NAMES: dict[str, str] = {
    "anti-social-behaviour": "Anti-social behaviour",
    "bicycle-theft": "Bicycle theft",
    "burglary": "Burglary",
    "criminal-damage-arson": "Criminal damage and arson",
    "drugs": "Drugs",
    "other-theft": "Other theft",
    "possession-of-weapons": "Possession of weapons",
    "public-order": "Public order",
    "robbery": "Robbery",
    "shoplifting": "Shoplifting",
    "theft-from-the-person": "Theft from the person",
    "vehicle-crime": "Vehicle crime",
    "violent-crime": "Violence and sexual offences",
    "other-crime": "Other crime",
}
# police.uk street files carry 2021 LSOA codes from this month (earlier months: 2011).
LSOA21_FROM = "2023-01"
STREET_HEADER = HEADER  # the columns of a police.uk street file, written as police.uk does
FORCES = {"Force": ("Dorset Police", "dorset"), "BTP": ("British Transport Police", "btp")}
BUFFER_M = 300.0  # the polygon asked for: BCP's outline grown by this ...
SIMPLIFY_M = 50.0  # ... and simplified by this (less than the buffer: no BCP point lost)
MAX_DEPTH = 12  # halvings of a polygon before a 503 is treated as an outage


class FetchError(HotspotsError):
    """The API could not be reached or kept failing after the retries."""


def api_root(url: str | None = None) -> str:
    """Return the API root: ``url``, else ``HOTSPOTS_POLICE_API``, else :data:`DEFAULT_API`."""
    root = (url or os.environ.get("HOTSPOTS_POLICE_API") or DEFAULT_API).rstrip("/")
    if urllib.parse.urlsplit(root).scheme not in ("http", "https"):
        raise InputError("api-url", root, "an http:// or https:// URL such as " + DEFAULT_API)
    return root


def month_range(first: str, last: str) -> list[str]:
    """``YYYY-MM`` months from ``first`` to ``last`` inclusive."""
    first, last = _month(first, "from"), _month(last, "to")
    if first > last:
        raise InputError("from/to", f"{first}..{last}", "--from no later than --to")
    y, m = int(first[:4]), int(first[5:])
    out = []
    while f"{y:04d}-{m:02d}" <= last:
        out.append(f"{y:04d}-{m:02d}")
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return out


def _month(text: str, name: str) -> str:
    t = str(text).strip()
    if len(t) != 7 or t[4] != "-" or not (t[:4] + t[5:]).isdigit() or not 1 <= int(t[5:]) <= 12:
        raise InputError(name, text, "a month as YYYY-MM, e.g. 2024-01")
    return t


class RateLimiter:
    """A token bucket: ``rate`` requests a second on average, bursts of ``burst``.

    police.uk allows 15 requests a second with bursts of 30. Thread-safe.
    """

    def __init__(
        self,
        rate: float = 15.0,
        burst: int = 30,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.rate, self.burst = float(rate), float(burst)
        self.tokens = float(burst)
        self.clock, self.sleep = clock, sleep
        self.last = clock()
        self._lock = threading.Lock()

    def acquire(self) -> None:
        """Wait until a request may be sent (token bucket), then take a token."""
        with self._lock:
            while True:
                now = self.clock()
                self.tokens = min(self.burst, self.tokens + (now - self.last) * self.rate)
                self.last = now
                if self.tokens >= 1 - 1e-9:  # (float rounding must not spin)
                    self.tokens = max(self.tokens - 1, 0.0)
                    return
                self.sleep((1 - self.tokens) / self.rate)


class _TooMany(Exception):
    """HTTP 503 from crimes-street: more than 10,000 crimes in the polygon."""


@dataclass
class PoliceApi:
    """A small police.uk API client (urllib): rate-limited, retrying with back-off.

    429 and 5xx answers, dropped connections and cut-short bodies are retried up to
    ``retries`` times, waiting ``backoff_s * 2**attempt`` seconds (or the server's
    ``Retry-After``). ``requests`` counts every request sent (what ``--dry-run`` avoids).
    """

    root: str = DEFAULT_API
    retries: int = 6
    backoff_s: float = 0.5
    timeout_s: float = 60.0
    limiter: RateLimiter = field(default_factory=RateLimiter)
    log: Callable[[str], None] = field(default=lambda msg: print(msg, file=sys.stderr))
    requests: int = 0

    def _once(self, path: str, data: dict | None) -> object:
        self.limiter.acquire()
        self.requests += 1
        url = f"{self.root}/{path}"
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        req = urllib.request.Request(
            url,
            data=body,
            headers={"User-Agent": "safer-bcp-hotspots", "Accept": "application/json"},
        )
        with urllib.request.urlopen(req, timeout=self.timeout_s) as resp:
            raw = resp.read()
        return json.loads(raw.decode("utf-8"))

    def get(self, path: str, data: dict | None = None, *, split_on_503: bool = False) -> object:
        """Return the JSON answer of ``path`` (POSTed with ``data`` when given)."""
        last = ""
        for attempt in range(self.retries + 1):
            wait = self.backoff_s * 2**attempt
            try:
                return self._once(path, data)
            except urllib.error.HTTPError as exc:
                if exc.code == 503 and split_on_503:
                    raise _TooMany from None
                if exc.code != 429 and exc.code < 500:
                    raise FetchError(
                        f"{self.root}/{path}: HTTP {exc.code} {exc.reason}"
                        + (" (is the API address right?)" if exc.code == 404 else ""),
                    ) from None
                retry_after = exc.headers.get("Retry-After") if exc.headers else None
                if retry_after:
                    with contextlib.suppress(ValueError):
                        wait = max(float(retry_after), 0.0)
                last = f"HTTP {exc.code}"
            except (
                urllib.error.URLError,
                http.client.HTTPException,
                ConnectionError,
                TimeoutError,
                json.JSONDecodeError,
                UnicodeDecodeError,
            ) as exc:
                last = f"{type(exc).__name__}: {exc}"[:200]
            if attempt < self.retries:
                self.log(f"police.uk API {path}: {last}; retrying in {wait:.1f} s")
                time.sleep(wait)
        msg = (
            f"{self.root}/{path}: still failing after {self.retries} retries ({last}); "
            "run the command again later: months already imported are kept"
        )
        raise FetchError(msg)

    def available_months(self) -> list[str]:
        """Months police.uk has published (``crimes-street-dates``), oldest first."""
        ans = self.get("crimes-street-dates")
        if not isinstance(ans, list):
            msg = f"{self.root}/crimes-street-dates: expected a list, got {type(ans).__name__}"
            raise FetchError(msg)
        return sorted(str(d["date"]) for d in ans if isinstance(d, dict) and "date" in d)

    def last_updated(self) -> str | None:
        """When police.uk last updated crime data (``crime-last-updated``), or None."""
        try:
            ans = self.get("crime-last-updated")
        except FetchError:
            return None
        return str(ans.get("date")) if isinstance(ans, dict) and ans.get("date") else None

    def crimes(self, piece: shapely.Polygon, month: str) -> list[dict]:
        """Street-level crimes in one polygon and month (POST); raises on a 503 (too many)."""
        ans = self.get(
            "crimes-street/all-crime",
            {"poly": poly_param(piece), "date": month},
            split_on_503=True,
        )
        if not isinstance(ans, list):
            msg = f"crimes-street/all-crime {month}: expected a list of crimes"
            raise FetchError(msg)
        return ans


_TO_WGS = Transformer.from_crs("EPSG:27700", "EPSG:4326", always_xy=True)
_TO_BNG = Transformer.from_crs("EPSG:4326", "EPSG:27700", always_xy=True)


def bcp_polygon() -> list[shapely.Polygon]:
    """Return the pieces to ask for, in WGS84 lon/lat, one polygon per part.

    BCP's outline grown by :data:`BUFFER_M` and simplified by :data:`SIMPLIFY_M` (so it
    holds every point of BCP); holes are dropped, since the API takes one ring.
    """
    from hotspots.data.boundaries import load_boundaries

    geom = load_boundaries().outline.buffer(BUFFER_M).simplify(SIMPLIFY_M)
    geom = shapely.transform(
        geom,
        lambda xy: np.column_stack(_TO_WGS.transform(xy[:, 0], xy[:, 1])),
    )
    parts = list(geom.geoms) if hasattr(geom, "geoms") else [geom]
    return [shapely.Polygon(p.exterior) for p in parts]


def poly_param(piece: shapely.Polygon) -> str:
    """``lat,lng:lat,lng:...`` (the ring, without repeating the first point)."""
    coords = list(piece.exterior.coords)[:-1]
    return ":".join(f"{lat:.6f},{lon:.6f}" for lon, lat in coords)


def split_piece(piece: shapely.Polygon) -> list[shapely.Polygon]:
    """Two halves of ``piece`` along its longer side (each part of a half its own piece)."""
    x0, y0, x1, y1 = piece.bounds
    if x1 - x0 >= y1 - y0:
        xm = (x0 + x1) / 2
        boxes = [shapely.box(x0, y0, xm, y1), shapely.box(xm, y0, x1, y1)]
    else:
        ym = (y0 + y1) / 2
        boxes = [shapely.box(x0, y0, x1, ym), shapely.box(x0, ym, x1, y1)]
    out = []
    for b in boxes:
        half = piece.intersection(b)
        for g in getattr(half, "geoms", [half]):
            if isinstance(g, shapely.Polygon) and not g.is_empty and g.area > 0:
                out.append(shapely.Polygon(g.exterior))
    return out


def _piece_key(piece: shapely.Polygon, month: str) -> str:
    return hashlib.sha1(f"{month}|{poly_param(piece)}".encode()).hexdigest()[:16]


def fetch_month(
    api: PoliceApi,
    month: str,
    pieces: list[shapely.Polygon] | None = None,
    *,
    cache_dir: Path | None = None,
) -> list[dict]:
    """Every crime of ``month`` inside ``pieces`` (default :func:`bcp_polygon`), each once.

    A piece answered with 503 (over 10,000 crimes) is halved and each half asked for.
    Crimes are deduplicated by the API's ``id`` (a crime on the line between two halves
    comes back twice). With ``cache_dir``, each piece's answer is kept there as JSON and
    reused: a fetch interrupted half-way resumes without asking again.
    """
    todo = [(p, 0) for p in (pieces if pieces is not None else bcp_polygon())]
    seen: dict[object, dict] = {}
    while todo:
        piece, depth = todo.pop(0)
        cached = cache_dir / f"{_piece_key(piece, month)}.json" if cache_dir else None
        if cached is not None and cached.exists():
            crimes = json.loads(cached.read_text(encoding="utf-8"))
        else:
            try:
                crimes = api.crimes(piece, month)
            except _TooMany:
                if depth >= MAX_DEPTH:
                    msg = (
                        f"{month}: the API kept answering 503 for a piece of "
                        f"{piece.area:.2e} square degrees; try again later"
                    )
                    raise FetchError(msg) from None
                halves = split_piece(piece)
                api.log(
                    f"{month}: over the API's 10,000-crime limit; split into {len(halves)} pieces",
                )
                todo[:0] = [(h, depth + 1) for h in halves]
                continue
            if cached is not None:
                cached.parent.mkdir(parents=True, exist_ok=True)
                tmp = cached.with_suffix(".tmp")
                tmp.write_text(json.dumps(crimes), encoding="utf-8")
                os.replace(tmp, cached)
        for c in crimes:
            key = c.get("id") if c.get("id") is not None else json.dumps(c, sort_keys=True)
            seen.setdefault(key, c)
    return [seen[k] for k in sorted(seen, key=str)]


def _lsoa(lon: np.ndarray, lat: np.ndarray, month: str) -> tuple[list, list]:
    """LSOA code and name of each point from the bundled boundaries ('' outside them)."""
    from hotspots.data.boundaries import load_boundaries

    b = load_boundaries()
    lsoa = b.lsoa21 if month >= LSOA21_FROM else b.lsoa11
    x, y = _TO_BNG.transform(lon, lat)
    codes = [""] * len(lon)
    names = [""] * len(lon)
    if not len(lon):
        return codes, names
    tree = shapely.STRtree(lsoa.geometry.values)
    q_pt, q_poly = tree.query(shapely.points(x, y), predicate="intersects")
    code_arr = lsoa["lsoa_code"].to_numpy()
    name_arr = lsoa["lsoa_name"].to_numpy()
    for i, j in zip(q_pt, q_poly, strict=True):
        if not codes[i]:  # a point on a shared edge: the first LSOA wins
            codes[i], names[i] = str(code_arr[j]), str(name_arr[j])
    return codes, names


def crimes_to_street_csv(crimes: list[dict], month: str) -> dict[str, str]:
    """Turn API crimes of one month into street CSV text per force slug (``{"dorset": "..."}``).

    Rows keep the API's order (sorted by ``id`` by :func:`fetch_month`), so the same
    answer always gives the same bytes (a second import of it is a duplicate). An unknown
    category slug is kept as it is (the import rejects it, naming the row).
    """
    lon = np.array([_float(c, "longitude") for c in crimes], dtype="float64")
    lat = np.array([_float(c, "latitude") for c in crimes], dtype="float64")
    codes, names = _lsoa(lon, lat, month)
    out: dict[str, io.StringIO] = {}
    writers: dict[str, Any] = {}  # csv writers
    for i, c in enumerate(crimes):
        force, slug = FORCES.get(str(c.get("location_type") or "Force"), FORCES["Force"])
        if slug not in out:
            out[slug] = io.StringIO()
            writers[slug] = csv.writer(out[slug], lineterminator="\n")
            writers[slug].writerow(STREET_HEADER)
        loc = c.get("location") or {}
        street = (loc.get("street") or {}).get("name") or ""
        outcome = (c.get("outcome_status") or {}).get("category") or ""
        cat = str(c.get("category") or "")
        writers[slug].writerow(
            [
                c.get("persistent_id") or "",
                c.get("month") or month,
                force,
                force,
                loc.get("longitude", ""),
                loc.get("latitude", ""),
                street,
                codes[i],
                names[i],
                CATEGORY_NAMES.get(cat, cat),
                outcome,
                c.get("context") or "",
            ],
        )
    return {slug: buf.getvalue() for slug, buf in out.items()}


def _float(c: dict, key: str) -> float:
    try:
        return float((c.get("location") or {}).get(key))  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return float("nan")


# --- into a store ----------------------------------------------------------------------------

API_LABEL = "police.uk API"
UPDATED_FILE = "police_uk_updated.json"  # police.uk's last update, as the last fetch saw it


def last_updated(store: Store) -> str | None:
    """police.uk's last update date as the last fetch into ``store`` saw it, or None."""
    try:
        return json.loads((Path(store.path) / UPDATED_FILE).read_text(encoding="utf-8")).get(
            "last_updated",
        )
    except (OSError, ValueError, AttributeError):
        return None


@dataclass
class MonthFetched:
    """What happened to one month.

    ``status`` is fetched, skipped (already fetched), unpublished (police.uk does not have
    it yet) or planned (``--dry-run``).
    """

    month: str
    status: str
    crimes: int = 0
    report: dict | None = None


@dataclass
class FetchReport:
    """A fetch's months, the API's last update and the number of requests sent."""

    months: list[MonthFetched] = field(default_factory=list)
    last_updated: str | None = None
    requests: int = 0

    def by_status(self, status: str) -> list[str]:
        return [m.month for m in self.months if m.status == status]

    def to_dict(self) -> dict:
        return {
            "months": [m.__dict__ for m in self.months],
            "last_updated": self.last_updated,
            "requests": self.requests,
            "fetched": self.by_status("fetched"),
            "unpublished": self.by_status("unpublished"),
            "skipped": self.by_status("skipped"),
            "planned": self.by_status("planned"),
        }


def fetched_months(store: Store) -> set[str]:
    """Months of ``store`` imported from the police.uk API (by :func:`fetch_into`)."""
    out: set[str] = set()
    for entry in store.files().values():
        if str(entry.get("name", "")).startswith(API_LABEL):
            out |= set(entry.get("months", []))
    return out


def fetch_into(
    store: Store,
    months: list[str],
    api: PoliceApi,
    *,
    dry_run: bool = False,
    refresh: bool = False,
    pieces: list[shapely.Polygon] | None = None,
    log: Callable[[str], None] | None = None,
) -> FetchReport:
    """Fetch ``months`` from the API into ``store``, one month per atomic import.

    Months police.uk has not published are reported and skipped; months the store already
    holds are skipped unless ``refresh`` (a refresh that would shrink a month, e.g. a
    whole-force street file replaced by a BCP fetch, is refused by the store's shrink
    rule). Each month's answers are kept under
    ``<store>/.fetch/<month>/`` until the month is imported, so a run stopped at any point
    (even ``kill -9``) resumes where it stopped and imports nothing twice (a month's file
    imported again is recognised as the same file). ``dry_run``: ask only for the list
    of months and say what would be downloaded.
    """
    say = log or api.log
    rep = FetchReport()
    available = set(api.available_months())
    # what the dataset lacks: a month it holds (fetched, or from a street file, which also
    # holds the force's rows outside BCP that a BCP fetch cannot bring) is left alone
    have = set() if refresh else set(store.months()) | fetched_months(store)
    for month in months:
        if month not in available:
            rep.months.append(MonthFetched(month, "unpublished"))
        elif month in have:
            rep.months.append(MonthFetched(month, "skipped"))
            _clean(store, month)
        else:
            rep.months.append(MonthFetched(month, "planned"))
    if not dry_run:
        rep.last_updated = api.last_updated()
        for m in rep.months:
            if m.status != "planned":
                continue
            cache = Path(store.path) / ".fetch" / m.month
            crimes = fetch_month(api, m.month, pieces, cache_dir=cache)
            texts = crimes_to_street_csv(crimes, m.month)
            paths, labels = [], {}
            for slug, text in sorted(texts.items()):
                p = cache / f"{m.month}-{slug}-street.csv"
                p.write_text(text, encoding="utf-8")
                paths.append(p)
                labels[str(p)] = f"{API_LABEL} {m.month} ({slug})"
            if paths:
                result = store.ingest(paths, labels=labels, keep="bcp")
                m.report = result.report.to_dict()
            m.crimes, m.status = len(crimes), "fetched"
            say(f"{m.month}: {len(crimes):,} crimes fetched and imported")
            _clean(store, m.month)
            if rep.last_updated:
                (Path(store.path) / UPDATED_FILE).write_text(
                    json.dumps({"last_updated": rep.last_updated}),
                    encoding="utf-8",
                )
    rep.requests = api.requests
    return rep


def _clean(store: Store, month: str) -> None:
    import shutil

    shutil.rmtree(Path(store.path) / ".fetch" / month, ignore_errors=True)


def download_archive(source: str, folder: Path, api: PoliceApi | None = None) -> Path:
    """Return a police.uk monthly archive zip, downloaded when ``source`` is a URL.

    ``source`` is a path (returned as it is) or an http(s) URL, downloaded into ``folder``
    (``archive-<hash>.zip``, kept for a rerun).
    """
    if urllib.parse.urlsplit(source).scheme not in ("http", "https"):
        p = Path(source).expanduser()
        if not p.exists():
            raise InputError("archive", source, "an existing .zip file or an http(s) URL")
        return p
    folder.mkdir(parents=True, exist_ok=True)
    out = folder / f"archive-{hashlib.sha1(source.encode()).hexdigest()[:12]}.zip"
    if out.exists():
        return out
    tmp = out.with_suffix(".part")
    last = ""
    for attempt in range(4):
        try:
            with urllib.request.urlopen(source, timeout=300) as resp, open(tmp, "wb") as fh:
                while chunk := resp.read(1 << 20):
                    fh.write(chunk)
            os.replace(tmp, out)
            return out
        except (urllib.error.URLError, http.client.HTTPException, OSError) as exc:
            last = f"{type(exc).__name__}: {exc}"[:200]
            time.sleep(0.5 * 2**attempt)
    msg = f"{source}: download failed ({last})"
    raise FetchError(msg)
