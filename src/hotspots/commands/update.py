"""``hotspots update``: fetch what police.uk has that the dataset lacks, then write the pack.

Meant for a scheduler (cron, a systemd timer, the ``update`` service in compose.yaml).
Exit codes a scheduler can act on:

- 0: done: new months imported and the pack written (and e-mailed), or nothing new;
- 1: no data (the dataset is empty and police.uk has nothing);
- 2: bad input (a misspelt option, an unusable folder);
- 3: police.uk could not be reached or kept failing: try again later (what was
  imported stays; the next run resumes);
- 4: the pack was written but could not be e-mailed (SMTP failed).

Every run is written to the audit log (action ``update``), whatever its outcome.
"""

from __future__ import annotations

import os
import smtplib
import sys
from email.message import EmailMessage
from pathlib import Path
from typing import TYPE_CHECKING

from hotspots.commands._police_api import (
    add_police_api_arguments,
    police_api_from_args,
    refuse_simulated,
)
from hotspots.data.store import Store, add_store_arguments, store_from_args

if TYPE_CHECKING:
    import argparse

NAME = "update"
HELP = (
    "fetch the police.uk months the dataset lacks, import them and write the pack for the "
    "latest month (optionally e-mail it); exit 0 done or nothing new, 3 police.uk "
    "unreachable, 4 e-mail failed"
)
EXIT_OK, EXIT_NO_DATA, EXIT_INPUT, EXIT_API, EXIT_MAIL = 0, 1, 2, 3, 4


def add_arguments(p: argparse.ArgumentParser) -> None:
    """Add the arguments of ``hotspots update`` to its parser."""
    add_store_arguments(p, default_dataset="bundled")
    add_police_api_arguments(p)
    p.add_argument(
        "--out",
        required=True,
        metavar="DIR",
        help="folder for the packs (<DIR>/<YYYY-MM>/)",
    )
    p.add_argument(
        "--mail-to",
        default=None,
        metavar="ADDRESSES",
        help="comma-separated addresses to e-mail the pack to, through HOTSPOTS_SMTP_HOST "
        "(and _PORT, _USER, _PASSWORD, _FROM, _STARTTLS=1)",
    )
    p.add_argument("--method", choices=["dbscan", "kde", "gistar", "grid"], default="dbscan")


def run(args: argparse.Namespace) -> int:
    """Run ``hotspots update`` with the parsed ``args``; return the exit code."""
    from hotspots.data import audit
    from hotspots.data.fetch import FetchError, fetch_into
    from hotspots.errors import InputError

    out = Path(args.out)
    if out.exists() and not out.is_dir():
        raise InputError("out", args.out, "a folder (it is a file)")
    refuse_simulated(args)
    store = store_from_args(args, build=args.dataset == "bundled" and not args.store)
    api = police_api_from_args(args)
    have = store.months()
    event = {"dataset": store.path.name, "api": api.root}
    try:
        available = api.available_months()
        new = [m for m in available if not have or m > have[-1]]
        if not have and new:
            new = new[-1:]  # an empty dataset starts with the latest month
        rep = fetch_into(store, new, api) if new else None
    except FetchError as exc:
        print(f"hotspots update: police.uk: {exc}", file=sys.stderr)
        audit.record("update", None, **event, status="api-failed", error=str(exc)[:300])
        return EXIT_API
    added = rep.by_status("fetched") if rep else []
    if not added:
        latest = have[-1] if have else None
        print(f"up to date: {store.path.name} has police.uk's months up to {latest or 'none'}")
        audit.record("update", None, **event, status="up-to-date", latest=latest)
        return EXIT_OK if latest else EXIT_NO_DATA
    month = store.months()[-1]
    folder = out / month
    _write_pack(store, month, folder, args.method, args.dataset)
    print(f"added {', '.join(added)}; pack for {month} written to {folder}")
    status, code = "done", EXIT_OK
    mailed: list[str] = []
    if args.mail_to:
        mailed = [a.strip() for a in args.mail_to.split(",") if a.strip()]
        try:
            send_pack(folder, month, mailed)
            print(f"e-mailed to {', '.join(mailed)}")
        except (OSError, smtplib.SMTPException) as exc:
            print(f"hotspots update: the pack could not be e-mailed: {exc}", file=sys.stderr)
            status, code = "mail-failed", EXIT_MAIL
    audit.record(
        "update", None, **event, status=status, added=added, month=month,
        pack=str(folder), mailed=mailed, last_updated=rep.last_updated if rep else None,
    )  # fmt: skip
    return code


def _write_pack(store: Store, month: str, folder: Path, method: str, dataset: str) -> None:
    from hotspots.commands._extras import require_app_extras

    require_app_extras("fpdf")
    from hotspots.present.pack import build_pack
    from hotspots.present.pack_html import pack_html
    from hotspots.present.pack_pdf import pack_pdf

    pack = build_pack(
        store.records(), month, 1, "previous", method=method, dataset=dataset,
        version=store.version,
    )  # fmt: skip
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "pack.pdf").write_bytes(pack_pdf(pack))
    (folder / "pack.html").write_text(pack_html(pack), encoding="utf-8")


def send_pack(folder: Path, month: str, to: list[str]) -> None:
    """E-mail ``pack.pdf`` and ``pack.html`` from ``folder`` through the SMTP settings.

    The settings are ``HOTSPOTS_SMTP_HOST``, ``_PORT`` (25), ``_USER``, ``_PASSWORD``,
    ``_FROM`` and ``_STARTTLS=1``.
    """
    host = os.environ.get("HOTSPOTS_SMTP_HOST")
    if not host:
        why = "HOTSPOTS_SMTP_HOST is not set"
        raise smtplib.SMTPException(why)
    msg = EmailMessage()
    msg["Subject"] = f"Safer BCP hotspots pack for {month}"
    msg["From"] = os.environ.get("HOTSPOTS_SMTP_FROM", "hotspots@localhost")
    msg["To"] = ", ".join(to)
    msg.set_content(
        f"The monthly hotspots pack for {month} (police.uk data) is attached as PDF and HTML.",
    )
    msg.add_attachment(
        (folder / "pack.pdf").read_bytes(), maintype="application", subtype="pdf",
        filename=f"hotspots-pack-{month}.pdf",
    )  # fmt: skip
    msg.add_attachment(
        (folder / "pack.html").read_text(encoding="utf-8"), subtype="html",
        filename=f"hotspots-pack-{month}.html",
    )  # fmt: skip
    port = int(os.environ.get("HOTSPOTS_SMTP_PORT", "25"))
    with smtplib.SMTP(host, port, timeout=60) as smtp:
        if os.environ.get("HOTSPOTS_SMTP_STARTTLS") == "1":
            smtp.starttls()
        user = os.environ.get("HOTSPOTS_SMTP_USER")
        if user:
            smtp.login(user, os.environ.get("HOTSPOTS_SMTP_PASSWORD", ""))
        smtp.send_message(msg)
