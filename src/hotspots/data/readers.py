"""What a file reader is: the interface :mod:`hotspots.data.ingest` reads every format through.

A reader turns one file's bytes into accepted rows (a partial canonical frame: the
columns its format carries, lon/lat or x/y, no wards yet) and puts every row it
refuses into a :class:`~hotspots.data.checks.Rejects` with file, row, field and
reason. :mod:`hotspots.data.ingest` owns the registry of readers (which format name
means which reader), reconciles the rows of many files and completes the records.
Readers are leaves: they import this module, :mod:`~hotspots.data.csvtext`,
:mod:`~hotspots.data.checks` and :mod:`~hotspots.data.schema`, never ``ingest`` or
one another.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol, runtime_checkable

from hotspots.data.csvtext import TableRead, read_table

if TYPE_CHECKING:
    import pandas as pd

    from hotspots.data.checks import Rejects

__all__ = ["Reader", "content_identity", "read_rows"]


@runtime_checkable
class Reader(Protocol):
    """One input format."""

    @property
    def name(self) -> str:
        """The format's name as the CLI and the app say it (``police.uk``, ``force-export``)."""
        ...

    def read(
        self,
        data: bytes,
        file_name: str,
        fallback_identity: str,
        rejects: Rejects,
    ) -> tuple[pd.DataFrame, int]:
        """One file's bytes -> (accepted rows, rows read).

        Rows refused go to ``rejects`` once each, for their first problem; rows read
        counts both. ``fallback_identity`` is the file's identity before any row is
        parsed (see :meth:`identity`). A file that cannot be read at all raises
        :class:`~hotspots.errors.FileReadError`.
        """
        ...

    def identity(self, file_name: str, accepted: pd.DataFrame, digest: str) -> str:
        """Return what the file *is*, from its content (never its name alone).

        Files with the same identity are versions of one another, the later replacing the earlier.
        ``digest`` is the hex SHA-1 of the file's bytes.
        """
        ...


def read_rows(
    data: bytes,
    file_name: str,
    required: list[str],
    rejects: Rejects,
    *,
    delimiter: str = ",",
    encoding: str = "utf-8",
    plain_columns: tuple[str, ...] = (),
) -> tuple[TableRead, int]:
    """Bytes -> (table, rows read), each malformed row (too few or too many fields) rejected.

    The step every CSV reader shares: :func:`hotspots.data.csvtext.read_table`, then its
    bad rows reported under the field ``(row)``.
    """
    tr = read_table(data, file_name, required, delimiter, encoding, plain_columns=plain_columns)
    for row, reason, raw in tr.bad_rows:
        rejects.add_one(file_name, row, "(row)", reason, raw)
    return tr, len(tr) + len(tr.bad_rows)


def content_identity(label: str, digest: str) -> str:
    """``label@<first 12 hex digits of the content hash>``: a file known by what it holds."""
    return f"{label}@{digest[:12]}"
