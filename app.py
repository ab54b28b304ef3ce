"""Safer BCP hotspot dashboard: navigation. The first page is the Overview (overview.py).

``st.navigation`` names the pages as people read them ("Overview", not the file name
"app"); the URL of each page is the one the pages/ folder gave it (``/Hotspot_map``),
so old links keep working.
"""

from __future__ import annotations

import streamlit as st

# no page icons: Streamlit fetches Material icons from fonts.gstatic.com (the app works offline)
PAGES = [
    st.Page("overview.py", title="Overview", default=True),
    st.Page("pages/1_Hotspot_map.py", title="Hotspot map"),
    st.Page("pages/2_Seasonal_comparison.py", title="Seasonal comparison"),
    st.Page("pages/3_Ward_view.py", title="Ward view"),
    st.Page("pages/4_Patrol_planning.py", title="Patrol planning"),
    st.Page("pages/5_Data.py", title="Data"),
]
st.navigation(PAGES).run()
