"""The CLI withholds counts from 1 to 4 unless run with ``--exact-counts`` (issue 24 item 3).

Possession of weapons in Bournemouth Central: 2 records in March 2024 (counted here with
pandas on the store's records), 6 in Jan-Feb 2019.
"""

from __future__ import annotations

import json

import pytest

from hotspots.cli import main

# the slow tier: each test runs the CLI on the real store (tens of seconds)
pytestmark = pytest.mark.slow

SEL = ["--area", "ward:E05012653", "--types", "Possession of weapons"]


@pytest.fixture(scope="module")
def march_count() -> int:
    from hotspots.data.store import open_dataset

    r = open_dataset("bundled").records()
    keep = (r["month"] == "2024-03") & (r["category"] == "Possession of weapons")
    n = int((keep & (r["ward_code"] == "E05012653")).sum())
    assert 1 <= n <= 4
    return n


def _run(capsys, *args):
    code = main(list(args))
    out = capsys.readouterr()
    assert code == 0, out.err
    return out.out


def test_compare_withholds_a_small_count_and_what_is_computed_from_it(capsys, march_count):
    text = _run(capsys, "compare", "--a", "2019-01:2019-02", "--b", "2024-03:2024-03", *SEL,
                "--format", "json")  # fmt: skip
    d = json.loads(text)
    assert d["count_b"] == "<5" and d["count_a"] == "6" and d["suppress_below"] == 5
    assert d["pct_change"] == "withheld" and d["rate_b"] == "withheld"
    assert "withheld" in d["reading"] and f" {march_count} " not in d["reading"]
    assert all(n.find(f"and {march_count};") < 0 for n in d["notes"])
    table = _run(capsys, "compare", "--a", "2019-01:2019-02", "--b", "2024-03:2024-03", *SEL)
    assert "<5" in table and "withheld" in table


def test_summary_withholds_and_exact_counts_is_audited(capsys, tmp_path, monkeypatch, march_count):
    monkeypatch.setenv("HOTSPOTS_AUDIT_LOG", str(tmp_path / "audit.jsonl"))
    args = ["summary", *SEL, "--from", "2024-03", "--to", "2024-03", "--format", "json"]
    rows = json.loads(_run(capsys, *args))
    assert rows[0]["records"] == "<5" and not (tmp_path / "audit.jsonl").exists()
    rows = json.loads(_run(capsys, *args, "--exact-counts"))
    assert rows[0]["records"] == march_count
    events = [json.loads(x) for x in (tmp_path / "audit.jsonl").read_text().splitlines()]
    assert [(e["what"], e["exact_counts"]) for e in events] == [("hotspots summary", True)]


def test_evaluate_withholds_the_issues_robbery_reading(capsys, tmp_path, monkeypatch):
    """issue 24: "robbery rose 600% (1 to 7)" must not be printed without the flag."""
    monkeypatch.setenv("HOTSPOTS_AUDIT_LOG", str(tmp_path / "audit.jsonl"))
    args = ["evaluate", "--target", "town-centre", "--before", "2019-01:2019-02",
            "--after", "2024-01:2024-02", "--types", "Robbery"]  # fmt: skip
    d = json.loads(_run(capsys, *args, "--format", "json"))
    g = d["groups"][0]
    assert g["withheld"] is True and g["target_before"] == "<5" and "withheld" in g["reading"]
    table = _run(capsys, *args)
    assert "rose" not in table and "<5" in table and "withheld" in table
    exact = json.loads(_run(capsys, *args, "--format", "json", "--exact-counts"))
    assert 1 <= exact["groups"][0]["target_before"] <= 4
    assert "rose" in exact["groups"][0]["reading"]
