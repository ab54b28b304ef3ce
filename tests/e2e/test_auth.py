"""Sign-in through a real OpenID Connect flow, and who sees what.

A mock OpenID Connect provider (``oidc-provider-mock``: authorization-code flow, signed
ID tokens, discovery document) runs on localhost; a second ``streamlit run`` has an
``[auth]`` secrets file pointing at it and an access config making ``ana`` an analyst of
team ``csp`` (through her ``groups`` claim) and everyone else a viewer. Its store holds
the public ``bundled`` data and ``csp-force``, a restricted dataset owned by team csp.
Chromium signs in by pressing the provider's button for each user, as a person would.
"""

from __future__ import annotations

import json
import re
import shutil
import time
from pathlib import Path

import pytest

from hotspots.data import access
from hotspots.data.store import Store, open_dataset

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[2]
RESTRICTED = "csp-force"
USERS = {
    "viewer": ("vic", {"email": "vic@example.org", "groups": ["councillors"]}),
    "analyst": ("ana", {"email": "ana@example.org", "groups": ["csp-analysts"]}),
}
ACCESS_TOML = """
default_role = "viewer"
group_claim = "groups"
[groups]
"csp-analysts" = { role = "analyst", team = "csp" }
"""


@pytest.fixture(scope="module")
def oidc_provider():
    """Base URL of a mock OpenID Connect provider with the two predefined users."""
    from oidc_provider_mock import User, run_server_in_thread

    users = [User(sub=sub, claims=claims) for sub, claims in USERS.values()]
    with run_server_in_thread(port=0, user_claims=users) as server:
        yield f"http://localhost:{server.server_port}"


@pytest.fixture(scope="module")
def auth_env(tmp_path_factory):
    """The signed-in server's store root (bundled + a restricted csp dataset) and its files."""
    root = tmp_path_factory.mktemp("auth-store")
    (root / "bundled").symlink_to(open_dataset("bundled").path, target_is_directory=True)
    police = ROOT / "geodata" / "police_uk"
    month = max(police.glob("*.csv"))
    src = root / "src"
    src.mkdir()
    shutil.copy(month, src / month.name)
    access.set_dataset_access(RESTRICTED, "restricted", "ana@example.org", "csp", root / RESTRICTED)
    Store(root / RESTRICTED).ingest([src / month.name])
    cfg = root / "access.toml"
    cfg.write_text(ACCESS_TOML)
    return root


@pytest.fixture(scope="module")
def auth_server(oidc_provider, auth_env, tmp_path_factory, start_streamlit):
    """``streamlit run app.py`` with sign-in on: (base URL, audit log path)."""
    d = tmp_path_factory.mktemp("auth-server")
    secrets = d / "secrets.toml"
    audit_log = d / "audit.jsonl"
    # the secrets name the server's own address: written once its port is chosen
    with start_streamlit(
        auth_env,
        d / "streamlit.log",
        args=("--secrets.files", str(secrets)),
        env={
            "HOTSPOTS_ACCESS": str(auth_env / "access.toml"),
            "HOTSPOTS_AUDIT_LOG": str(audit_log),
        },
        before_start=lambda base: secrets.write_text(
            "[auth]\n"
            f'redirect_uri = "{base}/oauth2callback"\n'
            'cookie_secret = "test-cookie-secret-0123456789abcdef0123456789"\n'
            'client_id = "hotspots-test"\n'
            'client_secret = "hotspots-test-secret"\n'
            f'server_metadata_url = "{oidc_provider}/.well-known/openid-configuration"\n'
            'client_kwargs = { scope = "openid email profile" }\n',
        ),
    ) as base:
        yield base, audit_log


def _sign_in(browser, base: str, who: str):
    """A fresh browser context signed in as ``who`` (viewer or analyst); returns the page."""
    ctx = browser.new_context(viewport={"width": 1400, "height": 1000}, accept_downloads=True)
    ctx.set_default_timeout(60_000)
    page = ctx.new_page()
    page.goto(base + "/")
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(re.compile(r"oauth2/authorize"))
    page.get_by_role("button", name=USERS[who][0], exact=True).click()
    page.wait_for_url(re.compile(re.escape(base)))
    page.get_by_text("Signed in as").wait_for()
    return page


def _picker_options(page) -> list[str]:
    sb = page.get_by_test_id("stSidebar")
    sb.get_by_test_id("stSelectbox").first.click()
    opts = page.get_by_role("option").all_inner_texts()
    page.keyboard.press("Escape")
    return opts


