"""Tests for hotspots.data.sources: file names, folder trees, zips and their safety checks."""

from __future__ import annotations

import zipfile

import pytest

from hotspots.data import sources
from hotspots.data.sources import InputFile, classify_name, iter_inputs
from hotspots.errors import FileReadError


def _inputs(paths):
    items = list(iter_inputs(paths))
    files = [i for i in items if isinstance(i, InputFile)]
    errors = [i for i in items if isinstance(i, FileReadError)]
    return files, errors


# --- classify_name ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "kind"),
    [
        ("2024-01-dorset-street.csv", "street"),
        ("2031-07/2031-07-hampshire-street.csv", "street"),
        ("2024-01/2024-01-Dorset-STREET.CSV", "street"),
        ("2019-02\\2019-02-avon-and-somerset-street.csv", "street"),
        ("2024-01-dorset-outcomes.csv", "skip"),
        ("2024-01/2024-01-dorset-stop-and-search.csv", "skip"),
        ("export.csv", "csv"),
        ("street.csv", "csv"),
        ("24-01-dorset-street.csv", "csv"),
    ],
)
def test_classify_name(name, kind):
    assert classify_name(name) == kind


# --- files and folders -------------------------------------------------------------


def test_single_file(tmp_path):
    f = tmp_path / "2024-01-dorset-street.csv"
    f.write_text("x\n")
    files, errors = _inputs([f])
    assert errors == []
    assert [(i.name, i.file_key, i.kind) for i in files] == [(str(f), f.name, "street")]
    assert files[0].read_bytes() == b"x\n"


def test_police_uk_folder_tree(tmp_path):
    # the layout data.police.uk archives unpack to
    for month in ("2031-07", "2031-08"):
        d = tmp_path / "download" / month
        d.mkdir(parents=True)
        (d / f"{month}-hampshire-street.csv").write_text("s\n")
        (d / f"{month}-hampshire-outcomes.csv").write_text("o\n")
        (d / f"{month}-hampshire-stop-and-search.csv").write_text("q\n")
    (tmp_path / "download" / "README.txt").write_text("not a csv\n")
    files, errors = _inputs([tmp_path / "download"])
    assert errors == []
    got = [(i.file_key, i.kind) for i in files]
    assert sorted(got) == sorted(
        [
            ("2031-07-hampshire-street.csv", "street"),
            ("2031-07-hampshire-outcomes.csv", "skip"),
            ("2031-07-hampshire-stop-and-search.csv", "skip"),
            ("2031-08-hampshire-street.csv", "street"),
            ("2031-08-hampshire-outcomes.csv", "skip"),
            ("2031-08-hampshire-stop-and-search.csv", "skip"),
            ("README.txt", "skip"),  # listed with its reason, never dropped silently
        ],
    )
    street = [i for i in files if i.kind == "street"]
    assert street[0].name.endswith("2031-07/2031-07-hampshire-street.csv")


def test_missing_path_and_empty_folder_are_reported_not_raised(tmp_path):
    (tmp_path / "empty").mkdir()
    (tmp_path / "empty" / "notes.txt").write_text("x")
    ok = tmp_path / "ok.csv"
    ok.write_text("x\n")
    files, errors = _inputs([tmp_path / "nope.csv", tmp_path / "empty", ok])
    assert [(i.file_key, i.kind, i.why) for i in files] == [
        ("notes.txt", "skip", "not a CSV file"),
        ("ok.csv", "csv", ""),
    ]
    assert [(e.path, e.problem) for e in errors] == [
        (str(tmp_path / "nope.csv"), "no such file or folder"),
        (str(tmp_path / "empty"), "folder holds no .csv or .zip files"),
    ]


# --- zips ------------------------------------------------------------------------


