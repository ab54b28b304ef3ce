"""The Seasonal comparison page's controls.

The intervention, its year, the two windows, the target, the ring and the control wards (sidebar),
and the form that adds an intervention to the register.

Choosing an intervention or a year sets the windows, the target and the ring; a switch
of dataset (or a stale link) puts the windows back to the dataset's default
evaluation, said in a note. Everything the page then shows comes from
:mod:`hotspots.present.seasonal_page`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import streamlit as st

from hotspots.comparison.interventions import (
    Intervention,
    add_intervention,
    default_evaluation,
    intervention_windows,
    load_interventions,
)
from hotspots.comparison.windows import Window, default_windows
from hotspots.comparison.windows import window as make_window
from hotspots.data.boundaries import load_boundaries
from hotspots.present.seasonal_page import intervention_years
from hotspots.ui import state, widgets

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["CUSTOM", "SeasonalChoices", "add_intervention_form", "seasonal_controls"]

CUSTOM = "Custom windows"
WINDOW_KEYS = ("b_from", "b_to", "a_from", "a_to")


@dataclass(frozen=True)
class SeasonalChoices:
    """What the sidebar chose: the two windows, target, ring, control and intervention."""

    w_before: Window
    w_after: Window
    target: str
    buffer_m: int
    control: str | None  # "wards:E0…,E0…" or None (the rest of BCP)
    intervention: Intervention | None
    year: int | None

    @property
    def before(self) -> str:
        """The before window as a spec (``YYYY-MM..YYYY-MM``)."""
        return self.w_before.spec

    @property
    def after(self) -> str:
        """The after window as a spec (``YYYY-MM..YYYY-MM``)."""
        return self.w_after.spec


def _set_windows(before: Window, after: Window) -> None:
    st.session_state.update(
        b_from=before.start,
        b_to=before.end,
        a_from=after.start,
        a_to=after.end,
    )


def seasonal_controls(dataset: str, records: pd.DataFrame, months: list[str]) -> SeasonalChoices:
    """Draw the sidebar's intervention, window, target, ring and control pickers."""
    sb = st.sidebar
    sb.divider()
    sb.markdown("**Intervention and windows**")
    register = load_interventions()
    by_name = {iv.name: iv for iv in register}
    choice = default_evaluation(months, register)
    if choice is not None:
        default_iv, default_year = choice.intervention.name, choice.year
        default_w = (choice.before, choice.after)
    else:
        dw = default_windows(records)
        default_iv, default_year, default_w = CUSTOM, None, (dw.a, dw.b)

    def apply_intervention() -> None:
        """Choosing an intervention or a year sets the windows, the target and the ring."""
        iv = by_name.get(str(st.session_state.get("iv")))
        if iv is None:
            return
        years = intervention_years(iv, months)
        if not years:
            return
        year = st.session_state.get("iv_year")
        if year not in years:
            year = iv.first_evaluated if iv.first_evaluated in years else max(years)
            st.session_state["iv_year"] = year
        c = intervention_windows(iv, year, months)
        _set_windows(c.before, c.after)
        st.session_state.update(target=c.target, buffer=int(round(c.buffer_m / 50) * 50) or 100)

    state.init("iv", default_iv, lambda v: v if v in by_name or v == CUSTOM else default_iv)
    state.init("iv_year", default_year, int)
    starts = (default_w[0].start, default_w[0].end, default_w[1].start, default_w[1].end)
    for key, value in zip(WINDOW_KEYS, starts, strict=True):
        state.init(key, value, lambda v: v if v in months else (_ for _ in ()).throw(ValueError(v)))
    # a switch of dataset (or a stale value) never leaves the pickers on months the data lack
    switched = st.session_state.get("_seasonal_dataset") not in (None, dataset)
    stale = any(st.session_state.get(k) not in months for k in WINDOW_KEYS)
    st.session_state["_seasonal_dataset"] = dataset
    if switched or stale:
        st.session_state.update(iv=default_iv, iv_year=default_year)
        _set_windows(*default_w)
        if choice is not None:
            st.session_state.update(target=choice.target, buffer=int(choice.buffer_m))
        sb.info("Windows set to this dataset's default evaluation.")

    sb.selectbox(
        "Intervention", [*by_name, CUSTOM], key="iv", on_change=apply_intervention,
        help="From the intervention register (geodata/interventions.toml and your own, added "
        "below). Choosing one sets the windows, the target and the ring.",
    )  # fmt: skip
    chosen = by_name.get(str(st.session_state["iv"]))
    if chosen is not None:
        years = intervention_years(chosen, months)
        if years:
            if st.session_state.get("iv_year") not in years:
                first = chosen.first_evaluated
                st.session_state["iv_year"] = first if first in years else years[-1]
            sb.selectbox(
                "Year evaluated", years, key="iv_year", on_change=apply_intervention,
                help="The after window is the intervention's months in this year; the before "
                "window the same months a year earlier.",
            )  # fmt: skip
        else:
            sb.info(f"The data have none of {chosen.name}'s months ({chosen.months_label}).")
    picks = {}
    for prefix, label in (("b", "Before"), ("a", "After")):
        c1, c2 = sb.columns(2)
        picks[f"{prefix}_from"] = c1.selectbox(f"{label}: from", months, key=f"{prefix}_from")
        picks[f"{prefix}_to"] = c2.selectbox(f"{label}: to", months, key=f"{prefix}_to")
    b0, b1 = sorted((str(picks["b_from"]), str(picks["b_to"])))
    a0, a1 = sorted((str(picks["a_from"]), str(picks["a_to"])))
    w_before, w_after = make_window((b0, b1)), make_window((a0, a1))

    opts = widgets.area_options()
    state.init("target", "town-centre", lambda v: v if v in opts else "town-centre")
    target = sb.selectbox(
        "Target area",
        list(opts)[1:],
        format_func=lambda a: opts[a],
        key="target",
    )
    state.init("buffer", 400, state.clamped(100, 1500, 50))
    buffer_m = sb.slider(
        "Buffer ring around the target (m)", 100, 1500, step=50, key="buffer",
        help="Where displacement or a diffusion of benefits would show.",
    )  # fmt: skip
    wards = load_boundaries().wards
    ward_names = dict(zip(wards["ward_code"], wards["ward_name"], strict=True))
    state.init("control", "", str)
    st.session_state.setdefault(
        "control_pick",
        [c for c in st.session_state["control"].split(",") if c in ward_names],
    )
    picked = sb.multiselect(
        "Control wards (empty: the rest of BCP)", list(ward_names),
        format_func=lambda c: ward_names[c], key="control_pick",
    )  # fmt: skip
    st.session_state["control"] = ",".join(picked)
    iv_now = by_name.get(str(st.session_state.get("iv")))
    widgets.permalink(
        {
            **picks, "target": target, "buffer": buffer_m, "control": ",".join(picked),
            "iv": st.session_state.get("iv"), "iv_year": st.session_state.get("iv_year"),
        },
    )  # fmt: skip
    return SeasonalChoices(
        w_before, w_after, str(target), int(buffer_m),
        f"wards:{','.join(picked)}" if picked else None,
        iv_now, st.session_state.get("iv_year") if iv_now is not None else None,
    )  # fmt: skip


