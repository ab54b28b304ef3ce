"""The real dataset grows: bundled months underneath, uploads on top, re-publications replace.

Month 2024-04 here is MADE UP from the bundled 2024-03 file (Month changed, Crime IDs
re-hashed: see ``fake_police_api.derived_month``); the "corrected" 2024-02 is the bundled
file with its last 25 rows removed and one outcome changed. Test data, not real.
"""

from __future__ import annotations

import pytest
from fake_police_api import derived_month

import hotspots as hs
from hotspots.comparison.windows import default_windows
from hotspots.data import schema as S
from hotspots.data.growth import add_missing_bundled, missing_bundled_files, month_changes
from hotspots.data.store import open_dataset


@pytest.fixture
def real(tmp_path, monkeypatch):
    monkeypatch.setenv("HOTSPOTS_STORE", str(tmp_path / "stores"))
    return open_dataset("bundled")


def _bundled_text(geodata_dir, month):
    return (geodata_dir / "police_uk" / f"{month}-dorset-street.csv").read_text(encoding="utf-8")


@pytest.mark.slow  # measured 10-35 s (spawns, imports or simulates)
def test_an_upload_adds_a_month_twice_adds_nothing(real, tmp_path, geodata_dir):
    up = tmp_path / "upload" / "2024-04-dorset-street.csv"
    up.parent.mkdir()
    up.write_text(derived_month(_bundled_text(geodata_dir, "2024-03"), "2024-04"), "utf-8")
    before = real.manifest()
    rep = real.ingest([up]).report
    ch = month_changes(before, real.manifest())
    assert ch.months_added == ["2024-04"] and not ch.months_replaced
    assert ch.rows_added == rep.rows_accepted > 4000
    assert real.months()[-4:] == ["2024-01", "2024-02", "2024-03", "2024-04"]
    # Jan-Apr compare: April is one of the dataset's months and a comparison runs
    assert "2024-04" in default_windows(real.months()).reason or real.months()[-1] == "2024-04"
    cmp = hs.compare(real.records(), "2024-01:2024-02", "2024-03:2024-04")
    assert cmp.by_category["count_b"].sum() > cmp.by_category["count_a"].sum() * 0.5
    # the same upload again adds nothing
    again = real.manifest()
    rep2 = real.ingest([up]).report
    assert rep2.rows_duplicate == rep2.rows_read - rep2.rows_rejected and rep2.reconciles
    ch2 = month_changes(again, real.manifest())
    assert not ch2.changed and ch2.rows_added == 0
    assert "Nothing changed" in ch2.sentence()


@pytest.mark.slow  # measured 10-35 s (spawns, imports or simulates)
def test_a_corrected_republication_replaces_the_month_with_counts_reconciled(
    real,
    tmp_path,
    geodata_dir,
):
    lines = _bundled_text(geodata_dir, "2024-02").splitlines(keepends=True)
    fixed = lines[:-25]
    fixed[1] = fixed[1].replace(",,\n", ",Under investigation,\n", 1)
    up = tmp_path / "corrected" / "dorset-2024-02-corrected.csv"
    up.parent.mkdir()
    up.write_text("".join(fixed), "utf-8")
    old_rows = int(real.files()["2024-02-dorset-street.csv"]["rows"])
    before = real.manifest()
    rep = real.ingest([up]).report
    ch = month_changes(before, real.manifest())
    assert ch.months_replaced == ["2024-02"] and not ch.months_added
    assert rep.store_rows_replaced == old_rows
    assert rep.reconciles
    n = int((real.records()[S.MONTH] == "2024-02").sum())
    assert rep.rows_read == len(fixed) - 1
    assert n == rep.rows_accepted  # the month is the new version alone: nothing doubled
    assert ch.rows_added == rep.rows_accepted - old_rows < 0
    assert "replaced 2024-02" in ch.sentence().lower()


def test_bundled_months_missing_from_the_store_are_layered_in(real):
    assert missing_bundled_files(real) == []
    # drop one bundled month (as if an older package had not shipped it): opening adds it
    man = real.manifest()
    assert "2024-03" in real.months()
    import json

    gone = {k: v for k, v in man["files"].items() if k != "2024-03-dorset-street.csv"}
    months = {m: r for m, r in man["months"].items() if m != "2024-03"}
    (real.path / "manifest.json").write_text(
        json.dumps({**man, "files": gone, "months": months, "id": "x"}),
        "utf-8",
    )
    assert [p.name for p in missing_bundled_files(real)] == ["2024-03-dorset-street.csv"]
    assert "2024-03" in open_dataset("bundled").months()
    assert add_missing_bundled(real) == []
