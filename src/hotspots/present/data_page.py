"""The Data page's view-model: upload choices, the validation report and the datasets table.

Pure functions of the page's inputs (the signed-in principal, the import report as
:meth:`~hotspots.data.ingest.ImportReport.to_dict` gives it, the stores on disk);
``app_pages/5_Data.py`` lays them out and :mod:`hotspots.ui.upload` runs the import.
Every row read is accepted, rejected, a duplicate or replaced: :func:`import_report`
says whether the four add up, and says so loudly when they do not.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pandas as pd

from hotspots.data import access
from hotspots.data.checks import MAX_FILE_MB
from hotspots.data.growth import REAL
from hotspots.data.store import DATASETS, Store, dataset_path
from hotspots.present.escape import markdown as md
from hotspots.present.page_parts import Metric

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping

__all__ = [
    "FORCE_EXPORT",
    "NEW_DATASET",
    "REAL_LABEL",
    "UPLOAD_KINDS",
    "ImportReportView",
    "UploadForm",
    "audit_chain_message",
    "datasets_table",
    "go_label",
    "import_refusal",
    "import_report",
    "target_label",
    "upload_form",
]

REAL_LABEL = "Real data (police.uk): the bundled months and every month added"
NEW_DATASET = "a dataset of your own (name it)"
POLICE_UK = "police.uk street files (CSV or .zip)"
FORCE_EXPORT = "A force export (CSV) with a column mapping"
UPLOAD_KINDS = (POLICE_UK, FORCE_EXPORT)


@dataclass(frozen=True)
class UploadForm:
    """What the upload form offers a principal for one kind of upload."""

    can_upload: bool
    refusal: str | None  # why the form is off (a role without import rights)
    fmt: str  # "police.uk" or "force-export"
    targets: tuple[str, ...]  # dataset names, or NEW_DATASET
    files_label: str
    needs_mapping: bool


def upload_form(principal: Any, kind: str) -> UploadForm:
    """Return the upload form for ``principal`` and ``kind`` (one of :data:`UPLOAD_KINDS`).

    ``principal`` None is local single-user mode. A force export never goes into the real dataset,
    and a signed-in analyst writes only to datasets of their team (or a new one).
    """
    can = access.can_import(principal)
    fmt = "force-export" if kind == FORCE_EXPORT else "police.uk"
    targets = [REAL] if access.can_write(principal, REAL, fmt) else []
    targets += ["uploaded"] if principal is None else [NEW_DATASET]
    return UploadForm(
        can_upload=can,
        refusal=import_refusal(principal),
        fmt=fmt,
        targets=tuple(targets),
        files_label=f"Files (up to {MAX_FILE_MB} MB each)",
        needs_mapping=kind == FORCE_EXPORT,
    )


def import_refusal(principal: Any) -> str | None:
    """Why ``principal`` may not import (None: they may)."""
    if access.can_import(principal):
        return None
    return (
        f"You are signed in as a {principal.role}: importing files needs the analyst role. "
        "Ask an administrator if you need it."
    )


def audit_chain_message(chain: Mapping[str, Any]) -> tuple[bool, str]:
    """(whole, markdown) for :func:`hotspots.data.audit.verify`'s answer."""
    if chain["ok"]:
        return True, f"Hash chain whole: {chain['lines']:,} lines (`hotspots audit verify`)."
    b = chain["first_break"]
    return False, md(
        f"The audit log's hash chain is broken at {b['file']} line {b['line']} "
        f"(seq {b['seq']}): {b['problem']}.",
    )


def target_label(target: str, labels: Mapping[str, str]) -> str:
    """How a target dataset reads in the form (``labels``: the dataset picker's names)."""
    return REAL_LABEL if target == REAL else labels.get(target, target)


def go_label(target: str | None) -> str:
    """Return the import button's label for ``target``."""
    return {"uploaded": "Import into the uploaded dataset", REAL: "Add to the real dataset"}.get(
        target or "",
        "Import",
    )


