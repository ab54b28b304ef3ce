"""The one exception type the UI and the CLI show to people.

Messages say what was expected, what was received and what to do, and name the
file, row and field where there is one.
"""

from __future__ import annotations

__all__ = [
    "AccessDeniedError",
    "FileReadError",
    "HotspotsError",
    "InputError",
    "NoDataError",
    "StoreBusyError",
    "StoreDamagedError",
]


class HotspotsError(Exception):
    """Base class for errors meant to be shown to a user (``st.error``, CLI stderr)."""


class InputError(HotspotsError, ValueError):
    """A bad argument or setting: names the argument, what was received and a hint."""

    def __init__(self, argument: str, received: object, expected: str, hint: str = "") -> None:
        self.argument = argument
        self.received = received
        self.expected = expected
        self.hint = hint
        msg = f"`{argument}` must be {expected}; received {received!r}."
        if hint:
            msg += f" {hint}"
        super().__init__(msg)


class FileReadError(HotspotsError):
    """A whole file could not be read (empty, binary, wrong header, delimiter or encoding)."""

    def __init__(self, path: str, problem: str) -> None:
        self.path = str(path)
        self.problem = problem
        super().__init__(f"{self.path}: {problem}")


class NoDataError(HotspotsError):
    """There is nothing to work on: an unknown dataset, or a window or area with no records.

    The CLI exits 1 on it (a result that silently says "0" would mislead).
    """


class StoreBusyError(HotspotsError):
    """Another process held the store's writer lock for longer than the timeout."""


class StoreDamagedError(HotspotsError):
    """The store's manifest names files that are missing (repair with ``hotspots repair``)."""


class ShrinkRefusedError(HotspotsError):
    """An import would remove more of a month's rows than a replacement may unasked.

    ``--replace-smaller`` asks. ``months`` lists each such month: ``month``,
    ``rows_before``, ``rows_after``, ``rows_removed``, ``current_version``.
    """

    def __init__(self, message: str, months: list[dict]) -> None:
        super().__init__(message)
        self.months = months


class AccessDeniedError(HotspotsError):
    """The signed-in person may not read, change or delete this dataset.

    The message names the dataset and the role needed, never the dataset's content.
    """
