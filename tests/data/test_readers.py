"""Tests for hotspots.data.readers: the reader interface, its two readers and ingest's registry.

Inputs: the registry's names, a missing mapping, a malformed row. Outputs: a reader's
rows, count and identity equal to what :func:`hotspots.data.ingest.read_inputs` makes of
the same file (the import-graph checks are in tests/test_import_graph.py).
"""

from __future__ import annotations

import hashlib

import pandas as pd
import pytest

from hotspots.data import schema as S
from hotspots.data.checks import Rejects
from hotspots.data.force_export import ExportMapping, ExportReader
from hotspots.data.ingest import READERS, read_inputs, reader_for
from hotspots.data.police_uk import StreetReader
from hotspots.data.readers import Reader, content_identity, read_rows
from hotspots.errors import HotspotsError

MAPPING = {
    "export": {"name": "NICHE extract"},
    "columns": {"date": "Date", "easting": "E", "northing": "N", "category": "Offence"},
    "categories": {"Theft - Shoplifting": "Shoplifting"},
}


# --- inputs ---------------------------------------------------------------------------


def test_registry_names_each_format_once():
    assert list(READERS) == ["police.uk", "force-export"]
    assert reader_for("police.uk") == StreetReader()
    with pytest.raises(HotspotsError, match="unknown input format 'excel': use police.uk or"):
        reader_for("excel")


def test_force_export_reader_needs_a_mapping_and_takes_a_dict_or_a_file(tmp_path):
    with pytest.raises(HotspotsError, match="needs a column mapping"):
        reader_for("force-export")
    from_dict = reader_for("force-export", MAPPING)
    assert isinstance(from_dict, ExportReader)
    assert isinstance(from_dict.mapping, ExportMapping)
    f = tmp_path / "m.toml"
    f.write_text(
        '[export]\nname = "NICHE extract"\n[columns]\ndate = "Date"\neasting = "E"\n'
        'northing = "N"\ncategory = "Offence"\n[categories]\n'
        '"Theft - Shoplifting" = "Shoplifting"\n',
    )
    assert reader_for("force-export", f).mapping.columns == from_dict.mapping.columns


def test_both_readers_implement_the_interface():
    for reader in (StreetReader(), ExportReader.of(MAPPING)):
        assert isinstance(reader, Reader)
    assert StreetReader().name == "police.uk"
    assert ExportReader.of(MAPPING).name == "force-export"


def test_read_rows_rejects_a_malformed_row_under_row():
    rejects = Rejects()
    tr, n = read_rows(b"a,b\n1,2\n3\n4,5\n", "f.csv", ["a", "b"], rejects)
    assert (len(tr), n) == (2, 3)
    got = rejects.frame()
    assert got[["file", "row", "field"]].values.tolist() == [["f.csv", 3, "(row)"]]


# --- outputs --------------------------------------------------------------------------


def test_street_reader_gives_what_ingest_stores(street):
    f = street.write("renamed.csv", [street.row(), street.row(lon="")])
    data = f.read_bytes()
    digest = hashlib.sha1(data).hexdigest()
    reader = StreetReader()
    rejects = Rejects()
    part, n = reader.read(data, f.name, "fallback", rejects)
    assert (len(part), n, len(rejects)) == (1, 2, 1)
    assert reader.identity(f.name, part, digest) == "2024-01-dorset-street.csv"
    # before any row is parsed (or with none accepted): the bare name and the content
    no_rows = pd.DataFrame()
    assert reader.identity(str(f), no_rows, digest) == content_identity("renamed.csv", digest)
    res = read_inputs(f)
    assert res.records[S.SOURCE_FILE].tolist() == ["2024-01-dorset-street.csv"]
    assert res.records[S.LON].tolist() == part[S.LON].tolist()


def test_export_reader_identity_is_the_source_and_the_content(tmp_path):
    f = tmp_path / "e.csv"
    f.write_text("Date,E,N,Offence\n05/01/2024,408000,91500,Theft - Shoplifting\n")
    data = f.read_bytes()
    digest = hashlib.sha1(data).hexdigest()
    reader = ExportReader.of(MAPPING)
    part, n = reader.read(data, str(f), "fallback", Rejects())
    assert (len(part), n) == (1, 1)
    assert part[S.CATEGORY].tolist() == ["Shoplifting"]
    assert reader.identity(str(f), part, digest) == f"NICHE extract@{digest[:12]}"
    res = read_inputs(f, fmt="force-export", mapping=MAPPING)
    assert res.records[S.SOURCE_FILE].tolist() == [f"NICHE extract@{digest[:12]}"]
