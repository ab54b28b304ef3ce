"""Input checks in one place: declared constraints, one checker, one exception.

Modelled on scikit-learn's parameter validation (``_parameter_constraints`` and
``validate_parameter_constraints``): a function declares, per argument, the kinds of
value it accepts, and :func:`check_params` (or the :func:`validate_params`
decorator) raises :class:`~hotspots.errors.InputError` naming the argument, the
value received and what is expected.

The same rules hold everywhere:

- ``bool`` is never a number (``True`` is refused where a number is expected);
- ``100``, ``100.0``, ``np.int64(100)`` and ``np.float64(100)`` get the same answer:
  a real interval accepts them all, a whole-number interval accepts any of them
  whose value is whole (and hands back a Python ``int``);
- NaN and infinities are never numbers of metres, records or levels;
- a GeoDataFrame is taken by its CRS (reprojected to EPSG:27700), never by columns
  named ``x``/``y``; one without a CRS is refused with a hint to set it
  (:mod:`hotspots.data.frames`, which knows the record schema: this module, the bottom
  layer, imports nothing of the package but :mod:`hotspots.errors`).

Example::

    check_params(
        {"eps_m": eps_m, "min_points": min_points},
        {"eps_m": [Interval(Real, 0, None, closed="neither", unit="metres"), None],
         "min_points": [Interval(Integral, 1, None, unit="records"), None]},
    )
"""

from __future__ import annotations

import functools
import inspect
import math
from collections.abc import Callable, Iterable, Mapping
from numbers import Integral, Real
from typing import Any, TypeVar

import numpy as np

from hotspots.errors import InputError

__all__ = [
    "LEVEL",
    "METRES_OR_ZERO",
    "MONTH_NUMBER",
    "PERMUTATIONS",
    "POSITIVE_METRES",
    "RECORD_COUNT",
    "SEED",
    "Boolean",
    "Constraint",
    "InstanceOf",
    "Integral",
    "Interval",
    "NoneAllowed",
    "Options",
    "Real",
    "check_param",
    "check_params",
    "is_number",
    "make_constraint",
    "validate_params",
]

F = TypeVar("F", bound=Callable[..., Any])


def is_number(value: object) -> bool:
    """Return a real number that is not a bool (Python or numpy scalar); NaN counts here."""
    return isinstance(value, (Real, np.integer, np.floating)) and not isinstance(
        value,
        (bool, np.bool_),
    )


class Constraint:
    """One kind of accepted value; ``str(constraint)`` says it in words."""

    def is_satisfied_by(self, value: object) -> bool:  # pragma: no cover - abstract
        """Return True when ``value`` is of this kind."""
        raise NotImplementedError

    def convert(self, value: Any) -> Any:
        """Return the value as the function should use it (numbers become Python numbers)."""
        return value


