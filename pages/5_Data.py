"""Data: upload police.uk files or a force export, see where every row went, choose the dataset."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

import pandas as pd
import streamlit as st

from hotspots.data.force_export import load_mapping
from hotspots.data.store import DATASETS
from hotspots.errors import HotspotsError
from hotspots.ui import widgets
from hotspots.ui.cache import DATASET_LABELS, coverage, get_store

st.set_page_config(page_title="Data · Safer BCP", page_icon="📂", layout="wide")
st.title("Data")

MAX_MB = 200  # also [server] maxUploadSize in .streamlit/config.toml
st.markdown(
    "Choose the active dataset in the sidebar of any page. **Real data** is the bundled police.uk months; "
    "**simulated** data has a known Seasonal Response (for checking the methods); **uploaded** data is what "
    "you import here."
)

dataset, records, version = widgets.dataset_picker()
widgets.simulated_banner(records)
widgets.permalink()

st.subheader("Upload")
kind = st.radio(
    "What are you uploading?",
    ["police.uk street files (CSV or .zip)", "A force export (CSV) with a column mapping"],
    key="upload_kind",
)
files = st.file_uploader(
    f"Files (up to {MAX_MB} MB each)",
    type=["csv", "zip"],
    accept_multiple_files=True,
    key="upload_files",
)
mapping_file = None
if kind.startswith("A force"):
    mapping_file = st.file_uploader(
        "Column mapping (TOML or JSON); see geodata/force_export_example/mapping.toml",
        type=["toml", "json"],
        key="upload_mapping",
    )
replace = st.checkbox(
    "Replace what was uploaded before (otherwise add to it)", key="upload_replace"
)
if st.button(
    "Import into the uploaded dataset", type="primary", disabled=not files, key="upload_go"
):
    store = get_store("uploaded")
    with tempfile.TemporaryDirectory() as tmp:
        paths = []
        too_big = []
        for i, f in enumerate(files):
            if f.size > MAX_MB * 1024 * 1024:
                too_big.append(f.name)
                continue
            # one folder per upload: two files of the same name must not overwrite each
            # other; the bare name is kept (never a client path) so re-imports replace
            p = Path(tmp) / str(i) / Path(f.name).name
            p.parent.mkdir()
            p.write_bytes(f.getvalue())
            paths.append(p)
        for name in too_big:
            st.error(f"{name}: larger than {MAX_MB} MB; refused.")
        mapping = None
        try:
            if mapping_file is not None:
                mp = Path(tmp) / ("mapping" + Path(mapping_file.name).suffix.lower())
                mp.write_bytes(mapping_file.getvalue())
                mapping = load_mapping(mp)
            elif kind.startswith("A force"):
                raise HotspotsError("a force export needs its column mapping file")
            if paths:
                bar = st.progress(0.0, text="Reading…")

                def progress(done: int, total: int, name: str) -> None:
                    bar.progress(done / max(total, 1), text=f"Read {done} of {total}: {name}")

                result = store.ingest(
                    paths,
                    fmt="force-export" if mapping else "police.uk",
                    mapping=mapping,
                    progress=progress,
                    replace=replace,
                )
                bar.progress(1.0, text="Done")
                st.session_state["last_import"] = {
                    "report": result.report.to_dict(),
                    "rejected": result.rejected.to_csv(index=False),
                }
        except HotspotsError as exc:
            st.error(str(exc))

rep = st.session_state.get("last_import")
if rep is None and get_store("uploaded").exists():
    last = get_store("uploaded").last_report()
    if last:
        rep = {
            "report": last,
            "rejected": get_store("uploaded").last_rejected().to_csv(index=False),
        }
if rep:
    r = rep["report"]
    st.subheader("Validation report (last import)")
    c = st.columns(5)
    c[0].metric("Rows read", f"{r['rows_read']:,}")
    c[1].metric("Accepted", f"{r['rows_accepted']:,}")
    c[2].metric("Rejected", f"{r['rows_rejected']:,}")
    c[3].metric("Duplicates", f"{r['rows_duplicate']:,}")
    c[4].metric("In BCP", f"{r['rows_in_bcp']:,}")
    ok = r["rows_read"] == r["rows_accepted"] + r["rows_rejected"] + r["rows_duplicate"]
    (st.success if ok else st.error)(
        f"read = accepted + rejected + duplicate: {r['rows_read']:,} = {r['rows_accepted']:,} + "
        f"{r['rows_rejected']:,} + {r['rows_duplicate']:,} ({'every row accounted for' if ok else 'DOES NOT ADD UP'})"
    )
    if r["rejections"]:
        st.dataframe(
            pd.DataFrame(list(r["rejections"].items()), columns=["reason", "rows"]), hide_index=True
        )
        st.download_button(
            "Download rejected rows (file, row, field, reason, value)",
            rep["rejected"],
            "rejected-rows.csv",
            "text/csv",
            key="dl_rejects",
        )
    for f in r.get("files_failed", []):
        st.error(f"{f['file']}: {f['problem']}")
    for f in r.get("files_skipped", []):
        st.info(f"{f['file']}: skipped ({f['why']})")
    for note in r.get("notices", []):
        st.caption(note)
    with st.expander("Full report (JSON)"):
        st.code(json.dumps(r, indent=1), language="json")

st.subheader("Datasets")
rows = []
for name in DATASETS:
    s = get_store(name) if name != "simulated" or name == dataset else None
    if s is None:
        rows.append(
            {"dataset": DATASET_LABELS[name], "months": "built when first chosen", "files": ""}
        )
        continue
    rows.append(
        {
            "dataset": DATASET_LABELS[name],
            "months": f"{len(s.months())}",
            "files": f"{len(s.files())}",
        }
    )
st.dataframe(rows, hide_index=True)
st.subheader(f"Coverage of the active dataset: {DATASET_LABELS.get(dataset, dataset)}")
st.dataframe(coverage(dataset), hide_index=True)
st.caption(
    "Months with no data are shown as gaps; LSOA vintage is read from the codes (2011 or 2021)."
)
widgets.footer(records)
