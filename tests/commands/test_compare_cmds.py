"""Tests for the comparison CLI commands: compare, evaluate, tables, change."""

from __future__ import annotations

import io
import json

import pandas as pd
import pytest

from hotspots.cli import main


def run(capsys, *argv: str) -> tuple[int, str, str]:
    rc = main(list(argv))
    out = capsys.readouterr()
    return rc, out.out, out.err


# ============================================================================ inputs
class TestInputs:
    def test_window_without_data(self, capsys):
        rc, _, err = run(capsys, "compare", "--a", "2030-01:2030-02", "--b", "2024-01:2024-02")
        assert rc == 2
        assert "at least one month of data" in err and "2018-10" in err

    def test_one_window_only(self, capsys):
        rc, _, err = run(capsys, "compare", "--a", "2019-01:2019-02")
        assert rc == 2 and "both windows or neither" in err

    def test_bad_area(self, capsys):
        rc, _, err = run(capsys, "compare", "--area", "Atlantis")
        assert rc == 2 and "`area`" in err

    def test_evaluate_needs_target(self, capsys):
        rc, _, err = run(
            capsys,
            "evaluate",
            "--before",
            "2019-01:2019-02",
            "--after",
            "2024-01:2024-02",
        )
        assert rc == 2 and "--target" in err

    def test_evaluate_refuses_overlapping_windows(self, capsys):
        rc, _, err = run(
            capsys, "evaluate", "--target", "town-centre", "--before", "2019-01:2019-02",
            "--after", "2019-02:2024-02",
        )  # fmt: skip
        assert rc == 2 and "does not overlap" in err and "No verdict" in err and "both sides" in err

    def test_compare_refuses_overlapping_windows(self, capsys):
        """Issue 19: no comparison between overlapping windows, the window model's message."""
        rc, _, err = run(capsys, "compare", "--a", "2018-10:2019-02", "--b", "2019-01:2024-03")
        assert rc == 2 and "No verdict" in err and "Jan–Feb 2019" in err

    def test_bad_financial_year(self, capsys):
        rc, _, err = run(capsys, "tables", "--year", "2023/25")
        assert rc == 2 and "financial year" in err


# ============================================================================ outputs
class TestCompare:
    def test_default_windows_json(self, capsys):
        rc, out, _ = run(capsys, "compare", "--format", "json")
        d = json.loads(out)
        assert rc == 0
        assert (d["window_a"], d["window_b"]) == ("2019-01:2019-02", "2024-01:2024-02")
        assert (
            d["notes"][0].startswith("windows chosen from the data")
            and "5 years apart" in d["notes"][0]
        )
        assert {"count_a", "count_b", "pct_change", "ci_low", "ci_high", "p_value"} <= set(d)

    def test_overdispersion_widens_the_interval(self, capsys):
        """Acceptance (issues 9, 19): dispersion > 1 with its 95% range and the df it rests on,
        pooled over BCP's wards (df >= 50); the interval wider than the Poisson one by sqrt(φ).
        """
        rc, out, _ = run(
            capsys, "compare", "--a", "2019-01:2019-02", "--b", "2024-01:2024-02", "--format", "json",
        )  # fmt: skip
        d = json.loads(out)
        assert (
            rc == 0 and d["dispersion"] > 1 and d["dispersion_pooled"] and d["dispersion_df"] >= 50
        )
        assert 1 < d["dispersion_ci_low"] < d["dispersion"] < d["dispersion_ci_high"]
        width = d["ci_high"] - d["ci_low"]
        poisson = d["poisson_ci_high"] - d["poisson_ci_low"]
        assert width > 1.3 * poisson and "95% range" in d["dispersion_source"]
        assert d["poisson_p_value"] < d["p_value"]
        assert "assumes Poisson counts" in d["poisson_note"]
        assert "dispersion" in d["dispersion_source"]

    def test_missing_month_and_town(self, capsys):
        rc, out, _ = run(
            capsys, "compare", "--a", "2019-01:2019-03", "--b", "2024-01:2024-03", "--area", "Poole",
            "--types", "asb", "--format", "json",
        )  # fmt: skip
        d = json.loads(out)
        assert rc == 0 and d["area"] == "Poole" and d["categories"] == ["Anti-social behaviour"]
        assert d["missing_months_a"] == ["2019-03"] and (d["months_a"], d["months_b"]) == (2, 3)
        assert d["pct_change"] == pytest.approx(
            100 * ((d["count_b"] / 3) / (d["count_a"] / 2) - 1),
            rel=1e-3,
        )
        assert any("2019-03 is missing" in n for n in d["notes"])

    def test_csv_and_table(self, capsys):
        rc, out, _ = run(
            capsys,
            "compare",
            "--a",
            "2019-01:2019-02",
            "--b",
            "2024-01:2024-02",
            "--format",
            "csv",
        )
        t = pd.read_csv(io.StringIO(out))
        assert rc == 0 and len(t) == 15  # 14 categories and the total
        assert t["count_a"].iloc[:-1].sum() == t["count_a"].iloc[-1]
        rc, out, _ = run(capsys, "compare", "--a", "2019-01:2019-02", "--b", "2024-01:2024-02")
        assert (
            rc == 0 and "Crime and ASB in BCP fell" in out and "Total (selected categories)" in out
        )


