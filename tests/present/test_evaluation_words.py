"""Tests for hotspots.present.evaluation_words: the plain-English readings of an evaluation.

The readings of a whole evaluation (``group_reading``, ``evaluation_dict``,
``evaluation_table``) are checked on simulated records in tests/comparison/test_compare_evaluation.py.
"""

from __future__ import annotations

import math

import pytest

from hotspots.comparison.wdd import wdq
from hotspots.present.evaluation_words import net_effect_words, wdq_reading


class TestWdqReading:
    """Bowers and Johnson's (2003) reading of the WDQ, on their worked cases."""

    def test_diffusion(self):
        # success = 70/1000 - 100/1000 = -0.03; displacement = 190/1000 - 200/1000 = -0.01
        q = wdq(100, 70, 200, 190, 1000, 1000)
        assert wdq_reading(100, 70, 1000, 1000, q) == "diffusion of benefits"

    def test_displacement_net_loss(self):
        q = wdq(100, 70, 200, 190, 1000, 800)  # -3
        assert (
            wdq_reading(100, 70, 1000, 800, q)
            == "displacement larger than the direct effect (a net loss)"
        )

    @pytest.mark.parametrize(
        "value,words",
        [
            (1.5, "diffusion of benefits larger than the direct effect"),
            (0.0, "no displacement or diffusion"),
            (-0.5, "some displacement, smaller than the direct effect (a net benefit)"),
        ],
    )
    def test_each_band(self, value, words):
        assert wdq_reading(100, 70, 1000, 1000, value) == words

    def test_not_interpretable_or_undefined(self):
        assert "not interpretable" in wdq_reading(100, 120, 1000, 1000, -2.0)
        assert wdq_reading(100, 70, 0, 1000, 0.5).startswith("not defined")
        assert wdq_reading(100, 70, 1000, 1000, math.nan).startswith("not defined")


class TestNetEffectWords:
    def test_fewer_with_interval(self):
        assert (
            net_effect_words(263, 120, 406)
            == "about 263 fewer records than expected (95% CI 120 to 406 fewer)"
        )

    def test_more_with_interval(self):
        assert (
            net_effect_words(-40, -60, -20)
            == "about 40 more records than expected (95% CI 20 to 60 more)"
        )

    def test_interval_across_none(self):
        assert net_effect_words(10, -5, 25).endswith("(95% CI anywhere from 5 more to 25 fewer)")

    def test_undefined(self):
        assert net_effect_words(math.nan, 1, 2) == "not defined"
        assert net_effect_words(12, math.nan, 30) == "about 12 fewer records than expected"
