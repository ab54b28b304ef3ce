"""Tests for hotspots.present.evaluation_words: the plain-English readings of an evaluation.

The readings of a whole evaluation (``group_reading``, ``evaluation_dict``,
``evaluation_table``) are checked on simulated records in tests/comparison/test_compare_evaluation.py.
"""

from __future__ import annotations

import math

import pytest

from hotspots.comparison.wdd import wdq
from hotspots.present.evaluation_words import NOT_APPLICABLE, net_effect_words, wdq_reading


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


class TestSmallCountsAsCounts:
    def test_counts_not_percentages_over_300(self):
        from hotspots.present.evaluation_words import count_change_words

        assert count_change_words(1, 17, 1600.0) == "went from 1 to 17 records"
        assert count_change_words(3, 5, 66.7) == "went from 3 to 5 records"  # below 5: counts
        assert count_change_words(20, 100, 400.0) == "went from 20 to 100 records"
        assert count_change_words(721, 503, -30.2) == "fell 30% (721 to 503)"
        assert count_change_words(0, 4, float("inf")) == "went from none to 4"


def test_cli_table_and_reading_agree_on_the_simulated_seasonal_response(capsys):
    """Issue 19 acceptance: the table's spillover and WDQ words are the reading's, group by
    group, and a WDQ whose interval includes 0 is never read as diffusion or displacement.
    """
    import json

    from hotspots.cli import main

    args = ["evaluate", "--intervention", "Seasonal Response", "--year", "2022",
            "--dataset", "simulated"]  # fmt: skip
    assert main([*args, "--format", "json"]) == 0
    groups = json.loads(capsys.readouterr().out)["groups"]
    assert main(args) == 0
    lines = capsys.readouterr().out.splitlines()
    row = {ln.split()[0]: ln for ln in lines if ln.strip() and not ln.startswith(" " * 30)}
    spill_row = next(ln for ln in lines if ln.strip().startswith("spillover "))
    wdq_row = next(ln for ln in lines if ln.strip().startswith("wdq_meaning "))
    readings = [ln for ln in lines if ln.startswith(("Crime in", "Anti-social behaviour in"))]
    assert len(readings) == len(groups) == 2 and row
    for reading, g in zip(readings, groups, strict=True):
        assert reading == g["reading"]
        spill = g["spillover_reading"]
        joiner = "; " if spill == NOT_APPLICABLE else ": "  # one sentence, never ": n/a: …"
        assert f"{joiner}{spill}." in reading and spill in spill_row  # the table says the same
        assert g["wdq_meaning"] in wdq_row
        if "too uncertain" in g["wdq_meaning"]:
            assert spill.startswith("no clear") or "the WDQ) is unclear" in spill
        # the effect leads, in words and the table's number
        pct = g["relative_effect_pct"]
        verb = "fell" if pct < 0 else "rose"
        assert f"{verb} by about {abs(pct):.0f}%" in reading.split(" compared with")[0]
    # raw and scaled WDD are behind "details", one sentence each, not in the reading
    assert not any("WDD" in r for r in readings)
    assert sum(ln.startswith("details (") and "WDD" in ln for ln in lines) == 4
