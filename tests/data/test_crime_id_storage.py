"""Crime IDs stored as their 32 bytes (issue 23): every reader still sees the same hex text,
stores written with text IDs still read, and are upgraded on their next write or restore.
"""

from __future__ import annotations

import json
import random

import duckdb
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from hotspots.data import schema as S
from hotspots.data.ingest import read_police_uk
from hotspots.data.store import Store
from hotspots.data.store_layout import pack_crime_ids, packed_layout, unpack_crime_ids

MONTH = "2024-03"


def _sorted(df: pd.DataFrame) -> pd.DataFrame:
    return df.sort_values(S.RECORD_ID).reset_index(drop=True)


def test_pack_and_unpack_round_trip_every_kind_of_id():
    rng = random.Random(23)
    police = [f"{rng.getrandbits(256):064x}" for _ in range(50)]
    odd = [
        None,
        "",
        "x" * 32,  # 32 bytes of text: marked, so it is not read back as a packed ID
        "é" * 16,  # 32 bytes of UTF-8
        "A" * 64,  # upper-case hex: kept as text (packing would lower its case)
        "ab" * 31 + " a",  # 64 characters, not all hex
        "DOR/24/123456",  # a force reference
        "0" * 64,
        "\u00ff" * 2,
    ]
    values = police[:25] + odd + police[25:]
    packed = pack_crime_ids(pa.array(values, pa.string()))
    assert packed.type == pa.binary()
    sizes = {
        v: (None if p is None else len(p)) for v, p in zip(values, packed.to_pylist(), strict=True)
    }
    assert all(sizes[v] == 32 for v in police) and sizes["0" * 64] == 32
    assert sizes["x" * 32] == 33 and sizes["A" * 64] == 64 and sizes[None] is None
    assert [bytes(p).hex() for p in packed.to_pylist()[:25]] == police[:25]
    assert unpack_crime_ids(packed).to_pylist() == values
    # sliced, chunked and all-null inputs, and text read as binary (a mixed DuckDB read)
    assert unpack_crime_ids(pack_crime_ids(pa.array(values).slice(7))).to_pylist() == values[7:]
    chunked = pa.chunked_array([pa.array(police[:3]), pa.array([None, police[3]])])
    assert unpack_crime_ids(pack_crime_ids(chunked)).to_pylist() == [*police[:3], None, police[3]]
    assert unpack_crime_ids(pack_crime_ids(pa.array([None, None], pa.string()))).to_pylist() == [
        None,
        None,
    ]
    assert unpack_crime_ids(pa.array([police[0].encode()], pa.binary())).to_pylist() == police[:1]
    fixed = pa.array([bytes.fromhex(police[0]), None], pa.binary(32))
    assert unpack_crime_ids(fixed).to_pylist() == [police[0], None]


def test_store_holds_32_bytes_per_id_and_every_reader_sees_the_hex(tmp_path, geodata_dir):
    src = geodata_dir / "police_uk" / f"{MONTH}-dorset-street.csv"
    want = read_police_uk(src).records
    st = Store(tmp_path / "s")
    st.ingest(src)
    (f,) = st.month_files()
    col = (
        pq.ParquetFile(f)
        .metadata.row_group(0)
        .column(pq.read_schema(f).get_field_index(S.CRIME_ID))
    )
    assert col.physical_type == "FIXED_LEN_BYTE_ARRAY"
    assert pq.read_schema(f).field(S.CRIME_ID).type == pa.binary(32)
    # canonical frames: the very text police.uk published (Arrow path and DuckDB path)
    got = st.records()
    pd.testing.assert_series_equal(
        _sorted(got)[S.CRIME_ID],
        _sorted(want)[S.CRIME_ID],
        check_dtype=False,
    )
    assert got[S.CRIME_ID].dropna().str.fullmatch("[0-9a-f]{64}").all()
    bbox = st.records(bbox=(400000.0, 80000.0, 420000.0, 100000.0))
    assert len(bbox) and bbox[S.CRIME_ID].dropna().str.fullmatch("[0-9a-f]{64}").all()
    assert set(bbox[S.RECORD_ID]) <= set(got[S.RECORD_ID])
    # plain DuckDB on the files: lower(hex(crime_id)) is the published ID
    con = duckdb.connect()
    ids = con.execute(
        f"SELECT lower(hex(crime_id)) FROM read_parquet('{f}') WHERE crime_id IS NOT NULL",
    ).fetchall()
    assert sorted(i for (i,) in ids) == sorted(want[S.CRIME_ID].dropna())


