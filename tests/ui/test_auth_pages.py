"""Sign-in and roles on the pages (AppTest with ``at.user`` and ``[auth]`` secrets).

The real OpenID Connect flow in a browser is in ``tests/e2e/test_auth.py``; here the
identity is given to the run as ``st.user``, to check each page's rules quickly.
"""

from __future__ import annotations

import json
import shutil
from typing import TYPE_CHECKING

import pytest

from hotspots.data import access
from hotspots.data.store import Store

if TYPE_CHECKING:
    from streamlit.testing.v1 import AppTest

AUTH = {
    "redirect_uri": "http://localhost:8501/oauth2callback",
    "cookie_secret": "x" * 40,
    "client_id": "c",
    "client_secret": "s",
    "server_metadata_url": "http://localhost:1/.well-known/openid-configuration",
}
CONFIG = """
[users]
"ana@example.org" = { role = "analyst", team = "csp" }
"boss@example.org" = "admin"
"""
RESTRICTED = "csp-force"


@pytest.fixture
def site(isolated_store, monkeypatch):
    """A store root with a restricted csp dataset, an access config and an audit log."""
    cfg = isolated_store / "access.toml"
    cfg.write_text(CONFIG)
    monkeypatch.setenv("HOTSPOTS_ACCESS", str(cfg))
    monkeypatch.setenv("HOTSPOTS_AUDIT_LOG", str(isolated_store / "audit.jsonl"))
    shutil.copytree(isolated_store / "bundled", isolated_store / RESTRICTED)  # real records
    access.set_dataset_access(RESTRICTED, "restricted", "ana@example.org", "csp")
    assert Store(isolated_store / RESTRICTED).exists()
    return isolated_store


@pytest.fixture
def run_as(new_app_test):
    """``run_as(page, email, **query)``: the page run once as a signed-in ``email`` (None: signed out)."""

    def run(page: str, email: str | None, **query) -> AppTest:
        return _run(new_app_test(page), email, **query)

    return run


def _run(at: AppTest, email: str | None, **query) -> AppTest:
    at.secrets["auth"] = AUTH
    at.user = {"is_logged_in": False} if email is None else {
        "is_logged_in": True, "email": email, "sub": email,
    }  # fmt: skip
    for k, v in query.items():
        at.query_params[k] = v
    at.run()
    assert not at.exception, at.exception
    return at


def _events(site) -> list[dict]:
    f = site / "audit.jsonl"
    return [json.loads(x) for x in f.read_text().splitlines()] if f.exists() else []


def test_signed_out_sees_only_the_sign_in_page(site, run_as):
    at = run_as("overview", None)
    assert [b.label for b in at.button] == ["Sign in"]
    assert not at.sidebar.selectbox  # no dataset picker, no data


def test_local_mode_says_so(site, new_app_test):
    at = new_app_test("overview")
    at.run()
    assert any("Single-user mode" in c.value for c in at.sidebar.caption)


def test_viewer_picker_and_permalink(site, run_as):
    at = run_as("overview", "vic@example.org")
    assert RESTRICTED not in at.sidebar.selectbox(key="dataset").options
    assert any("role **viewer**" in c.value for c in at.sidebar.caption)
    at = run_as("hotspot_map", "vic@example.org", dataset=RESTRICTED)
    assert "Access denied" in [t.value for t in at.title]
    assert not at.dataframe and not at.sidebar.selectbox
    ev = _events(site)
    assert [e["action"] for e in ev if e["user"] == "vic@example.org"][-1] == "access-denied"
    assert any(e["action"] == "sign-in" and e["role"] == "viewer" for e in ev)


def test_sign_in_is_recorded_once_per_login_not_per_page_load(site, run_as):
    for page in ("overview", "hotspot_map", "overview", "data"):
        run_as(page, "vic@example.org")  # each run is a new session (a reload, a new tab)
    ev = [e for e in _events(site) if e["user"] == "vic@example.org"]
    assert [e["action"] for e in ev].count("sign-in") == 1


def test_viewer_cannot_turn_disclosure_control_off(site, run_as):
    at = run_as("ward", "vic@example.org", suppress="0")
    tog = at.sidebar.toggle(key="suppress")
    assert tog.value is True and tog.disabled
    at = run_as("patrol", "vic@example.org")
    tog = at.sidebar.toggle(key="psup")
    assert tog.value is True and tog.disabled


def test_viewer_data_page_has_no_upload(site, run_as):
    at = run_as("data", "vic@example.org")
    assert any("needs the analyst role" in i.value for i in at.info)
    assert at.button(key="upload_go").disabled
    assert not at.text_input  # no dataset name, no delete, no audit log


def test_analyst_reads_team_dataset_and_names_uploads(site, run_as):
    at = run_as("hotspot_map", "ana@example.org", dataset=RESTRICTED)
    assert "Access denied" not in [t.value for t in at.title]
    assert at.sidebar.selectbox(key="dataset").value == RESTRICTED
    at = run_as("data", "ana@example.org")
    assert at.radio(key="upload_target").value == "bundled"  # the real dataset by default
    at.radio(key="upload_target").set_value("a dataset of your own (name it)").run()
    at.text_input(key="upload_dataset").input("Bundled").run()
    assert any("dataset name" in e.value for e in at.error)  # a built-in name is refused
    at.text_input(key="upload_dataset").input("My Export").run()
    assert not at.error  # a new name: becomes hers
    assert not any("Audit log" in s.value for s in at.header)


def test_admin_deletes_with_confirmation_and_reads_the_audit_log(site, run_as):
    at = run_as("data", "boss@example.org")
    assert any("Audit log" in s.value for s in at.header)
    at.selectbox(key="delete_pick").select(RESTRICTED).run()
    assert at.button(key="delete_go").disabled  # not confirmed yet
    at.text_input(key="delete_confirm").input(RESTRICTED).run()
    at.button(key="delete_go").click().run()
    assert not (site / RESTRICTED).exists()
    assert any(e["action"] == "delete" and e["dataset"] == RESTRICTED for e in _events(site))


def test_admin_sees_whether_the_audit_chain_is_whole(site, run_as):
    run_as("overview", "boss@example.org")  # a sign-in: the log has a line
    at = run_as("data", "boss@example.org")
    assert any("Hash chain whole" in c.value for c in at.caption)
    log = site / "audit.jsonl"
    lines = log.read_text().splitlines()
    lines[0] = lines[0].replace('"sign-in"', '"sign-out"')
    log.write_text("\n".join(lines) + "\n")
    at = run_as("data", "boss@example.org")
    (err,) = [e.value for e in at.error if "hash chain is broken" in e.value]
    assert "line 1" in err
