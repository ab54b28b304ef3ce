"""``hotspots update`` against a local fake police.uk API and a local SMTP server (aiosmtpd)."""

from __future__ import annotations

import json
import socket
import sys
from email import message_from_bytes
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parents[1] / "data"))
from fake_police_api import bundled_fake, crimes_from_csv, derived_month

from hotspots.cli import main
from hotspots.data.store import open_dataset

aiosmtpd = pytest.importorskip("aiosmtpd.controller")


class _Inbox:
    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append((envelope.rcpt_tos, envelope.content))
        return "250 OK"


def _free_port() -> int:
    with socket.socket() as s:  # nobody listens on it once closed
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def env(tmp_path, monkeypatch, geodata_dir):
    monkeypatch.setenv("HOTSPOTS_STORE", str(tmp_path / "stores"))
    monkeypatch.setenv("HOTSPOTS_AUDIT_LOG", str(tmp_path / "audit.jsonl"))
    fake = bundled_fake(geodata_dir)
    inbox = _Inbox()
    port = _free_port()
    smtp = aiosmtpd.Controller(inbox, hostname="127.0.0.1", port=port)
    smtp.start()
    monkeypatch.setenv("HOTSPOTS_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("HOTSPOTS_SMTP_PORT", str(port))
    yield fake, inbox, tmp_path
    smtp.stop()
    fake.close()


def _events(tmp_path):
    lines = (tmp_path / "audit.jsonl").read_text(encoding="utf-8").splitlines()
    return [e for e in map(json.loads, lines) if e["action"] == "update"]


@pytest.mark.slow  # measured 10-35 s (spawns, imports or simulates)
def test_update_adds_the_new_month_writes_and_mails_its_pack_then_does_nothing(env, geodata_dir):
    fake, inbox, tmp = env
    # 2024-04 is MADE UP from the bundled 2024-03 (Month and Crime IDs changed): test data
    text = (geodata_dir / "police_uk" / "2024-03-dorset-street.csv").read_text(encoding="utf-8")
    fake.publish("2024-04", crimes_from_csv(derived_month(text, "2024-04"), 100_000))
    out = tmp / "packs"
    args = ["update", "--api-url", fake.url, "--out", str(out), "--mail-to", "pcg@example.org"]
    assert main(args) == 0
    store = open_dataset("bundled")
    assert store.months()[-4:] == ["2024-01", "2024-02", "2024-03", "2024-04"]
    assert (out / "2024-04" / "pack.pdf").stat().st_size > 10_000
    assert "pack, Apr 2024</title>" in (out / "2024-04" / "pack.html").read_text(encoding="utf-8")
    [(rcpt, raw)] = inbox.messages
    assert rcpt == ["pcg@example.org"]
    names = [p.get_filename() for p in message_from_bytes(raw).walk() if p.get_filename()]
    assert names == ["hotspots-pack-2024-04.pdf", "hotspots-pack-2024-04.html"]
    before, requests = store.manifest()["id"], fake.crime_requests
    assert main(args) == 0  # nothing new: does nothing
    assert store.manifest()["id"] == before and fake.crime_requests == requests
    assert len(inbox.messages) == 1
    ev = _events(tmp)
    assert [e["status"] for e in ev] == ["done", "up-to-date"]
    assert ev[0]["added"] == ["2024-04"]


@pytest.mark.slow  # measured 10-35 s (spawns, imports or simulates)
def test_update_exit_codes_for_an_unreachable_api_and_a_failed_mail(env, monkeypatch, geodata_dir):
    fake, _inbox, tmp = env
    dead_port = _free_port()
    dead = f"http://127.0.0.1:{dead_port}/api"
    out = tmp / "packs"
    assert main(["update", "--api-url", dead, "--retries", "0", "--out", str(out)]) == 3
    text = (geodata_dir / "police_uk" / "2024-03-dorset-street.csv").read_text(encoding="utf-8")
    fake.publish("2024-04", crimes_from_csv(derived_month(text, "2024-04"), 100_000))
    monkeypatch.setenv("HOTSPOTS_SMTP_PORT", str(dead_port))
    args = ["update", "--api-url", fake.url, "--out", str(out), "--mail-to", "x@example.org"]
    assert main(args) == 4  # pack written, e-mail failed
    assert (out / "2024-04" / "pack.pdf").exists()
    assert [e["status"] for e in _events(tmp)] == ["api-failed", "mail-failed"]