@dataclass(frozen=True)
class ImportReportView:
    """The validation report of the last import, as the page shows it (markdown escaped)."""

    changes: str | None  # markdown: which months the dataset gained or replaced
    metrics: tuple[Metric, ...]
    balanced: bool  # read = accepted + rejected + duplicate + replaced
    balance: str
    store_replaced: str | None
    rejections: pd.DataFrame | None  # reason, rows
    errors: tuple[str, ...]  # markdown: files that failed
    skipped: tuple[str, ...]  # markdown: files not read, with why
    notices: tuple[str, ...]  # markdown
    json: str


def import_report(
    rep: Mapping[str, Any],
    *,
    labels: Mapping[str, str],
    public: Callable[[str], str] = str,
) -> ImportReportView:
    """Return the page's view of ``rep``.

    ``rep`` is ``{"report": ImportReport.to_dict(), "changes": str, "dataset": str}``, with
    ``changes`` and ``dataset`` optional.

    ``labels`` are the dataset picker's names of the datasets; ``public`` turns a message into
    what a browser may see (the page passes :func:`hotspots.ui.boundary.public_message`, which
    drops folder paths).
    """
    r = rep["report"]
    replaced = int(r.get("rows_replaced", 0))
    parts = (r["rows_accepted"], r["rows_rejected"], r["rows_duplicate"], replaced)
    ok = r["rows_read"] == sum(parts)
    changes = None
    if rep.get("changes"):
        changes = f"**{md(target_label(rep.get('dataset', ''), labels))}**: {md(rep['changes'])}"
    metrics = tuple(
        Metric(label, f"{v:,}")
        for label, v in (
            ("Rows read", r["rows_read"]),
            ("Accepted", r["rows_accepted"]),
            ("Rejected", r["rows_rejected"]),
            ("Duplicates", r["rows_duplicate"]),
            ("Replaced", replaced),
            ("In BCP", r["rows_in_bcp"]),
        )
    )
    balance = (
        f"read = accepted + rejected + duplicate + replaced: {r['rows_read']:,} = "
        + " + ".join(f"{v:,}" for v in parts)
        + f" ({'every row accounted for' if ok else 'DOES NOT ADD UP'})"
    )
    store_replaced = None
    if r.get("store_rows_replaced"):
        store_replaced = (
            f"{r['store_rows_replaced']:,} rows imported earlier were replaced by re-published "
            "months (see the notes)."
        )
    rejections = None
    if r["rejections"]:
        rejections = pd.DataFrame(list(r["rejections"].items()), columns=["reason", "rows"])
    return ImportReportView(
        changes=changes,
        metrics=metrics,
        balanced=ok,
        balance=balance,
        store_replaced=store_replaced,
        rejections=rejections,
        errors=tuple(md(public(f"{f['file']}: {f['problem']}")) for f in r.get("files_failed", [])),
        skipped=tuple(
            md(public(f"{f['file']}: skipped ({f['why']})")) for f in r.get("files_skipped", [])
        ),
        notices=tuple(md(public(n)) for n in r.get("notices", [])),
        json=public(json.dumps(r, indent=1)),
    )


def datasets_table(principal: Any, labels: Mapping[str, str]) -> list[dict[str, str]]:
    """Return the datasets a principal can see, with months and files.

    A dataset not built yet says so (it is never built just to be listed). ``labels``: the picker's
    names.
    """
    rows: list[dict[str, str]] = []
    if principal is None:
        for name in DATASETS:
            s = Store(dataset_path(name))  # look, do not build
            if not s.exists():
                rows.append(
                    {
                        "dataset": labels[name],
                        "months": "not built yet: built when first chosen"
                        if name == "simulated"
                        else "empty: nothing imported yet",
                        "files": "",
                    },
                )
                continue
            rows.append(
                {
                    "dataset": labels[name],
                    "months": f"{len(s.months())}",
                    "files": f"{len(s.files())}",
                },
            )
        return rows
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
            },
        )
    return rows