class TestEvaluate:
    def test_json(self, capsys):
        rc, out, _ = run(
            capsys, "evaluate", "--target", "town-centre", "--before", "2019-01:2019-02",
            "--after", "2024-01:2024-02", "--format", "json",
        )  # fmt: skip
        d = json.loads(out)
        assert rc == 0 and d["buffer_m"] == 400 and d["control"] == "the rest of BCP"
        assert [g["group"] for g in d["groups"]] == ["crime", "anti-social behaviour"]
        g = d["groups"][0]
        for k in (
            "wdd",
            "wdd_ci_low",
            "wdd_ci_high",
            "wdq",
            "net_effect",
            "relative_effect_pct",
            "reading",
        ):
            assert k in g
        assert g["net_effect"] == pytest.approx(-g["wdd"])
        # acceptance (issue 9): both WDDs, the WDQ interval and the dispersion, for each group
        for g in d["groups"]:
            for k in ("wdd_raw", "wdd_scaled", "wdq", "wdq_ci_low", "wdq_ci_high", "dispersion"):
                assert k in g, k
            assert g["wdd_scaled"] == g["wdd"] and "Wheeler" in g["wdd_raw_formula"]
            assert g["wdq_ci_low"] is None or g["wdq_ci_low"] <= g["wdq"] <= g["wdq_ci_high"]
            assert g["dispersion"] > 0 and "relative_poisson_ci_low" in g

    def test_intervention_from_register(self, capsys):
        rc, out, _ = run(
            capsys, "evaluate", "--dataset", "simulated", "--intervention", "Seasonal Response",
            "--format", "json",
        )  # fmt: skip
        d = json.loads(out)
        assert rc == 0 and (d["before"], d["after"]) == ("2021-04:2021-08", "2022-04:2022-08")
        assert d["target_spec"] == "town-centre"

    def test_table_with_control_and_types(self, capsys):
        rc, out, _ = run(
            capsys, "evaluate", "--target", "town-centre", "--buffer-m", "300", "--control", "Poole",
            "--before", "2019-01:2019-02", "--after", "2024-01:2024-02", "--types", "asb",
        )  # fmt: skip
        assert rc == 0 and "ring 300 m" in out and "control: Poole" in out
        assert "anti-social behaviour" in out and "wdd" in out


class TestTables:
    def test_quarterly_markdown_default(self, capsys):
        rc, out, _ = run(capsys, "tables")
        assert rc == 0 and out.startswith(
            "### Quarterly indicators 2023/24 against baseline 2018/19",
        )

    def test_asb_subtypes_html_and_file(self, capsys, tmp_path):
        f = tmp_path / "asb.html"
        rc, _, err = run(
            capsys,
            "tables",
            "--kind",
            "asb-subtypes",
            "--format",
            "html",
            "--out",
            str(f),
        )
        html = f.read_text(encoding="utf-8")
        assert rc == 0 and "wrote" in err
        assert html.startswith('<table class="hotspots-table">') and "no ASB subtypes" in html

    def test_quarterly_csv_indicators(self, capsys):
        rc, out, _ = run(
            capsys, "tables", "--format", "csv", "--year", "2023/24", "--baseline-year", "2018",
            "--indicators", "total crime,Drugs",
        )  # fmt: skip
        t = pd.read_csv(io.StringIO(out))
        assert rc == 0 and t["indicator"].tolist() == ["police.uk crime records", "Drugs"]


class TestChange:
    def test_json(self, capsys):
        rc, out, _ = run(capsys, "change", "--a", "2019-01:2019-02", "--b", "2024-01:2024-02")
        d = json.loads(out)
        p = d["parameters"]  # the one exporter's JSON: what was done, then the cells
        assert rc == 0 and p["cell_size_m"] == 100 and p["distance_m"] == 300
        assert sum(p["class_counts"].values()) == p["n_cells"]
        assert len(d["cells"]) == p["n_cells"] - p["class_counts"]["none"]
        assert {c["change"] for c in d["cells"]} <= {"persistent", "emerging", "former"}

    def test_geojson_wgs84(self, capsys):
        rc, out, _ = run(capsys, "change", "--cell-size-m", "200", "--format", "geojson")
        fc = json.loads(out)
        assert (
            rc == 0 and fc["type"] == "FeatureCollection" and fc["parameters"]["cell_size_m"] == 200
        )
        assert fc["features"] and {f["properties"]["change"] for f in fc["features"]} <= {
            "persistent", "emerging", "former",
        }  # fmt: skip
        lon, lat = fc["features"][0]["geometry"]["coordinates"][0][0]
        assert -2.1 < lon < -1.6 and 50.6 < lat < 50.8

    def test_csv_all_cells(self, capsys):
        rc, out, err = run(
            capsys,
            "change",
            "--cell-size-m",
            "500",
            "--format",
            "csv",
            "--all-cells",
        )
        t = pd.read_csv(io.StringIO(out))
        cols = {"cell_id", "change", "x_centre", "y_centre", "lon", "lat"}
        assert rc == 0 and cols <= set(t.columns)
        assert (t["change"] == "none").any()
        side = json.loads(err)  # the sidecar on stderr without --out
        assert side["columns"] == list(t.columns) and side["parameters"]["n_cells"] == len(t)


class TestSimulatedDataset:
    def test_default_windows_and_evaluation(self, capsys):
        rc, out, _ = run(capsys, "compare", "--dataset", "simulated", "--format", "json")
        d = json.loads(out)
        assert rc == 0 and (d["window_a"], d["window_b"]) == ("2022-04:2022-08", "2023-04:2023-08")
        rc, out, _ = run(
            capsys, "evaluate", "--dataset", "simulated", "--target", "town-centre",
            "--before", "2021-04:2021-08", "--after", "2022-04:2022-08", "--format", "json",
        )  # fmt: skip
        g = {x["group"]: x for x in json.loads(out)["groups"]}
        assert rc == 0
        assert g["crime"]["relative_ci_low"] < -25.59 < g["crime"]["relative_ci_high"]
        assert g["crime"]["spillover"] == "diffusion of benefits"
