"""The police.uk batch reader (one Arrow table a batch) against the file-by-file reader.

Real bundled police.uk street files, and copies of them with every kind of problem a
batch meets: rejected rows of each reason, exact repeats, rows sharing a Crime ID inside a
file, Crime IDs repeated across files, the same file twice, two versions of one month,
a header-only file. Both paths must give the same records, rejected rows (file, row,
field, reason, value) and report, to the row; a file the batch cannot read as one table
(a malformed row, a blank line, a quoted newline, another column order) sends the batch
to the file-by-file reader, which is then what runs.
"""

from __future__ import annotations

import csv
import io
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from hotspots.data import ingest
from hotspots.data import schema as S
from hotspots.data.ingest import read_inputs

PU = Path(__file__).resolve().parents[2] / "geodata" / "police_uk"


def _lines(name: str) -> list[str]:
    return (PU / name).read_text(encoding="utf-8").splitlines()


def _both(paths, monkeypatch):
    """(batch result, file-by-file result, whether the batch path ran)."""
    ran = []
    real = ingest._read_street_batch

    def spy(*a, **k):
        out = real(*a, **k)
        ran.append(out is not None)
        return out

    monkeypatch.setattr(ingest, "_read_street_batch", spy)
    fast = read_inputs(paths)
    monkeypatch.setattr(ingest, "_read_street_batch", lambda *a, **k: None)
    slow = read_inputs(paths)
    return fast, slow, ran == [True]


def _same(fast, slow):
    a = fast.records.drop(columns=["_file"], errors="ignore").reset_index(drop=True)
    b = slow.records.drop(columns=["_file"], errors="ignore").reset_index(drop=True)
    pd.testing.assert_frame_equal(a, b, check_dtype=False)
    pd.testing.assert_frame_equal(
        fast.rejected.reset_index(drop=True),
        slow.rejected.reset_index(drop=True),
        check_dtype=False,
    )
    fd, sd = fast.report.to_dict(), slow.report.to_dict()
    for a, b in zip(fd["files_read"], sd["files_read"], strict=True):
        assert a == b
    assert fd == sd
    assert fast.report.reconciles


@pytest.fixture
def problem_folder(tmp_path):
    """Bundled street files and problem copies; returns the folder."""
    d = tmp_path / "archive"
    d.mkdir()
    jan, feb, mar = (
        _lines("2024-01-dorset-street.csv"),
        _lines("2024-02-dorset-street.csv"),
        _lines(
            "2024-03-dorset-street.csv",
        ),
    )
    head = jan[0]
    rows = jan[1:]
    bad = list(rows[:40])

    def field(line, i, value):
        f = next(csv.reader([line]))
        f[i] = value
        out = io.StringIO()
        csv.writer(out, lineterminator="").writerow(f)
        return out.getvalue()

    bad[1] = field(bad[1], 1, "2024-13")  # unparseable month
    bad[2] = field(bad[2], 1, "")  # missing month
    bad[3] = field(bad[3], 4, "")  # missing coordinates
    bad[4] = field(bad[4], 4, "abc")  # unparseable coordinates
    bad[5] = field(bad[5], 5, "80.0")  # impossible coordinates
    bad[6] = field(bad[6], 9, "")  # missing category
    bad[7] = field(bad[7], 9, "Piracy")  # unknown category
    with_id = [r for r in bad[10:] if not r.startswith(",")]  # rows left as they are
    bad.append(with_id[0])  # an exact repeat, inside this file
    bad.append(field(with_id[1], 6, "On or near Elsewhere"))  # shares a Crime ID, kept
    (d / "jan-with-problems.csv").write_text("\n".join([head, *bad]) + "\n", encoding="utf-8")
    (d / "2024-01-dorset-street.csv").write_text("\n".join(jan) + "\n", encoding="utf-8")
    (d / "feb.csv").write_text("\n".join(feb) + "\n", encoding="utf-8")
    shutil.copy(d / "feb.csv", d / "feb-again.csv")  # the same bytes twice
    # a second version of March (one row fewer): replaces the first
    (d / "mar-v1.csv").write_text("\n".join(mar) + "\n", encoding="utf-8")
    (d / "mar-v2.csv").write_text("\n".join(mar[:-1]) + "\n", encoding="utf-8")
    (d / "header-only.csv").write_text(head + "\n", encoding="utf-8")
    # no newline at the end, CRLF line ends, a byte-order mark
    (d / "2018-10.csv").write_bytes(
        b"\xef\xbb\xbf" + "\r\n".join(_lines("2018-10-dorset-street.csv")).encode(),
    )
    return d


