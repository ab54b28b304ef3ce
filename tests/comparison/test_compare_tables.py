"""Tests for hotspots.comparison.tables: ASB subtypes by financial year, quarterly indicators."""

from __future__ import annotations

import io

import pandas as pd
import pytest
import shapely

from hotspots.comparison.tables import (
    PublishedTable,
    asb_subtype_table,
    financial_year,
    fy_label,
    fy_quarter,
    parse_financial_year,
    quarterly_table,
)
from hotspots.data import schema as S
from hotspots.data.areas import Area
from hotspots.errors import InputError

SQ = (408595.7, 91181.8)  # Bournemouth Square
VSO = "Violence and sexual offences"


# ============================================================================ inputs
class TestInputs:
    @pytest.mark.parametrize("bad", ["2023/25", "twenty", 1850, "2023-2025"])
    def test_bad_financial_year(self, bad):
        with pytest.raises(InputError, match="financial year"):
            parse_financial_year(bad)

    def test_unknown_indicator(self, toy_records):
        recs = toy_records([(*SQ, "2024-01", S.ASB, 1)])
        with pytest.raises(InputError, match="indicators"):
            quarterly_table(recs, indicators=["happiness"])

    def test_year_without_data(self, toy_records):
        recs = toy_records([(*SQ, "2024-01", S.ASB, 1)])
        with pytest.raises(InputError, match="year"):
            quarterly_table(recs, year=2020)

    def test_bad_render_format(self):
        with pytest.raises(InputError, match="format"):
            PublishedTable("t", pd.DataFrame({"a": [1]})).render("pdf")


# ============================================================================ outputs
class TestFinancialYears:
    @pytest.mark.parametrize(
        "month,fy,q",
        [("2024-03", 2023, 4), ("2024-04", 2024, 1), ("2023-09", 2023, 2), ("2023-12", 2023, 3)],
    )
    def test_year_and_quarter(self, month, fy, q):
        assert financial_year(month) == fy
        assert fy_quarter(month) == q

    def test_labels_and_parsing(self):
        assert fy_label(2023) == "2023/24" and fy_label(1999) == "1999/00"
        assert (
            parse_financial_year("2023/24")
            == parse_financial_year("2023-24")
            == parse_financial_year(2023)
            == 2023
        )


class TestAsbSubtypes:
    def test_counts_by_financial_year(self, toy_records):
        rows = [
            (*SQ, "2023-03", S.ASB, 2, "personal"),  # 2022/23
            (*SQ, "2023-04", S.ASB, 3, "personal"),  # 2023/24
            (*SQ, "2023-10", S.ASB, 5, "nuisance"),
            (*SQ, "2024-03", S.ASB, 1, "environmental"),
            (*SQ, "2024-03", S.ASB, 4, None),  # no subtype
            (*SQ, "2024-03", "Burglary", 9),  # not ASB
        ]
        t = asb_subtype_table(toy_records(rows))
        f = t.frame.set_index("asb_subtype")
        assert list(f.columns) == ["2022/23", "2023/24"]
        assert list(f.index) == ["personal", "nuisance", "environmental", "not recorded", "total"]
        assert f["2022/23"].tolist() == [2, 0, 0, 0, 2]
        assert f["2023/24"].tolist() == [3, 5, 1, 4, 13]
        assert any("4 ASB records have no subtype" in n for n in t.notes)
        assert any("2022/23: 1 of 12 months" in n for n in t.notes)

    def test_police_uk_has_no_subtypes(self, bundled):
        t = asb_subtype_table(bundled)
        f = t.frame.set_index("asb_subtype")
        assert list(f.columns) == ["2018/19", "2023/24"]
        assert f.loc[["personal", "nuisance", "environmental"]].isna().all().all()
        n_2324 = int(
            (
                (bundled[S.CATEGORY] == S.ASB)
                & bundled[S.MONTH].str.startswith("2024")
                & bundled[S.IN_BCP]
            ).sum(),
        )
        assert f.loc["total", "2023/24"] == n_2324
        assert any("no ASB subtypes" in n and "police.uk" in n for n in t.notes)
        assert "n/a" in t.to_markdown()

    def test_simulated_has_subtypes(self, sim_short):
        t = asb_subtype_table(sim_short.records, years=["2021/22"])
        f = t.frame.set_index("asb_subtype")["2021/22"]
        assert f[["personal", "nuisance", "environmental"]].sum() == f["total"] > 0
        assert f["nuisance"] > f["personal"] > f["environmental"]  # shares 0.70 / 0.20 / 0.10


