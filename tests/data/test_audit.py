"""Audit trail: JSON lines, who and what, rotation, reading across rotated files."""

from __future__ import annotations

import hashlib
import json
import stat

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
    assert [e["seq"] for e in lines] == [1, 2]
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


def test_damaged_line_reported_not_skipped(tmp_path):
    log = tmp_path / "d.jsonl"
    log.write_text('{"action": "sign-in"}\n{"act\n')
    assert audit.read_events(path=log) == [
        {"action": "sign-in"},
        {"action": "unparsable", "file": "d.jsonl", "line": 2, "text": '{"act'},
    ]


# --- the hash chain (issue 24) ----------------------------------------------------------------


@pytest.fixture
def chained(tmp_path, monkeypatch):
    """A log of 8 events, its path and its lines."""
    log = tmp_path / "audit.jsonl"
    monkeypatch.setenv("HOTSPOTS_AUDIT_LOG", str(log))
    for i in range(8):
        audit.record("export", ANA, what=f"file {i}", dataset="bundled")
    return log


def _lines(log):
    return log.read_text().splitlines()


def _write(log, lines):
    log.write_text("\n".join(lines) + "\n")


def test_each_line_carries_the_sha256_of_the_line_before(chained):
    lines = _lines(chained)
    events = [json.loads(x) for x in lines]
    assert events[0]["prev"] == "0" * 64
    for before, ev in zip(lines, events[1:], strict=False):
        assert ev["prev"] == hashlib.sha256(before.encode()).hexdigest()
    head = json.loads(audit.head_path(chained).read_text())
    assert head["seq"] == 8 and head["sha256"] == hashlib.sha256(lines[-1].encode()).hexdigest()
    res = audit.verify(chained)
    assert res["ok"] and res["lines"] == 8 and res["first_break"] is None


def test_log_and_head_are_private(chained):
    assert stat.S_IMODE(chained.stat().st_mode) == 0o600
    assert stat.S_IMODE(audit.head_path(chained).stat().st_mode) == 0o600


def test_a_log_made_world_readable_is_made_private_again(chained):
    chained.chmod(0o644)
    audit.record("sign-out", ANA)
    assert stat.S_IMODE(chained.stat().st_mode) == 0o600


@pytest.mark.parametrize("k", [0, 3, 7])
def test_editing_one_line_fails_at_that_line(chained, k):
    lines = _lines(chained)
    lines[k] = lines[k].replace('"file ', '"FILE ')
    _write(chained, lines)
    res = audit.verify(chained)
    assert not res["ok"]
    assert (res["first_break"]["file"], res["first_break"]["line"]) == ("audit.jsonl", k + 1)
    assert "edited" in res["first_break"]["problem"]


@pytest.mark.parametrize("k", [0, 3, 6])
def test_deleting_one_line_fails_at_that_line(chained, k):
    lines = _lines(chained)
    del lines[k]
    _write(chained, lines)
    res = audit.verify(chained)
    assert not res["ok"] and res["first_break"]["line"] == k + 1


def test_deleting_the_last_line_fails_at_that_line_by_the_head(chained):
    _write(chained, _lines(chained)[:-1])
    res = audit.verify(chained)
    assert not res["ok"] and res["first_break"]["line"] == 8
    assert "lines deleted from the end" in res["first_break"]["problem"]


@pytest.mark.parametrize("k", [0, 4, 8])
@pytest.mark.parametrize(
    "extra",
    [
        '{"time": "2026-01-01T00:00:00+00:00", "user": "x", "action": "export"}',
        "not json at all",
    ],
)
def test_inserting_one_line_fails_at_that_line(chained, k, extra):
    lines = _lines(chained)
    lines.insert(k, extra)
    _write(chained, lines)
    res = audit.verify(chained)
    assert not res["ok"] and res["first_break"]["line"] == k + 1
    if extra.startswith("not"):
        assert res["unparsable"] == [{"file": "audit.jsonl", "line": k + 1}]


def test_a_forged_line_with_its_own_hash_is_caught_by_the_next_prev(chained):
    lines = _lines(chained)
    ev = json.loads(lines[2])
    ev["what"] = "nothing"
    del ev["sha256"]
    body = json.dumps(ev, ensure_ascii=False)
    lines[2] = body[:-1] + f', "sha256": "{hashlib.sha256(body.encode()).hexdigest()}"}}'
    _write(chained, lines)
    res = audit.verify(chained)
    assert not res["ok"] and res["first_break"]["line"] == 4
    assert "prev" in res["first_break"]["problem"]


