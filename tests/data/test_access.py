"""Access model: roles from claims, dataset access levels, and the checks (data layer, no UI)."""

from __future__ import annotations

import pytest

from hotspots.data import access
from hotspots.data.access import Principal
from hotspots.data.store import Store, open_dataset
from hotspots.errors import AccessDeniedError, InputError

CONFIG = """
default_role = "viewer"
group_claim = "groups"
[users]
"Ana@BCP.gov.uk" = { role = "analyst", team = "csp" }
"boss@bcp.gov.uk" = "admin"
[groups]
"police-analysts" = { role = "analyst", team = "dorset-police" }
"""

VIEWER = Principal("vic@bcp.gov.uk", role="viewer", team="user:vic@bcp.gov.uk")
ANA = Principal("ana@bcp.gov.uk", role="analyst", team="csp")
PAT = Principal("pat@dorset.police.uk", role="analyst", team="dorset-police")
ADMIN = Principal("boss@bcp.gov.uk", role="admin", team="")


@pytest.fixture
def root(tmp_path, monkeypatch):
    monkeypatch.setenv("HOTSPOTS_STORE", str(tmp_path))
    return tmp_path


@pytest.fixture
def config(tmp_path):
    p = tmp_path / "access.toml"
    p.write_text(CONFIG)
    return access.load_config(p)


def _make(root, name, **acc):
    """A dataset folder with a manifest (an empty store) and optionally an access file."""
    Store(root / name).clear()
    if acc:
        access.set_dataset_access(name, **acc)


# --- inputs: the config and the claims ------------------------------------------------------------


def test_no_config_makes_everyone_a_viewer(monkeypatch):
    monkeypatch.delenv("HOTSPOTS_ACCESS", raising=False)
    p = access.principal_from_claims({"sub": "1", "email": "x@y.org"}, access.load_config())
    assert (p.user, p.role, p.team) == ("x@y.org", "viewer", "user:x@y.org")


def test_config_from_env(tmp_path, monkeypatch):
    f = tmp_path / "a.toml"
    f.write_text(CONFIG)
    monkeypatch.setenv("HOTSPOTS_ACCESS", str(f))
    assert access.load_config().source == str(f)


def test_user_entry_is_case_insensitive_and_gives_team(config):
    p = access.principal_from_claims({"sub": "s1", "email": "ana@bcp.gov.uk"}, config)
    assert (p.role, p.team) == ("analyst", "csp")


def test_group_claim_gives_role_and_team(config):
    p = access.principal_from_claims(
        {"sub": "s2", "email": "pat@dorset.police.uk", "groups": ["staff", "police-analysts"]},
        config,
    )
    assert (p.role, p.team, p.groups) == ("analyst", "dorset-police", ("staff", "police-analysts"))


def test_highest_role_wins_and_user_team_first(config):
    p = access.principal_from_claims(
        {"email": "ana@bcp.gov.uk", "groups": "police-analysts"},
        config,
    )
    assert (p.role, p.team) == ("analyst", "csp")
    boss = access.principal_from_claims({"email": "boss@bcp.gov.uk", "groups": []}, config)
    assert boss.role == "admin"


def test_default_role_none_refuses_unlisted(tmp_path):
    f = tmp_path / "a.toml"
    f.write_text('default_role = "none"\n[users]\n"a@b.c" = "viewer"\n')
    cfg = access.load_config(f)
    assert access.principal_from_claims({"email": "z@b.c"}, cfg) is None
    assert access.principal_from_claims({"email": "a@b.c"}, cfg).role == "viewer"


@pytest.mark.parametrize(
    "text",
    ['default_role = "owner"', '[users]\n"a@b.c" = "superuser"', "users = 3", "[users\n"],
)
def test_bad_config_fails_loudly(tmp_path, text):
    f = tmp_path / "a.toml"
    f.write_text(text)
    with pytest.raises(InputError):
        access.load_config(f)


def test_missing_config_file_fails(tmp_path):
    with pytest.raises(InputError, match="HOTSPOTS_ACCESS"):
        access.load_config(tmp_path / "nope.toml")


def test_claims_without_identity_refused(config):
    with pytest.raises(InputError):
        access.principal_from_claims({"name": "x"}, config)


@pytest.mark.parametrize("bad", ["", "a", "../x", ".hidden", "bundled", "a/b", "x" * 41, "é-data"])
def test_dataset_name_refuses(bad):
    with pytest.raises(InputError):
        access.dataset_name(bad)


def test_dataset_name_normalises():
    assert access.dataset_name(" Force Export 2025 ") == "force-export-2025"


# --- outputs: dataset access and the checks -------------------------------------------------------


def test_defaults_public_builtins_restricted_rest(root):
    assert access.dataset_access("bundled").level == "public"
    assert access.dataset_access("simulated").level == "public"
    assert access.dataset_access("uploaded").level == "restricted"
    assert access.dataset_access("anything").level == "restricted"


def test_access_file_round_trip_and_damaged_file_fails_closed(root):
    acc = access.set_dataset_access("f1", "restricted", "ana@bcp.gov.uk", "csp")
    got = access.dataset_access("f1")
    assert (got.level, got.owner, got.team, got.created) == (
        "restricted", "ana@bcp.gov.uk", "csp", acc.created,
    )  # fmt: skip
    access.set_dataset_access("p1", "public")
    (root / "p1" / access.ACCESS_FILE).write_text("{not json")
    assert access.dataset_access("p1").level == "restricted"
    with pytest.raises(InputError):
        access.set_dataset_access("p2", "secret")


