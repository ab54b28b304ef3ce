"""Data: upload police.uk files or a force export, see where every row went, choose the dataset."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

import pandas as pd
import streamlit as st

from hotspots.data import access, audit
from hotspots.data.force_export import load_mapping
from hotspots.data.growth import REAL, month_changes
from hotspots.data.sources import MAX_FILE_MB, MAX_UPLOAD_MB
from hotspots.data.store import DATASETS, Store, dataset_path, known_datasets
from hotspots.errors import HotspotsError, ShrinkRefusedError
from hotspots.present.escape import csv_frame
from hotspots.present.escape import markdown as md
from hotspots.present.overview_page import coverage_for_people
from hotspots.ui import auth, widgets
from hotspots.ui.boundary import public_message
from hotspots.ui.cache import DATASET_LABELS, coverage, get_store

st.set_page_config(page_title="Data · Safer BCP", page_icon="📂", layout="wide")
st.title("Data")

REAL_LABEL = "Real data (police.uk): the bundled months and every month added"
# the one upload limit (hotspots.data.sources; = [server] maxUploadSize in .streamlit/config.toml)
MAX_MB = MAX_FILE_MB
BUDGET_MB = MAX_UPLOAD_MB  # all files of one upload together (Streamlit holds uploads in memory)
st.markdown(
    "Choose the active dataset in the sidebar of any page. **Real data** is the bundled police.uk "
    "months plus every police.uk month added here or with `hotspots fetch`; "
    "**simulated** data has a known Seasonal Response (for checking the methods); **uploaded** data is what "
    "you import here."
)

if "data_switch_to" in st.session_state:  # after an import: show the dataset it went into
    st.session_state["dataset"] = st.session_state.pop("data_switch_to")
dataset, records, version = widgets.dataset_picker()
widgets.simulated_banner(records)
widgets.permalink()
principal = auth.session_principal()  # None: local single-user mode

st.header("Upload")
if not access.can_import(principal):
    st.info(
        f"You are signed in as a {principal.role}: importing files needs the analyst role. "
        "Ask an administrator if you need it."
    )
can_upload = access.can_import(principal)
kind = st.radio(
    "What are you uploading?",
    ["police.uk street files (CSV or .zip)", "A force export (CSV) with a column mapping"],
    key="upload_kind",
    disabled=not can_upload,
)
fmt = "force-export" if kind.startswith("A force") else "police.uk"
NEW = "a dataset of your own (name it)"
targets = [REAL] if access.can_write(principal, REAL, fmt) else []
targets += ["uploaded"] if principal is None else [NEW]
target = st.radio(
    "Add to which dataset?",
    targets,
    format_func=lambda t: DATASET_LABELS.get(t, t) if t != REAL else REAL_LABEL,
    key="upload_target",
    disabled=not can_upload,
    help="The real dataset grows month by month: a month it lacks is added, a month "
    "police.uk re-published replaces the earlier version, the same file again adds nothing. "
    "A force export never goes into the real (public) dataset.",
)
if target == NEW and not can_upload:
    target = None
elif target == NEW:
    st.caption(
        "Your own datasets are restricted to your team "
        f"(**{md(principal.team)}**): name a new one, or one of your team's to add to it."
    )
    typed = st.text_input("Dataset name", key="upload_dataset", placeholder="force-export-2025")
    target = None
    if typed:
        try:
            target = access.dataset_name(typed)
        except HotspotsError as exc:
            st.error(md(str(exc)))
        if target and not access.can_write(principal, target, fmt):
            st.error(f"The dataset {md(target)} belongs to another team: choose another name.")
            target = None
if not can_upload:
    target = None  # the button stays off whatever the browser sends
nonce = st.session_state.get("upload_nonce", 0)  # a new key after an import clears the uploader
files = st.file_uploader(
    f"Files (up to {MAX_MB} MB each)",
    type=["csv", "zip"],
    accept_multiple_files=True,
    key="upload_files" if not nonce else f"upload_files_{nonce}",
    disabled=not can_upload,
)
mapping_file = None
if kind.startswith("A force"):
    mapping_file = st.file_uploader(
        "Column mapping (TOML or JSON); see geodata/force_export_example/mapping.toml",
        type=["toml", "json"],
        key="upload_mapping",
    )
replace = (
    st.checkbox(
        "Replace what was uploaded before (otherwise add to it)",
        key="upload_replace",
        disabled=target == REAL,
        help="Never for the real dataset: its months are only added to or replaced month by month.",
    )
    and target != REAL
)
go_label = {"uploaded": "Import into the uploaded dataset", REAL: "Add to the real dataset"}.get(
    target or "", "Import"
)
replace_smaller = False
shrink_box = st.empty()
if st.session_state.get("shrink_refused"):
    # the last import was refused: it would have shrunk a month (issue 24); confirm to go on
    with shrink_box.container():
        st.warning(md(public_message(st.session_state["shrink_refused"])))
        replace_smaller = st.checkbox(
            "Replace anyway: let this import remove those rows (the version replaced stays "
            "restorable with `hotspots restore`)",
            key="upload_replace_smaller",
        )
if st.button(go_label, type="primary", disabled=not (files and target), key="upload_go") and target:
    if principal is not None and not (dataset_path(target) / access.ACCESS_FILE).exists():
        # a new dataset is restricted to its uploader's team before a row is written
        access.set_dataset_access(target, access.RESTRICTED, principal.user, principal.team)
    # a Store of its own (the cached one is shared by every session): waits up to 2 min
    store = Store(
        dataset_path(target),
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
                rate = {"text": ""}

                def on_rows(n_rows: int, seconds: float) -> None:
                    rate["text"] = f" ({n_rows:,} rows, {n_rows / max(seconds, 1e-9):,.0f} rows/s)"

                def progress(done: int, total: int, name: str) -> None:
                    bar.progress(
                        done / max(total, 1),
                        text=f"Read {done} of {total}: {md(name)}{rate['text']}",
                    )

                before = store.manifest()
                result = store.ingest(
                    paths,
                    fmt="force-export" if mapping else "police.uk",
                    mapping=mapping,
                    progress=progress,
                    replace=replace,
                    replace_smaller=replace_smaller,
                    labels=labels,
                    on_rows=on_rows,
                )
                if st.session_state.pop("shrink_refused", None):
                    shrink_box.empty()
                bar.progress(1.0, text="Done")
                rd = result.report.to_dict()
                audit.record(
                    "import", principal, dataset=target, files=[f.name for f in files],
                    rows_read=rd["rows_read"], rows_accepted=rd["rows_accepted"],
                    rows_rejected=rd["rows_rejected"], replace=replace,
                )  # fmt: skip
                st.session_state["last_import"] = {
                    "report": result.report.to_dict(),
                    "rejected": csv_frame(result.rejected).to_csv(index=False),
                    "dataset": target,
                    "changes": month_changes(before, store.manifest()).sentence(),
                }
                st.session_state["data_switch_to"] = target
                st.session_state["upload_nonce"] = nonce + 1
                st.rerun()
        except ShrinkRefusedError as exc:
            st.session_state["shrink_refused"] = str(exc)
            st.rerun()  # draws the message with its confirmation above the button
        except HotspotsError as exc:
            st.error(md(public_message(str(exc))))

rep = st.session_state.get("last_import")
if rep is None and principal is None and get_store("uploaded").exists():
    last = get_store("uploaded").last_report()
    if last:
        rep = {
            "report": last,
            "rejected": csv_frame(get_store("uploaded").last_rejected()).to_csv(index=False),
        }
if rep:
    r = rep["report"]
    replaced = r.get("rows_replaced", 0)
    st.header("Validation report (last import)")
    if rep.get("changes"):
        into = rep.get("dataset", "")
        st.info(
            f"**{md(REAL_LABEL if into == REAL else DATASET_LABELS.get(into, into))}**: "
            f"{md(rep['changes'])}"
        )
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

st.header("Datasets")
rows = []
if principal is None:
    for name in DATASETS:
        s = Store(dataset_path(name))  # look, do not build
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
else:
    for name in access.visible_datasets(principal):
        acc = access.dataset_access(name)
        s = Store(dataset_path(name))
        built = s.exists()
        rows.append(
            {
                "dataset": name,
                "access": acc.level,
                "owner": acc.owner or "",
                "team": acc.team or "",
                "months": f"{len(s.months())}" if built else "not built yet",
                "files": f"{len(s.files())}" if built else "",
            }
        )
st.dataframe(rows, hide_index=True)
st.header(f"Coverage of the active dataset: {DATASET_LABELS.get(dataset, dataset)}")
st.dataframe(
    coverage_for_people(
        coverage(dataset), suppress_below=widgets.suppress_below(exact_counts=True)
    ),
    hide_index=True,
)
st.caption(
    "Months with no data are shown as gaps; LSOA vintage is read from the codes (2011 or 2021)."
)

deletable = [
    d for d in known_datasets() if access.can_read(principal, d) and access.can_delete(principal, d)
]
if deletable:
    with st.expander("Delete a dataset"):
        victim = st.selectbox("Dataset to delete", deletable, key="delete_pick")
        confirm = st.text_input(f"Type {victim} to confirm", key="delete_confirm")
        if st.button("Delete it and its files", disabled=confirm != victim, key="delete_go"):
            try:
                n = access.delete_dataset(principal, victim)
            except HotspotsError as exc:
                st.error(md(public_message(str(exc))))
            else:
                audit.record("delete", principal, dataset=victim, files_removed=n)
                st.success(f"Deleted {md(victim)} ({n} files removed).")
if principal is not None and access.can_audit(principal):
    st.header("Audit log (admins)")
    events = audit.read_events(limit=500)
    chain = audit.verify(anchors=audit.store_anchors())
    if chain["ok"]:
        st.caption(f"Hash chain whole: {chain['lines']:,} lines (`hotspots audit verify`).")
    else:
        b = chain["first_break"]
        st.error(
            md(f"The audit log's hash chain is broken at {b['file']} line {b['line']} "
               f"(seq {b['seq']}): {b['problem']}.")
        )  # fmt: skip
    st.caption(f"The last {len(events)} events, newest first; the file rotates at 10 MB.")
    st.dataframe(
        pd.DataFrame(events[::-1]).astype(str) if events else pd.DataFrame(), hide_index=True
    )
widgets.footer(records)