class TestQuarterly:
    @pytest.fixture
    def recs(self, toy_records):
        rows = [
            (*SQ, "2022-04", S.ASB, 10, "personal"),  # baseline 2022/23
            (*SQ, "2022-07", S.ASB, 20, "nuisance"),
            (*SQ, "2023-01", VSO, 7),
            (*SQ, "2023-04", S.ASB, 6, "personal"),  # current 2023/24, Q1
            (*SQ, "2023-05", S.ASB, 2, "nuisance"),  # Q1
            (*SQ, "2023-08", VSO, 3),  # Q2
            (*SQ, "2023-08", "Burglary", 4),  # Q2
        ]
        return toy_records(rows)

    def test_hand_counted(self, recs):
        months = [f"2022-{m:02d}" for m in range(4, 13)] + ["2023-01", "2023-02", "2023-03"]
        months += ["2023-04", "2023-05", "2023-06", "2023-07", "2023-08"]
        t = quarterly_table(
            recs, year="2023/24", indicators=["total ASB reports", "personal ASB", "total crime", VSO],
            available_months=months,
        )  # fmt: skip
        f = t.frame.set_index("indicator")
        assert f.loc["police.uk ASB records", ["baseline_total", "q1", "q2"]].tolist() == [30, 8, 0]
        assert pd.isna(f.loc["police.uk ASB records", "q3"]) and pd.isna(
            f.loc["police.uk ASB records", "q4"],
        )
        assert f.loc["personal ASB", ["baseline_total", "q1", "year_to_date"]].tolist() == [
            10,
            6,
            6,
        ]
        assert f.loc[
            "police.uk crime records",
            ["baseline_total", "q2", "year_to_date"],
        ].tolist() == [7, 7, 7]
        # Apr-Aug of each year: ASB 30 -> 8
        assert f.loc[
            "police.uk ASB records",
            ["current_same_months", "baseline_same_months"],
        ].tolist() == [8, 30]
        assert f.loc["police.uk ASB records", "pct_change"] == pytest.approx(
            round(100 * (8 - 30) / 30, 1),
        )
        assert any("Q2 2023/24 is partial: 2 of 3 months" in n for n in t.notes)
        assert any("previous financial year" in n for n in t.notes)
        assert t.labels["baseline_total"] == "Baseline 2022/23"

    def test_real_data_defaults(self, bundled, bundled_store):
        t = quarterly_table(bundled, available_months=bundled_store.months())
        assert "2023/24 against baseline 2018/19" in t.title
        f = t.frame.set_index("indicator")
        assert f.loc["police.uk crime records", ["q1", "q2", "q3"]].isna().all()
        assert (
            f.loc["police.uk crime records", "q4"]
            == f.loc["police.uk crime records", "year_to_date"]
            > 0
        )
        assert pd.isna(f.loc["personal ASB", "q4"])
        assert any("Jan, Feb" in n and "2024-03 has no baseline month" in n for n in t.notes)
        assert any("no ASB subtypes" in n for n in t.notes)


class TestRendering:
    def test_html_escapes_text(self, toy_records):
        area = Area(
            "<script>alert(1)</script> & co",
            "polygon",
            "x",
            shapely.Point(*SQ).buffer(100),
        )
        t = quarterly_table(
            toy_records([(*SQ, "2024-01", S.ASB, 3)]),
            area=area,
            indicators=["total ASB reports"],
        )
        html = t.to_html()
        assert "<script>" not in html
        assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; co" in html
        assert '<th scope="row">police.uk ASB records</th>' in html
        assert "not the same counts" in html  # the partnership's indicators differ

    def test_markdown_and_csv(self, toy_records):
        rows = [(*SQ, "2023-04", S.ASB, 1200, "personal"), (*SQ, "2024-04", S.ASB, 3, "personal")]
        t = asb_subtype_table(toy_records(rows))
        md = t.to_markdown()
        assert "| personal | 1,200 | 3 |" in md
        assert md.startswith("### Anti-social behaviour by subtype")
        back = pd.read_csv(io.StringIO(t.to_csv()))
        assert back.columns.tolist() == ["asb_subtype", "2023/24", "2024/25"]
        assert back.set_index("asb_subtype").loc["total", "2023/24"] == 1200
        assert t.render("md") == md and t.render("CSV") == t.to_csv()
        assert t.to_dict()["rows"][0] == {"asb_subtype": "personal", "2023/24": 1200, "2024/25": 3}


def test_quarterly_baseline_without_data_is_na_not_zero(bundled):
    from hotspots.comparison.tables import quarterly_table

    t = quarterly_table(bundled, year=2018)
    assert t.frame["baseline_total"].isna().all()
    assert "n/a" in t.to_markdown()
