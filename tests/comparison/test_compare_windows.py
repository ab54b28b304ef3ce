"""Tests for hotspots.comparison.windows."""

from __future__ import annotations

import pytest

from hotspots.comparison.windows import (
    Window,
    baseline,
    dataset_months,
    default_windows,
    previous_years,
    season,
    shift_years,
    window,
)
from hotspots.data import schema as S
from hotspots.data.select import month_range
from hotspots.errors import InputError

REAL_MONTHS = [
    "2018-10",
    "2018-11",
    "2018-12",
    "2019-01",
    "2019-02",
    "2024-01",
    "2024-02",
    "2024-03",
]
BOURNEMOUTH_SQUARE = (408595.7, 91181.8)


# ============================================================================ inputs
class TestInputs:
    @pytest.mark.parametrize("bad", ["2024-13:2024-14", "2024-03:2024-01", "March", "2024/01"])
    def test_bad_window(self, bad):
        with pytest.raises(InputError):
            window(bad)

    def test_bad_window_names_argument(self):
        with pytest.raises(InputError, match="`before`"):
            window("2024-3", "before")

    @pytest.mark.parametrize("m", [0, 13, 4.5])
    def test_bad_season_month(self, m):
        with pytest.raises(InputError):
            season(2021, m, 8)

    def test_bad_years(self):
        """The message blames the argument by its name, ``n`` (it used to say "years")."""
        with pytest.raises(InputError, match="years") as e:
            previous_years(Window("2024-01", "2024-02"), 0)
        assert e.value.argument == "n"

    def test_default_windows_needs_two_months(self):
        with pytest.raises(InputError, match="two months"):
            default_windows(["2024-01"])


# ============================================================================ outputs
class TestWindow:
    def test_months_label_spec(self):
        w = window("2021-04:2021-08")
        assert w.months == ["2021-04", "2021-05", "2021-06", "2021-07", "2021-08"]
        assert w.n_months == 5
        assert w.label == "Apr–Aug 2021"
        assert w.spec == "2021-04:2021-08"

    def test_single_month_and_span_labels(self):
        assert window("2024-01").label == "Jan 2024"
        assert window("2023-11:2024-02").label == "Nov 2023–Feb 2024"
        assert window(("2019-01", "2019-03")) == Window("2019-01", "2019-03")

    def test_coverage(self):
        present, missing = window("2019-01:2019-03").coverage(REAL_MONTHS)
        assert present == ["2019-01", "2019-02"]
        assert missing == ["2019-03"]

    def test_season_and_wrap(self):
        assert season(2021) == Window("2021-04", "2021-08")
        assert season(2023, 11, 2) == Window("2023-11", "2024-02")

    def test_shift_and_previous_years(self):
        assert shift_years(Window("2024-01", "2024-02"), -5) == Window("2019-01", "2019-02")
        assert previous_years(season(2022), 3) == [season(2021), season(2020), season(2019)]


class TestDefaultWindows:
    def test_bundled_real_months(self):
        d = default_windows(REAL_MONTHS)
        assert (d.a, d.b) == (Window("2019-01", "2019-02"), Window("2024-01", "2024-02"))
        assert "same season 5 years apart" in d.reason

    def test_simulated_months(self):
        d = default_windows(month_range("2020-01", "2023-12"), simulated=True)
        assert (d.a, d.b) == (season(2022), season(2023))
        assert "April–August 2022 against April–August 2023" in d.reason
        assert "simulated" in d.reason

    def test_incomplete_latest_season_skipped(self):
        d = default_windows(month_range("2020-01", "2022-06"))
        assert (d.a, d.b) == (season(2020), season(2021))

    def test_no_common_months(self):
        d = default_windows(["2020-01", "2020-02", "2021-05", "2021-06"])
        assert (d.a, d.b) == (Window("2020-01", "2020-02"), Window("2021-05", "2021-06"))
        assert "not the same season" in d.reason

    def test_from_records(self, bundled):
        d = default_windows(bundled)
        assert d.to_dict() == {"a": "2019-01:2019-02", "b": "2024-01:2024-02", "reason": d.reason}


