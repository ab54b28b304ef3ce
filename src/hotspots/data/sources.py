"""Finding input files: single CSVs, many CSVs, folder trees, and ``.zip`` archives.

data.police.uk archives unpack to ``YYYY-MM/YYYY-MM-<force>-street.csv`` (plus
``-outcomes.csv`` and ``-stop-and-search.csv``). Street files are read; the
others are skipped with a notice, never misread. Zip archives are read in place
(nothing is extracted to disk) after checks against path traversal and
decompression bombs (the checks themselves are in :mod:`hotspots.data.checks`).
"""

from __future__ import annotations

import re
import zipfile
import zlib
from collections import Counter
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING

from hotspots.data.checks import (
    MAX_FILE_MB,
    MAX_UPLOAD_MB,
    OTHER_POLICE_FILE,
    ZIP_LIMITS,
    check_zip_members,
    skip_reason,
)
from hotspots.errors import FileReadError

if TYPE_CHECKING:
    from collections.abc import Iterator
    from typing import IO


__all__ = [
    "MAX_FILE_MB",
    "MAX_UPLOAD_MB",
    "READ_LIMITS",
    "ZIP_LIMITS",
    "InputFile",
    "classify_name",
    "file_key",
    "iter_inputs",
    "skip_reason",
]

# What is really decompressed is counted as it streams (declared sizes can be forged):
# one file may not exceed ``max_file_bytes`` (the largest police.uk force-month, the Met's,
# is ~25 MB), the one limit of :data:`hotspots.data.checks.MAX_FILE_MB`. With the store's
# batches (``HOTSPOTS_BATCH_MB``) this bounds an import's peak memory whatever the archive
# expands to (benchmarks/ingest_memory.py).
READ_LIMITS = {
    "max_file_bytes": MAX_FILE_MB * 1024**2,
    "chunk": 1 << 20,
}

