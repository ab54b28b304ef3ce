"""Tests for hotspots.comparison.evaluation: evaluate() on simulated and real records."""

from __future__ import annotations

import json
import math

import pytest
import shapely

from hotspots.comparison.evaluation import (
    evaluate,
    wdq,
)
from hotspots.errors import InputError
from hotspots.present.evaluation_words import (
    evaluation_dict,
    evaluation_table,
    group_reading,
    wdq_meaning,
)

BEFORE, AFTER = "2021-04:2021-08", "2022-04:2022-08"


# ============================================================================ inputs
class TestInputs:
    def test_window_without_data(self, sim_short):
        with pytest.raises(InputError, match="before"):
            evaluate(sim_short.records, "town-centre", before="2019-01:2019-02", after=AFTER)


# ============================================================================ outputs
class TestEvaluate:
    def test_zone_counts_match_simulator_truth(self, sim_short):
        """Evaluated on the truth's own target outline, the zone counts are the truth's."""
        from hotspots.data.areas import Area

        t = sim_short.truth["target"]
        target = Area("true target", "polygon", "truth", shapely.from_wkt(t["wkt_27700"]))
        e = evaluate(
            sim_short.records,
            target,
            before=BEFORE,
            after=AFTER,
            buffer_m=sim_short.ring_m,
        )
        truth = sim_short.truth["windows_summary"]
        for g, kind in zip(e.groups, ("crime", "asb"), strict=True):
            for zone, (b, a) in {
                "target": (g.target_before, g.target_after),
                "ring": (g.buffer_before, g.buffer_after),
                "control": (g.control_before, g.control_after),
            }.items():
                assert (b, a) == (
                    truth[zone][kind]["before"]["observed"],
                    truth[zone][kind]["after"]["observed"],
                )

    def test_tool_polygon_differs_from_the_truth(self, sim_short):
        """The tool's town-centre polygon lies inside the simulator's larger outline: its
        target holds fewer records than the truth's, and the relative effect still holds the
        true effect.
        """
        e = evaluate(sim_short.records, "town-centre", before=BEFORE, after=AFTER)
        truth = sim_short.truth
        for g, kind in zip(e.groups, ("crime", "asb"), strict=True):
            assert g.target_before < truth["windows_summary"]["target"][kind]["before"]["observed"]
            f = truth["effects"][kind]["factor"]
            assert g.relative.ci_low <= f <= g.relative.ci_high

    def test_outputs_consistent(self, sim_short):
        e = evaluate(sim_short.records, "town-centre", before=BEFORE, after=AFTER)
        assert [g.label for g in e.groups] == ["crime", "anti-social behaviour"]
        for g in e.groups:
            assert g.net_effect == pytest.approx(-g.wdd.total)
            assert g.wdq == pytest.approx(
                wdq(
                    g.target_before,
                    g.target_after,
                    g.buffer_before,
                    g.buffer_after,
                    g.control_before,
                    g.control_after,
                ),
            )
            assert g.relative.ratio == pytest.approx(
                (g.target_after / g.target_before) / (g.control_after / g.control_before),
            )
            reading = group_reading(e, g)
            assert reading.startswith(("Crime in Town-centre", "Anti-social behaviour in Town"))
            assert " fell by about " in reading and "compared with the rest of BCP" in reading
            # the flat names read through to the composed results
            assert (g.target_before, g.buffer_after) == (
                g.counts.target_before,
                g.counts.buffer_after,
            )
            assert g.target_change is g.changes.target and g.relative is g.effect.relative
            assert g.wdd is g.displacement.wdd and g.wdq_ci == g.displacement.wdq_ci
        d = json.loads(json.dumps(e.to_dict(), allow_nan=False))
        keys = {
            "wdd",
            "wdd_ci_low",
            "wdd_ci_high",
            "wdq",
            "net_effect",
            "relative_effect_pct",
            "spillover",
            "wdd_raw",
            "wdd_scaled",
            "wdq_ci_low",
            "wdq_ci_high",
            "dispersion",
            "relative_poisson_ci_low",
            "relative_poisson_ci_high",
        }
        assert keys <= set(d["groups"][0])
        assert list(e.table()["group"]) == ["crime", "anti-social behaviour"]
        # the words are added in the presentation layer
        assert "reading" not in d["groups"][0]
        words = evaluation_dict(e)["groups"]
        assert [w["reading"] for w in words] == [group_reading(e, g) for g in e.groups]
        assert [w["wdq_meaning"] for w in words] == [wdq_meaning(g) for g in e.groups]
        tab = evaluation_table(e)
        assert list(tab.columns).index("wdq_meaning") == list(tab.columns).index("wdq_ci_high") + 1

    def test_types_select_groups(self, sim_short):
        e = evaluate(sim_short.records, "town-centre", before=BEFORE, after=AFTER, categories="asb")
        assert [g.label for g in e.groups] == ["anti-social behaviour"]
        e2 = evaluate(
            sim_short.records,
            "town-centre",
            before=BEFORE,
            after=AFTER,
            categories="Drugs,asb",
        )
        assert [g.label for g in e2.groups] == ["drugs", "anti-social behaviour"]

    def test_no_ring(self, sim_short):
        e = evaluate(sim_short.records, "town-centre", before=BEFORE, after=AFTER, buffer_m=0)
        g = e.groups[0]
        assert g.spillover == "none" and g.buffer_before == 0 and math.isnan(g.wdq)

    def test_real_data_unequal_windows(self, bundled, bundled_store):
        e = evaluate(
            bundled, "town-centre", before="2019-01:2019-03", after="2024-01:2024-03",
            available_months=bundled_store.months(),
        )  # fmt: skip
        assert any("2019-03" in n for n in e.notes)
        g = e.groups[0]
        assert (g.months_before, g.months_after) == (2, 3)
        # the relative effect and WDQ do not depend on window lengths; the WDD uses time weights
        assert g.relative.ratio == pytest.approx(
            (g.target_after / g.target_before) / (g.control_after / g.control_before),
        )
        assert g.net_effect == pytest.approx(
            g.target_before * g.control_after / g.control_before - g.target_after
            + g.buffer_before * g.control_after / g.control_before - g.buffer_after,
        )  # fmt: skip
        json.dumps(e.to_dict(), allow_nan=False)