class Interval(Constraint):
    """A finite number in ``[left, right]`` (ends per ``closed``; ``None``: unbounded).

    Parameters
    ----------
    type : :class:`numbers.Integral` (whole numbers; ``5.0`` is accepted as 5) or
        :class:`numbers.Real`.
    left, right : bounds, or None for no bound.
    closed : "both" (default), "left", "right" or "neither".
    unit : words after the number in messages ("metres", "records").
    """

    def __init__(
        self,
        type: type,
        left: float | None,
        right: float | None,
        *,
        closed: str = "both",
        unit: str = "",
    ) -> None:
        if type not in (Integral, Real):
            msg = "Interval type must be numbers.Integral or numbers.Real"
            raise TypeError(msg)
        if closed not in ("both", "left", "right", "neither"):
            msg = f"closed must be both, left, right or neither, not {closed!r}"
            raise ValueError(msg)
        self.type, self.left, self.right, self.closed, self.unit = type, left, right, closed, unit

    def is_satisfied_by(self, value: object) -> bool:
        """Return True for a finite number of the right type inside the interval."""
        if not is_number(value):
            return False
        v = float(value)  # type: ignore[arg-type]
        if not math.isfinite(v):
            return False
        if self.type is Integral and v != math.floor(v):
            return False
        lo_in = self.closed in ("both", "left")
        hi_in = self.closed in ("both", "right")
        above = self.left is None or v > self.left or (lo_in and v == self.left)
        below = self.right is None or v < self.right or (hi_in and v == self.right)
        return above and below

    def convert(self, value: Any) -> Any:
        """Return a Python ``int`` (whole-number interval) or ``float``."""
        return int(value) if self.type is Integral else float(value)

    def __str__(self) -> str:
        """Return the interval in words, as messages say it ("a whole number from 1 to 12")."""
        kind = "a whole number" if self.type is Integral else "a number"
        lo_in = self.closed in ("both", "left")
        hi_in = self.closed in ("both", "right")
        if self.left is not None and self.right is not None:
            lo = "from" if lo_in else "above"
            hi = "to" if hi_in else "below"
            text = f"{kind} {lo} {self.left:g} {hi} {self.right:g}"
        elif self.left is not None:
            if self.left == 0:
                text = f"{kind} of 0 or more" if lo_in else f"a positive {kind.split(' ', 1)[1]}"
            else:
                text = f"{kind} {'of at least' if lo_in else 'above'} {self.left:g}"
        elif self.right is not None:
            text = f"{kind} {'of at most' if hi_in else 'below'} {self.right:g}"
        else:
            text = f"a finite {kind.split(' ', 1)[1]}"
        return f"{text} {self.unit}".rstrip() if self.unit else text


class Options(Constraint):
    """One of a fixed set of values (strings are compared as given)."""

    def __init__(self, options: Iterable[object]) -> None:
        self.options = tuple(options)

    def is_satisfied_by(self, value: object) -> bool:
        """Return True when ``value`` equals an option of the same type."""
        try:
            return any(value == o and type(value) is type(o) for o in self.options)
        except (TypeError, ValueError):
            return False

    def __str__(self) -> str:
        """Return the options in words."""
        return "one of " + ", ".join(str(o) for o in self.options)


class Boolean(Constraint):
    """``True`` or ``False`` (also numpy's); never 0 or 1."""

    def is_satisfied_by(self, value: object) -> bool:
        """Return True for Python's or numpy's ``True`` and ``False`` only."""
        return isinstance(value, (bool, np.bool_))

    def convert(self, value: Any) -> Any:
        """Return a Python ``bool`` (numpy's too)."""
        return bool(value)

    def __str__(self) -> str:
        """Return the words "True or False"."""
        return "True or False"


class InstanceOf(Constraint):
    """An instance of a type (or of one of several types)."""

    def __init__(self, *types: type, description: str = "") -> None:
        self.types = types
        self.description = description

    def is_satisfied_by(self, value: object) -> bool:
        """Return True for an instance of one of the types."""
        return isinstance(value, self.types)

    def __str__(self) -> str:
        """Return the description, or the types' names."""
        return self.description or "an instance of " + " or ".join(t.__name__ for t in self.types)


class NoneAllowed(Constraint):
    """``None`` (usually: choose automatically)."""

    def __init__(self, meaning: str = "None") -> None:
        self.meaning = meaning

    def is_satisfied_by(self, value: object) -> bool:
        """Return True for ``None`` only."""
        return value is None

    def __str__(self) -> str:
        """Return what ``None`` means here ("None" unless told)."""
        return self.meaning


def make_constraint(spec: object) -> Constraint:
    """Return a :class:`Constraint` from a declaration.

    A declaration is a Constraint, ``None``, ``"boolean"``, a type (instance check) or a
    set/tuple/list of options.
    """
    if isinstance(spec, Constraint):
        return spec
    if spec is None:
        return NoneAllowed()
    if spec == "boolean":
        return Boolean()
    if isinstance(spec, type):
        return InstanceOf(spec)
    if isinstance(spec, (set, frozenset, tuple, list)):
        return Options(sorted(spec, key=str) if isinstance(spec, (set, frozenset)) else spec)
    msg = f"not a constraint declaration: {spec!r}"
    raise TypeError(msg)


