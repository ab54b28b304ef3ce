"""A register of named interventions, and the before/after windows they imply.

The register ships with the Seasonal Response (``geodata/interventions.toml``);
people add their own, kept in ``interventions.json`` beside the dataset stores.
Choosing an intervention and a year gives the after window (the intervention's
months that year), the before window (the same months a year earlier by
default), the target and a ring width; :func:`check_windows` says why a pair of
windows cannot be evaluated (empty, reversed, overlapping) so that no verdict is
read from them.
"""

from __future__ import annotations

import json
import math
import tomllib
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING

from hotspots.comparison.windows import Window, season, shift_years
from hotspots.errors import InputError

if TYPE_CHECKING:
    from collections.abc import Iterable
    from pathlib import Path

__all__ = [
    "Intervention",
    "WindowChoice",
    "add_intervention",
    "check_windows",
    "clamp_window",
    "default_evaluation",
    "describe_windows",
    "intervention_windows",
    "load_interventions",
    "user_register_path",
]


@dataclass(frozen=True)
class Intervention:
    """A named intervention: where, which months of the year, which years.

    ``source`` is ``"shipped"`` (geodata/interventions.toml) or ``"user"``.
    """

    name: str
    target: str
    start_month: int
    end_month: int
    years: tuple[int, ...]
    buffer_m: float = 400.0
    first_evaluated: int | None = None
    description: str = ""
    source: str = "shipped"

    def __post_init__(self) -> None:
        """Check every field, naming the bad one; years are sorted and de-duplicated."""
        if not str(self.name).strip():
            raise InputError("name", self.name, "a name for the intervention")
        if not str(self.target).strip():
            raise InputError("target", self.target, "an area spec, e.g. town-centre or a ward")
        for k in ("start_month", "end_month"):
            v = getattr(self, k)
            if isinstance(v, bool) or not isinstance(v, int) or not 1 <= v <= 12:
                raise InputError(k, v, "a month number 1-12")
        ys = tuple(int(y) for y in self.years)
        if not ys or any(not 1990 <= y <= 2100 for y in ys):
            raise InputError("years", self.years, "one or more years, e.g. 2022")
        object.__setattr__(self, "years", tuple(sorted(set(ys))))
        b = float(self.buffer_m)
        if not (math.isfinite(b) and 0 <= b <= 5000):
            raise InputError("buffer_m", self.buffer_m, "a ring width in metres, 0 to 5000")
        object.__setattr__(self, "buffer_m", b)

    def after(self, year: int) -> Window:
        """Return the intervention's months in ``year``."""
        return season(year, self.start_month, self.end_month)

    @property
    def months_label(self) -> str:
        """The months without the year ("Apr–Aug")."""
        return self.after(self.years[0]).label.rsplit(" ", 1)[0]

    def to_dict(self) -> dict:
        """Return the fields as the register file stores them (without ``source``)."""
        d = asdict(self)
        d["years"] = list(self.years)
        d.pop("source")
        return d


def _shipped_path() -> Path:
    from hotspots.data.boundaries import geodata_dir

    return geodata_dir() / "interventions.toml"


def user_register_path() -> Path:
    """Where people's own interventions are kept: ``<store root>/interventions.json``."""
    from hotspots.data.store import store_root

    return store_root() / "interventions.json"


def _from_mapping(d: dict, source: str) -> Intervention:
    return Intervention(
        name=str(d["name"]),
        target=str(d["target"]),
        start_month=int(d["start_month"]),
        end_month=int(d["end_month"]),
        years=tuple(d["years"]),
        buffer_m=float(d.get("buffer_m", 400.0)),
        first_evaluated=d.get("first_evaluated"),
        description=str(d.get("description", "")),
        source=source,
    )


def load_interventions(user_path: Path | None = None) -> list[Intervention]:
    """Return the shipped register followed by people's own (a bad user entry is skipped)."""
    with _shipped_path().open("rb") as fh:
        shipped = [_from_mapping(d, "shipped") for d in tomllib.load(fh).get("intervention", [])]
    path = user_path or user_register_path()
    user: list[Intervention] = []
    if path.exists():
        try:
            items = json.loads(path.read_text(encoding="utf-8")).get("intervention", [])
        except (OSError, ValueError):
            items = []
        for d in items:
            try:
                user.append(_from_mapping(d, "user"))
            except (KeyError, TypeError, ValueError, InputError):
                continue
    names = {i.name for i in shipped}
    return shipped + [i for i in user if i.name not in names]