@pytest.mark.slow
class TestRecovery:
    """On simulated data the evaluation recovers the true effects (about 15 s)."""

    def test_true_effect_in_interval_and_spillover_sign(self):
        from hotspots.data.simulate import ASB_EFFECT_PCT, CRIME_EFFECT_PCT, simulate

        true = {
            "crime": 1 + CRIME_EFFECT_PCT / 100,
            "anti-social behaviour": 1 + ASB_EFFECT_PCT / 100,
        }
        inside = dict.fromkeys(true, 0)
        sign_ok = dict.fromkeys(true, 0)
        for seed in range(20):
            sim = simulate(seed=seed, start="2021-04", end="2022-08")  # spill-over -10%: diffusion
            assert sim.truth["spillover"]["kind"] == "diffusion of benefits"
            e = evaluate(
                sim.records,
                "town-centre",
                before=BEFORE,
                after=AFTER,
                buffer_m=sim.ring_m,
            )
            for g in e.groups:
                inside[g.label] += g.relative.ci_low <= true[g.label] <= g.relative.ci_high
                sign_ok[g.label] += g.spillover == "diffusion of benefits"
        assert inside["crime"] >= 18 and inside["anti-social behaviour"] >= 18, inside
        assert sign_ok["crime"] >= 18 and sign_ok["anti-social behaviour"] >= 18, sign_ok

    def test_interval_coverage_with_poisson_and_overdispersed_counts(self):
        """Issue 9: over many seeds the 95% interval of the relative effect holds the true
        effect in 90-98% of them, with Poisson and with overdispersed counts (about 15 s).
        The Poisson-only interval's coverage under overdispersion is printed (it is far lower).

        400 seeds each (the Poisson case had 1,000): a share's standard error at a true 95% is
        1.1 points, so the band is -4.6 to +2.7 standard errors wide; an interval whose true
        coverage is 85% (or 99.5%) passes with probability 0.3% (< 0.01%). Seeds 0-399 give
        96.0% / 94.75% (crime / ASB, Poisson); seeds 0-999 gave 95.9% / 94.3%.
        """
        from hotspots.comparison.calibration import relative_effect_coverage

        pois = relative_effect_coverage(400, dispersion=1.0)
        over = relative_effect_coverage(400, dispersion=2.5)
        print(f"\ncoverage, Poisson counts (400 seeds): {pois}")
        print(f"coverage, overdispersed counts (400 seeds): {over}")
        for kind in ("crime", "asb"):
            assert 0.90 <= pois[kind]["model"] <= 0.98, pois
            assert 0.90 <= over[kind]["model"] <= 0.98, over
            assert over[kind]["poisson"] < 0.85, over  # what the Poisson-only interval would give
            assert over[kind]["median_dispersion"] > 2

    def test_coverage_end_to_end_through_simulate_import_evaluate(self, tmp_path):
        """Issue 19: 40 seeds through the whole pipeline (simulate -> police.uk CSVs -> import
        into a store -> evaluate the Seasonal Response 2022), overdispersed counts: the 95%
        interval of the relative effect holds the truth in at least 85% of seeds for crime
        and for ASB (about 4 minutes; benchmarks/coverage_pipeline.py runs 200). Seeds 0-39
        cover crime in 90% and ASB in 95% with each zone's own dispersion from its snap points
        (82.5% for crime with the zone model's one dispersion on 8 df).
        """
        from hotspots.comparison.calibration import pipeline_coverage

        res = pipeline_coverage(40, 2.5, workdir=tmp_path)
        print({k: v for k, v in res.items() if k != "rows"})
        for kind in ("crime", "asb"):
            assert res[kind]["relative"] >= 0.85, res[kind]
            assert res[kind]["wdd"] >= 0.85, res[kind]

    def test_displacement_read(self):
        from hotspots.data.simulate import simulate

        for seed in range(3):
            sim = simulate(seed=seed, start="2021-04", end="2022-08", spillover=0.15)
            e = evaluate(
                sim.records,
                "town-centre",
                before=BEFORE,
                after=AFTER,
                buffer_m=sim.ring_m,
            )
            assert [g.spillover for g in e.groups] == ["displacement"] * 2
            assert all(g.wdq < 0 for g in e.groups)
