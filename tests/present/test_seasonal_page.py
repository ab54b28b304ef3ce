"""The Seasonal page's view-model (``hotspots.present.seasonal_page``), on the real bundled
records: what the page shows, tested without Streamlit (the AppTests of the page keep
only what needs widgets: the pickers, the permalink, the dataset switch, the form).

The default evaluation of the bundled data is the page's: Jan–Feb 2019 against
Jan–Feb 2024 in the town-centre open spaces, a 400 m ring, the rest of BCP as control.
In it both groups rose against the control, so the ring's sentence is the one for a
target that did not improve (issue 22's "…: not applicable: …").
"""

from __future__ import annotations

import dataclasses
import json
import re

import pandas as pd
import pytest

from hotspots.comparison.dispersion import two_figures
from hotspots.comparison.interventions import Intervention, intervention_windows
from hotspots.comparison.windows import window
from hotspots.data import schema as S
from hotspots.present.evaluation_words import NOT_APPLICABLE, group_reading
from hotspots.present.seasonal_page import (
    change_section,
    intervention_years,
    no_verdict,
    partnership_tables,
    seasonal_page,
    windows_caption,
)
from hotspots.present.views import Filters, seasonal_view

BEFORE, AFTER = "2019-01:2019-02", "2024-01:2024-02"


@pytest.fixture(scope="module")
def records():
    from hotspots.data.store import open_dataset

    return open_dataset("bundled").records()


@pytest.fixture(scope="module")
def view(records):
    f = Filters("2024-01", "2024-02", tuple(S.CATEGORIES), "bcp")
    return seasonal_view(records, f, before=BEFORE, after=AFTER)


@pytest.fixture(scope="module")
def page(view):
    return seasonal_page(view, suppress_below=5)


# --- the evaluation ------------------------------------------------------------------------------
def test_page_reads_as_the_default_evaluation(page):
    assert page.heading.endswith("Jan–Feb 2019 → Jan–Feb 2024")
    assert "buffer ring 400 m" in page.description
    assert [g.title for g in page.groups] == ["Crime", "Anti-social behaviour"]
    for g in page.groups:
        labels = [m.label for m in g.metrics]
        assert labels == ["Target", "Buffer ring", "Control", "Effect vs control"]


def test_target_metrics_add_up_to_the_records_in_the_target(page, records):
    from hotspots.data.areas import area_mask, resolve_area

    r = records[records[S.MONTH].between("2024-01", "2024-02")]
    inside = area_mask(r[S.X].to_numpy(), r[S.Y].to_numpy(), resolve_area("town-centre"))
    targets = [int(g.metrics[0].value.replace(",", "")) for g in page.groups]
    assert sum(targets) == int(inside.sum())
    assert targets[1] == int((inside & (r[S.CATEGORY] == S.ASB).to_numpy()).sum())


def test_caption_says_which_dispersion_each_figure_uses(page, view):
    """The pooled 3-zone dispersion is the WDD's and WDQ's; the effect uses each zone's own."""
    for panel, g in zip(page.groups, view.evaluation.groups, strict=True):
        cap = panel.dispersion
        assert g.relative.dispersion.model.startswith("separate")  # the real case
        pooled = two_figures(g.dispersion.phi)
        own = two_figures(g.relative.dispersion.phi)
        assert (
            f"the WDD and WDQ use one dispersion pooled over the target, ring and control: {pooled} ("
            in cap
        )
        assert f"{g.dispersion.df:g} degrees of freedom" in cap
        assert "The effect against the control allows for the target's and the control's own" in cap
        assert f"(together {own}, {g.relative.dispersion.df:.0f} degrees of freedom)" in cap
        # said once, in the caption: not again as notes
        assert not any("dispersion" in n for n in panel.notes)


def test_ring_sentence_is_one_sentence_when_the_target_did_not_improve(page, view):
    ev = view.evaluation
    assert [g.spillover for g in ev.groups] == ["not applicable"] * 2
    for panel, g in zip(page.groups, ev.groups, strict=True):
        assert panel.reading == group_reading(ev, g)
        ring = re.search(r"The streets around it \(400 m ring\).*?next door\)\.", panel.reading)
        assert ring, panel.reading
        assert "not applicable" not in panel.reading and "): not" not in panel.reading
        assert f"; {NOT_APPLICABLE}." in panel.reading
        assert ring.group(0).count(":") == 0  # no label-style colons left
    assert list(page.table["spillover"]) == [NOT_APPLICABLE] * 2


def test_cli_evaluate_says_the_same_sentences_and_caption(page, capsys):
    from hotspots.cli import main

    args = ["evaluate", "--dataset", "bundled", "--target", "town-centre", "--before", BEFORE,
            "--after", AFTER]  # fmt: skip
    assert main(args) == 0
    out = capsys.readouterr().out
    for panel in page.groups:
        assert panel.reading in out
        assert f"dispersion ({panel.title.lower()}): {panel.dispersion}" in out
    assert main([*args, "--format", "json"]) == 0
    groups = json.loads(capsys.readouterr().out)["groups"]
    assert [g["reading"] for g in groups] == [p.reading for p in page.groups]
    assert [g["dispersion_reading"] for g in groups] == [p.dispersion for p in page.groups]
    assert [g["spillover_reading"] for g in groups] == [NOT_APPLICABLE] * 2


