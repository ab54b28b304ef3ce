"""Versions of a store's months: every import keeps the month it replaces, restorable.

A month's Parquet file is never rewritten in place: an import writes a new file and the
manifest points at it. This module keeps the old file named in the manifest (so it is
not removed) and lists every state a month has had::

    "versions": {
      "2024-04": [
        {"version": 1, "file": "records/month=2024-04/part-….parquet", "rows": 2499,
         "at": "2026-12-07T15:00:00+00:00", "how": "import",
         "sources": {"2024-04-dorset-street.csv": {"name": …, "sha1": …, "rows": …, …}}},
        {"version": 2, "file": "records/month=2024-04/part-….parquet", "rows": 5140, …},
      ]
    }

The last entry of a month is its current state (its ``file`` is ``months[M]``; ``file``
None and ``rows`` 0 when the month was removed). ``sources`` is a copy of the manifest's
``files`` entries holding rows of that month, so a restore can put them back.

Two guarantees:

* **No silent shrinking.** An import that would leave a month with fewer than
  ``1 - SHRINK_TOLERANCE_PCT / 100`` of its rows is refused
  (:class:`~hotspots.errors.ShrinkRefusedError`, naming the month and the rows it would
  remove) unless the caller asks for it (``replace_smaller``: ``hotspots ingest
  --replace-smaller``, the Data page's confirmation). Replacing a whole store (``replace``)
  is such a request.
* **Every kept version comes back exactly.** :func:`restore_manifest` points the month at
  the old file again (the same bytes) and recounts the files' rows.

Pruning keeps the last ``KEEP_VERSIONS`` versions of each month (``HOTSPOTS_KEEP_VERSIONS``,
default 5); files of pruned versions are removed by the store's garbage collection.
"""

from __future__ import annotations

import hashlib
import json
import os
from typing import TYPE_CHECKING

import pyarrow.parquet as pq

from hotspots.data import schema as S
from hotspots.errors import InputError, ShrinkRefusedError

if TYPE_CHECKING:
    from pathlib import Path

__all__ = [
    "KEEP_VERSIONS",
    "SHRINK_TOLERANCE_PCT",
    "history_rows",
    "month_rows",
    "prune_versions",
    "record_versions",
    "restore_manifest",
    "version_files",
]

# A replacement may remove at most this percentage of a month's rows without being asked to
# (police.uk re-publications move a few rows between months and drop a few; more is a
# different file, a cut-down extract, or a mistake).
SHRINK_TOLERANCE_PCT = float(os.environ.get("HOTSPOTS_SHRINK_TOLERANCE_PCT", "2"))
# How many versions of each month are kept (the current one included).
KEEP_VERSIONS = int(os.environ.get("HOTSPOTS_KEEP_VERSIONS", "5"))


def month_rows(store_path: Path, rel: str | None) -> int:
    """Rows of a stored month file, from its Parquet footer (0 for ``None``)."""
    if not rel:
        return 0
    return int(pq.ParquetFile(store_path / rel).metadata.num_rows)


def _sources(man: dict, month: str) -> dict:
    return {k: dict(v) for k, v in man["files"].items() if month in v.get("months", [])}


def record_versions(
    store_path: Path,
    before: dict,
    after: dict,
    *,
    now: str,
    replace_smaller: bool = False,
    how: str = "import",
) -> dict:
    """``after`` with the versions of every month whose file changed since ``before``.

    Raises :class:`~hotspots.errors.ShrinkRefusedError` (nothing changed: the caller
    removes the files it staged) when a month would lose more than
    :data:`SHRINK_TOLERANCE_PCT` % of its rows and ``replace_smaller`` is False.
    """
    versions = {m: [dict(v) for v in vs] for m, vs in before.get("versions", {}).items()}
    old_months, new_months = before["months"], after["months"]
    changed = sorted(
        m for m in set(old_months) | set(new_months) if old_months.get(m) != new_months.get(m)
    )
    shrinking: list[dict] = []
    for month in changed:
        hist = versions.setdefault(month, [])
        old_rel = old_months.get(month)
        if old_rel and not (hist and hist[-1]["file"] == old_rel):
            # a month stored before versions were kept: its current state becomes version 1
            hist.append(
                {
                    "version": (hist[-1]["version"] + 1) if hist else 1,
                    "file": old_rel,
                    "rows": month_rows(store_path, old_rel),
                    "at": before.get("updated_at", ""),
                    "how": "stored before versions were kept",
                    "sources": _sources(before, month),
                },
            )
        old_n = hist[-1]["rows"] if hist and old_rel else 0
        new_rel = new_months.get(month)
        new_n = month_rows(store_path, new_rel)
        if old_n and new_n < old_n * (1 - SHRINK_TOLERANCE_PCT / 100):
            shrinking.append(
                {
                    "month": month,
                    "rows_before": old_n,
                    "rows_after": new_n,
                    "rows_removed": old_n - new_n,
                    "current_version": hist[-1]["version"],
                },
            )
        hist.append(
            {
                "version": hist[-1]["version"] + 1 if hist else 1,
                "file": new_rel,
                "rows": new_n,
                "at": now,
                "how": how if new_rel else f"{how} (month removed)",
                "sources": _sources(after, month),
            },
        )
    if shrinking and not replace_smaller:
        raise ShrinkRefusedError(_shrink_message(shrinking), shrinking)
    return prune_versions({**after, "versions": versions})


