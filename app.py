"""Safer BCP hotspot dashboard: navigation. The first page is the Overview (overview.py).

``st.navigation`` names the pages as people read them ("Overview", not the file name
"app"); the URL of each page is the one the pages/ folder gave it (``/Hotspot_map``),
so old links keep working.
"""

from __future__ import annotations

import streamlit as st

PAGES = [
    st.Page("overview.py", title="Overview", icon=":material/dashboard:", default=True),
    st.Page("pages/1_Hotspot_map.py", title="Hotspot map", icon=":material/map:"),
    st.Page(
        "pages/2_Seasonal_comparison.py",
        title="Seasonal comparison",
        icon=":material/compare_arrows:",
    ),
    st.Page("pages/3_Ward_view.py", title="Ward view", icon=":material/location_city:"),
    st.Page("pages/4_Patrol_planning.py", title="Patrol planning", icon=":material/local_police:"),
    st.Page("pages/5_Data.py", title="Data", icon=":material/upload_file:"),
]
st.navigation(PAGES).run()