def test_batch_matches_file_by_file(problem_folder, monkeypatch):
    fast, slow, batched = _both([problem_folder], monkeypatch)
    assert batched
    _same(fast, slow)
    rep = fast.report
    assert rep.rows_replaced > 0 and rep.rows_rejected >= 7 and rep.rows_duplicate > 0
    reasons = set(fast.rejected["reason"])
    assert {"missing month", "unknown category", "missing coordinates"} <= reasons
    assert "header only, no rows" in " ".join(rep.notices)
    assert any("same content as" in n for n in rep.notices)
    assert any("two versions of" in n for n in rep.notices)
    assert any("repeat an earlier row of the file in every field" in n for n in rep.notices)


def test_rows_numbered_as_in_the_file(problem_folder, monkeypatch):
    fast, _slow, _ = _both([problem_folder], monkeypatch)
    rej = fast.rejected
    rej = rej[rej["file"] == str(problem_folder / "jan-with-problems.csv")].set_index("reason")
    # header = row 1; the problems were put on the file's rows 3 to 9
    assert sorted(rej["row"]) == [3, 4, 5, 6, 7, 8, 9]
    assert int(rej.loc["unparseable month (expected YYYY-MM)", "row"]) == 3
    assert rej.loc["unparseable month (expected YYYY-MM)", "value"] == "2024-13"
    assert int(rej.loc["unknown category", "row"]) == 9
    assert rej.loc["unknown category", "field"] == "Crime type"


@pytest.mark.parametrize(
    "odd",
    [
        "a,b\n",  # a malformed row (too few fields)
        "",  # a blank line
        "CR",  # a lone carriage return inside a row
    ],
)
def test_a_file_the_batch_cannot_read_as_one_table_sends_it_file_by_file(
    problem_folder,
    monkeypatch,
    odd,
):
    jan = _lines("2024-01-dorset-street.csv")
    if odd == "CR":
        odd = jan[25].replace("On or near", "On or\rnear")
    text = "\n".join([jan[0], jan[1], odd.rstrip("\n"), *jan[2:20]]) + "\n"
    (problem_folder / "odd.csv").write_bytes(text.encode("utf-8"))
    fast, slow, batched = _both([problem_folder], monkeypatch)
    assert not batched
    _same(fast, slow)


def test_quoted_newline_and_other_column_order_go_file_by_file(problem_folder, monkeypatch):
    jan = _lines("2024-01-dorset-street.csv")
    f = next(csv.reader([jan[1]]))
    f[6] = "On or near\nSomewhere"
    out = io.StringIO()
    csv.writer(out, lineterminator="").writerow(f)
    (problem_folder / "quoted.csv").write_text(
        "\n".join([jan[0], out.getvalue(), *jan[2:10]]) + "\n",
        encoding="utf-8",
    )
    fast, slow, batched = _both([problem_folder], monkeypatch)
    assert not batched
    _same(fast, slow)
    (problem_folder / "quoted.csv").unlink()
    swapped = []
    for line in jan[:30]:
        f = next(csv.reader([line]))
        f[0], f[1] = f[1], f[0]
        out = io.StringIO()
        csv.writer(out, lineterminator="").writerow(f)
        swapped.append(out.getvalue())
    (problem_folder / "swapped.csv").write_text("\n".join(swapped) + "\n", encoding="utf-8")
    fast, slow, batched = _both([problem_folder], monkeypatch)
    assert not batched
    _same(fast, slow)


def test_a_later_batch_finds_the_crime_ids_an_earlier_batch_of_the_import_wrote(
    tmp_path,
    monkeypatch,
):
    """Batches after the first look IDs up in the import's own prefix index, not the files.

    February's file carries three of January's Crime IDs (duplicates, whatever the month)
    and two that share the first 16 hex digits (the indexed 8 bytes) of a January ID but
    differ after them (not duplicates): one file a batch must find what one batch finds.
    """
    import hotspots.data.store_import as store_import
    from hotspots.data.store import Store

    jan, feb = _lines("2024-01-dorset-street.csv"), _lines("2024-02-dorset-street.csv")
    jan_ids = [next(csv.reader([r]))[0] for r in jan[1:] if not r.startswith(",")]
    edited = []
    k = 0
    for line in feb[1:]:
        f = next(csv.reader([line]))
        if f[0] and k < 5:
            src = jan_ids[10 * k]
            flip = "0" if src[-1] != "0" else "1"
            f[0] = src if k < 3 else src[:-1] + flip  # k >= 3: same prefix, another ID
            k += 1
        out = io.StringIO()
        csv.writer(out, lineterminator="").writerow(f)
        edited.append(out.getvalue())
    src = tmp_path / "in"
    src.mkdir()
    (src / "a.csv").write_text("\n".join(jan) + "\n", encoding="utf-8")
    (src / "b.csv").write_text("\n".join([feb[0], *edited]) + "\n", encoding="utf-8")
    one = Store(tmp_path / "one").ingest(src, keep="all").report
    monkeypatch.setattr(store_import, "BATCH_BYTES", 1)  # one file a batch
    found = []
    real = store_import._ImportedIds.maybe

    def spy(self, ids):
        out = real(self, ids)
        found.append(int(out.sum()))
        return out

    monkeypatch.setattr(store_import._ImportedIds, "maybe", spy)
    many_store = Store(tmp_path / "many")
    many = many_store.ingest(src, keep="all").report
    assert any("2 batches" in n for n in many.notices)
    assert one.reconciles and many.reconciles
    assert found == [5]  # the index answered for January: 3 duplicates, 2 shared prefixes
    assert one.rows_duplicate == many.rows_duplicate == 3
    assert one.rows_accepted == many.rows_accepted
    stored = set(many_store.records()[S.CRIME_ID].dropna())
    assert {jan_ids[30][:-1] + ("0" if jan_ids[30][-1] != "0" else "1")} <= stored