def _rewrite_in_text_layout(st: Store) -> dict:
    """Rewrite every month file of ``st`` as the code before this change wrote it (Crime
    IDs as text, record_id null where derived, the point columns in every month file);
    returns the manifest it wrote.
    """
    from hotspots.data.store_points import attach_points, read_points

    man = st.manifest()
    points = read_points(st.path, man)
    man.pop("points", None)
    for rel in man["months"].values():
        t = attach_points(pq.read_table(st.path / rel), points)
        i = t.column_names.index(S.CRIME_ID)
        t = t.set_column(i, S.CRIME_ID, unpack_crime_ids(t.column(i)))
        pq.write_table(t, st.path / rel, compression="zstd")
        assert not packed_layout(st.path / rel)
    (st.path / "manifest.json").write_text(json.dumps(man))
    return man


def test_a_store_with_text_ids_reads_the_same_and_is_upgraded_on_the_next_import(tmp_path, street):
    a = street.sample("2024-01", 800)
    b = street.sample("2024-02", 600)
    st = Store(tmp_path / "s")
    st.ingest([a])
    want = st.records()
    _rewrite_in_text_layout(st)
    pd.testing.assert_frame_equal(st.records(), want)
    bbox = (380000.0, 60000.0, 440000.0, 120000.0)
    pd.testing.assert_frame_equal(
        st.records(bbox=bbox).reset_index(drop=True),
        want[want[S.X].between(bbox[0], bbox[2]) & want[S.Y].between(bbox[1], bbox[3])].reset_index(
            drop=True,
        ),
    )
    # the same file again changes nothing, so nothing is rewritten
    st.ingest([a])
    assert not any(packed_layout(f) for f in st.month_files())
    # a new month: every month is then stored packed (a store never mixes layouts)
    rep = st.ingest([b]).report
    assert rep.reconciles and rep.rows_accepted > 0
    assert all(packed_layout(f) for f in st.month_files())
    got = st.records()
    pd.testing.assert_frame_equal(
        got[got[S.MONTH] == "2024-01"].reset_index(drop=True),
        want.reset_index(drop=True),
    )
    # Crime IDs of the upgraded month still count as stored: the first file again, under
    # another name, adds nothing
    again = street.write("again/2024-01-dorset-street.csv", street.real_lines("2024-01")[:800])
    assert st.ingest([again]).report.rows_accepted == 0


def test_restoring_a_version_kept_from_before_is_upgraded(tmp_path, street):
    small = street.sample(MONTH, 500, name=f"small/{MONTH}-dorset-street.csv")
    full = street.sample(MONTH, 10**6, name=f"full/{MONTH}-dorset-street.csv")
    st = Store(tmp_path / "s")
    st.ingest([small])
    small_records = st.records()
    _rewrite_in_text_layout(st)  # version 1 of the month is now a text-layout file
    st.ingest([full])
    assert all(packed_layout(f) for f in st.month_files())
    st.restore(MONTH, 1)
    assert all(packed_layout(f) for f in st.month_files())
    pd.testing.assert_frame_equal(_sorted(st.records()), _sorted(small_records))
    man = st.manifest()
    assert man["versions"][MONTH][-1]["file"] == man["months"][MONTH]
    assert st.history(MONTH)[-1]["how"] == "restored from version 1"


@pytest.mark.parametrize("ref", ["DOR/24/000001", "x" * 32])
def test_force_references_are_kept_as_text(tmp_path, ref):
    from hotspots.data.store_layout import encode_table, to_frame

    frame = pd.DataFrame(
        {
            S.RECORD_ID: [ref, "f#3"],
            S.CRIME_ID: pd.array([ref, None], dtype="string"),
            S.SOURCE_FILE: ["f", "f"],
            S.SOURCE_ROW: [2, 3],
            S.MONTH: ["2024-01", "2024-01"],
            S.CATEGORY: ["Burglary", S.ASB],
        },
    )
    back = to_frame(encode_table(S.conform(frame)))
    assert back[S.CRIME_ID].tolist()[0] == ref and pd.isna(back[S.CRIME_ID].tolist()[1])
    assert back[S.RECORD_ID].tolist() == [ref, "f#3"]