def check_param(name: str, value: Any, constraints: Iterable[object], hint: str = "") -> Any:
    """Check one value against its declared constraints; return it as the function should use it.

    Raises
    ------
    InputError
        naming ``name``, the value and what is expected, when no constraint holds.
    """
    cons = [make_constraint(c) for c in constraints]
    for c in cons:
        if c.is_satisfied_by(value):
            return c.convert(value)
    words = [str(c) for c in cons if not isinstance(c, NoneAllowed)]
    words += [str(c) for c in cons if isinstance(c, NoneAllowed)]
    expected = words[0] if len(words) == 1 else ", ".join(words[:-1]) + " or " + words[-1]
    raise InputError(name, _shown(value), expected, hint)


def _shown(value: object, limit: int = 80) -> object:
    """``value`` as a message shows it: itself when short, else cut (text) or its type's name."""
    if isinstance(value, str):
        return value if len(value) <= limit else value[:limit] + "…"
    try:
        short = len(repr(value)) <= limit
    except Exception:  # a broken __repr__ must not hide the real error
        short = False
    return value if short else type(value).__name__


def check_params(
    params: Mapping[str, Any],
    constraints: Mapping[str, Iterable[object]],
    hints: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """Check every parameter that has declared constraints; return them converted.

    Parameters without a declaration are passed through unchanged (as in
    scikit-learn, where ``"no_validation"`` opts out).
    """
    hints = hints or {}
    out = dict(params)
    for name, value in params.items():
        if name in constraints:
            out[name] = check_param(name, value, constraints[name], hints.get(name, ""))
    return out


def validate_params(
    constraints: Mapping[str, Iterable[object]],
    hints: Mapping[str, str] | None = None,
) -> Callable[[F], F]:
    """Check the named arguments of every call against ``constraints`` (a decorator).

    The wrapped function receives the converted values (Python ``int``/``float``), and
    keeps its signature (``inspect.signature`` follows ``__wrapped__``).

    Parameters
    ----------
    constraints : per argument name, the accepted kinds of value (see :func:`make_constraint`).
    hints : per argument name, a sentence added to the message ("For example 400.").

    Raises
    ------
    TypeError
        At decoration time, when a constrained or hinted name is not a parameter of the
        function (a misspelt name would otherwise never be checked).
    """

    def decorate(func: F) -> F:
        sig = inspect.signature(func)
        unknown = sorted((set(constraints) | set(hints or {})) - set(sig.parameters))
        if unknown:
            msg = f"{func.__qualname__} has no parameter {', '.join(unknown)}"
            raise TypeError(msg)
        for cons in constraints.values():  # bad declarations fail at import, not at a call
            for c in cons:
                make_constraint(c)

        @functools.wraps(func)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            bound = sig.bind(*args, **kwargs)
            bound.apply_defaults()
            checked = check_params(
                {k: v for k, v in bound.arguments.items() if k in constraints},
                constraints,
                hints,
            )
            bound.arguments.update(checked)
            return func(*bound.args, **bound.kwargs)

        return wrapper  # type: ignore[return-value]

    return decorate


# --- constraints shared by the methods ----------------------------------------------------------

POSITIVE_METRES = Interval(Real, 0, None, closed="neither", unit="metres")
METRES_OR_ZERO = Interval(Real, 0, None, unit="metres")
LEVEL = Interval(Real, 0, 1, closed="neither")  # alpha, a share or a confidence level
PERMUTATIONS = Interval(Integral, 0, None, unit="(0 = normal approximation)")
SEED = Interval(Integral, 0, None)
MONTH_NUMBER = Interval(Integral, 1, 12, unit="(a month number)")
RECORD_COUNT = Interval(Integral, 0, None, unit="records")
