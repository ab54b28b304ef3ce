"""Data: upload police.uk files or a force export, see where every row went, choose the dataset."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

import pandas as pd
import streamlit as st

from hotspots.data.force_export import load_mapping
from hotspots.data.store import DATASETS, Store, open_dataset
from hotspots.errors import HotspotsError
from hotspots.present.escape import csv_frame
from hotspots.present.escape import markdown as md
from hotspots.ui import widgets
from hotspots.ui.boundary import public_message
from hotspots.ui.cache import DATASET_LABELS, coverage, get_store

st.set_page_config(page_title="Data · Safer BCP", page_icon="📂", layout="wide")
st.title("Data")

MAX_MB = 100  # also [server] maxUploadSize in .streamlit/config.toml
BUDGET_MB = 200  # all files of one upload together (Streamlit holds uploads in memory)
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
    # a Store of its own (the cached one is shared by every session): waits up to 2 min
    store = Store(
        get_store("uploaded").path,
        lock_timeout=120,
        on_wait=lambda msg: st.info("Another import into this dataset is running; waiting…"),
    )
    with tempfile.TemporaryDirectory() as tmp:
        paths, labels, refused = [], {}, []
        total = 0
        for i, f in enumerate(files):
            total += f.size
            if f.size > MAX_MB * 1024 * 1024 or total > BUDGET_MB * 1024 * 1024:
                refused.append(f.name)
                continue
            # one folder per upload: two files of the same name must not overwrite each
            # other; the bare name is kept (never a client path)
            p = Path(tmp) / str(i) / Path(f.name).name
            p.parent.mkdir()
            p.write_bytes(f.getvalue())
            paths.append(p)
            labels[str(p)] = f.name  # messages name the upload, never the temp path
        for name in refused:
            st.error(
                f"{md(name)}: refused: uploads are limited to {MAX_MB} MB a file and "
                f"{BUDGET_MB} MB at once (import a large archive with `hotspots ingest`)."
            )
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
                    bar.progress(done / max(total, 1), text=f"Read {done} of {total}: {md(name)}")

                result = store.ingest(
                    paths,
                    fmt="force-export" if mapping else "police.uk",
                    mapping=mapping,
                    progress=progress,
                    replace=replace,
                    labels=labels,
                )
                bar.progress(1.0, text="Done")
                st.session_state["last_import"] = {
                    "report": result.report.to_dict(),
                    "rejected": csv_frame(result.rejected).to_csv(index=False),
                }
        except HotspotsError as exc:
            st.error(md(public_message(str(exc))))

rep = st.session_state.get("last_import")
if rep is None and get_store("uploaded").exists():
    last = get_store("uploaded").last_report()
    if last:
        rep = {
            "report": last,
            "rejected": csv_frame(get_store("uploaded").last_rejected()).to_csv(index=False),
        }
if rep:
    r = rep["report"]
    replaced = r.get("rows_replaced", 0)
    st.subheader("Validation report (last import)")
    c = st.columns(6)
    c[0].metric("Rows read", f"{r['rows_read']:,}")
    c[1].metric("Accepted", f"{r['rows_accepted']:,}")
    c[2].metric("Rejected", f"{r['rows_rejected']:,}")
    c[3].metric("Duplicates", f"{r['rows_duplicate']:,}")
    c[4].metric("Replaced", f"{replaced:,}")
    c[5].metric("In BCP", f"{r['rows_in_bcp']:,}")
    ok = r["rows_read"] == r["rows_accepted"] + r["rows_rejected"] + r["rows_duplicate"] + replaced
    (st.success if ok else st.error)(
        f"read = accepted + rejected + duplicate + replaced: {r['rows_read']:,} = "
        f"{r['rows_accepted']:,} + {r['rows_rejected']:,} + {r['rows_duplicate']:,} + {replaced:,} "
        f"({'every row accounted for' if ok else 'DOES NOT ADD UP'})"
    )
    if r.get("store_rows_replaced"):
        st.info(
            f"{r['store_rows_replaced']:,} rows imported earlier were replaced by re-published "
            "months (see the notes)."
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
            on_click="ignore",
        )
    for f in r.get("files_failed", []):
        st.error(md(public_message(f"{f['file']}: {f['problem']}")))
    for f in r.get("files_skipped", []):
        st.info(md(public_message(f"{f['file']}: skipped ({f['why']})")))
    for note in r.get("notices", []):
        st.caption(md(public_message(note)))
    with st.expander("Full report (JSON)"):
        st.code(public_message(json.dumps(r, indent=1)), language="json")

st.subheader("Datasets")
rows = []
for name in DATASETS:
    s = open_dataset(name, build=False)  # look, do not build
    if not s.exists():
        rows.append(
            {
                "dataset": DATASET_LABELS[name],
                "months": "not built yet: built when first chosen"
                if name == "simulated"
                else "empty: nothing imported yet",
                "files": "",
            }
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
