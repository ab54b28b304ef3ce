"""``hotspots fetch`` from the command line: dry run, API months, archive zips (path and URL)."""

from __future__ import annotations

import io
import sys
import zipfile
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parents[1] / "data"))
from fake_police_api import bundled_fake

from hotspots.cli import main
from hotspots.data.store import open_dataset


@pytest.fixture
def fake(tmp_path, monkeypatch, geodata_dir):
    monkeypatch.setenv("HOTSPOTS_STORE", str(tmp_path / "stores"))
    monkeypatch.setenv("HOTSPOTS_AUDIT_LOG", str(tmp_path / "audit.jsonl"))
    srv = bundled_fake(geodata_dir, months=("2024-01",))
    yield srv
    srv.close()


def _zip(geodata_dir) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        src = geodata_dir / "police_uk" / "2024-02-dorset-street.csv"
        zf.write(src, "2024-02/2024-02-dorset-street.csv")
    return buf.getvalue()


def test_dry_run_downloads_nothing(fake, capsys):
    args = ["fetch", "--from", "2024-01", "--to", "2024-02", "--dataset", "f", "--dry-run"]
    assert main([*args, "--api-url", fake.url]) == 0
    out = capsys.readouterr().out
    assert "would download: 2024-01" in out and "not published by police.uk yet: 2024-02" in out
    assert fake.crime_requests == 0


def test_fetch_from_the_api_env_setting(fake, monkeypatch, capsys):
    monkeypatch.setenv("HOTSPOTS_POLICE_API", fake.url)
    assert main(["fetch", "--from", "2024-01", "--dataset", "f"]) == 0
    assert open_dataset("f").months() == ["2024-01"]
    assert "2024-01:" in capsys.readouterr().out


@pytest.mark.slow  # measured 10-35 s (spawns, imports or simulates)
def test_archive_by_path_and_by_url(fake, tmp_path, geodata_dir):
    data = _zip(geodata_dir)
    z = tmp_path / "2024-02.zip"
    z.write_bytes(data)
    assert main(["fetch", "--archive", str(z), "--dataset", "a"]) == 0
    assert open_dataset("a").months() == ["2024-02"]
    fake.files["2024-02.zip"] = data
    url = fake.url.replace("/api", "/archive/2024-02.zip")
    assert main(["fetch", "--archive", url, "--dataset", "b"]) == 0
    b = open_dataset("b")
    assert b.months() == ["2024-02"] and len(b.records()) == len(open_dataset("a").records())
    assert main(["fetch", "--archive", url, "--dataset", "b"]) == 0  # again: adds nothing
    assert len(open_dataset("b").records()) == len(open_dataset("a").records())


def test_real_months_never_go_into_the_simulated_dataset(fake, capsys):
    assert (
        main(["fetch", "--from", "2024-01", "--dataset", "simulated", "--api-url", fake.url]) == 2
    )
    assert "SIMULATED" in capsys.readouterr().err
    assert fake.crime_requests == 0


def _option(command: str, flag: str):
    from hotspots.cli import build_parser

    sub = next(a for a in build_parser(command)._actions if a.dest == "command")
    return next(a for a in sub.choices[command]._actions if flag in a.option_strings)


def test_fetch_and_update_share_one_definition_of_the_api_options():
    """``--api-url`` and ``--retries`` mean the same in both commands (commands/_police_api.py)."""
    for flag in ("--api-url", "--retries"):
        f, u = _option("fetch", flag), _option("update", flag)
        assert (f.dest, f.default, f.type, f.metavar, f.help) == (
            u.dest,
            u.default,
            u.type,
            u.metavar,
            u.help,
        )
    assert _option("update", "--retries").default == 6
    assert "HOTSPOTS_POLICE_API" in _option("update", "--api-url").help


def test_update_refuses_a_bad_api_url_naming_the_option(tmp_path, capsys):
    assert main(["update", "--api-url", "ftp://x", "--out", str(tmp_path / "o")]) == 2
    assert "api-url" in capsys.readouterr().err
