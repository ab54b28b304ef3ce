"""The hotspot methods, registered by name: what :func:`hotspots.methods.detect.detect` looks up.

Each :class:`Method` declares its name, a line for people, the settings it accepts with
their constraints (:mod:`hotspots.validation`, checked before it runs: a setting of another
method is refused, never ignored) and its runner, a function
``run(records, area, naming, params) -> MethodRun`` given as ``"module:function"`` and
imported only when the method runs, so that listing the methods (the CLI's choices, the
pages' radio) imports neither scikit-learn nor scipy.

Adding a method is one :func:`register` call with its runner beside it (here, or in the
method's own module, which registers itself when imported), plus its tests. The schema of
the result (:class:`~hotspots.methods.result.HotspotResult`) is the same for every method:
:func:`~hotspots.methods.detect.detect` conforms what the runner returns.

References
----------
scikit-learn's ``_parameter_constraints`` and ``validate_parameter_constraints``
(``sklearn/utils/_param_validation.py``), which :mod:`hotspots.validation` follows.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

from hotspots.errors import InputError
from hotspots.validation import (
    LEVEL,
    METRES_OR_ZERO,
    PERMUTATIONS,
    POSITIVE_METRES,
    SEED,
    Boolean,
    Integral,
    Interval,
    Options,
    Real,
    check_params,
)

if TYPE_CHECKING:
    import pandas as pd

    from hotspots.data.areas import Area

__all__ = [
    "GISTAR_SCOPES",
    "METHODS",
    "METHOD_LABELS",
    "MIN_PAI",
    "MIN_SHARE",
    "Method",
    "MethodRun",
    "get_method",
    "register",
    "registered",
]

#: Importance beside significance (:func:`hotspots.methods.detect.importance_floor`): a
#: hotspot is kept when it holds at least this share of the window's records in the area ...
MIN_SHARE = 0.005
#: ... or its PAI (share of records / share of area) is at least this.
MIN_PAI = 30.0

#: Gi* in an area: "bcp" = BCP-wide inference clipped to the area (default);
#: "area" = inference within the area alone (:func:`hotspots.methods.detect.detect`)
GISTAR_SCOPES: tuple[str, ...] = ("bcp", "area")


@dataclass(frozen=True)
class MethodRun:
    """What a method's runner returns; :func:`~hotspots.methods.detect.detect` makes the result.

    Attributes
    ----------
    hotspots : the described hotspots (``describe_hotspots`` columns), or None for none.
    detail : the method's own result object (map layers read it).
    parameters : the settings used, automatic ones filled in (announced in the result).
    notes : sentences for people about how the settings were chosen.
    rename : method score columns to rename to the result's fixed names.
    """

    hotspots: Any
    detail: Any
    parameters: dict[str, Any]
    notes: tuple[str, ...] = ()
    rename: Mapping[str, str] = field(default_factory=dict)


Runner = Callable[["pd.DataFrame", "Area", dict, dict], MethodRun]


@dataclass(frozen=True)
class Method:
    """One registered hotspot method.

    Attributes
    ----------
    name : the key (``method=`` of ``detect``, ``--method`` of the CLI, ``?method=`` of the page).
    label : one plain line for people.
    constraints : setting name -> accepted values (constraints of :mod:`hotspots.validation`;
        ``None`` in the list means "automatic" and is always allowed).
    runner : ``"module:function"``, imported when the method runs, or the function itself.
    """

    name: str
    label: str
    constraints: Mapping[str, list[object]]
    runner: str | Runner

    @property
    def settings(self) -> tuple[str, ...]:
        """The names of the method's settings, in declaration order."""
        return tuple(self.constraints)

    def check(self, params: Mapping[str, Any]) -> dict[str, Any]:
        """``params`` checked against the declared constraints; ``None`` values dropped."""
        unknown = sorted(set(params) - set(self.constraints))
        if unknown:
            raise InputError(
                unknown[0],
                params[unknown[0]],
                f"a setting of {self.name} (" + ", ".join(self.constraints) + ")",
                "Drop it or choose the method it belongs to.",
            )
        given = {k: v for k, v in params.items() if v is not None}
        return check_params(given, {k: self.constraints[k] for k in given})

    def run(self, records: pd.DataFrame, area: Area, naming: dict, params: dict) -> MethodRun:
        """Run the method on ``records`` in ``area`` (its runner is imported on first use)."""
        fn = self.runner
        if isinstance(fn, str):
            module, _, name = fn.partition(":")
            fn = getattr(importlib.import_module(module), name)
        return fn(records, area, naming, params)


_REGISTRY: dict[str, Method] = {}


def register(method: Method) -> Method:
    """Add ``method`` (a name may be registered once)."""
    if method.name in _REGISTRY:
        msg = f"a hotspot method named {method.name!r} is already registered"
        raise ValueError(msg)
    for name, spec in method.constraints.items():
        if not isinstance(spec, Iterable) or isinstance(spec, (str, bytes)):
            msg = f"constraints of {method.name}.{name} must be a list"
            raise TypeError(msg)
    _REGISTRY[method.name] = method
    return method


def registered() -> tuple[str, ...]:
    """Return the registered method names, in registration order (the order pages offer them)."""
    return tuple(_REGISTRY)


def get_method(name: object) -> Method:
    """Return the registered method ``name``; an :class:`InputError` naming ``method`` if none."""
    if not isinstance(name, str) or name not in _REGISTRY:
        raise InputError("method", name, "one of " + ", ".join(_REGISTRY))
    return _REGISTRY[name]


