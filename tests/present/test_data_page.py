"""Tests for hotspots.present.data_page: the upload form, the validation report and the
datasets table the Data page shows (the page's AppTests keep the import itself).
"""

from __future__ import annotations

import pytest

from hotspots.data.access import Principal
from hotspots.data.checks import MAX_FILE_MB
from hotspots.present import data_page as D

LABELS = {"bundled": "Real", "simulated": "SIMULATED", "uploaded": "Uploaded"}


def _report(**over):
    r = {
        "rows_read": 6, "rows_accepted": 4, "rows_rejected": 2, "rows_duplicate": 0,
        "rows_replaced": 0, "rows_in_bcp": 4,
        "rejections": {"missing coordinates": 1, "unparseable month (expected YYYY-MM)": 1},
        "files_failed": [], "files_skipped": [], "notices": [],
    }  # fmt: skip
    return {**r, **over}


# --- the upload form --------------------------------------------------------------------------
def test_local_mode_uploads_police_uk_to_the_real_or_the_uploaded_dataset():
    f = D.upload_form(None, D.UPLOAD_KINDS[0])
    assert f.can_upload and f.refusal is None and f.fmt == "police.uk"
    assert f.targets == ("bundled", "uploaded") and not f.needs_mapping
    assert f.files_label == f"Files (up to {MAX_FILE_MB} MB each)"
    force = D.upload_form(None, D.FORCE_EXPORT)
    # a force export (restricted data) never goes into the real, public dataset
    assert force.targets == ("uploaded",) and force.needs_mapping and force.fmt == "force-export"


def test_a_viewer_is_told_why_and_an_analyst_names_a_team_dataset():
    viewer = Principal("v@bcp", role="viewer", team="north")
    f = D.upload_form(viewer, D.UPLOAD_KINDS[0])
    assert not f.can_upload and "signed in as a viewer" in f.refusal
    assert D.import_refusal(viewer) == f.refusal
    analyst = Principal("a@bcp", role="analyst", team="north")
    f = D.upload_form(analyst, D.FORCE_EXPORT)
    assert f.can_upload and f.refusal is None and f.targets == (D.NEW_DATASET,)
    assert D.upload_form(analyst, D.UPLOAD_KINDS[0]).targets == ("bundled", D.NEW_DATASET)


def test_labels_of_targets_and_the_button():
    assert D.target_label("bundled", LABELS) == D.REAL_LABEL
    assert D.target_label("uploaded", LABELS) == "Uploaded"
    assert D.target_label("team-x", LABELS) == "team-x"
    assert D.go_label("uploaded") == "Import into the uploaded dataset"
    assert D.go_label("bundled") == "Add to the real dataset"
    assert D.go_label(None) == D.go_label("team-x") == "Import"


# --- the validation report --------------------------------------------------------------------
def test_every_row_is_accounted_for_in_the_report():
    v = D.import_report({"report": _report()}, labels=LABELS)
    assert {m.label: m.value for m in v.metrics} == {
        "Rows read": "6", "Accepted": "4", "Rejected": "2", "Duplicates": "0", "Replaced": "0",
        "In BCP": "4",
    }  # fmt: skip
    assert v.balanced and v.balance == (
        "read = accepted + rejected + duplicate + replaced: 6 = 4 + 2 + 0 + 0 "
        "(every row accounted for)"
    )
    assert sorted(v.rejections["reason"]) == [
        "missing coordinates",
        "unparseable month (expected YYYY-MM)",
    ]
    assert v.rejections["rows"].sum() == 2 and v.changes is None and v.store_replaced is None


def test_a_report_that_does_not_add_up_says_so():
    v = D.import_report({"report": _report(rows_read=7)}, labels=LABELS)
    assert not v.balanced and v.balance.endswith("(DOES NOT ADD UP)")


def test_report_messages_are_escaped_and_made_public():
    evil = "![x](http://evil.example/t.png)"
    rep = _report(
        rows_replaced=3, rows_read=9, store_rows_replaced=1200,
        files_failed=[{"file": f"/tmp/abc/0/{evil}.csv", "problem": "UTF-16 text"}],
        files_skipped=[{"file": "a.zip!x-outcomes.csv", "why": "police.uk outcomes"}],
        notices=["*bold* note"], rejections={},
    )  # fmt: skip
    v = D.import_report(
        {"report": rep, "changes": "Added 2024-04.", "dataset": "bundled"},
        labels=LABELS,
        public=lambda t: t.replace("/tmp/abc/0/", ""),
    )
    assert v.balanced and v.rejections is None
    assert v.store_replaced.startswith("1,200 rows imported earlier were replaced")
    (err,) = v.errors
    assert "/tmp/" not in err and err.startswith("\\!\\[x\\]\\(http")  # text, never an image
    assert (
        v.skipped[0]
        .replace("\\", "")
        .replace("\u200b", "")
        .startswith("a.zip!x-outcomes.csv: skipped (")
    )
    assert v.notices == ("\\*bold\\* note",)
    shown = v.changes.replace("\\", "").replace("\u200b", "")
    assert shown == f"**{D.REAL_LABEL}**: Added 2024-04."
    assert '"rows_read": 9' in v.json and "/tmp/" not in v.json


def test_audit_chain_message():
    assert D.audit_chain_message({"ok": True, "lines": 1234}) == (
        True,
        "Hash chain whole: 1,234 lines (`hotspots audit verify`).",
    )
    ok, said = D.audit_chain_message(
        {"ok": False, "first_break": {"file": "audit.log", "line": 7, "seq": 6, "problem": "x"}},
    )
    assert not ok and "broken at audit.log line 7" in said.replace("\\", "").replace("\u200b", "")


# --- the datasets table -----------------------------------------------------------------------
def test_datasets_table_says_built_truthfully(tmp_path, monkeypatch):
    monkeypatch.setenv("HOTSPOTS_STORE", str(tmp_path))
    rows = D.datasets_table(None, LABELS)
    assert [r["dataset"] for r in rows] == ["Real", "SIMULATED", "Uploaded"]
    by = {r["dataset"]: r["months"] for r in rows}
    assert by["SIMULATED"] == "not built yet: built when first chosen"
    assert by["Uploaded"] == "empty: nothing imported yet"
    assert not any(
        (tmp_path / n).exists() and any((tmp_path / n).iterdir()) for n in ("simulated", "uploaded")
    )


@pytest.mark.parametrize("role", ["viewer", "analyst"])
def test_datasets_table_for_a_signed_in_person_lists_access(tmp_path, monkeypatch, role):
    monkeypatch.setenv("HOTSPOTS_STORE", str(tmp_path))
    rows = D.datasets_table(Principal("p@bcp", role=role, team="north"), LABELS)
    assert rows and all(
        {"dataset", "access", "owner", "team", "months", "files"} <= set(r) for r in rows
    )
