"""Presentation helpers: folium maps, charts, reports and exports."""
