"""Crime and ASB hotspot analysis for Bournemouth, Christchurch and Poole (BCP).

Layers (arrows point down only)::

    pages/, cli.py  ->  ui/, present/  ->  compare/, methods/  ->  data/

``data`` knows nothing of methods or screens; ``methods`` and ``compare`` never
import streamlit or folium; only ``ui`` imports streamlit.
"""

__version__ = "0.1.0"