# "2024-01-dorset-street.csv", also as browsers save a second copy: "... (1).csv", "...-1.csv"
_STREET = re.compile(
    r"(^|/)(?P<month>\d{4}-\d{2})-(?P<force>[a-z0-9-]+?)-street(?:\s*\(\d+\)|-\d+)?\.csv$",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class InputFile:
    """One CSV to read.

    ``name`` is what messages and the store call it (the member path inside a zip
    is shown as ``archive.zip!2024-01/2024-01-dorset-street.csv``); ``file_key`` is
    the bare file name used to recognise a re-import of the same file.
    """

    name: str
    file_key: str
    kind: str  # "street", "csv" (unknown CSV: read as the chosen format), "skip"
    _path: Path | None = None
    _zip: Path | None = None
    _member: str | None = None
    _index: int | None = None  # the member's position in the archive: members are read by it
    why: str = ""  # for kind == "skip": the reason, said in the report

    def read_bytes(self, limit: int | None = None) -> bytes:
        """Return the file's bytes, never more than ``limit`` (default ``READ_LIMITS``).

        Zip members are streamed and the bytes really decompressed are counted, so a
        member whose header under-declares its size is stopped at the limit. A damaged,
        encrypted or oversized member raises ``OSError`` (like a file that cannot be
        opened), so the caller reports it and reads the other files.
        """
        limit = READ_LIMITS["max_file_bytes"] if limit is None else limit
        too_big = (
            f"larger than {limit / 1024**2:.0f} MiB; refused "
            "(split it, or import months separately)"
        )
        if self._zip is not None and self._member is not None:
            try:
                with zipfile.ZipFile(self._zip) as zf, zf.open(self._info(zf)) as fh:
                    return _read_capped(fh, limit, too_big)
            except (
                zipfile.BadZipFile,
                zlib.error,
                EOFError,
                RuntimeError,
                NotImplementedError,
            ) as exc:
                msg = f"damaged or unsupported zip member: {exc}"
                raise OSError(msg) from None
        if self._path is None:  # a "skip" entry: nothing to read
            msg = f"{self.name}: not a file to read ({self.why or self.kind})"
            raise OSError(msg)
        if self._path.stat().st_size > limit:
            raise OSError(too_big)
        return self._path.read_bytes()

    def _info(self, zf: zipfile.ZipFile) -> zipfile.ZipInfo:
        """Return this member's own ``ZipInfo``, found by position, never by name.

        Two members may share a name, and ``ZipFile.open(name)`` would give the last one both times.
        """
        infos = zf.infolist()
        if self._index is None:  # made without a position: only a name held by one member
            same = [i for i in infos if i.filename == self._member]
            if len(same) != 1:
                msg = f"{self.name}: {len(same)} members have this name; read them by position"
                raise OSError(msg)
            return same[0]
        if self._index >= len(infos):
            msg = f"{self.name}: the archive changed since it was listed"
            raise OSError(msg)
        info = infos[self._index]
        if info.filename != self._member:
            msg = f"{self.name}: the archive changed since it was listed"
            raise OSError(msg)
        return info

    def size(self) -> int:
        """Bytes this file holds (a zip member's declared size); 0 when it cannot be told."""
        try:
            if self._zip is not None and self._member is not None:
                with zipfile.ZipFile(self._zip) as zf:
                    return self._info(zf).file_size
            if self._path is not None:
                return self._path.stat().st_size
        except (OSError, zipfile.BadZipFile):
            pass
        return 0


def _read_capped(fh: IO[bytes], limit: int, message: str) -> bytes:
    chunks: list[bytes] = []
    total = 0
    while True:
        chunk = fh.read(READ_LIMITS["chunk"])
        if not chunk:
            return b"".join(chunks)
        total += len(chunk)
        if total > limit:
            raise OSError(message)
        chunks.append(chunk)


def file_key(name: str) -> str:
    """Return the name that identifies a file across imports.

    police.uk street files are keyed by month and force (``2024-01-dorset-street.csv``),
    so a renamed or re-downloaded copy of a month replaces the earlier one instead of
    adding its rows again (ASB rows have no Crime ID to recognise them by). Other files
    are keyed by their bare name.
    """
    base = name.replace("\\", "/").rsplit("/", 1)[-1]
    m = _STREET.search(base)
    if m:
        return f"{m.group('month')}-{m.group('force').lower()}-street.csv"
    return base


def classify_name(name: str) -> str:
    """Classify a file as ``street`` (police.uk street), ``skip`` or ``csv``.

    ``skip``: a police.uk file of another kind (outcomes, stop-and-search).
    """
    low = name.replace("\\", "/").lower()
    if OTHER_POLICE_FILE.search(low):
        return "skip"
    if _STREET.search(low):
        return "street"
    return "csv"


def _from_zip(path: Path) -> Iterator[InputFile]:
    try:
        zf = zipfile.ZipFile(path)
    except zipfile.BadZipFile:
        raise FileReadError(str(path), "not a valid zip archive") from None
    with zf:
        infos = check_zip_members(path, zf.infolist())
    # Every member by its own position: members may share a name (two folders' street.csv
    # zipped flat), and each is read (or reported) on its own. A repeated name gets its
    # position in the archive added, so messages and reports tell the members apart.
    seen = Counter(info.filename for info in infos)
    order = sorted(range(len(infos)), key=lambda k: (infos[k].filename, k))
    for k in order:
        info = infos[k]
        if info.is_dir():
            continue
        base = PurePosixPath(info.filename).name
        why = skip_reason(info.filename)
        label = f"{path.name}!{info.filename}"
        if seen[info.filename] > 1:
            label += f" (member {k + 1} of the archive)"
        yield InputFile(
            label,
            file_key(base),
            "skip" if why else classify_name(info.filename),
            _zip=path,
            _member=info.filename,
            _index=k,
            why=why,
        )


def iter_inputs(paths: list[str | Path]) -> Iterator[InputFile | FileReadError]:
    """Expand paths (files, folders searched recursively, zips) into input files.

    Yields :class:`FileReadError` objects (not raised) for paths that cannot be
    used, so one bad path does not stop the others.
    """
    for raw in paths:
        p = Path(raw)
        if not p.exists():
            yield FileReadError(str(p), "no such file or folder")
        elif p.is_dir():
            found = False
            for f in sorted(p.rglob("*")):
                if not f.is_file() or any(part.startswith(".") for part in f.relative_to(p).parts):
                    continue
                if f.suffix.lower() in (".csv", ".zip"):
                    found = True
                    yield from iter_inputs([f])
                else:
                    yield InputFile(str(f), f.name, "skip", _path=f, why=skip_reason(f.name))
            if not found:
                yield FileReadError(str(p), "folder holds no .csv or .zip files")
        elif p.suffix.lower() == ".zip":
            try:
                yield from _from_zip(p)
            except FileReadError as exc:
                yield exc
        else:
            why = skip_reason(p.name) if OTHER_POLICE_FILE.search(p.name.lower()) else ""
            yield InputFile(
                str(p),
                file_key(p.name),
                "skip" if why else classify_name(p.name),
                _path=p,
                why=why,
            )
