"""The Data page's import: uploaded files to a store, with progress, refusals and the report.

Streamlit's side of an upload (session state, progress bar, messages); what the
files are checked against is :mod:`hotspots.data.checks` and what the page shows of
the result is :mod:`hotspots.present.data_page`.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

import streamlit as st

from hotspots.data import access, audit
from hotspots.data.checks import check_upload_sizes
from hotspots.data.force_export import load_mapping
from hotspots.data.growth import month_changes
from hotspots.data.store import Store, dataset_path
from hotspots.errors import HotspotsError, ShrinkRefusedError
from hotspots.present.data_page import import_report
from hotspots.present.escape import csv_frame
from hotspots.present.escape import markdown as md
from hotspots.ui.boundary import public_message
from hotspots.ui.cache import DATASET_LABELS, get_store

__all__ = [
    "label_dropzones",
    "last_report",
    "name_new_dataset",
    "run_import",
    "show_report",
    "shrink_confirmation",
]


# Streamlit's file uploader draws its drop zone as <section role="presentation"> with an
# aria-label (react-dropzone's default role): axe's presentation-role-conflict (WCAG 4.1.2),
# as a role that hides the element from assistive technology while it carries a name.
# role="group" keeps the label ("Files (up to 80 MB each)") read out around the Browse
# button. React leaves an attribute it did not change alone; new drop zones (a rerun, the
# uploader's new key after an import) are caught by the observer.
_DROPZONE_ROLE = """<script>
(() => {
  const doc = window.parent ? window.parent.document : document;
  const fix = () => doc.querySelectorAll(
    '[data-testid="stFileUploaderDropzone"][role="presentation"]'
  ).forEach((el) => el.setAttribute("role", "group"));
  fix();
  new MutationObserver(fix).observe(doc.body, {subtree: true, childList: true});
})();
</script>"""


def label_dropzones() -> None:
    """Give the page's file-upload drop zones the role ``group`` (see :data:`_DROPZONE_ROLE`)."""
    st.html(_DROPZONE_ROLE, unsafe_allow_javascript=True)


def name_new_dataset(principal: Any, fmt: str) -> str | None:
    """Ask for a dataset of the principal's team by name (None until the name is valid)."""
    st.caption(
        "Your own datasets are restricted to your team "
        f"(**{md(principal.team)}**): name a new one, or one of your team's to add to it.",
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
    return target


def shrink_confirmation() -> tuple[Any, bool]:
    """Ask to confirm an import refused because it would shrink a month (issue 24).

    Returns the box the refusal is drawn in and whether the user confirmed.
    """
    box = st.empty()
    confirmed = False
    if st.session_state.get("shrink_refused"):
        with box.container():
            st.warning(md(public_message(st.session_state["shrink_refused"])))
            confirmed = st.checkbox(
                "Replace anyway: let this import remove those rows (the version replaced stays "
                "restorable with `hotspots restore`)",
                key="upload_replace_smaller",
            )
    return box, confirmed


def _save(files: list[Any], tmp: str) -> tuple[list[Path], dict[str, str]]:
    """Save the files an upload may read, each in a folder of its own.

    Two files of one name never overwrite each other; the bare name is kept, never a client path.
    """
    kept, refused = check_upload_sizes([(f.name, f.size) for f in files])
    for r in refused:
        st.error(md(r.message))
    paths, labels = [], {}
    for i in kept:
        f = files[i]
        p = Path(tmp) / str(i) / Path(f.name).name
        p.parent.mkdir()
        p.write_bytes(f.getvalue())
        paths.append(p)
        labels[str(p)] = f.name  # messages name the upload, never the temp path
    return paths, labels


def run_import(
    files: list[Any],
    target: str,
    *,
    principal: Any,
    mapping_file: Any,
    needs_mapping: bool,
    replace: bool,
    replace_smaller: bool,
    shrink_box: Any,
    nonce: int,
) -> None:
    """Import ``files`` (Streamlit uploads) into the dataset ``target``.

    On success the report goes to ``st.session_state["last_import"]`` and the page reruns on it.
    """
    if principal is not None and not (dataset_path(target) / access.ACCESS_FILE).exists():
        # a new dataset is restricted to its uploader's team before a row is written
        access.set_dataset_access(target, access.RESTRICTED, principal.user, principal.team)

    def on_wait(msg: str) -> None:
        st.info("Another import into this dataset is running; waiting…")

    # a Store of its own (the cached one is shared by every session): waits up to 2 min
    store = Store(dataset_path(target), lock_timeout=120, on_wait=on_wait)
    with tempfile.TemporaryDirectory() as tmp:
        paths, labels = _save(files, tmp)
        try:
            mapping = None
            if mapping_file is not None:
                mp = Path(tmp) / ("mapping" + Path(mapping_file.name).suffix.lower())
                mp.write_bytes(mapping_file.getvalue())
                mapping = load_mapping(mp)
            elif needs_mapping:
                msg = "a force export needs its column mapping file"
                raise HotspotsError(msg)
            if not paths:
                return
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
                paths, fmt="force-export" if mapping else "police.uk", mapping=mapping,
                progress=progress, replace=replace, replace_smaller=replace_smaller,
                labels=labels, on_rows=on_rows,
            )  # fmt: skip
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
                "report": rd,
                "rejected": csv_frame(result.rejected).to_csv(index=False),
                "dataset": target,
                "changes": month_changes(before, store.manifest()).sentence(),
            }
            st.session_state["data_switch_to"] = target
            st.session_state["upload_nonce"] = nonce + 1
        except ShrinkRefusedError as exc:
            st.session_state["shrink_refused"] = str(exc)
            st.rerun()  # draws the message with its confirmation above the button
        except HotspotsError as exc:
            st.error(md(public_message(str(exc))))
            return
    st.rerun()


def last_report(principal: Any) -> dict | None:
    """Return this session's last import, or (local mode) the uploaded dataset's last one."""
    rep = st.session_state.get("last_import")
    if rep is None and principal is None and get_store("uploaded").exists():
        last = get_store("uploaded").last_report()
        if last:
            rejected = csv_frame(get_store("uploaded").last_rejected()).to_csv(index=False)
            rep = {"report": last, "rejected": rejected}
    return rep


def show_report(rep: dict) -> None:
    """Show the validation report of ``rep`` (:func:`hotspots.present.data_page.import_report`)."""
    view = import_report(rep, labels=DATASET_LABELS, public=public_message)
    st.header("Validation report (last import)")
    if view.changes:
        st.info(view.changes)
    for col, mt in zip(st.columns(len(view.metrics)), view.metrics, strict=True):
        col.metric(mt.label, mt.value)
    (st.success if view.balanced else st.error)(view.balance)
    if view.store_replaced:
        st.info(view.store_replaced)
    if view.rejections is not None:
        st.dataframe(view.rejections, hide_index=True)
        st.download_button(
            "Download rejected rows (file, row, field, reason, value)", rep["rejected"],
            "rejected-rows.csv", "text/csv", key="dl_rejects", on_click="ignore",
        )  # fmt: skip
    for e in view.errors:
        st.error(e)
    for s in view.skipped:
        st.info(s)
    for n in view.notices:
        st.caption(n)
    with st.expander("Full report (JSON)"):
        st.code(view.json, language="json")