def add_intervention_form() -> None:
    """Draw an expander with a form adding an intervention to the user's register."""
    opts = widgets.area_options()
    with st.expander("Add an intervention to the register"):
        with st.form("add_iv", clear_on_submit=False):
            f_name = st.text_input("Name", max_chars=80)
            f_target = st.selectbox(
                "Area",
                list(opts)[1:],
                format_func=lambda a: opts[a],
                key="f_target",
            )
            mc = st.columns(3)
            f_start = mc[0].number_input("First month (1-12)", 1, 12, 4)
            f_end = mc[1].number_input("Last month (1-12)", 1, 12, 8)
            f_buffer = mc[2].number_input("Ring (m)", 0, 5000, 400, step=50)
            f_years = st.text_input("Years it ran (comma-separated)", placeholder="2023, 2024")
            f_desc = st.text_input("Description", max_chars=300)
            if st.form_submit_button("Add to the register"):
                try:
                    years_in = tuple(int(y) for y in f_years.replace(" ", "").split(",") if y)
                    path = add_intervention(
                        Intervention(
                            f_name.strip(), str(f_target), int(f_start), int(f_end), years_in,
                            float(f_buffer), None, f_desc.strip(), "user",
                        ),
                    )  # fmt: skip
                except Exception as exc:
                    widgets.show_error(exc)
                else:
                    st.session_state["_iv_added"] = (
                        f"Added to {path.name}; choose it under Intervention."
                    )
                    st.rerun()
        if added := st.session_state.pop("_iv_added", None):
            st.success(added)