class TestBaseline:
    def test_counts_mean_range(self, toy_records):
        x, y = BOURNEMOUTH_SQUARE
        rows = [
            (x, y, "2021-04", S.ASB, 10),
            (x, y, "2021-05", S.ASB, 5),
            (x, y, "2022-04", S.ASB, 12),
            (x, y, "2022-05", S.ASB, 6),
            (x, y, "2023-04", S.ASB, 30),
            (x, y, "2023-05", S.ASB, 10),
            (x, y, "2023-04", "Burglary", 99),  # other category: left out
        ]
        b = baseline(toy_records(rows), "2023-04:2023-05", years=3, categories="asb")
        assert b.count == 40
        assert [w.spec for w in b.years] == ["2022-04:2022-05", "2021-04:2021-05"]
        assert b.counts == (18, 15)
        assert b.mean == 16.5 and (b.minimum, b.maximum) == (15, 18)
        assert b.unusual == "above the range"
        assert b.pct_vs_mean == pytest.approx(100 * (40 - 16.5) / 16.5)
        assert any("2020" in n and "left out" in n for n in b.notes)
        assert "16.5 a year on average in the same months of 2 earlier years" in b.reading

    def test_goes_back_as_far_as_the_data(self, bundled, bundled_store):
        b = baseline(bundled, "2024-01:2024-02", available_months=bundled_store.months())
        assert [w.spec for w in b.years] == ["2019-01:2019-02"]
        assert "2019 is the only earlier year loaded" in b.reading
        assert "2020–2023 have no data for Jan–Feb" in b.gap
        # the comparison with the baseline allows for the dispersion of the monthly series
        r = b.vs_mean
        assert r.dispersion.phi > 1 and r.ci_low < r.poisson_ci_low
        assert r.ratio == pytest.approx(b.count / b.counts[0])

    def test_no_baseline(self, toy_records):
        x, y = BOURNEMOUTH_SQUARE
        b = baseline(toy_records([(x, y, "2023-04", S.ASB, 3)]), "2023-04:2023-04", years=2)
        assert b.unusual == "no baseline" and b.years == ()
        assert "no earlier year with Apr complete is loaded" in b.reading

    def test_dataset_months(self, toy_records):
        recs = toy_records([(0, 0, "2024-02", S.ASB, 1), (0, 0, "2023-12", S.ASB, 2)])
        assert dataset_months(recs) == ["2023-12", "2024-02"]
        assert dataset_months(recs.iloc[:0]) == []


# ============================================================================ the window model
import pandas as pd  # noqa: E402
from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from hotspots.comparison.rates import compare_periods, compare_with_earlier  # noqa: E402
from hotspots.comparison.windows import (  # noqa: E402
    DEFAULT_MONTHS,
    check_windows,
    comparison_window,
    default_window,
)

_BASE = 2016 * 12  # month ordinals from Jan 2016 to Dec 2025


def _m(o: int) -> str:
    return f"{o // 12:04d}-{o % 12 + 1:02d}"


#: Arbitrary month sets: gaps, one month, uploads starting mid-year.
month_sets = st.sets(st.integers(_BASE, _BASE + 119), min_size=1, max_size=40).map(
    lambda s: sorted(_m(o) for o in s),
)
windows_ = st.tuples(st.integers(_BASE - 12, _BASE + 131), st.integers(1, 30)).map(
    lambda t: Window(_m(t[0]), _m(t[0] + t[1] - 1)),
)