def test_zip_members_are_read_in_place(tmp_path):
    z = tmp_path / "police.zip"
    with zipfile.ZipFile(z, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("2024-01/", "")
        zf.writestr("2024-01/2024-01-dorset-street.csv", "street rows\n")
        zf.writestr("2024-01/2024-01-dorset-outcomes.csv", "outcomes\n")
        zf.writestr("2024-01/2024-01-dorset-stop-and-search.csv", "sas\n")
        zf.writestr("README.txt", "ignored")
    files, errors = _inputs([z])
    assert errors == []
    assert [(i.name, i.file_key, i.kind) for i in files] == [
        ("police.zip!2024-01/2024-01-dorset-outcomes.csv", "2024-01-dorset-outcomes.csv", "skip"),
        (
            "police.zip!2024-01/2024-01-dorset-stop-and-search.csv",
            "2024-01-dorset-stop-and-search.csv",
            "skip",
        ),
        ("police.zip!2024-01/2024-01-dorset-street.csv", "2024-01-dorset-street.csv", "street"),
        ("police.zip!README.txt", "README.txt", "skip"),
    ]
    assert files[2].read_bytes() == b"street rows\n"
    assert list(tmp_path.iterdir()) == [z]  # nothing extracted


def test_zip_inside_a_folder(tmp_path):
    d = tmp_path / "downloads"
    d.mkdir()
    with zipfile.ZipFile(d / "a.zip", "w") as zf:
        zf.writestr("2024-02-dorset-street.csv", "x\n")
    files, errors = _inputs([d])
    assert errors == [] and [i.name for i in files] == ["a.zip!2024-02-dorset-street.csv"]


@pytest.mark.parametrize(
    "member",
    ["../evil.csv", "2024-01/../../evil.csv", "/etc/evil.csv", "C:/evil.csv", "..\\evil.csv"],
)
def test_zip_with_unsafe_member_path_is_refused(tmp_path, member):
    z = tmp_path / "trav.zip"
    with zipfile.ZipFile(z, "w") as zf:
        zf.writestr("2024-01-dorset-street.csv", "fine\n")
        zf.writestr(member, "evil\n")
    files, errors = _inputs([z])
    assert files == []  # the whole archive is refused
    assert len(errors) == 1
    assert errors[0].path == str(z)
    assert "unsafe path" in errors[0].problem and "archive refused" in errors[0].problem


def test_zip_bomb_is_refused(zip_bomb):
    files, errors = _inputs([zip_bomb])
    assert files == []
    assert errors[0].path == str(zip_bomb)
    assert "decompression bomb" in errors[0].problem
    assert "expands" in errors[0].problem


def test_non_zip_with_zip_suffix(tmp_path):
    z = tmp_path / "fake.zip"
    z.write_text("Crime ID,Month\n")
    files, errors = _inputs([z])
    assert files == [] and [(e.path, e.problem) for e in errors] == [
        (str(z), "not a valid zip archive"),
    ]


def test_zip_member_and_size_limits(tmp_path, monkeypatch):
    z = tmp_path / "many.zip"
    with zipfile.ZipFile(z, "w", zipfile.ZIP_STORED) as zf:
        for i in range(3):
            zf.writestr(f"f{i}.csv", "a,b\n1,2\n" * 100)
    monkeypatch.setitem(sources.ZIP_LIMITS, "max_members", 2)
    _, errors = _inputs([z])
    assert "zip has 3 members; refused (limit 2)" in errors[0].problem
    monkeypatch.setitem(sources.ZIP_LIMITS, "max_members", 10)
    monkeypatch.setitem(sources.ZIP_LIMITS, "max_total_bytes", 1000)
    _, errors = _inputs([z])
    assert "refused" in errors[0].problem and "expand" in errors[0].problem


def test_normal_csv_compression_passes_the_ratio_check(tmp_path, geodata_dir):
    # a real police.uk month compresses ~10x, well under the 200x limit
    z = tmp_path / "real.zip"
    with zipfile.ZipFile(z, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.write(
            geodata_dir / "police_uk" / "2024-02-dorset-street.csv",
            "2024-02/2024-02-dorset-street.csv",
        )
    files, errors = _inputs([z])
    assert errors == [] and [i.kind for i in files] == ["street"]


def test_damaged_zip_member_raises_oserror_on_read(tmp_path):
    z = tmp_path / "damaged.zip"
    payload = b"Crime ID,Month\n" + b"x,2024-01\n" * 50
    with zipfile.ZipFile(z, "w", zipfile.ZIP_STORED) as zf:
        zf.writestr("2024-01-dorset-street.csv", payload)
    data = bytearray(z.read_bytes())
    i = data.find(b"x,2024-01")
    data[i + 100] ^= 0x55  # the CRC no longer matches
    z.write_bytes(bytes(data))
    files, errors = _inputs([z])
    assert errors == [] and len(files) == 1
    with pytest.raises(OSError, match="damaged or unsupported zip member"):
        files[0].read_bytes()


# --- members by position, never by name (issue 24) --------------------------------------


def test_zip_members_sharing_a_name_are_each_read(tmp_path):
    z = tmp_path / "s.zip"
    with pytest.warns(UserWarning, match="Duplicate name"), zipfile.ZipFile(z, "w") as zf:
        zf.writestr("street.csv", "first\n")
        zf.writestr("street.csv", "second\n")
        zf.writestr("2024-01-dorset-street.csv", "other\n")
    files, errors = _inputs([z])
    assert errors == []
    assert [(i.name, i.read_bytes()) for i in files] == [
        ("s.zip!2024-01-dorset-street.csv", b"other\n"),
        ("s.zip!street.csv (member 1 of the archive)", b"first\n"),
        ("s.zip!street.csv (member 2 of the archive)", b"second\n"),
    ]
    assert [i.size() for i in files] == [6, 6, 7]


def test_nested_zips_sharing_a_name_are_each_reported(tmp_path):
    inner = tmp_path / "inner.zip"
    with zipfile.ZipFile(inner, "w") as zf:
        zf.writestr("2024-01-dorset-street.csv", "x\n")
    z = tmp_path / "outer.zip"
    with pytest.warns(UserWarning, match="Duplicate name"), zipfile.ZipFile(z, "w") as zf:
        zf.write(inner, "months.zip")
        zf.write(inner, "months.zip")
    files, errors = _inputs([z])
    assert errors == []
    assert [(i.name, i.kind, i.why) for i in files] == [
        (f"outer.zip!months.zip (member {k} of the archive)", "skip", sources.skip_reason("a.zip"))
        for k in (1, 2)
    ]


def test_folders_of_same_named_files_are_each_read(tmp_path):
    for sub, text in (("a", "first\n"), ("b", "second\n")):
        (tmp_path / sub).mkdir()
        (tmp_path / sub / "street.csv").write_text(text)
    files, errors = _inputs([tmp_path])
    assert errors == []
    assert [(i.name, i.read_bytes()) for i in files] == [
        (str(tmp_path / "a" / "street.csv"), b"first\n"),
        (str(tmp_path / "b" / "street.csv"), b"second\n"),
    ]


def test_a_zip_changed_after_listing_is_an_error_not_another_member(tmp_path):
    z = tmp_path / "s.zip"
    with zipfile.ZipFile(z, "w") as zf:
        zf.writestr("a.csv", "a\n")
        zf.writestr("b.csv", "b\n")
    files, _ = _inputs([z])
    with zipfile.ZipFile(z, "w") as zf:
        zf.writestr("b.csv", "b\n")
    with pytest.raises(OSError, match="changed since it was listed"):
        files[1].read_bytes()


def test_a_member_given_without_its_position_is_read_only_if_its_name_is_unique(tmp_path):
    z = tmp_path / "s.zip"
    with pytest.warns(UserWarning, match="Duplicate name"), zipfile.ZipFile(z, "w") as zf:
        zf.writestr("a.csv", "a\n")
        zf.writestr("b.csv", "b1\n")
        zf.writestr("b.csv", "b2\n")
    assert InputFile("a", "a.csv", "csv", _zip=z, _member="a.csv").read_bytes() == b"a\n"
    with pytest.raises(OSError, match="2 members have this name"):
        InputFile("b", "b.csv", "csv", _zip=z, _member="b.csv").read_bytes()


# --- one upload limit: readers, Data page and Streamlit's config agree (issue 20) -----------------


def test_upload_limit_is_one_setting_read_by_readers_page_and_config():
    import ast
    import tomllib
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    config = tomllib.loads((root / ".streamlit" / "config.toml").read_text(encoding="utf-8"))
    assert config["server"]["maxUploadSize"] == sources.MAX_FILE_MB
    assert sources.READ_LIMITS["max_file_bytes"] == sources.MAX_FILE_MB * 1024**2
    assert sources.MAX_UPLOAD_MB >= sources.MAX_FILE_MB
    # the page, its upload action and its view-model write no size of their own: the
    # sizes come from hotspots.data.checks (checks.check_upload_sizes, the files label)
    from hotspots.data import checks
    from hotspots.present.data_page import upload_form

    assert (
        sources.MAX_FILE_MB is checks.MAX_FILE_MB and sources.MAX_UPLOAD_MB is checks.MAX_UPLOAD_MB
    )
    assert upload_form(None, "police.uk street files (CSV or .zip)").files_label == (
        f"Files (up to {checks.MAX_FILE_MB} MB each)"
    )
    for rel in (
        "app_pages/5_Data.py",
        "src/hotspots/ui/upload.py",
        "src/hotspots/present/data_page.py",
    ):
        tree = ast.parse((root / rel).read_text(encoding="utf-8"))
        sizes = [
            n.value
            for n in ast.walk(tree)
            if isinstance(n, ast.Constant) and isinstance(n.value, int) and n.value >= 1024
        ]
        assert sizes == [], (rel, sizes)  # no byte or MB count written in the file
    upload = ast.parse((root / "src/hotspots/ui/upload.py").read_text(encoding="utf-8"))
    called = {
        n.func.id
        for n in ast.walk(upload)
        if isinstance(n, ast.Call) and isinstance(n.func, ast.Name)
    }
    assert "check_upload_sizes" in called