def _records_and_points(paths, monkeypatch):
    """(records of a batch read, how many points it projected and joined to wards)."""
    projected = []
    real = ingest._Located.of.__func__

    def spy(cls, x, y):
        projected.append(len(x))
        return real(cls, x, y)

    with monkeypatch.context() as m:
        m.setattr(ingest._Located, "of", classmethod(spy))
        out = read_inputs(paths)
    return out.records, sum(projected)


def test_points_of_an_earlier_batch_are_looked_up_and_give_the_same_records(
    tmp_path,
    monkeypatch,
):
    """The place cache: a point met before is not projected again, and nothing changes.

    Real bundled months: January alone fills the cache; January with March then projects
    only March's new points, and gives, to the row, what a cold read of both gives. With
    every key colliding (one hash for all points) the stored (lon, lat) check still keeps
    each answer exact.
    """
    jan, mar = PU / "2024-01-dorset-street.csv", PU / "2024-03-dorset-street.csv"
    feb = PU / "2024-02-dorset-street.csv"
    monkeypatch.setattr(ingest, "_PLACES", ingest._PlaceCache())
    cold, n_cold = _records_and_points([jan, mar], monkeypatch)
    assert n_cold > 1000  # every distinct point of both months

    monkeypatch.setattr(ingest, "_PLACES", ingest._PlaceCache())
    read_inputs([jan, feb])  # fills the cache with January's and February's points
    warm, n_warm = _records_and_points([jan, mar], monkeypatch)
    assert 0 < n_warm < n_cold / 3  # only March's points not met before
    pd.testing.assert_frame_equal(warm, cold)
    again, n_again = _records_and_points([jan, mar], monkeypatch)
    assert n_again == 0
    pd.testing.assert_frame_equal(again, cold)

    monkeypatch.setattr(ingest, "_PLACES", ingest._PlaceCache())
    monkeypatch.setattr(
        ingest._PlaceCache,
        "_keys",
        staticmethod(lambda lonlat: np.zeros(len(lonlat), np.uint64)),
    )
    read_inputs([jan, feb])
    collide = read_inputs([jan, mar]).records
    pd.testing.assert_frame_equal(collide, cold)


def test_the_import_id_index_finds_every_prefix_with_its_parts_merged_up_to_a_cap(monkeypatch):
    """The index of written Crime IDs answers the same when its parts are never merged past a cap.

    Merging the last two parts briefly holds both and their copy; at 20M rows the last merges
    raised the import's peak memory, so parts stop merging at ``MAX_MERGED`` prefixes.
    """
    import pyarrow as pa

    from hotspots.data import store_import

    rng = np.random.default_rng(7)
    batches = [rng.bytes(32 * n) for n in (5, 3, 8, 2, 9, 4)]
    as_ids = [
        pa.array([b[i : i + 32] for i in range(0, len(b), 32)], pa.binary(32)) for b in batches
    ]
    monkeypatch.setattr(store_import._ImportedIds, "MAX_MERGED", 8)
    seen = store_import._ImportedIds(set())
    for k, ids in enumerate(as_ids):
        seen.add(ids, {f"f{k}"}, {"2024-01"})
        biggest = max(len(a) for a in as_ids[: k + 1])
        assert all(len(p) <= max(8, biggest) for p in seen.parts)  # a batch's own part may be more
        assert all(np.all(p[1:] >= p[:-1]) for p in seen.parts)  # each part sorted
    assert sum(len(p) for p in seen.parts) == 31
    assert len(seen.parts) > 1  # the cap kept parts apart
    assert seen.maybe(pa.concat_arrays(as_ids)).all()  # every written ID is a candidate
    fresh = pa.array([rng.bytes(32) for _ in range(50)], pa.binary(32))
    assert seen.maybe(fresh).sum() == 0  # random 8-byte prefixes: none collide
