"""Tests for hotspots.present.palettes: stops pinned to matplotlib and ColorBrewer values."""

from __future__ import annotations

import numpy as np
import pytest

from hotspots.present import palettes as P

# --- outputs: pinned colours --------------------------------------------------------


def test_viridis_ends_match_matplotlib():
    # matplotlib _viridis_data[0] = (0.267004, 0.004874, 0.329415) -> #440154,
    # [255] = (0.993248, 0.906157, 0.143936) -> #FDE725
    assert P.VIRIDIS[0] == "#440154"
    assert P.VIRIDIS[-1] == "#FDE725"
    assert len(P.VIRIDIS) == 20


def test_cividis_stops_are_matplotlib_entries_rounded():
    # _cividis_data[0] = (0, 0.135112, 0.304751); [128] = (0.488697, 0.485318, 0.471008);
    # [255] = (0.995737, 0.909344, 0.217772); x 255, rounded.
    assert P.CIVIDIS[0] == "#00224E"
    assert P.CIVIDIS[4] == "#7D7C78"
    assert P.CIVIDIS[-1] == "#FEE838"
    assert len(P.CIVIDIS) == 9


def test_gi_colours_are_colorbrewer_rdbu7_hot_red_cold_blue():
    assert P.GI_COLOURS[3] == "#b2182b"
    assert P.GI_COLOURS[2] == "#ef8a62"
    assert P.GI_COLOURS[1] == "#fddbc7"
    assert P.GI_COLOURS[0] == "#f7f7f7"
    assert P.GI_COLOURS[-1] == "#d1e5f0"
    assert P.GI_COLOURS[-2] == "#67a9cf"
    assert P.GI_COLOURS[-3] == "#2166ac"
    assert P.gi_class_label(3) == "Hot spot, 99% confidence"
    assert P.gi_class_label(-1) == "Cold spot, 90% confidence"


def test_okabe_ito_has_the_eight_published_colours():
    assert P.OKABE_ITO == (
        "#000000", "#E69F00", "#56B4E9", "#009E73", "#F0E442", "#0072B2", "#D55E00", "#CC79A7",
    )  # fmt: skip


def test_series_colours_start_with_orange_and_cycle_after_eight():
    cols = P.series_colours(9)
    assert cols[0] == "#E69F00"
    assert cols[7] == "#000000"
    assert cols[8] == cols[0]
    assert P.series_colours(0) == []


# --- ramp ---------------------------------------------------------------------------


def test_ramp_interpolates_linearly_between_stops():
    stops = ("#000000", "#FF8000")
    out = P.ramp(np.array([0.0, 0.5, 1.0, 2.0, -1.0, np.nan]), stops)
    # 0.5 between (0,0,0) and (255,128,0) -> (127.5, 64, 0) -> rounds half to even: 128, 64, 0
    np.testing.assert_array_equal(out[0], [0, 0, 0])
    np.testing.assert_array_equal(out[1], [128, 64, 0])
    np.testing.assert_array_equal(out[2], [255, 128, 0])
    np.testing.assert_array_equal(out[3], [255, 128, 0])  # clipped
    np.testing.assert_array_equal(out[4], [0, 0, 0])
    np.testing.assert_array_equal(out[5], [0, 0, 0])  # NaN -> 0
    assert out.dtype == np.uint8


def test_ramp_hits_every_viridis_stop_exactly():
    t = np.linspace(0, 1, len(P.VIRIDIS))
    out = P.ramp(t, P.VIRIDIS)
    assert [P.hex_to_rgb(c) for c in P.VIRIDIS] == [tuple(int(v) for v in row) for row in out]


def test_hex_to_rgb_rejects_short_colours():
    assert P.hex_to_rgb("#D55E00") == (213, 94, 0)
    with pytest.raises(ValueError):
        P.hex_to_rgb("#abc")