def add_intervention(iv: Intervention, user_path: Path | None = None) -> Path:
    """Add (or replace, by name) an intervention in the user's register file."""
    path = user_path or user_register_path()
    if any(i.name == iv.name and i.source == "shipped" for i in load_interventions(path)):
        raise InputError("name", iv.name, "a name not already used by a shipped intervention")
    items = []
    if path.exists():
        try:
            items = json.loads(path.read_text(encoding="utf-8")).get("intervention", [])
        except (OSError, ValueError):
            items = []
    items = [d for d in items if d.get("name") != iv.name] + [iv.to_dict()]
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps({"intervention": items}, indent=1), encoding="utf-8")
    tmp.replace(path)
    return path


# --------------------------------------------------------------------------- windows
def clamp_window(w: Window, available: Iterable[str]) -> Window | None:
    """Return the part of ``w`` between its first and last month of data; None when it has none."""
    present = [m for m in w.months if m in set(available)]
    return Window(present[0], present[-1]) if present else None


def check_windows(before: Window, after: Window, available: Iterable[str]) -> list[str]:
    """Reasons the two windows cannot be evaluated; empty when they can.

    A reversed pair (the after window starts before the before window) and the
    window model's refusals (:func:`hotspots.comparison.windows.check_windows`:
    overlapping, empty or partly covered windows) each give a plain-English reason,
    the same message every page and the CLI show.
    """
    from hotspots.comparison.windows import check_windows as _check

    have = set(available)
    problems = []
    if after.start < before.start and not set(before.months) & set(after.months):
        problems.append(
            f"The after window ({after.label}) starts before the before window ({before.label}): "
            "swap them.",
        )
    c = _check(before, after, have, names=("the before", "the after"))
    if not c.ok:
        problems.append(c.message)
    return problems


def describe_windows(before: Window, after: Window, available: Iterable[str]) -> str:
    """Caption of the windows in use: months, months of data, and whether like is with like."""
    have = set(available)
    nb = sum(m in have for m in before.months)
    na = sum(m in have for m in after.months)
    same = [m[5:] for m in before.months] == [m[5:] for m in after.months]
    gap = int(after.start[:4]) - int(before.start[:4])
    kind = (
        f"the same months {gap} year{'s' if gap != 1 else ''} apart (like with like)"
        if same and gap >= 1
        else "not the same months of the year: seasonal differences are mixed in with any effect"
    )
    return (
        f"Before: {before.label} ({nb} of {before.n_months} months of data); after: {after.label} "
        f"({na} of {after.n_months} months of data); {kind}."
    )


@dataclass(frozen=True)
class WindowChoice:
    """Windows, target and ring for an intervention in a year, and any problems."""

    intervention: Intervention
    year: int
    before: Window
    after: Window
    target: str
    buffer_m: float
    problems: tuple[str, ...]
    caption: str

    @property
    def ok(self) -> bool:
        """True when the windows have no problem."""
        return not self.problems


def intervention_windows(
    iv: Intervention,
    year: int,
    available: Iterable[str],
    *,
    years_back: int = 1,
) -> WindowChoice:
    """Return the after and before windows of an intervention, clamped to months with data.

    The after window is the intervention's months in ``year``; the before window the same
    months ``years_back`` years earlier.
    """
    have = sorted(set(available))
    after = iv.after(int(year))
    before = shift_years(after, -int(years_back))
    ca, cb = clamp_window(after, have), clamp_window(before, have)
    problems = check_windows(cb or before, ca or after, have)
    b, a = cb or before, ca or after
    cap = f"{iv.name} {year}: " + describe_windows(b, a, have)
    return WindowChoice(iv, int(year), b, a, iv.target, iv.buffer_m, tuple(problems), cap)


def default_evaluation(
    available: Iterable[str],
    interventions: list[Intervention] | None = None,
) -> WindowChoice | None:
    """Return the first registered intervention-year whose windows are complete in the data.

    An intervention's ``first_evaluated`` year comes first, then its other years,
    latest first. None when no registered intervention can be evaluated.
    """
    have = set(available)
    for iv in interventions if interventions is not None else load_interventions():
        order = ([iv.first_evaluated] if iv.first_evaluated else []) + sorted(
            iv.years,
            reverse=True,
        )
        for y in order:
            c = intervention_windows(iv, y, have)
            full = all(m in have for m in c.before.months + c.after.months)
            if c.ok and full and c.before.n_months == c.after.n_months:
                return c
    return None
