"""Fixtures for the data-layer tests: hand-made police.uk files and real samples.

Files are built in ``tmp_path`` by the tests themselves; every store a test writes
lives under ``tmp_path`` (``HOTSPOTS_STORE`` is pointed there).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import pytest
from pyproj import Transformer

if TYPE_CHECKING:
    from pathlib import Path

HEADER = (
    "Crime ID,Month,Reported by,Falls within,Longitude,Latitude,Location,"
    "LSOA code,LSOA name,Crime type,Last outcome category,Context"
)

# Reference points (WGS84 lon, lat), independent of the project's gazetteer.
POOLE_BUS_STATION = (-1.9785, 50.7180)  # Poole Town ward
BOURNEMOUTH_SQUARE = (-1.8796, 50.7202)  # Bournemouth Central ward
CHRISTCHURCH_HIGH_ST = (-1.77751, 50.73466)  # Christchurch Town ward
DORCHESTER = (-2.4367, 50.7154)  # Dorset, outside BCP
NEWPORT_IOW = (-1.2920, 50.6993)  # Isle of Wight, outside Dorset

_TO_BNG = Transformer.from_crs("EPSG:4326", "EPSG:27700", always_xy=True)


def bng(lon: float, lat: float) -> tuple[float, float]:
    """WGS84 -> British National Grid metres, straight from pyproj."""
    x, y = _TO_BNG.transform(lon, lat)
    return float(x), float(y)


@dataclass
class StreetFiles:
    """Builds police.uk street CSVs in a folder."""

    folder: Path
    geodata: Path

    header = HEADER

    @staticmethod
    def row(
        crime_id: str = "",
        month: str = "2024-01",
        lon: str | float = POOLE_BUS_STATION[0],
        lat: str | float = POOLE_BUS_STATION[1],
        category: str = "Anti-social behaviour",
        location: str = "On or near Poole Bus Station",
        force: str = "Dorset Police",
        lsoa_code: str = "E01015431",
        lsoa_name: str = '"Bournemouth, Christchurch and Poole 001A"',
        outcome: str = "",
    ) -> str:
        return (
            f"{crime_id},{month},{force},{force},{lon},{lat},{location},"
            f"{lsoa_code},{lsoa_name},{category},{outcome},"
        )

    def write(self, name: str, rows: list[str], header: str | None = HEADER) -> Path:
        path = self.folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        lines = ([header] if header is not None else []) + rows
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        return path

    def real_lines(self, month: str) -> list[str]:
        """Data lines (no header) of a bundled real month, as in the file."""
        text = (self.geodata / "police_uk" / f"{month}-dorset-street.csv").read_text("utf-8")
        return text.splitlines()[1:]

    def sample(self, month: str, n: int, name: str | None = None) -> Path:
        """The header and the first ``n`` data lines of a real month, written to the folder."""
        return self.write(name or f"{month}-dorset-street.csv", self.real_lines(month)[:n])


PLACES = {
    "Poole Bus Station": POOLE_BUS_STATION,
    "Bournemouth Square": BOURNEMOUTH_SQUARE,
    "Christchurch High Street": CHRISTCHURCH_HIGH_ST,
    "Dorchester": DORCHESTER,
    "Newport IoW": NEWPORT_IOW,
}


@pytest.fixture(scope="session")
def places() -> dict[str, tuple[float, float]]:
    """Reference points (lon, lat) by name; Dorchester and Newport IoW are outside BCP."""
    return dict(PLACES)


@pytest.fixture(scope="session")
def to_bng():
    """``to_bng(lon, lat) -> (x, y)``: pyproj WGS84 -> EPSG:27700, independent of the project."""
    return bng


@pytest.fixture
def street(tmp_path, geodata_dir) -> StreetFiles:
    folder = tmp_path / "in"
    folder.mkdir()
    return StreetFiles(folder, geodata_dir)


@pytest.fixture
def store_root(tmp_path, monkeypatch) -> Path:
    """A private HOTSPOTS_STORE for one test."""
    root = tmp_path / "stores"
    monkeypatch.setenv("HOTSPOTS_STORE", str(root))
    return root


@pytest.fixture(scope="session")
def boundaries():
    from hotspots.data.boundaries import load_boundaries

    return load_boundaries()


@pytest.fixture(scope="session")
def zip_bomb(tmp_path_factory) -> Path:
    """A zip whose one member is 50 MB of zeros (compresses about 1000x)."""
    import zipfile

    path = tmp_path_factory.mktemp("bomb") / "2024-01-bomb.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("2024-01/2024-01-dorset-street.csv", bytes(50 * 1024 * 1024))
    return path
