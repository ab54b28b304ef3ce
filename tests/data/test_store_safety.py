"""The store under concurrent writers, damage, and files whose names lie (issue 10).

Every import: rows_read == accepted + rejected + duplicate + replaced; a file is known by
its content (police.uk: month and force from its own rows), never by its name.
"""

from __future__ import annotations

import gzip
import io
import json
import os
import shutil
import subprocess
import sys
import threading
import time
import zipfile
from pathlib import Path

import pandas as pd
import pytest

from hotspots.cli import main
from hotspots.data import schema as S
from hotspots.data.ingest import read_inputs
from hotspots.data.store import Store
from hotspots.errors import StoreBusyError, StoreDamagedError

GEODATA = Path(__file__).resolve().parents[2] / "geodata"
PU = GEODATA / "police_uk"


def _raw_rows(month: str) -> pd.DataFrame:
    """The raw file read independently with pandas: rows with coordinates (the accepted ones)."""
    raw = pd.read_csv(PU / f"{month}-dorset-street.csv", dtype=str, keep_default_na=False)
    ok = (raw["Longitude"] != "") & (raw["Latitude"] != "")
    return raw[ok]


def _accepted(month: str) -> int:
    raw = _raw_rows(month)
    exact = raw[raw["Crime ID"] != ""].duplicated(keep="first").sum()
    return len(raw) - int(exact)


# --- one writer at a time ------------------------------------------------------------------------


