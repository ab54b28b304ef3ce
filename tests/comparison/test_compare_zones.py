"""Tests for hotspots.comparison.zones: the target, its ring and the control."""

from __future__ import annotations

import math

import pytest
import shapely

from hotspots.comparison.zones import evaluation_zones
from hotspots.errors import InputError


class TestInputs:
    @pytest.mark.parametrize("buffer_m", [-1, math.nan, "400", True])
    def test_bad_buffer(self, buffer_m):
        with pytest.raises(InputError, match="buffer_m"):
            evaluation_zones("town-centre", buffer_m=buffer_m)

    def test_target_cannot_be_bcp(self):
        with pytest.raises(InputError, match="target"):
            evaluation_zones("bcp")


class TestZones:
    def test_ring_and_control_disjoint(self):
        z = evaluation_zones("town-centre", buffer_m=400)
        t, ring, c = z.target.geometry, z.buffer, z.control.geometry
        assert shapely.intersection(t, ring).area < 1
        assert shapely.intersection(c, ring).area < 1 and shapely.intersection(c, t).area < 1
        assert 0.3 < z.target.area_km2 < 0.6 and z.buffer_area_km2 > 1
        assert z.control.name == "the rest of BCP"

    def test_no_ring(self):
        z = evaluation_zones("town-centre", buffer_m=0)
        assert z.buffer.is_empty

    def test_chosen_control(self):
        z = evaluation_zones("town-centre", control="Poole")
        assert z.control.name == "Poole" and z.control.area_km2 > 10
