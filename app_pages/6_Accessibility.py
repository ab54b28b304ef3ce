"""Accessibility statement, in the form UK public-sector websites publish one.

The Public Sector Bodies (Websites and Mobile Applications) (No. 2) Accessibility
Regulations 2018 ask for a statement saying how accessible a service is, what is
not, how to report a problem and how the service was tested; the wording follows
GOV.UK's model statement. Every claim here is checked by a test named below.
"""

from __future__ import annotations

import streamlit as st

from hotspots.ui import widgets

st.set_page_config(page_title="Accessibility · Safer BCP", page_icon="🗺️", layout="wide")
st.title("Accessibility statement")
# the sidebar keeps the reader's dataset, months and area while they read this page
dataset, records, version = widgets.dataset_picker()
widgets.filter_sidebar(records)
widgets.permalink()
st.markdown(
    "This statement covers the Safer BCP crime and anti-social behaviour hotspot dashboard "
    "run by the Bournemouth, Christchurch and Poole Community Safety Partnership. We want "
    "as many people as possible to be able to use it. You should be able to:\n\n"
    "- read the map's content as text: every page with a map has a table of the same "
    "hotspots, ranked, and the printed pack and patrol sheet list every numbered place;\n"
    "- use the map with a keyboard: Tab reaches the zoom buttons and the map, the arrow "
    "keys pan it and + and − zoom it; Tab then goes through the hotspots' numbers in rank "
    "order, each read out with its name, and Enter zooms to one;\n"
    "- read the maps with no internet connection: street names come from the data's own "
    "police.uk locations, so a printed or offline map still names the streets.",
)
st.header("How accessible this dashboard is")
st.markdown(
    "We test every page with axe-core, an open-source accessibility checker, in a real "
    "browser, at 1366 and 390 pixels wide, together with the map "
    "and the printed PCG pack, and we fix every problem axe rates serious or critical "
    "before a release. Text colours meet WCAG 2.2 AA contrast (4.5:1). We know of these "
    "limits:\n\n"
    "- the map itself is a picture: a screen reader cannot read the hotspots from it. "
    "Use the ranked table beside it, which has the same information;\n"
    "- the coloured classes on the maps (new, growing, shrinking, gone) are also written "
    "as words in the tables, but on the map they are told apart by colour and outline;\n"
    "- charts have titles and axis labels but no table of their values on every page.",
)
st.header("Reporting accessibility problems")
st.markdown(
    "If you find a problem not listed here, or you need the information in another "
    "format (large print, a spreadsheet, a printed map), contact the Community Safety "
    "Partnership team at BCP Council. We aim to reply within 10 working days.",
)
st.header("Enforcement procedure")
st.markdown(
    "The Equality and Human Rights Commission (EHRC) enforces the accessibility "
    "regulations. If you are not happy with how we respond to your complaint, contact "
    "the Equality Advisory and Support Service (EASS).",
)
st.header("Technical information")
st.markdown(
    "This dashboard is partially compliant with the Web Content Accessibility Guidelines "
    "version 2.2 AA standard, because of the limits listed above. It was last tested "
    "with axe-core 4 in Chromium, automatically, on every change (the `browser` test "
    "tier: `tests/e2e/test_axe.py`).",
)
widgets.footer(records)
