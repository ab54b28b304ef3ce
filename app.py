"""Safer BCP hotspot dashboard: navigation. The first page is the Overview (overview.py).

``st.navigation`` names the pages as people read them ("Overview", not the file name
"app"); each page keeps the URL it always had (``/Hotspot_map``), so old links work.

The page scripts live in ``app_pages/``, not ``pages/``: while a ``pages/`` folder exists,
Streamlit runs a fresh server's first session in its legacy multipage mode whenever that
session opens a page other than "/" (a bookmarked link after a restart): the pages ran
without this router and the navigation listed "app" instead of "Overview".
"""

from __future__ import annotations

import streamlit as st

from hotspots.ui.warm import page_shown, session_script, start_warm_up, wait_for_first_page

# Shared work starts once per server process (already at server start when launched by
# ``python -m hotspots.ui.serve``, as scripts/run-app.sh does): the store, its records and
# the first pages' views go into the caches every session shares.
start_warm_up()

# no page icons: Streamlit fetches Material icons from fonts.gstatic.com (the app works offline)
PAGES = [
    st.Page("overview.py", title="Overview", default=True),
    st.Page("app_pages/1_Hotspot_map.py", url_path="Hotspot_map", title="Hotspot map"),
    st.Page(
        "app_pages/2_Seasonal_comparison.py",
        url_path="Seasonal_comparison",
        title="Seasonal comparison",
    ),
    st.Page("app_pages/3_Ward_view.py", url_path="Ward_view", title="Ward view"),
    st.Page("app_pages/4_Patrol_planning.py", url_path="Patrol_planning", title="Patrol planning"),
    st.Page("app_pages/5_Data.py", url_path="Data", title="Data"),
    st.Page("app_pages/6_Accessibility.py", url_path="Accessibility", title="Accessibility"),
]
# while this script runs the warm-up pauses between its steps (it would halve our speed)
with session_script():
    page = st.navigation(PAGES)
    if page.title == "Overview":
        wait_for_first_page()  # "Preparing the data, about N s" while the warm-up is still at it
    try:
        page.run()
    finally:
        page_shown()  # the warm-up goes on with the other pages once a first page is drawn
