"""Audit trail: JSON lines, who and what, rotation, reading across rotated files."""

from __future__ import annotations

import json

import pytest

from hotspots.data import audit
from hotspots.data.access import Principal

ANA = Principal("ana@bcp.gov.uk", role="analyst", team="csp")


def test_record_writes_json_lines(tmp_path, monkeypatch):
    log = tmp_path / "a" / "audit.jsonl"
    monkeypatch.setenv("HOTSPOTS_AUDIT_LOG", str(log))
    audit.record("import", ANA, dataset="f1", files=["x.csv"], rows_read=10, rows_accepted=9)
    audit.record("export", None, what="hotspots CSV", dataset="bundled")
    lines = [json.loads(x) for x in log.read_text().splitlines()]
    assert [e["action"] for e in lines] == ["import", "export"]
    assert lines[0]["user"] == "ana@bcp.gov.uk" and lines[0]["files"] == ["x.csv"]
    assert lines[0]["rows_accepted"] == 9 and lines[0]["team"] == "csp"
    assert lines[1]["user"] == "local" and lines[1]["what"] == "hotspots CSV"
    assert audit.read_events() == lines


def test_default_path_is_beside_the_stores(tmp_path, monkeypatch):
    monkeypatch.delenv("HOTSPOTS_AUDIT_LOG", raising=False)
    monkeypatch.setenv("HOTSPOTS_STORE", str(tmp_path))
    assert audit.audit_path() == tmp_path / "audit.jsonl"


def test_unknown_action_refused(tmp_path, monkeypatch):
    monkeypatch.setenv("HOTSPOTS_AUDIT_LOG", str(tmp_path / "a.jsonl"))
    with pytest.raises(ValueError):
        audit.record("peek", ANA)


def test_rotation_keeps_every_event_readable(tmp_path, monkeypatch):
    log = tmp_path / "rot.jsonl"
    monkeypatch.setenv("HOTSPOTS_AUDIT_LOG", str(log))
    monkeypatch.setenv("HOTSPOTS_AUDIT_MAX_MB", "0.001")  # ~1 kB a file
    for i in range(30):
        audit.record("export", ANA, what=f"file {i}", dataset="bundled")
    assert log.with_name("rot.jsonl.1").exists()
    events = audit.read_events(limit=None)
    kept = [int(e["what"].split()[1]) for e in events]
    assert kept == sorted(kept) and kept[-1] == 29  # oldest first, newest kept
    assert len(kept) <= 30 and len(audit.read_events(limit=5)) == 5


def test_damaged_line_skipped(tmp_path):
    log = tmp_path / "d.jsonl"
    log.write_text('{"action": "sign-in"}\n{"act\n')
    assert audit.read_events(path=log) == [{"action": "sign-in"}]