def _shrink_message(shrinking: list[dict]) -> str:
    parts = [
        f"{s['month']} from {s['rows_before']:,} to {s['rows_after']:,} rows "
        f"({s['rows_removed']:,} rows removed, {100 * s['rows_removed'] / s['rows_before']:.1f}%)"
        for s in shrinking
    ]
    s0 = shrinking[0]
    return (
        "import refused: it would shrink "
        + "; ".join(parts)
        + f", more than the {SHRINK_TOLERANCE_PCT:g}% a replacement may remove without being "
        "asked to. Nothing was changed. To replace anyway, import again with --replace-smaller "
        "(or confirm on the Data page); the version now stored stays restorable with "
        f"`hotspots restore --month {s0['month']} --version {s0['current_version']}`."
    )


def prune_versions(man: dict, keep: int | None = None) -> dict:
    """``man`` keeping the last ``keep`` (default :data:`KEEP_VERSIONS`) versions a month.

    The current version is always kept. Files of dropped versions are no longer named, so
    the store's garbage collection removes them.
    """
    keep = KEEP_VERSIONS if keep is None else keep
    if keep < 1:
        raise InputError("keep", keep, "at least 1 (the current version)")
    versions = {m: vs[-keep:] for m, vs in man.get("versions", {}).items() if vs}
    return {**man, "versions": versions}


def version_files(man: dict) -> set[str]:
    """Every month file a kept version names (the current ones included)."""
    return {v["file"] for vs in man.get("versions", {}).values() for v in vs if v.get("file")}


def history_rows(man: dict, month: str | None = None) -> list[dict]:
    """Return the versions as table rows: month, version, rows, at, how, files, current."""
    out = []
    for m, vs in sorted(man.get("versions", {}).items()):
        if month and m != month:
            continue
        for v in vs:
            out.append(
                {
                    "month": m,
                    "version": v["version"],
                    "rows": v["rows"],
                    "at": v.get("at", ""),
                    "how": v.get("how", ""),
                    "files": ", ".join(s.get("name", k) for k, s in v.get("sources", {}).items()),
                    "current": bool(v.get("file")) and man["months"].get(m) == v.get("file"),
                },
            )
    for m in sorted(set(man["months"]) - set(man.get("versions", {}))):
        if not month or m == month:
            out.append(
                {
                    "month": m,
                    "version": 1,
                    "rows": None,
                    "at": man.get("updated_at", ""),
                    "how": "stored before versions were kept",
                    "files": ", ".join(s.get("name", k) for k, s in _sources(man, m).items()),
                    "current": True,
                },
            )
    return out


def restore_manifest(store_path: Path, man: dict, month: str, version: int, *, now: str) -> dict:
    """Return the manifest with ``month`` back at ``version`` (its very file), as a new version.

    The manifest's ``files`` entries follow: sources of the month's current version lose
    the month, the restored version's sources come back, and each affected file's row
    count is recounted from the month files.
    """
    hist = man.get("versions", {}).get(month)
    if not hist:
        known = ", ".join(sorted(man.get("versions", {}))) or "none"
        raise InputError("month", month, f"a month with kept versions (these have: {known})")
    wanted = [v for v in hist if v["version"] == int(version)]
    if not wanted or not wanted[0].get("file"):
        kept = ", ".join(str(v["version"]) for v in hist if v.get("file"))
        raise InputError(
            "version",
            version,
            f"a kept version of {month} holding rows (kept: {kept})",
        )
    target = wanted[0]
    if not (store_path / target["file"]).exists():
        raise InputError(
            "version",
            version,
            f"a version whose file is still on disk ({target['file']} is gone)",
        )
    months = {**man["months"], month: target["file"]}
    files = {k: dict(v) for k, v in man["files"].items()}
    for key in _sources(man, month):
        if key not in target.get("sources", {}):
            files[key]["months"] = [m for m in files[key]["months"] if m != month]
    for key, entry in target.get("sources", {}).items():
        have = files.get(key, {}).get("months", [])
        files[key] = {**entry, "months": sorted(set(have) | {month})}
    files = _recount(store_path, months, files)
    versions = {m: [dict(v) for v in vs] for m, vs in man["versions"].items()}
    versions[month].append(
        {
            **{k: target[k] for k in ("file", "rows", "sources")},
            "version": versions[month][-1]["version"] + 1,
            "at": now,
            "how": f"restored from version {int(version)}",
        },
    )
    content = json.dumps(sorted(months.items())).encode()
    return prune_versions(
        {
            **man,
            "id": hashlib.sha1(content + now.encode()).hexdigest()[:16],
            "months": months,
            "files": files,
            "versions": versions,
            "updated_at": now,
        },
    )


def _recount(store_path: Path, months: dict, files: dict) -> dict:
    """``files`` with each entry's rows counted from the month files it names.

    Entries left with no month or no rows are dropped.
    """
    counts: dict[tuple[str, str], int] = {}
    wanted = {m for e in files.values() for m in e.get("months", [])}
    for m in sorted(wanted):
        rel = months.get(m)
        if not rel:
            continue
        col = pq.read_table(store_path / rel, columns=[S.SOURCE_FILE]).column(0).to_pandas()
        for k, n in col.value_counts().items():
            counts[(m, str(k))] = int(n)
    out = {}
    for key, entry in files.items():
        ms = [m for m in entry.get("months", []) if counts.get((m, key), 0)]
        rows = sum(counts[(m, key)] for m in ms)
        if ms and rows:
            out[key] = {**entry, "months": ms, "rows": rows}
    return out