def _datasets_table(page) -> str:
    """The text of the Data page's datasets table (its accessible table: the grid is a canvas)."""
    page.goto(page.url.split("?")[0].rsplit("/", 1)[0] + "/Data")
    page.get_by_text("Datasets", exact=True).wait_for()
    table = page.get_by_test_id("stDataFrame").filter(
        has=page.locator("td", has_text=re.compile(r"^bundled$")),
    )
    table.locator("td").first.wait_for(state="attached")
    text = table.first.text_content()
    assert "bundled" in text and "public" in text  # the table read is the right one
    return text


def _events(audit_log: Path) -> list[dict]:
    return [json.loads(x) for x in audit_log.read_text().splitlines()] if audit_log.exists() else []


def _wait_for_event(audit_log: Path, user: str, action: str, dataset: str, timeout_s: float = 60):
    """Wait until the audit log holds ``user``'s ``action`` on ``dataset``; fail after the timeout."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if any(
            e["user"] == user and e["action"] == action and e.get("dataset") == dataset
            for e in _events(audit_log)
        ):
            return
        time.sleep(0.2)
    msg = f"no {action} of {dataset} by {user} in the audit log within {timeout_s} s"
    raise AssertionError(msg)


def test_viewer_never_sees_the_restricted_dataset(browser, auth_server):
    base, audit_log = auth_server
    page = _sign_in(browser, base, "viewer")
    sidebar = page.get_by_test_id("stSidebar")
    assert "role viewer" in sidebar.inner_text()
    # the picker
    opts = _picker_options(page)
    assert any("police.uk" in o for o in opts)
    assert not any(RESTRICTED in o for o in opts)
    # a crafted permalink, on the overview and on a page with exports
    for path in ("/", "/Hotspot_map"):
        page.goto(f"{base}{path}?dataset={RESTRICTED}")
        page.get_by_text("Access denied").first.wait_for()
        body = page.inner_text("body")
        assert "Records" not in body and "Download" not in body
    # the Data page: not listed, no upload
    assert RESTRICTED not in _datasets_table(page)
    assert "importing files needs the analyst role" in page.inner_text("body")
    assert page.get_by_role("button", name="Import").is_disabled()
    page.context.close()
    ev = _events(audit_log)
    vic = [e for e in ev if e["user"] == "vic@example.org"]
    assert {"sign-in", "access-denied"} <= {e["action"] for e in vic}
    assert all(e["role"] == "viewer" for e in vic)
    assert any(e.get("dataset") == RESTRICTED for e in vic if e["action"] == "access-denied")


def test_analyst_sees_exports_and_uploads_privately(browser, auth_server, auth_env):
    base, audit_log = auth_server
    page = _sign_in(browser, base, "analyst")
    assert "role analyst" in page.get_by_test_id("stSidebar").inner_text()
    assert any(RESTRICTED in o for o in _picker_options(page))
    page.goto(f"{base}/Hotspot_map?dataset={RESTRICTED}")
    dl = page.get_by_role("button", name="Download CSV")
    dl.wait_for()
    assert "Access denied" not in page.inner_text("body")
    with page.expect_download() as got:
        dl.click()
    assert got.value.suggested_filename.endswith(".csv")
    # the export is recorded by the click's own rerun (the button's on_click): wait for it
    # before leaving the page, as a page load closes the session that would run it
    _wait_for_event(audit_log, "ana@example.org", "export", RESTRICTED)
    assert RESTRICTED in _datasets_table(page)
    # her upload goes into a dataset she names, restricted to her team
    month = min((ROOT / "geodata" / "police_uk").glob("*.csv"))
    page.get_by_text("a dataset of your own (name it)", exact=True).click()  # not the real one
    page.get_by_label("Dataset name").fill("Ana Upload")
    page.get_by_label("Dataset name").press("Enter")
    page.locator('[data-testid="stFileUploaderDropzoneInput"]').set_input_files(str(month))
    page.get_by_role("button", name="Import", exact=True).click()
    page.get_by_text("every row accounted for").wait_for(timeout=120_000)
    page.context.close()
    acc = access.dataset_access("ana-upload", auth_env / "ana-upload")
    assert (acc.level, acc.owner, acc.team) == ("restricted", "ana@example.org", "csp")
    assert Store(auth_env / "ana-upload").exists()
    vic = access.Principal("vic@example.org", role="viewer")
    assert not access.can_read(vic, "ana-upload", auth_env / "ana-upload")
    ana = [e for e in _events(audit_log) if e["user"] == "ana@example.org"]
    assert ana and all(e["role"] == "analyst" and e["team"] == "csp" for e in ana)
    acts = {e["action"] for e in ana}
    assert "sign-in" in acts and "access-denied" not in acts
    assert any(e["action"] == "export" and e["dataset"] == RESTRICTED for e in ana)
    imp = [e for e in ana if e["action"] == "import"]
    assert imp and imp[-1]["dataset"] == "ana-upload" and imp[-1]["files"] == [month.name]
    assert imp[-1]["rows_accepted"] > 0
