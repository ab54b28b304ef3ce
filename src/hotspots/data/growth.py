"""The real dataset grows: bundled months underneath, every upload, import or fetch on top.

The partnership's real dataset is the store named ``bundled`` (shown as "Real data"). It is
built from the package's read-only street files (``geodata/police_uk``) on first use, and
every police.uk import into it (Data page, ``hotspots ingest --dataset bundled``,
``hotspots fetch``, ``hotspots update``) adds months to it through the store's reconciling
import. A street file is known by its month and force (``2024-01-dorset-street.csv``), so a
month police.uk re-publishes replaces the earlier version (its rows counted as replaced),
and the same file again adds nothing (its rows counted as duplicates).

Layering: a bundled file whose month-and-force is not in the store at all (a newer
package shipped another month) is imported when the dataset is opened
(:func:`add_missing_bundled`); a month already there, from the package or from a later
re-publication, is left as it is, so the package never overwrites newer data.

:func:`month_changes` says what an import changed, from the manifests before and after.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from hotspots.data.store import Store


__all__ = ["REAL", "MonthChanges", "add_missing_bundled", "missing_bundled_files", "month_changes"]

REAL = "bundled"  # the real dataset's store name (its label is "Real data")


@dataclass(frozen=True)
class MonthChanges:
    """What one import changed in a store.

    ``months_added``: months the store did not have; ``months_replaced``: months whose
    rows were replaced by a re-publication; ``rows_before`` / ``rows_after``: rows held.
    """

    months_added: list[str] = field(default_factory=list)
    months_replaced: list[str] = field(default_factory=list)
    months_extended: list[str] = field(default_factory=list)
    rows_before: int = 0
    rows_after: int = 0

    @property
    def rows_added(self) -> int:
        """Rows after the import less rows before."""
        return self.rows_after - self.rows_before

    @property
    def changed(self) -> bool:
        """Whether any month was added, replaced or extended."""
        return bool(self.months_added or self.months_replaced or self.months_extended)

    def sentence(self) -> str:
        """One plain sentence, e.g. "Added 2024-04 (+5,047 rows); replaced 2024-02."."""
        if not self.changed:
            return "Nothing changed: every row was already in the dataset."
        parts = []
        if self.months_added:
            parts.append(f"added {_months(self.months_added)}")
        if self.months_replaced:
            parts.append(f"replaced {_months(self.months_replaced)} (re-published)")
        if self.months_extended:
            parts.append(f"added rows to {_months(self.months_extended)}")
        delta = self.rows_added
        return (
            "; ".join(parts).capitalize()
            + f". Rows held: {self.rows_before:,} → {self.rows_after:,} ({delta:+,})."
        )


def _months(ms: list[str]) -> str:
    return ", ".join(ms) if len(ms) <= 4 else f"{ms[0]}…{ms[-1]} ({len(ms)} months)"


def _rows_by_month(man: dict) -> dict[str, set[str]]:
    out: dict[str, set[str]] = {}
    for ident, entry in man.get("files", {}).items():
        for m in entry.get("months", []):
            out.setdefault(m, set()).add(f"{ident}|{entry.get('sha1')}")
    return out


def _rows(man: dict) -> int:
    return sum(int(e.get("rows", 0)) for e in man.get("files", {}).values())


def month_changes(before: dict, after: dict) -> MonthChanges:
    """Compare two store manifests (``Store.manifest()`` before and after an import).

    A month is *added* when the earlier manifest did not have it, *replaced* when a file
    it came from was swapped for another version (same identity, other content), and
    *extended* when another file added rows to it.
    """
    b, a = _rows_by_month(before), _rows_by_month(after)
    added = sorted(set(a) - set(b))
    replaced, extended = [], []
    b_ids = {m: {s.split("|")[0] for s in v} for m, v in b.items()}
    for m in sorted(set(a) & set(b)):
        if a[m] == b[m]:
            continue
        new = a[m] - b[m]
        if any(s.split("|")[0] in b_ids[m] for s in new):
            replaced.append(m)
        else:
            extended.append(m)
    return MonthChanges(added, replaced, extended, _rows(before), _rows(after))


def missing_bundled_files(store: Store) -> list:
    """Return the package's street files whose month-and-force the store does not hold."""
    from hotspots.data.boundaries import POLICE_UK_DIR, geodata_dir
    from hotspots.data.sources import file_key

    have = set(store.files())
    folder = geodata_dir() / POLICE_UK_DIR
    return [p for p in sorted(folder.glob("*.csv")) if file_key(p.name) not in have]


def add_missing_bundled(store: Store) -> list[str]:
    """Import the package's street files the store lacks (see the module docstring).

    Returns their names (empty: nothing to do, the usual case).
    """
    missing = missing_bundled_files(store)
    if missing:
        store.ingest(missing)
    return [p.name for p in missing]
