"""Who may see which dataset: roles from a small config, access levels kept beside each store.

Three roles, each including the one before:

- ``viewer``: public datasets only; disclosure control (counts under 5 suppressed) always on.
- ``analyst``: also restricted datasets of their team (and restricted datasets with no team,
  such as one imported with the CLI); imports into datasets of their own; exports.
- ``admin``: every dataset; deletes any dataset; reads the audit log.

A dataset's access is ``<store root>/<dataset>/access.json``::

    {"level": "restricted", "owner": "ana@bcp.gov.uk", "team": "community-safety",
     "created": "2026-11-29T03:40:00+00:00"}

Without that file, ``bundled`` (police.uk) and ``simulated`` are public and every other
dataset (force exports, uploads) is restricted with no owner.

The role config is a TOML file named by ``HOTSPOTS_ACCESS`` (none: every signed-in
person is a viewer)::

    default_role = "viewer"         # unlisted people; "none" refuses them
    group_claim = "groups"          # the ID token claim holding group names or ids
    [users]                         # by email (or sub) from the ID token
    "ana@bcp.gov.uk" = { role = "analyst", team = "community-safety" }
    "it@bcp.gov.uk" = "admin"
    [groups]                        # by group name or id (Entra ID gives object ids)
    "csp-analysts" = { role = "analyst", team = "community-safety" }

A person gets the highest role of their user entry and their groups; their team is the
user entry's team, else the first matching group's team, else a team of their own
(``user:<email>``), so their uploads stay private to them.

``principal=None`` everywhere means local single-user mode (no sign-in configured):
full access, as on one person's laptop.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from hotspots.errors import AccessDeniedError, InputError

__all__ = [
    "ACCESS_FILE",
    "PUBLIC",
    "RESTRICTED",
    "ROLES",
    "AccessConfig",
    "DatasetAccess",
    "Principal",
    "can_audit",
    "can_delete",
    "can_import",
    "can_read",
    "can_write",
    "check_read",
    "dataset_access",
    "dataset_name",
    "delete_dataset",
    "disclosure_forced",
    "load_config",
    "principal_from_claims",
    "set_dataset_access",
    "visible_datasets",
]

ROLES = ("viewer", "analyst", "admin")
PUBLIC, RESTRICTED = "public", "restricted"
ACCESS_FILE = "access.json"
PUBLIC_BY_DEFAULT = frozenset({"bundled", "simulated"})
BUILT_IN = PUBLIC_BY_DEFAULT  # rebuilt on first use, so never deleted
_NAME = re.compile(r"[a-z0-9][a-z0-9_-]{1,39}")


@dataclass(frozen=True)
class Principal:
    """A signed-in person: ``user`` is their email (or ``sub``), ``role`` one of :data:`ROLES`."""

    user: str
    email: str = ""
    groups: tuple[str, ...] = ()
    role: str = "viewer"
    team: str = ""

    def at_least(self, role: str) -> bool:
        """Return True when this role is ``role`` or one with more rights (:data:`ROLES`)."""
        return ROLES.index(self.role) >= ROLES.index(role)


@dataclass(frozen=True)
class AccessConfig:
    """Role mapping read from the TOML file (see the module docstring)."""

    default_role: str | None = "viewer"
    group_claim: str = "groups"
    users: Mapping[str, tuple[str, str]] = field(default_factory=dict)  # key -> (role, team)
    groups: Mapping[str, tuple[str, str]] = field(default_factory=dict)
    source: str = ""


@dataclass(frozen=True)
class DatasetAccess:
    """A dataset's access level (``public``/``restricted``), owner (a user) and team."""

    dataset: str
    level: str
    owner: str | None = None
    team: str | None = None
    created: str | None = None

    def to_dict(self) -> dict:
        """Return the access as the ``access.json`` file stores it."""
        return {
            "level": self.level,
            "owner": self.owner,
            "team": self.team,
            "created": self.created,
        }


# --- the role config ------------------------------------------------------------------------------


def _role(value: object, where: str) -> str:
    if value not in ROLES:
        raise InputError(where, value, "one of " + ", ".join(ROLES), "Check the access config.")
    return str(value)


def _entries(table: object, where: str) -> dict[str, tuple[str, str]]:
    if not isinstance(table, Mapping):
        raise InputError(where, table, "a table of name = role or name = {role, team}")
    out = {}
    for key, v in table.items():
        if isinstance(v, str):
            out[str(key).lower()] = (_role(v, f"{where}.{key}"), "")
        elif isinstance(v, Mapping):
            out[str(key).lower()] = (
                _role(v.get("role"), f"{where}.{key}.role"),
                str(v.get("team", "")),
            )
        else:
            raise InputError(f"{where}.{key}", v, 'a role name or {role = "...", team = "..."}')
    return out