def _ingest_proc(store: Path, *paths: Path) -> subprocess.Popen:
    code = (
        "import sys; from hotspots.cli import main; "
        "sys.exit(main(['ingest', *sys.argv[2:], '--store', sys.argv[1], '--json', "
        "'--keep', 'all']))"
    )
    return subprocess.Popen(
        [sys.executable, "-c", code, str(store), *map(str, paths)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


@pytest.mark.slow  # spawns a process / runs long: slow tier (scripts/test.sh fast skips it)
@pytest.mark.parametrize("delay", [0.0, 0.3, 1.0, 2.5])
def test_two_concurrent_imports_both_land(tmp_path, delay):
    """A big import and a small one started ``delay`` s later into one store: both land."""
    store = tmp_path / "s"
    big = [PU / f"{m}-dorset-street.csv" for m in ("2018-10", "2018-11", "2018-12", "2019-01")]
    small = PU / "2024-03-dorset-street.csv"
    p1 = _ingest_proc(store, *big)
    time.sleep(delay)
    p2 = _ingest_proc(store, small)
    out1, err1 = p1.communicate(timeout=600)
    out2, err2 = p2.communicate(timeout=600)
    assert p1.returncode == 0, err1
    assert p2.returncode == 0, err2
    for out in (out1, out2):
        assert json.loads(out)["reconciles"]
    st = Store(store)
    assert st.check() == []
    recs = st.records()
    got = recs.groupby(S.MONTH).size().to_dict()
    assert got == {m: _accepted(m) for m in ("2018-10", "2018-11", "2018-12", "2019-01", "2024-03")}
    # nothing on disk that the manifest does not name, nothing named that is missing
    named = set(st.manifest()["months"].values())
    on_disk = {str(p.relative_to(store)) for p in (store / "records").rglob("*") if p.is_file()}
    assert on_disk == named


def test_second_writer_waits_with_a_message_then_times_out(tmp_path, street):
    st = Store(tmp_path / "s")
    f = street.sample("2024-01", 20)
    messages: list[str] = []
    with st.writer():
        other = Store(tmp_path / "s", lock_timeout=0.3, on_wait=messages.append)
        t0 = time.monotonic()
        with pytest.raises(StoreBusyError, match="another import is writing"):
            other.ingest(f)
        assert time.monotonic() - t0 >= 0.3
    assert len(messages) == 1 and "waiting for another import" in messages[0]
    assert f"pid {os.getpid()}" in messages[0]
    assert not st.exists()  # the refused import wrote nothing


def test_waiting_writer_proceeds_when_the_first_finishes(tmp_path, street):
    st = Store(tmp_path / "s")
    a, b = street.sample("2024-01", 30), street.sample("2024-02", 30)
    st.ingest(a)
    release = threading.Event()

    def hold():
        with st.writer():
            release.wait(5)

    t = threading.Thread(target=hold)
    t.start()
    time.sleep(0.1)
    messages: list[str] = []
    threading.Timer(0.4, release.set).start()
    Store(tmp_path / "s", on_wait=messages.append).ingest(b)
    t.join()
    assert messages and st.months() == ["2024-01", "2024-02"]


def test_readers_are_never_blocked_by_a_writer(tmp_path, street):
    st = Store(tmp_path / "s")
    st.ingest(street.sample("2024-01", 30))
    with st.writer():
        assert len(Store(tmp_path / "s").records()) == 30


def test_reader_rereads_the_manifest_when_a_month_file_is_replaced_under_it(
    tmp_path,
    street,
    monkeypatch,
):
    import hotspots.data.store_versions as versions

    # with earlier versions kept, the replaced file stays and a reader reads that consistent
    # snapshot; keeping only the current version, the file goes and the reader must re-read
    monkeypatch.setattr(versions, "KEEP_VERSIONS", 1)
    st = Store(tmp_path / "s")
    st.ingest(street.sample("2024-01", 30))
    import hotspots.data.store_query as store_mod  # where records() reads month files

    real = store_mod.pq.read_table
    done = []

    def racing_read(path, *a, **k):
        if not done:  # a writer replaces January between the manifest read and this read
            done.append(1)
            Store(tmp_path / "s").ingest(street.sample("2024-01", 40, name="fix/jan.csv"))
        return real(path, *a, **k)

    monkeypatch.setattr(store_mod.pq, "read_table", racing_read)
    assert len(st.records()) == 40


# --- damage: detected, reported, repaired ----------------------------------------------------------


def _damage(st: Store, month: str) -> None:
    (st.path / st.manifest()["months"][month]).unlink()


def test_missing_month_file_is_a_clear_error_then_repaired(tmp_path, street, capsys):
    st = Store(tmp_path / "s")
    st.ingest([street.sample("2024-01", 30), street.sample("2024-02", 20)])
    _damage(st, "2024-01")
    with pytest.raises(StoreDamagedError, match=r"missing \(months 2024-01\).*hotspots repair"):
        st.records()
    assert main(["summary", "--store", str(st.path)]) == 2
    assert "hotspots repair" in capsys.readouterr().err
    assert main(["repair", "--store", str(st.path), "--check"]) == 1
    assert main(["repair", "--store", str(st.path)]) == 0
    assert "dropped months 2024-01" in capsys.readouterr().out
    assert st.check() == [] and st.months() == ["2024-02"]
    assert len(st.records()) == 20
    assert list(st.files()) == ["2024-02-dorset-street.csv"]
    assert main(["repair", "--store", str(st.path)]) == 0
    assert "nothing to repair" in capsys.readouterr().out


def test_an_import_repairs_a_damaged_store_first(tmp_path, street):
    st = Store(tmp_path / "s")
    st.ingest([street.sample("2024-01", 30), street.sample("2024-02", 20)])
    _damage(st, "2024-02")
    res = st.ingest(street.sample("2024-03", 10))
    assert any("repaired first" in n for n in res.report.notices)
    assert st.months() == ["2024-01", "2024-03"] and len(st.records()) == 40
    # and importing the lost month again brings it back
    st.ingest(street.sample("2024-02", 20))
    assert len(st.records()) == 60


# --- identity from content, not from the name ------------------------------------------------------


def test_two_months_both_named_street_csv_in_two_folders(tmp_path):
    a, b = tmp_path / "a" / "street.csv", tmp_path / "b" / "street.csv"
    for p, m in ((a, "2019-02"), (b, "2024-03")):
        p.parent.mkdir(parents=True)
        shutil.copy(PU / f"{m}-dorset-street.csv", p)
    st = Store(tmp_path / "s")
    rep = st.ingest([tmp_path / "a", tmp_path / "b"]).report
    assert rep.reconciles and rep.rows_replaced == 0
    assert rep.rows_duplicate == 1  # the one exact repeat in 2019-02
    got = st.records().groupby(S.MONTH).size().to_dict()
    assert got == {"2019-02": _accepted("2019-02"), "2024-03": _accepted("2024-03")}
    # and in separate commands the second does not replace the first
    st2 = Store(tmp_path / "s2")
    st2.ingest(a)
    st2.ingest(b)
    assert st2.records().groupby(S.MONTH).size().to_dict() == got


def test_two_months_with_one_name_inside_one_zip(tmp_path):
    z = tmp_path / "two.zip"
    with zipfile.ZipFile(z, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.write(PU / "2024-01-dorset-street.csv", "jan/export.csv")
        zf.write(PU / "2024-02-dorset-street.csv", "feb/export.csv")
    res = read_inputs(z)
    assert res.report.reconciles and res.report.rows_duplicate == 0
    got = res.records.groupby(S.MONTH).size().to_dict()
    assert got == {"2024-01": _accepted("2024-01"), "2024-02": _accepted("2024-02")}
    assert set(res.records[S.SOURCE_FILE]) == {
        "2024-01-dorset-street.csv",
        "2024-02-dorset-street.csv",
    }


def test_renamed_copy_in_a_second_command_is_not_counted_twice(tmp_path):
    st = Store(tmp_path / "s")
    st.ingest(PU / "2024-03-dorset-street.csv")
    n = len(st.records())
    bcp_asb = int((st.records()[S.IN_BCP] & (st.records()[S.CATEGORY] == S.ASB)).sum())
    copy = tmp_path / "elsewhere" / "april.csv"
    copy.parent.mkdir()
    shutil.copy(PU / "2024-03-dorset-street.csv", copy)
    rep = st.ingest(copy).report
    assert (
        rep.reconciles and rep.rows_accepted == 0 and rep.rows_duplicate == rep.rows_read == n + 14
    )  # 14 without coordinates
    assert any("already in the store" in m for m in rep.notices)
    recs = st.records()
    assert len(recs) == n
    assert int((recs[S.IN_BCP] & (recs[S.CATEGORY] == S.ASB)).sum()) == bcp_asb


def test_republished_month_replaces_the_earlier_and_says_so(tmp_path):
    st = Store(tmp_path / "s")
    st.ingest(PU / "2024-01-dorset-street.csv")
    n = len(st.records())
    text = (PU / "2024-01-dorset-street.csv").read_text(encoding="utf-8")
    newer = tmp_path / "download (2).csv"
    newer.write_text(text.replace("Unable to prosecute suspect", "Under investigation"), "utf-8")
    rep = st.ingest(newer).report
    assert rep.reconciles and rep.rows_accepted == n and rep.store_rows_replaced == n
    assert any("re-publication of 2024-01-dorset-street.csv" in m for m in rep.notices)
    recs = st.records()
    assert len(recs) == n and (recs[S.OUTCOME] == "Under investigation").any()


def test_simulated_month_never_replaces_the_real_one(tmp_path, street):
    real = street.write("2024-01-dorset-street.csv", [street.row(), street.row()])
    sim = street.write(
        "sim/2024-01-dorset-street.csv",
        [street.row(force="Dorset Police (SIMULATED)")],
    )
    st = Store(tmp_path / "s")
    st.ingest(real)
    rep = st.ingest(sim).report
    assert rep.store_rows_replaced == 0 and rep.rows_accepted == 1
    assert sorted(st.files()) == [
        "2024-01-dorset-simulated-street.csv",
        "2024-01-dorset-street.csv",
    ]
    assert len(st.records()) == 3


# --- every row and every zip member accounted for ---------------------------------------------------


def test_every_zip_member_is_read_or_listed_with_a_reason(tmp_path):
    jan = (PU / "2024-01-dorset-street.csv").read_bytes()
    inner = io.BytesIO()
    with zipfile.ZipFile(inner, "w") as zf:
        zf.writestr("x.csv", jan)
    z = tmp_path / "mixed.zip"
    with zipfile.ZipFile(z, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("a/2024-01-dorset-street.csv", jan)
        zf.writestr("b/street.csv.txt", jan)
        zf.writestr("c/inner.zip", inner.getvalue())
        zf.writestr("d/2024-02.CSV.gz", gzip.compress(jan))
        zf.writestr("e/2024-01-dorset-outcomes.csv", "Crime ID,Month\n")
        zf.writestr("f/notes.pdf", b"%PDF")
    rep = read_inputs(z).report
    why = {f["file"].split("!")[1]: f["why"] for f in rep.files_skipped}
    assert why == {
        "b/street.csv.txt": "not a .csv file (renamed CSV? give it the .csv extension)",
        "c/inner.zip": "nested archive (unzip it and import its files)",
        "d/2024-02.CSV.gz": "compressed member (decompress it and import the CSV)",
        "e/2024-01-dorset-outcomes.csv": "police.uk outcomes / stop-and-search file, not street crime",
        "f/notes.pdf": "not a CSV file",
    }
    read = [f["file"].split("!")[1] for f in rep.files_read]
    assert read == ["a/2024-01-dorset-street.csv"]
    assert any("5 file(s) not read" in n for n in rep.notices)


def test_exact_repeat_inside_one_file_is_a_duplicate(street):
    R = street.row
    rows = [
        R(crime_id="c1", category="Burglary", outcome="Under investigation"),
        R(crime_id="c1", category="Burglary", outcome="Under investigation"),  # byte for byte
        R(crime_id="c1", category="Burglary", outcome="Unable to prosecute suspect"),  # kept
        R(),
        R(),  # ASB rows (no Crime ID) are never duplicates of each other
    ]
    res = read_inputs(street.write("2024-01-dorset-street.csv", rows))
    rep = res.report
    assert rep.rows_read == 5 and rep.rows_duplicate == 1 and rep.rows_accepted == 4
    assert rep.reconciles
    crimes = res.records[res.records[S.CRIME_ID].notna()]
    assert sorted(crimes[S.RECORD_ID]) == ["c1", "c1~1"]


def test_bundled_2019_02_exact_repeat_matches_pandas(bundled_read):
    raw = _raw_rows("2019-02")
    expected = int(raw[raw["Crime ID"] != ""].duplicated(keep="first").sum())
    assert expected == 1
    assert bundled_read.report.rows_duplicate == expected


def test_utf16_header_only_and_raw_text_of_rejected_rows(tmp_path, street):
    u16 = tmp_path / "2024-01-dorset-street.csv"
    u16.write_bytes((street.header + "\n" + street.row() + "\n").encode("utf-16"))
    rep = read_inputs(u16).report
    assert rep.files_failed == [
        {"file": str(u16), "problem": "UTF-16 text; save as UTF-8 (in Excel: CSV UTF-8)"},
    ]
    u16le = tmp_path / "le.csv"
    u16le.write_bytes((street.header + "\n").encode("utf-16-le"))
    assert "UTF-16" in read_inputs(u16le).report.files_failed[0]["problem"]
    empty = street.write("header-only.csv", [])
    rep = read_inputs(empty).report
    assert rep.rows_read == 0 and any("header only, no rows" in n for n in rep.notices)
    ragged = street.write("r.csv", [street.row(), "=HYPERLINK(1),2024-01"])
    res = read_inputs(ragged)
    assert res.rejected["value"].tolist() == ["=HYPERLINK(1),2024-01"]


def test_zip_member_streamed_with_a_running_limit(tmp_path, monkeypatch):
    from hotspots.data import sources

    z = tmp_path / "big.zip"
    with zipfile.ZipFile(z, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.write(PU / "2024-01-dorset-street.csv", "2024-01-dorset-street.csv")
    monkeypatch.setitem(sources.READ_LIMITS, "max_file_bytes", 100_000)
    monkeypatch.setitem(sources.READ_LIMITS, "chunk", 4096)
    rep = read_inputs(z).report
    assert rep.rows_read == 0
    assert "larger than" in rep.files_failed[0]["problem"]


# --- datasets: never "bundled" by accident; unknown names and empty windows are errors ------------


def test_ingest_defaults_to_imported_and_refuses_an_empty_name(
    tmp_path,
    store_root,
    street,
    capsys,
):
    f = street.sample("2024-01", 10)
    assert main(["ingest", str(f)]) == 0
    assert (store_root / "imported" / "manifest.json").exists()
    assert not (store_root / "bundled").exists()
    assert main(["ingest", str(f), "--dataset", ""]) == 2
    assert "`dataset` must be a non-empty name" in capsys.readouterr().err
    assert not (store_root / "bundled").exists()


@pytest.mark.parametrize("command", ["summary", "coverage", "detect", "compare", "tables"])
def test_unknown_dataset_is_an_error_with_exit_1(store_root, command, capsys):
    assert main([command, "--dataset", "bundeld"]) == 1
    err = capsys.readouterr().err
    assert "no dataset named 'bundeld'" in err and "bundled" in err


def test_empty_window_is_an_error_with_exit_1(tmp_path, street, capsys):
    st = Store(tmp_path / "s")
    st.ingest(street.sample("2024-01", 10))
    assert main(["summary", "--store", str(st.path), "--from", "2030-01"]) == 1
    err = capsys.readouterr().err
    assert "no records for 2030-01" in err and "2024-01..2024-01" in err
    assert main(["summary", "--store", str(st.path)]) == 0


# --- bounded memory: batches --------------------------------------------------------------------


def test_import_in_batches_stores_what_one_batch_stores(tmp_path, monkeypatch):
    import hotspots.data.store_import as store_mod

    src = tmp_path / "in"
    src.mkdir()
    for m in ("2018-10", "2018-11", "2024-01"):
        shutil.copy(PU / f"{m}-dorset-street.csv", src / f"{m}-dorset-street.csv")
    shutil.copy(PU / "2018-10-dorset-street.csv", src / "zz-renamed-copy.csv")  # a duplicate
    one = Store(tmp_path / "one")
    r1 = one.ingest(src).report
    monkeypatch.setattr(store_mod, "BATCH_BYTES", 1)  # every file its own batch
    many = Store(tmp_path / "many")
    r2 = many.ingest(src).report
    assert r2.reconciles and r1.reconciles
    assert any("4 batches" in n for n in r2.notices)
    for k in ("rows_read", "rows_accepted", "rows_rejected", "rows_duplicate", "rows_in_bcp"):
        assert getattr(r2, k) == getattr(r1, k), k
    a, b = one.records(), many.records()
    key = [S.MONTH, S.SOURCE_ROW]
    pd.testing.assert_frame_equal(
        a.sort_values(key).reset_index(drop=True),
        b.sort_values(key).reset_index(drop=True),
    )
