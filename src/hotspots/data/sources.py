"""Finding input files: single CSVs, many CSVs, folder trees, and ``.zip`` archives.

data.police.uk archives unpack to ``YYYY-MM/YYYY-MM-<force>-street.csv`` (plus
``-outcomes.csv`` and ``-stop-and-search.csv``). Street files are read; the
others are skipped with a notice, never misread. Zip archives are read in place
(nothing is extracted to disk) after checks against path traversal and
decompression bombs.
"""

from __future__ import annotations

import re
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from hotspots.errors import FileReadError

__all__ = ["InputFile", "iter_inputs", "classify_name", "file_key", "ZIP_LIMITS"]

# Refuse archives that would expand beyond these limits.
ZIP_LIMITS = {
    "max_members": 10_000,
    "max_total_bytes": 4 * 1024**3,  # 4 GiB uncompressed
    "max_ratio": 200.0,  # uncompressed / compressed, per member (CSV compresses ~10x)
}

# "2024-01-dorset-street.csv", also as browsers save a second copy: "... (1).csv", "...-1.csv"
_STREET = re.compile(
    r"(^|/)(?P<month>\d{4}-\d{2})-(?P<force>[a-z0-9-]+?)-street(?:\s*\(\d+\)|-\d+)?\.csv$", re.I
)
_OTHER_POLICE = re.compile(r"-(outcomes|stop-and-search)\.csv$", re.I)


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

    def read_bytes(self) -> bytes:
        """The file's bytes. A damaged or encrypted zip member raises ``OSError`` (like a
        file that cannot be opened), so the caller reports it and reads the other files."""
        if self._zip is not None:
            try:
                with zipfile.ZipFile(self._zip) as zf:
                    return zf.read(self._member)
            except (
                zipfile.BadZipFile,
                zlib.error,
                EOFError,
                RuntimeError,
                NotImplementedError,
            ) as exc:
                raise OSError(f"damaged or unsupported zip member: {exc}") from None
        return self._path.read_bytes()


def file_key(name: str) -> str:
    """The name that identifies a file across imports.

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
    """``street`` for police.uk street files, ``skip`` for outcomes / stop-and-search, else ``csv``."""
    low = name.replace("\\", "/").lower()
    if _OTHER_POLICE.search(low):
        return "skip"
    if _STREET.search(low):
        return "street"
    return "csv"


def _check_zip(path: Path, zf: zipfile.ZipFile) -> list[zipfile.ZipInfo]:
    infos = zf.infolist()
    if len(infos) > ZIP_LIMITS["max_members"]:
        raise FileReadError(
            str(path), f"zip has {len(infos)} members; refused (limit {ZIP_LIMITS['max_members']})"
        )
    total = 0
    for info in infos:
        p = PurePosixPath(info.filename.replace("\\", "/"))
        if p.is_absolute() or ".." in p.parts or re.match(r"^[A-Za-z]:", info.filename):
            raise FileReadError(
                str(path), f"zip member {info.filename!r} has an unsafe path; archive refused"
            )
        total += info.file_size
        if info.compress_size > 0 and info.file_size / info.compress_size > ZIP_LIMITS["max_ratio"]:
            raise FileReadError(
                str(path),
                f"zip member {info.filename!r} expands {info.file_size / info.compress_size:.0f}x; "
                "refused as a possible decompression bomb",
            )
    if total > ZIP_LIMITS["max_total_bytes"]:
        raise FileReadError(
            str(path), f"zip would expand to {total / 1024**3:.1f} GiB; refused (limit 4 GiB)"
        )
    return infos


def _from_zip(path: Path) -> Iterator[InputFile]:
    try:
        zf = zipfile.ZipFile(path)
    except zipfile.BadZipFile:
        raise FileReadError(str(path), "not a valid zip archive") from None
    with zf:
        infos = _check_zip(path, zf)
    for info in sorted(infos, key=lambda i: i.filename):
        if info.is_dir() or not info.filename.lower().endswith(".csv"):
            continue
        base = PurePosixPath(info.filename).name
        yield InputFile(
            f"{path.name}!{info.filename}",
            file_key(base),
            classify_name(info.filename),
            _zip=path,
            _member=info.filename,
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
                if f.is_file() and f.suffix.lower() in (".csv", ".zip"):
                    found = True
                    yield from iter_inputs([f])
            if not found:
                yield FileReadError(str(p), "folder holds no .csv or .zip files")
        elif p.suffix.lower() == ".zip":
            try:
                yield from _from_zip(p)
            except FileReadError as exc:
                yield exc
        else:
            yield InputFile(str(p), file_key(p.name), classify_name(p.name), _path=p)
