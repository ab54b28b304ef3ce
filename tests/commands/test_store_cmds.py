"""Tests for the store commands: hotspots history, restore and repair (hotspots.cli.main)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

from hotspots.cli import main
from hotspots.data import schema as S
from hotspots.data.store import Store

GEODATA = Path(__file__).resolve().parents[2] / "src" / "hotspots" / "geodata"
MONTH = "2024-03"


def run(capsys, *argv) -> tuple[int, str, str]:
    rc = main([str(a) for a in argv])
    out = capsys.readouterr()
    return rc, out.out, out.err


def _month_file(folder: Path, n: int | None) -> Path:
    """The header and the first ``n`` rows (all when None) of a real month."""
    header, *body = (GEODATA / "police_uk" / f"{MONTH}-dorset-street.csv").read_text().splitlines()
    path = folder / f"{MONTH}-dorset-street.csv"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join([header, *(body if n is None else body[:n])]) + "\n")
    return path


def _sorted(df: pd.DataFrame) -> pd.DataFrame:
    return df.sort_values(S.RECORD_ID).reset_index(drop=True)


# --- history and restore --------------------------------------------------------------------


def test_smaller_file_refused_then_history_and_restore(capsys, tmp_path):
    small, full = _month_file(tmp_path / "small", 2499), _month_file(tmp_path / "full", None)
    store = tmp_path / "S"
    common = ("--store", store, "--keep", "all", "--json")
    assert run(capsys, "ingest", small, *common)[0] == 0
    n_small = len(Store(store).records())
    assert run(capsys, "ingest", full, *common)[0] == 0
    full_records = Store(store).records()
    n_full = len(full_records)

    rc, out, err = run(capsys, "ingest", small, *common)
    assert rc == 2 and out == ""
    assert f"{MONTH} from {n_full:,} to {n_small:,} rows ({n_full - n_small:,} rows removed" in err
    assert "--replace-smaller" in err and f"--month {MONTH} --version 2" in err
    pd.testing.assert_frame_equal(_sorted(Store(store).records()), _sorted(full_records))

    assert run(capsys, "ingest", small, *common, "--replace-smaller")[0] == 0
    assert len(Store(store).records()) == n_small

    rc, out, _ = run(capsys, "history", "--store", store, "--json")
    assert rc == 0
    got = [(v["month"], v["version"], v["rows"], v["current"]) for v in json.loads(out)["versions"]]
    assert got == [
        (MONTH, 1, n_small, False),
        (MONTH, 2, n_full, False),
        (MONTH, 3, n_small, True),
    ]
    rc, out, _ = run(capsys, "history", "--store", store)
    assert rc == 0 and f"{MONTH}        2     {n_full:,}" in out and "(current)" in out

    rc, out, _ = run(capsys, "restore", "--store", store, "--month", MONTH, "--version", "2")
    assert rc == 0 and f"restored from version 2 ({n_full:,} rows), now version 4" in out
    pd.testing.assert_frame_equal(_sorted(Store(store).records()), _sorted(full_records))

    rc, _, err = run(capsys, "restore", "--store", store, "--month", MONTH, "--version", "9")
    assert rc == 2 and "kept: 1, 2, 3, 4" in err

    rc, out, _ = run(capsys, "history", "--store", store, "--prune", "2", "--json")
    assert rc == 0 and [v["version"] for v in json.loads(out)["versions"]] == [3, 4]
    assert len(list((store / "records").rglob("*.parquet"))) == 2
    rc, _, err = run(capsys, "history", "--store", store, "--prune", "0")
    assert rc == 2 and "at least 1" in err


# --- repair sees staged files ----------------------------------------------------------------


def test_repair_check_lists_a_leftover_staged_file_with_its_size(capsys, tmp_path):
    store = tmp_path / "S"
    assert run(capsys, "ingest", _month_file(tmp_path / "in", 200), "--store", store)[0] == 0
    left = store / "records" / f"month={MONTH}" / "part-0123.parquet"
    left.write_bytes(b"x" * 1234)
    tmp_manifest = store / "manifest.json.abcd.tmp"
    tmp_manifest.write_text("{}")
    rc, out, _ = run(capsys, "repair", "--store", store, "--check")
    assert rc == 1
    assert f"records/month={MONTH}/part-0123.parquet  1,234 bytes" in out
    assert "manifest.json.abcd.tmp  2 bytes" in out and "would remove" in out
    assert left.exists()
    rc, out, _ = run(capsys, "repair", "--store", store)
    assert rc == 0 and "removed" in out and not left.exists() and not tmp_manifest.exists()
    assert run(capsys, "repair", "--store", store, "--check")[1].endswith("nothing to repair\n")


@pytest.mark.slow  # a real import killed with SIGKILL while it stages month files
def test_repair_check_after_kill_minus_9_mid_import_lists_the_staged_files(capsys, tmp_path):
    store = tmp_path / "S"
    assert run(capsys, "ingest", _month_file(tmp_path / "in", 200), "--store", store)[0] == 0
    records = Store(store).records()
    manifest = (store / "manifest.json").read_bytes()
    before = set((store / "records").rglob("*.parquet"))
    months = sorted((GEODATA / "police_uk").glob("*.csv"))
    code = "import sys; from hotspots.cli import main; sys.exit(main(sys.argv[1:]))"
    env = {**os.environ, "HOTSPOTS_BATCH_MB": "0"}  # one batch (one staged file) a month
    proc = subprocess.Popen(
        [sys.executable, "-c", code, "ingest", *map(str, months), "--store", str(store)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and proc.poll() is None:
            if len(set((store / "records").rglob("*.parquet")) - before) >= 2:
                break
            time.sleep(0.02)
        assert proc.poll() is None, "the import finished before it could be killed"
        os.kill(proc.pid, signal.SIGKILL)
    finally:
        proc.wait()
    staged = sorted(set((store / "records").rglob("*.parquet")) - before)
    assert len(staged) >= 2 and (store / "manifest.json").read_bytes() == manifest
    rc, out, _ = run(capsys, "repair", "--store", store, "--check", "--json")
    done = json.loads(out)
    assert rc == 1
    listed = {f["file"]: f["bytes"] for f in done["staged_files"]}
    for f in staged:
        assert listed[str(f.relative_to(store))] == f.stat().st_size
    assert run(capsys, "repair", "--store", store)[0] == 0
    assert set((store / "records").rglob("*.parquet")) == before
    pd.testing.assert_frame_equal(Store(store).records(), records)


# --- audit verify -------------------------------------------------------------------------------


def test_audit_verify_reports_the_first_broken_line(capsys, tmp_path, monkeypatch):
    from hotspots.data import audit

    log = tmp_path / "audit.jsonl"
    monkeypatch.setenv("HOTSPOTS_AUDIT_LOG", str(log))
    for i in range(5):
        audit.record("export", None, what=f"file {i}", dataset="bundled")
    rc, out, _ = run(capsys, "audit", "verify")
    assert rc == 0 and out == f"audit log {log}: 5 lines, chain whole (from line seq 1)\n"
    lines = log.read_text().splitlines()
    lines[2] = lines[2].replace("file 2", "file 9")
    log.write_text("\n".join(lines) + "\n")
    rc, out, _ = run(capsys, "audit", "verify", "--log", log)
    assert rc == 1 and "BROKEN at audit.jsonl line 3: its content does not match" in out
    rc, out, _ = run(capsys, "audit", "verify", "--json")
    assert rc == 1 and json.loads(out)["first_break"]["line"] == 3


def test_cli_records_the_os_user_for_a_restricted_dataset_only(capsys, tmp_path, monkeypatch):
    import getpass

    from hotspots.data import access, audit

    log = tmp_path / "audit.jsonl"
    monkeypatch.setenv("HOTSPOTS_AUDIT_LOG", str(log))
    monkeypatch.setenv("HOTSPOTS_STORE", str(tmp_path / "root"))
    src = _month_file(tmp_path / "in", 200)
    assert run(capsys, "ingest", src, "--dataset", "team-a")[0] == 0
    out = tmp_path / "rejects.csv"
    assert run(capsys, "ingest", src, "--dataset", "team-a", "--rejects", out)[0] == 0
    assert run(capsys, "summary", "--dataset", "team-a")[0] == 0
    access.set_dataset_access("team-b", access.PUBLIC, "x", "y")
    assert run(capsys, "ingest", src, "--dataset", "team-b")[0] == 0  # public: not recorded
    events = audit.read_events(path=log)
    assert [(e["action"], e["command"], e["dataset"]) for e in events] == [
        ("import", "ingest", "team-a"),
        ("import", "ingest", "team-a"),
        ("read", "summary", "team-a"),
    ]
    assert {e["os_user"] for e in events} == {getpass.getuser()}
    assert events[0]["user"] == f"os:{getpass.getuser()}" and events[0]["via"] == "cli"
    assert events[1]["outputs"] == [str(out)]
    assert audit.verify(log)["ok"]
