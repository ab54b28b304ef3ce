"""Data: upload police.uk files or a force export, see where every row went, choose the dataset."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from hotspots.data import access, audit
from hotspots.data.checks import MAPPING_TYPES, UPLOAD_TYPES
from hotspots.data.growth import REAL
from hotspots.data.store import known_datasets
from hotspots.errors import HotspotsError
from hotspots.present.data_page import (
    NEW_DATASET,
    UPLOAD_KINDS,
    audit_chain_message,
    datasets_table,
    go_label,
    import_refusal,
    target_label,
    upload_form,
)
from hotspots.present.escape import markdown as md
from hotspots.present.overview_page import coverage_for_people
from hotspots.ui import auth, upload, widgets
from hotspots.ui.boundary import public_message
from hotspots.ui.cache import DATASET_LABELS, coverage

st.set_page_config(page_title="Data · Safer BCP", page_icon="📂", layout="wide")
st.title("Data")

st.markdown(
    "Choose the active dataset in the sidebar of any page. **Real data** is the bundled police.uk "
    "months plus every police.uk month added here or with `hotspots fetch`; "
    "**simulated** data has a known Seasonal Response (for checking the methods); **uploaded** data is what "
    "you import here.",
)

if "data_switch_to" in st.session_state:  # after an import: show the dataset it went into
    st.session_state["dataset"] = st.session_state.pop("data_switch_to")
dataset, records, version = widgets.dataset_picker()
widgets.simulated_banner(records)
widgets.permalink()
principal = auth.session_principal()  # None: local single-user mode

st.header("Upload")
if refusal := import_refusal(principal):
    st.info(refusal)
kind = st.radio("What are you uploading?", UPLOAD_KINDS, key="upload_kind",
                disabled=not access.can_import(principal))  # fmt: skip
form = upload_form(principal, kind)
target = st.radio(
    "Add to which dataset?",
    form.targets,
    format_func=lambda t: t if t == NEW_DATASET else target_label(t, DATASET_LABELS),
    key="upload_target",
    disabled=not form.can_upload,
    help="The real dataset grows month by month: a month it lacks is added, a month "
    "police.uk re-published replaces the earlier version, the same file again adds nothing. "
    "A force export never goes into the real (public) dataset.",
)
if target == NEW_DATASET and form.can_upload:
    target = upload.name_new_dataset(principal, form.fmt)
if not form.can_upload or target == NEW_DATASET:
    target = None  # the button stays off whatever the browser sends
nonce = st.session_state.get("upload_nonce", 0)  # a new key after an import clears the uploader
files = st.file_uploader(
    form.files_label,
    type=list(UPLOAD_TYPES),
    accept_multiple_files=True,
    key="upload_files" if not nonce else f"upload_files_{nonce}",
    disabled=not form.can_upload,
)
mapping_file = None
if form.needs_mapping:
    mapping_file = st.file_uploader(
        "Column mapping (TOML or JSON); see geodata/force_export_example/mapping.toml",
        type=list(MAPPING_TYPES),
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
shrink_box, replace_smaller = upload.shrink_confirmation()
go = st.button(go_label(target), type="primary", disabled=not (files and target), key="upload_go")
if go and target:
    upload.run_import(
        files, target, principal=principal, mapping_file=mapping_file,
        needs_mapping=form.needs_mapping, replace=replace, replace_smaller=replace_smaller,
        shrink_box=shrink_box, nonce=nonce,
    )  # fmt: skip

rep = upload.last_report(principal)
if rep:
    upload.show_report(rep)

st.header("Datasets")
st.dataframe(datasets_table(principal, DATASET_LABELS), hide_index=True)
st.header(f"Coverage of the active dataset: {DATASET_LABELS.get(dataset, dataset)}")
st.dataframe(
    coverage_for_people(
        coverage(dataset),
        suppress_below=widgets.suppress_below(exact_counts=True),
    ),
    hide_index=True,
)
st.caption(
    "Months with no data are shown as gaps; LSOA vintage is read from the codes (2011 or 2021).",
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
    whole, said = audit_chain_message(audit.verify(anchors=audit.store_anchors()))
    (st.caption if whole else st.error)(said)
    st.caption(f"The last {len(events)} events, newest first; the file rotates at 10 MB.")
    st.dataframe(
        pd.DataFrame(events[::-1]).astype(str) if events else pd.DataFrame(),
        hide_index=True,
    )
upload.label_dropzones()  # an accessible role for the drop zones (at the end: no gap)
widgets.footer(records)