# --- the built-in methods -------------------------------------------------------------------------
# Runners are below; each imports its method module when called.

NULLABLE = None  # in a constraint list: the setting may be left automatic
KDE_KERNELS = ("quartic", "gaussian")  # = kde_surface.KERNELS (tested), which imports scipy


def _dbscan(recs: pd.DataFrame, area: Area, naming: dict, params: dict) -> MethodRun:
    from hotspots.methods.dbscan import dbscan_hotspots

    # name only the clusters the importance floor of detect() keeps
    floor = (MIN_SHARE, MIN_PAI, area.area_km2)
    res = dbscan_hotspots(recs, area=area, importance=floor, **naming, **params)
    used = {"eps_m": res.eps_m, "min_points": res.min_points, "buffer_m": res.buffer_m}
    return MethodRun(res.hotspots, res, used, tuple(res.notes))


def _kde(recs: pd.DataFrame, area: Area, naming: dict, params: dict) -> MethodRun:
    from hotspots.methods.kde import PEAK, kde_hotspots

    res = kde_hotspots(recs, area=area, **naming, **params)
    used: dict[str, Any] = {
        k: v for k, v in res.parameters.items() if k not in ("method", "n_records", "area")
    }
    thr = used.get("threshold_per_km2")
    used["threshold_per_km2"] = None if thr is None else round(float(thr), 3)
    return MethodRun(res.hotspots, res, used, tuple(res.notes), {PEAK: "peak_density_per_km2"})


def _gistar(recs: pd.DataFrame, area: Area, naming: dict, params: dict) -> MethodRun:
    from hotspots.data import schema as S
    from hotspots.methods.gistar import gistar, gistar_hotspot_areas
    from hotspots.methods.naming import describe_hotspots

    res = gistar(recs, area=area, **params)
    polys = gistar_hotspot_areas(res)
    hot = describe_hotspots(polys.drop(columns=[S.COUNT]), recs, **naming) if len(polys) else None
    used = {
        "cell_size_m": res.cell_size_m,
        "distance_m": res.distance_m,
        "fdr": res.fdr,
        "alpha": res.alpha,
        "permutations": res.permutations,
        "seed": res.seed,
        "inference": res.inference,
        "hot_cells": int(res.hot_mask.sum()),
    }
    if hot is not None and len(hot):
        hot = hot[hot[S.COUNT] > 0]
    return MethodRun(hot, res, used, tuple(res.notes))


def _grid(recs: pd.DataFrame, area: Area, naming: dict, params: dict) -> MethodRun:
    import numpy as np

    from hotspots.methods.naming import describe_hotspots
    from hotspots.methods.topcells import top_cells

    top_n = params.get("top_n", 10)
    cell = params.get("cell_size_m", 150.0)
    chosen = top_cells(recs, area, top_n=top_n, cell_size_m=cell)
    notes = (
        (
            f"the {top_n} grid cells of {cell:g} m with most records (ties: the westernmost "
            "southern cell first); a ranking, not a significance test."
        ),
    )
    hot = None
    if len(chosen.cell_ids):
        polys = chosen.polygons[["geometry"]].copy()
        polys["n_cells"] = np.ones(len(polys), dtype="int64")
        hot = describe_hotspots(polys, recs, **naming)
    return MethodRun(hot, chosen, {"top_n": top_n, "cell_size_m": cell}, notes)


register(
    Method(
        "dbscan",
        "DBSCAN clusters: groups of map points each with more records nearby than chance gives",
        {
            "eps_m": [POSITIVE_METRES, NULLABLE],
            "min_points": [Interval(Integral, 1, None, unit="records"), NULLABLE],
            "buffer_m": [METRES_OR_ZERO, NULLABLE],
        },
        _dbscan,
    ),
)
register(
    Method(
        "kde",
        "Kernel density: the densest 2% of the area, where it beats chance",
        {
            "kernel": [Options(KDE_KERNELS), NULLABLE],
            "cell_size_m": [Interval(Real, 0, 10_000, closed="right", unit="metres"), NULLABLE],
            "bandwidth_m": [Interval(Real, 0, 50_000, closed="right", unit="metres"), NULLABLE],
            "top_share": [Interval(Real, 0, 0.5, closed="right", unit="of the area"), NULLABLE],
            "alpha": [Interval(Real, 0, 0.5, closed="right"), NULLABLE],
        },
        _kde,
    ),
)
register(
    Method(
        "gistar",
        "Getis-Ord Gi*: grid cells whose neighbourhood count is significantly high",
        {
            "cell_size_m": [POSITIVE_METRES, NULLABLE],
            "distance_m": [POSITIVE_METRES, NULLABLE],
            "fdr": [Boolean(), NULLABLE],
            "alpha": [LEVEL, NULLABLE],
            "permutations": [PERMUTATIONS, NULLABLE],
            "seed": [SEED, NULLABLE],
            "scope": [Options(GISTAR_SCOPES), NULLABLE],
        },
        _gistar,
    ),
)
register(
    Method(
        "grid",
        "Busiest grid cells: the top cells by records (a ranking, not a test)",
        {
            "top_n": [Interval(Integral, 1, 200, unit="places"), NULLABLE],
            "cell_size_m": [Interval(Real, 25, 2_000, unit="metres"), NULLABLE],
        },
        _grid,
    ),
)

#: method keys, in the order the pages offer them
METHODS: tuple[str, ...] = registered()
#: one plain line per method, for people
METHOD_LABELS: Mapping[str, str] = MappingProxyType({m: _REGISTRY[m].label for m in METHODS})