def test_read_rules(root):
    _make(root, "csp-data", level="restricted", owner="ana@bcp.gov.uk", team="csp")
    _make(root, "cli-import")  # no access file: restricted, no team
    # viewer: public only
    assert access.can_read(VIEWER, "bundled") and access.can_read(VIEWER, "simulated")
    assert not access.can_read(VIEWER, "csp-data") and not access.can_read(VIEWER, "cli-import")
    # analyst: own team's and team-less restricted; not another team's
    assert access.can_read(ANA, "csp-data") and access.can_read(ANA, "cli-import")
    assert not access.can_read(PAT, "csp-data") and access.can_read(PAT, "cli-import")
    # admin and local mode: everything
    assert access.can_read(ADMIN, "csp-data") and access.can_read(None, "csp-data")
    # the owner reads it even after moving team
    moved = Principal("ana@bcp.gov.uk", role="analyst", team="elsewhere")
    assert access.can_read(moved, "csp-data")


def test_visible_datasets(root):
    _make(root, "csp-data", level="restricted", owner="ana@bcp.gov.uk", team="csp")
    _make(root, "pol-data", level="restricted", owner="pat@dorset.police.uk", team="dorset-police")
    assert access.visible_datasets(VIEWER) == ["bundled", "simulated"]
    assert access.visible_datasets(ANA) == ["bundled", "csp-data", "simulated"]
    assert access.visible_datasets(PAT) == ["bundled", "pol-data", "simulated"]
    assert access.visible_datasets(ADMIN) == ["bundled", "csp-data", "pol-data", "simulated"]
    assert access.visible_datasets(None) == access.visible_datasets(ADMIN)


def test_open_dataset_checks_in_the_data_layer(root):
    """The data layer refuses, whatever the UI does: by name and by store folder."""
    _make(root, "csp-data", level="restricted", owner="ana@bcp.gov.uk", team="csp")
    with pytest.raises(AccessDeniedError, match="csp-data"):
        open_dataset("csp-data", principal=VIEWER)
    with pytest.raises(AccessDeniedError):
        open_dataset(store=root / "csp-data", principal=PAT)
    with pytest.raises(AccessDeniedError):  # an unknown name reads as restricted: no oracle
        open_dataset("does-not-exist", principal=VIEWER)
    for crafted in ("../csp-data", ".hidden", "a/b"):  # not a name: refused, not an error
        assert not access.can_read(ANA, crafted) and not access.can_read(ADMIN, crafted)
        with pytest.raises(AccessDeniedError):
            open_dataset(crafted, principal=ADMIN)
    assert open_dataset("csp-data", principal=ANA).exists()
    assert open_dataset("csp-data").exists()  # no principal: the CLI, local mode


def test_refused_before_anything_is_built(root):
    """A viewer asking for a restricted name does not create its folder."""
    with pytest.raises(AccessDeniedError):
        open_dataset("new-thing", principal=VIEWER)
    assert not (root / "new-thing").exists()


def test_write_rules(root):
    _make(root, "csp-data", level="restricted", owner="ana@bcp.gov.uk", team="csp")
    assert not access.can_import(VIEWER) and access.can_import(ANA) and access.can_import(None)
    assert access.can_write(ANA, "brand-new")  # a new name becomes theirs
    assert access.can_write(ANA, "csp-data")
    assert access.can_write(Principal("col@bcp.gov.uk", role="analyst", team="csp"), "csp-data")
    assert not access.can_write(PAT, "csp-data")  # another team's
    assert not access.can_write(VIEWER, "brand-new")
    assert not access.can_write(ADMIN, "simulated")
    # the real dataset grows by police.uk months (public), never by a force export
    assert access.can_write(ANA, "bundled") and not access.can_write(VIEWER, "bundled")
    assert not access.can_write(ANA, "bundled", fmt="force-export")
    assert not access.can_write(None, "bundled", fmt="force-export")
    assert access.can_write(ADMIN, "csp-data")


def test_delete_rules_and_files_removed(root):
    _make(root, "csp-data", level="restricted", owner="ana@bcp.gov.uk", team="csp")
    (root / "csp-data" / "records").mkdir(exist_ok=True)
    (root / "csp-data" / "records" / "x.parquet").write_bytes(b"x")
    colleague = Principal("col@bcp.gov.uk", role="analyst", team="csp")
    assert not access.can_delete(colleague, "csp-data")  # same team, not the owner
    assert not access.can_delete(VIEWER, "csp-data")
    assert not access.can_delete(ADMIN, "bundled") and not access.can_delete(None, "simulated")
    with pytest.raises(AccessDeniedError):
        access.delete_dataset(colleague, "csp-data")
    assert (root / "csp-data").exists()
    n = access.delete_dataset(ANA, "csp-data")
    assert n >= 3 and not (root / "csp-data").exists()  # manifest, access file, the parquet
    _make(root, "other", level="restricted", owner="pat@dorset.police.uk", team="dorset-police")
    assert access.delete_dataset(ADMIN, "other") > 0 and not (root / "other").exists()


def test_audit_and_disclosure_rules():
    assert access.can_audit(ADMIN) and access.can_audit(None)
    assert not access.can_audit(ANA) and not access.can_audit(VIEWER)
    assert access.disclosure_forced(VIEWER)
    assert not access.disclosure_forced(ANA) and not access.disclosure_forced(None)