# --- the per-hotspot change ----------------------------------------------------------------------
def test_change_section_counts_agree_with_the_classes(page, view):
    ch, c = view.change, page.change
    assert c.heading == "Hotspot change (DBSCAN, before vs after)"
    counts = ch.class_counts()
    assert {x.change_class: x.hotspots for x in c.legend} == {k: v for k, v in counts.items() if v}
    assert sum(x.hotspots for x in c.legend) == len(c.hotspots) == len(c.table)
    assert c.show_map and c.one_colour is None  # the real months hold several classes
    assert f"DBSCAN finds {len(ch.current)} hotspots in Jan–Feb 2024: " in c.reading
    for cls in ("new", "growing", "persistent", "shrinking"):
        n = int((ch.current["change_class"] == cls).sum())
        if n:
            assert f"{n} {cls}" in c.reading
    n_gone = int((ch.table["change_class"] == "gone").sum())
    assert f"{n_gone} are gone" in c.reading
    for x in c.legend:
        assert f"{x.label}: {x.hotspots} hotspot" in c.legend_html
    assert list(c.table["Class"]) == list(c.hotspots["change_class"])


def test_change_table_withholds_small_counts_for_a_viewer(page, view):
    t, raw = page.change.table, page.change.hotspots
    small = [i for i, v in enumerate(raw["count_then"]) if 1 <= v <= 4]
    assert small, "Jan–Feb 2019 should hold a hotspot with 1-4 records (Pine Road)"
    for i in small:
        assert t["Records before"].iloc[i] == "<5" and t["Change"].iloc[i] == "withheld"
    shown = set(t["Records before"]) | set(t["Records after"])
    assert not shown & {"1", "2", "3", "4", 1, 2, 3, 4}
    exact = change_section(view.change, suppress_below=None).table
    assert [exact["Records before"].iloc[i] for i in small] == [
        raw["count_then"].iloc[i] for i in small
    ]


def test_one_class_falls_back_to_the_table(view):
    ch = view.change
    one = ch.table.assign(change_class=pd.array(["persistent"] * len(ch.table), dtype="string"))
    c = change_section(dataclasses.replace(ch, table=one), suppress_below=5)
    assert not c.show_map
    assert "one colour" in c.one_colour and "Persistent" in c.one_colour
    assert len(c.table) == len(ch.table) and [x.change_class for x in c.legend] == ["persistent"]


def test_no_comparison_data_says_so(view):
    ch = view.change
    empty = ch.table.assign(change_class=pd.array([pd.NA] * len(ch.table), dtype="string"))
    c = change_section(dataclasses.replace(ch, table=empty, months_then=()), suppress_below=5)
    assert not c.show_map and "no hotspot can be classed" in c.reading
    assert c.one_colour.startswith("No hotspot could be classed")
    assert len(c.table) == 0


# --- the rest of the page ------------------------------------------------------------------------
def test_windows_caption_names_the_intervention_and_escapes_it():
    months = [f"{y}-{m:02d}" for y in (2021, 2022) for m in range(1, 13)]
    iv = Intervention("Winter *nights*", "town-centre", 4, 8, (2022,), 400.0, None, "", "user")
    assert intervention_years(iv, months) == [2021, 2022]
    c = intervention_windows(iv, 2022, months)
    cap = windows_caption(c.before, c.after, months, intervention=iv, year=2022, note="N.")
    assert cap.startswith("Windows in use: Winter \\*nights\\* 2022. ") and cap.endswith(" N.")
    other = windows_caption(window("2021-01:2021-02"), window("2022-01:2022-02"), months,
                            intervention=iv, year=2022)  # fmt: skip
    assert "nights" not in other and other.startswith("Windows in use: ")


def test_no_verdict_words():
    assert no_verdict([]) == ((), None)
    warnings, advice = no_verdict(["the windows overlap"])
    assert warnings == ("No verdict: the windows overlap",) and "do not overlap" in advice


def test_partnership_tables_follow_the_disclosure_rule(records):
    """On a selection with small counts (weapons and ASB in one ward), every count of 1-4
    in the raw tables reads "<5" on the page; a table that cannot be made says why.
    """
    from hotspots.comparison.tables import asb_subtype_table, quarterly_table

    ward = (records[S.WARD_CODE] == "E05012653").fillna(False).to_numpy(dtype=bool)
    r = records[ward]
    asb = r[(r[S.CATEGORY] == S.ASB).to_numpy(dtype=bool)]
    few = pd.concat(
        [
            r[(r[S.CATEGORY] == "Possession of weapons").to_numpy(dtype=bool)],
            asb[(asb[S.MONTH] == "2024-01").to_numpy(dtype=bool)].head(3),  # ASB: 3 and 2
            asb[(asb[S.MONTH] == "2019-01").to_numpy(dtype=bool)].head(2),
        ],
    )
    tabs = partnership_tables(few, 5)
    assert [t.tab for t in tabs] == ["ASB by subtype and financial year", "Quarterly indicators"]
    small = 0
    for t, make in zip(tabs, (asb_subtype_table, quarterly_table), strict=True):
        if t.table is None:
            assert t.message
            continue
        raw = make(few).frame
        for c in raw.columns:
            if str(raw[c].dtype) != "Int64":
                continue
            for v, shown in zip(raw[c], t.table.frame[c], strict=True):
                if not pd.isna(v) and 1 <= v <= 4:
                    small += 1
                    assert shown == "<5", (c, v, shown)
    assert small, "the selection should hold counts of 1-4"
    exact = partnership_tables(few, None)
    assert exact[1].table.frame.equals(quarterly_table(few).frame)