def load_config(path: str | Path | None = None) -> AccessConfig:
    """Read the role config from ``path``, else ``HOTSPOTS_ACCESS``, else the default (all viewers).

    Raises :class:`~hotspots.errors.InputError` for a missing file or an unknown role, so a
    mistyped config fails loudly at sign-in rather than handing out the wrong rights.
    """
    path = path or os.environ.get("HOTSPOTS_ACCESS") or None
    if path is None:
        return AccessConfig()
    p = Path(path)
    try:
        raw = tomllib.loads(p.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise InputError("HOTSPOTS_ACCESS", str(p), "an existing TOML file") from exc
    except tomllib.TOMLDecodeError as exc:
        raise InputError("HOTSPOTS_ACCESS", p.name, f"valid TOML ({exc})") from exc
    default = raw.get("default_role", "viewer")
    return AccessConfig(
        default_role=None if default in ("none", None) else _role(default, "default_role"),
        group_claim=str(raw.get("group_claim", "groups")),
        users=_entries(raw.get("users", {}), "users"),
        groups=_entries(raw.get("groups", {}), "groups"),
        source=str(p),
    )


def _claim_list(value: object) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        return tuple(x for x in value.replace(",", " ").split() if x)
    if isinstance(value, Iterable):
        return tuple(str(x) for x in value)
    return (str(value),)


def principal_from_claims(claims: Mapping[str, object], config: AccessConfig) -> Principal | None:
    """Return the :class:`Principal` for an ID token's claims; None when the config refuses them.

    ``user`` is ``email``, else ``preferred_username``, else ``sub``. Matching is
    case-insensitive on the user's email, username and ``sub`` and on group names.
    """
    email = str(claims.get("email") or "")
    user = email or str(claims.get("preferred_username") or "") or str(claims.get("sub") or "")
    if not user:
        raise InputError("ID token", sorted(claims), "a token with an email, username or sub")
    groups = _claim_list(claims.get(config.group_claim))
    matches: list[tuple[str, str]] = []
    for key in (email, str(claims.get("preferred_username") or ""), str(claims.get("sub") or "")):
        if key and key.lower() in config.users:
            matches.append(config.users[key.lower()])
            break
    user_team = matches[0][1] if matches else ""
    matches += [config.groups[g.lower()] for g in groups if g.lower() in config.groups]
    roles = [r for r, _ in matches]
    if not roles:
        if config.default_role is None:
            return None
        roles = [config.default_role]
    role = max(roles, key=ROLES.index)
    team = user_team or next((t for _, t in matches if t), "") or f"user:{user.lower()}"
    return Principal(user=user, email=email, groups=groups, role=role, team=team)


# --- dataset access metadata ----------------------------------------------------------------------


def _path(dataset: str) -> Path:
    from hotspots.data.store_layout import dataset_path

    return dataset_path(dataset)


def dataset_access(dataset: str, path: str | Path | None = None) -> DatasetAccess:
    """Return a dataset's access (its ``access.json``, else the default for its name)."""
    f = Path(path or _path(dataset)) / ACCESS_FILE
    try:
        raw = json.loads(f.read_text(encoding="utf-8"))
    except FileNotFoundError:
        level = PUBLIC if dataset in PUBLIC_BY_DEFAULT else RESTRICTED
        return DatasetAccess(dataset, level)
    except (OSError, ValueError):  # unreadable: fail closed
        return DatasetAccess(dataset, RESTRICTED)
    level = raw.get("level") if raw.get("level") in (PUBLIC, RESTRICTED) else RESTRICTED
    return DatasetAccess(dataset, level, raw.get("owner"), raw.get("team"), raw.get("created"))


def set_dataset_access(
    dataset: str,
    level: str = RESTRICTED,
    owner: str | None = None,
    team: str | None = None,
    path: str | Path | None = None,
) -> DatasetAccess:
    """Write a dataset's ``access.json`` atomically (creating the dataset folder)."""
    if level not in (PUBLIC, RESTRICTED):
        raise InputError("level", level, f"{PUBLIC!r} or {RESTRICTED!r}")
    d = Path(path or _path(dataset))
    d.mkdir(parents=True, exist_ok=True)
    acc = DatasetAccess(
        dataset,
        level,
        owner,
        team,
        datetime.now(UTC).isoformat(timespec="seconds"),
    )
    tmp = d / f"{ACCESS_FILE}.{os.getpid()}.tmp"
    tmp.write_text(json.dumps(acc.to_dict(), indent=1), encoding="utf-8")
    os.replace(tmp, d / ACCESS_FILE)
    return acc


# --- checks ---------------------------------------------------------------------------------------


def _is_owner(p: Principal, acc: DatasetAccess) -> bool:
    return bool(acc.owner and acc.owner.lower() == p.user.lower())


def _team_reads(p: Principal, acc: DatasetAccess) -> bool:
    return not acc.team or acc.team == p.team or _is_owner(p, acc)


def can_read(principal: Principal | None, dataset: str, path: str | Path | None = None) -> bool:
    """Whether ``principal`` may see ``dataset`` (its records, map, exports, its name in a list)."""
    if principal is None:
        return True
    try:
        acc = dataset_access(dataset, path)
    except InputError:  # not a dataset name at all (a crafted link): nothing to read
        return False
    if acc.level == PUBLIC or principal.role == "admin":
        return True
    return principal.role == "analyst" and _team_reads(principal, acc)


def can_import(principal: Principal | None) -> bool:
    """Whether ``principal`` may import files at all (analysts and admins)."""
    return principal is None or principal.at_least("analyst")


def can_write(principal: Principal | None, dataset: str, fmt: str = "police.uk") -> bool:
    """Whether ``principal`` may import into ``dataset``: a new name, or one of their team's.

    The real dataset (``bundled``, public) takes police.uk street files only (they are
    public too), from analysts and admins; never a force export (restricted data).
    """
    if dataset == "bundled":
        return fmt == "police.uk" and (principal is None or principal.at_least("analyst"))
    if principal is None:
        return True
    if not principal.at_least("analyst") or dataset in BUILT_IN:
        return False
    if principal.role == "admin":
        return True
    from hotspots.data.store_layout import StoreFiles

    if not StoreFiles(_path(dataset)).exists() and not (_path(dataset) / ACCESS_FILE).exists():
        return True  # a new dataset: it becomes theirs
    acc = dataset_access(dataset)
    return _is_owner(principal, acc) or (bool(acc.team) and acc.team == principal.team)


def can_delete(principal: Principal | None, dataset: str) -> bool:
    """Admins and a dataset's owner may delete it; the built-in datasets are never deleted."""
    if dataset in BUILT_IN:
        return False
    if principal is None or principal.role == "admin":
        return True
    return principal.at_least("analyst") and _is_owner(principal, dataset_access(dataset))


def can_audit(principal: Principal | None) -> bool:
    """Admins (and the single local user) read the audit log."""
    return principal is None or principal.role == "admin"


def check_read(principal: Principal | None, dataset: str, path: str | Path | None = None) -> None:
    """Raise an ``AccessDeniedError`` unless ``principal`` may read ``dataset``."""
    if principal is not None and not can_read(principal, dataset, path):
        msg = (
            f"access denied: dataset {dataset!r} is restricted to analysts of its team "
            f"(signed in as {principal.user}, role {principal.role})"
        )
        raise AccessDeniedError(msg)


def visible_datasets(principal: Principal | None, names: Iterable[str] | None = None) -> list[str]:
    """Return the datasets ``principal`` may see, of ``names`` (default: every one in the store)."""
    if names is None:
        from hotspots.data.store_layout import known_datasets

        names = known_datasets()
    return [n for n in names if can_read(principal, n)]


def disclosure_forced(principal: Principal | None) -> bool:
    """Viewers always get counts under 5 suppressed (they cannot turn it off)."""
    return principal is not None and principal.role == "viewer"


def delete_dataset(principal: Principal | None, dataset: str) -> int:
    """Remove a dataset's folder (records, reports, access file) under its writer lock.

    Returns the number of files removed. Raises :class:`~hotspots.errors.AccessDeniedError`
    unless :func:`can_delete`.
    """
    if not can_delete(principal, dataset):
        who = "the local user" if principal is None else f"{principal.user} ({principal.role})"
        msg = (
            f"access denied: {who} may not delete dataset {dataset!r} "
            "(only its owner or an admin may; the built-in datasets are never deleted)"
        )
        raise AccessDeniedError(msg)
    from hotspots.data.store_layout import StoreFiles

    path = _path(dataset)
    if not path.is_dir():
        return 0
    store = StoreFiles(path, lock_timeout=60)
    with store.writer():  # no import is half-way through writing into it
        n = sum(1 for f in path.rglob("*") if f.is_file())
        shutil.rmtree(path)  # the lock's open descriptor keeps working until it is closed
    return n


def dataset_name(text: str) -> str:
    """Check a name typed for a new dataset: lower case letters, digits, ``-`` and ``_``.

    Raises :class:`~hotspots.errors.InputError` for anything else (a path, a dot-name,
    an empty name, a built-in name).
    """
    name = str(text).strip().lower().replace(" ", "-")
    if not _NAME.fullmatch(name) or name in BUILT_IN:
        raise InputError(
            "dataset name",
            text,
            "2-40 lower-case letters, digits, '-' or '_', starting with a letter or digit",
            "and not bundled or simulated, e.g. force-export-2025",
        )
    return name