def test_rotation_carries_the_chain_across_files(tmp_path, monkeypatch):
    log = tmp_path / "rot.jsonl"
    monkeypatch.setenv("HOTSPOTS_AUDIT_LOG", str(log))
    monkeypatch.setenv("HOTSPOTS_AUDIT_MAX_MB", "0.002")  # ~2 kB a file: ~6 lines
    for i in range(20):
        audit.record("export", ANA, what=f"file {i}", dataset="bundled")
    rotated = log.with_name("rot.jsonl.1")
    assert rotated.exists()
    first_new = json.loads(_lines(log)[0])
    assert first_new["prev"] == hashlib.sha256(_lines(rotated)[-1].encode()).hexdigest()
    assert stat.S_IMODE(rotated.stat().st_mode) == 0o600
    res = audit.verify(log)
    assert res["ok"] and res["lines"] == 20 and res["starts_at_seq"] == 1
    # a line deleted in a rotated file is found there
    older = _lines(rotated)
    del older[1]
    _write(rotated, older)
    res = audit.verify(log)
    assert (res["first_break"]["file"], res["first_break"]["line"]) == ("rot.jsonl.1", 2)


def test_sign_in_recorded_once_per_session_key(tmp_path, monkeypatch):
    log = tmp_path / "s.jsonl"
    monkeypatch.setenv("HOTSPOTS_AUDIT_LOG", str(log))
    key = ("sign-in", ANA.user, "session-1", str(log))
    for _ in range(5):
        audit.record_once(key, "sign-in", ANA)
    audit.record_once(("sign-in", ANA.user, "session-2", str(log)), "sign-in", ANA)
    assert [e["action"] for e in audit.read_events(path=log)] == ["sign-in", "sign-in"]


def test_a_log_cut_short_with_a_new_head_is_caught_by_a_stores_anchor(chained):
    anchor = audit.current_head(chained)
    assert anchor["seq"] == 8
    assert audit.verify(chained, {"store s": anchor})["ok"]
    lines = _lines(chained)[:5]
    _write(chained, lines)
    # the forger rewrites the head file too: the chain alone then looks whole
    head = {"seq": 5, "sha256": hashlib.sha256(lines[-1].encode()).hexdigest(), "first_seq": 1}
    audit.head_path(chained).write_text(json.dumps(head))
    assert audit.verify(chained)["ok"]
    res = audit.verify(chained, {"store s": anchor})
    assert not res["ok"] and res["first_break"]["seq"] == 8
    assert "recorded in store s is missing" in res["first_break"]["problem"]


def test_a_store_keeps_the_audit_head_in_its_manifest(chained, street, tmp_path):
    from hotspots.data.store import Store

    store = Store(tmp_path / "s")
    store.ingest([street.sample("2024-01", 20)])
    assert store.manifest()["audit_head"] == audit.current_head(chained)
    assert audit.store_anchors(tmp_path) == {
        str(store.path / "manifest.json"): audit.current_head(chained),
    }
    # a head written under another log is no evidence against this one
    assert audit.store_anchors(tmp_path, log=tmp_path / "another.jsonl") == {}


@pytest.mark.slow  # spawns processes
def test_concurrent_writers_keep_one_whole_chain(tmp_path):
    import os
    import subprocess
    import sys

    log = tmp_path / "c.jsonl"
    code = (
        "import sys; from hotspots.data import audit\n"
        "for i in range(25): audit.record('export', None, what=f'{sys.argv[1]} {i}')"
    )
    env = {**os.environ, "HOTSPOTS_AUDIT_LOG": str(log)}
    procs = [subprocess.Popen([sys.executable, "-c", code, f"p{k}"], env=env) for k in range(4)]
    assert [p.wait(timeout=120) for p in procs] == [0, 0, 0, 0]
    res = audit.verify(log)
    assert res["ok"] and res["lines"] == 100
    assert [e["seq"] for e in audit.read_events(limit=None, path=log)] == list(range(1, 101))