class TestWindowModel:
    def test_default_window_is_the_latest_complete_months(self):
        assert default_window(REAL_MONTHS).spec == "2024-01:2024-03"
        assert default_window(["2024-04"]).spec == "2024-04:2024-04"  # an uploaded single month
        assert default_window(["2021-02", "2024-03", "2024-04"]).spec == "2024-03:2024-04"
        with pytest.raises(InputError, match="at least one month"):
            default_window([])

    def test_comparison_windows(self):
        w = Window("2024-01", "2024-03")
        assert comparison_window(w, "year").spec == "2023-01:2023-03"
        assert comparison_window(w, "previous").spec == "2023-10:2023-12"
        with pytest.raises(InputError, match="'year' or 'previous'"):
            comparison_window(w, "decade")

    def test_messages(self):
        # the case: Jan 2018–Mar 2023 against Jan 2019–Mar 2024 share Jan 2019–Mar 2023
        w = Window("2019-01", "2024-03")
        c = check_windows(comparison_window(w, "year"), w, REAL_MONTHS)
        assert c.problem == "overlap" and not c.ok
        assert c.message.startswith("No verdict:") and "Jan 2019–Mar 2023" in c.message
        c = check_windows("2023-01:2023-03", "2024-01:2024-03", REAL_MONTHS)
        assert c.problem == "empty" and "no data for Jan–Mar 2023" in c.message
        c = check_windows("2019-01:2019-03", "2024-01:2024-03", REAL_MONTHS)
        assert c.problem == "partial" and "Mar 2019 missing" in c.message
        assert check_windows("2019-01:2019-02", "2024-01:2024-02", REAL_MONTHS).ok

    @settings(deadline=None)  # a pure function; timing on a loaded machine is not the subject
    @given(months=month_sets, n=st.integers(1, 12))
    def test_default_window_property(self, months, n):
        w = default_window(months, n)
        _present, missing = w.coverage(months)
        assert not missing and w.end == months[-1]  # complete, and the latest data
        assert 1 <= w.n_months <= n
        # shorter than asked only when the latest unbroken stretch of data is shorter
        before = str(pd.Period(w.start, freq="M") - 1)
        assert w.n_months == n or before not in months
        # the same answer from the months and from records holding them (every caller)
        assert default_window(pd.DataFrame({S.MONTH: months[::-1]}), n) == w

    @given(months=month_sets, a=windows_, b=windows_)
    def test_no_verdict_unless_disjoint_and_covered(self, months, a, b):
        c = check_windows(a, b, months)
        overlap = bool(set(a.months) & set(b.months))
        covered = all(m in months for m in a.months + b.months)
        assert c.ok == (not overlap and covered)
        assert (c.message == "") == c.ok
        if overlap:
            assert c.problem == "overlap"

    @settings(
        max_examples=40,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
    )
    @given(months=month_sets, a=windows_, b=windows_)
    def test_compare_never_gives_a_verdict_on_overlapping_windows(self, toy_records, months, a, b):
        records = toy_records([(430000, 91000, m, S.ASB, 3 + i % 4) for i, m in enumerate(months)])
        check = check_windows(a, b, months)
        try:
            c = compare_periods(records, a, b, available_months=months)
        except InputError as e:
            assert check.problem in ("overlap", "empty") and check.message in str(e)
            return
        assert check.problem not in ("overlap", "empty")
        assert c.verdict == check.ok
        if not c.verdict:
            assert "chance" not in c.reading and check.message in c.reading

    @settings(
        max_examples=40,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
    )
    @given(months=month_sets, w=windows_, kind=st.sampled_from(["year", "previous"]))
    def test_compare_with_earlier(self, toy_records, months, w, kind):
        records = toy_records([(430000, 91000, m, S.ASB, 5) for m in months])
        c, check = compare_with_earlier(records, w, kind=kind, available_months=months)
        if c is None:
            assert not check.ok and check.message.startswith("No verdict")
        else:
            assert check.ok and not set(c.a.months) & set(c.b.months) and c.verdict

    def test_default_window_length_is_the_same_for_every_caller(self):
        assert DEFAULT_MONTHS == 3
